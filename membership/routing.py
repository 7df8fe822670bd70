"""Where an application or a membership goes: the employer's own union if it has one, else the
most specific area union covering the workplace (with the fallbacks of geo.unions)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, text

from geo import unions
from membership.vocab import RouteReason


class NotRoutable(ValueError):
    """The workplace lies outside every union's reach."""


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


def route_workplace(conn: Connection, workplace_id: int) -> Route:
    """A stored workplace's union: its own, else the area match kept current in the table."""
    row = conn.execute(text(
        "SELECT own_union_id, matched_union_id, match_status, match_distance_m, "
        "ST_X(location) AS lon, ST_Y(location) AS lat FROM workplaces WHERE id = :id"),
        {"id": workplace_id}).one()
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
