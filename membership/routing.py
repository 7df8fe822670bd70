"""Where an application or a membership goes: the employer's own union if it has one, else the
most specific area union covering the workplace (with the fallbacks of geo.unions)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Connection, func, select, text

from geo import unions
from geo.crs import Crs, to_wgs84, wgs84_ewkt
from geo.jurisdiction import EVERYWHERE, Jurisdiction
from geo.station_data import Text200, Text500
from geo.workplaces import W, in_jurisdiction
from membership.vocab import RouteReason


class NotRoutable(ValueError):
    """The workplace is unknown, or lies outside every union's reach."""


class WorkplaceGiven(BaseModel):
    """A workplace that is not stored: its name, address and point."""

    model_config = ConfigDict(extra="forbid")
    name: Text200
    address: Text500 | None = None
    lon: float = Field(ge=-180, le=180, allow_inf_nan=False)
    lat: float = Field(ge=-90, le=90, allow_inf_nan=False)


@dataclass(frozen=True)
class Route:
    union_id: int
    reason: RouteReason
    distance_m: float | None = None


_FROM_MATCH = {"matched": RouteReason.AREA, "gap_fallback": RouteReason.GAP_FALLBACK,
               "nearest_fallback": RouteReason.NEAREST_FALLBACK}


def route_point(conn: Connection, lon: float, lat: float) -> Route:
    found = unions.match(conn, lon, lat)
    if found.union is None:
        raise NotRoutable(
            f"no union covers the workplace at lon {lon:.6f}, lat {lat:.6f}, and none is within "
            f"{unions.FALLBACK_M:.0f} m; check the point and its crs")
    return Route(found.union.id, _FROM_MATCH[found.status],
                 found.distance_m if found.status == "nearest_fallback" else None)


def route_to(conn: Connection, workplace_id: int | None, given: WorkplaceGiven | None,
             crs: Crs, within: Jurisdiction = EVERYWHERE) -> tuple[Route, dict[str, Any]]:
    """The route for a stored workplace (by id, if it is `within` the jurisdiction: one outside
    is answered as one that does not exist) or a given one (in `crs`), with the columns that
    record where the person works: workplace_id, _name, _address and _location."""
    if workplace_id is None:
        assert given is not None
        lon, lat = to_wgs84(given.lon, given.lat, crs)
        return route_point(conn, lon, lat), {
            "workplace_id": None, "workplace_name": given.name,
            "workplace_address": given.address, "workplace_location": wgs84_ewkt(lon, lat)}
    row = conn.execute(select(
        W.c.name, W.c.address, W.c.location, W.c.own_union_id, W.c.matched_union_id,
        W.c.match_status, W.c.match_distance_m, func.ST_X(W.c.location).label("lon"),
        func.ST_Y(W.c.location).label("lat"))
        .where(W.c.id == workplace_id, in_jurisdiction(within))).first()
    if row is None:
        raise NotRoutable(f"workplace_id {workplace_id}: no such workplace among those you can "
                          "list; give the new one as workplace {name, address, lon, lat}")
    return _stored_route(conn, row), {
        "workplace_id": workplace_id, "workplace_name": row.name,
        "workplace_address": row.address, "workplace_location": row.location}


def _stored_route(conn: Connection, row: Any) -> Route:
    """A stored workplace's union: its own, else the area match kept current in the table."""
    if row.own_union_id is not None:
        return Route(row.own_union_id, RouteReason.OWN_UNION)
    if row.matched_union_id is None:
        return route_point(conn, row.lon, row.lat)  # not matched yet, or covered by nothing
    return Route(row.matched_union_id, _FROM_MATCH[row.match_status],
                 row.match_distance_m if row.match_status == "nearest_fallback" else None)


def parent_or_self(conn: Connection, union_id: int) -> int:
    """The union one level above (which holds members between jobs); a root holds its own."""
    parent = conn.execute(text("SELECT parent_id FROM unions WHERE id = :id"),
                          {"id": union_id}).scalar_one()
    return parent if parent is not None else union_id
