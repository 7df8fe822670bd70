"""The officers' dashboard: what is in a jurisdiction, and where workers are out of reach of an
operational station (the gap map)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import h3
from sqlalchemy import Connection, and_, exists, func, select

from geo import stations
from geo.coverage import MIN_RES
from geo.h3index import cell_polygon, to_hex
from geo.jurisdiction import Jurisdiction
from geo.models import Station, Workplace
from geo.vocab import StationStatus
from geo.workplaces import in_jurisdiction
from membership.applications import overdue_at
from membership.tables import Application, Member
from membership.vocab import OPEN_STATUSES, MemberStatus
from officers.tables import StationReport

S, W = Station.__table__, Workplace.__table__
A, M, R = Application.__table__, Member.__table__, StationReport.__table__
GAP_RESOLUTIONS = range(MIN_RES, 11)  # 7 (5 km²) to 10 (0.015 km²); stored for every workplace


def counts(conn: Connection, within: Jurisdiction, today: date,
           stale_before: datetime) -> dict[str, Any]:
    members: dict[str, int] = dict(conn.execute(select(M.c.status, func.count()).where(
        within.union(M.c.union_id)).group_by(M.c.status)).all())
    is_open = A.c.status.in_(OPEN_STATUSES)
    open_, overdue = conn.execute(select(
        func.count().filter(is_open), func.count().filter(overdue_at(today))
    ).select_from(A).where(within.union(A.c.union_id))).one()
    in_area = within.location(S.c.location)
    by_status: dict[str, int] = dict(conn.execute(select(S.c.status, func.count()).where(in_area)
                                  .group_by(S.c.status)).all())
    stale = conn.execute(select(func.count()).select_from(S).where(
        in_area, stations.stale(stale_before))).scalar_one()
    reports = conn.execute(select(func.count()).select_from(R.join(S, S.c.id == R.c.station_id))
                           .where(in_area, R.c.resolved_at.is_(None))).scalar_one()
    return {
        "members": {"total": sum(members.values()),
                    **{s.value: members.get(s.value, 0) for s in MemberStatus}},
        "applications": {"open": open_, "overdue": overdue},
        "stations": {"by_status": {s.value: by_status.get(s.value, 0) for s in StationStatus},
                     "stale": stale},
        "reports_unresolved": reports,
    }


def out_of_reach(point: Any, walk_m: float) -> Any:
    """No operational station within `walk_m` geodesic metres of `point` (borders included)."""
    return ~exists(select(1).where(
        S.c.status == StationStatus.OPERATIONAL.value,
        func.ST_DWithin(func.geography(S.c.location), func.geography(point), walk_m)))


@dataclass(frozen=True)
class GapCell:
    cell: str
    workplaces: int
    members: int


def gaps(conn: Connection, within: Jurisdiction, walk_m: float, res: int
         ) -> tuple[dict[str, int], list[GapCell]]:
    """Workplaces and members (by their workplace's location) of the jurisdiction with no
    operational station within `walk_m`, counted by the H3 cell at `res` they lie in; the
    cells with the most people first."""
    cell = W.c.h3_cells[res - MIN_RES + 1]
    beyond = out_of_reach(W.c.location, walk_m)
    by_cell = conn.execute(select(cell, func.count(), func.count().filter(beyond))
                           .where(in_jurisdiction(within)).group_by(cell)).all()
    workplaces = Counter({c: n for c, _, n in by_cell if n})
    located = and_(within.union(M.c.union_id), M.c.workplace_location.is_not(None))
    member_rows = conn.execute(select(func.ST_X(M.c.workplace_location),
                                      func.ST_Y(M.c.workplace_location),
                                      out_of_reach(M.c.workplace_location, walk_m)).where(located)).all()
    members = Counter(int(h3.str_to_int(h3.latlng_to_cell(lat, lon, res)))
                      for lon, lat, far in member_rows if far)
    cells = [GapCell(to_hex(c), workplaces[c], members[c]) for c in set(workplaces) | set(members)]
    cells.sort(key=lambda g: (-(g.workplaces + g.members), g.cell))
    totals = {"workplaces": sum(n for _, n, _ in by_cell),
              "workplaces_beyond": workplaces.total(),
              "members_located": len(member_rows), "members_beyond": members.total()}
    return totals, cells


def gap_geojson(cells: list[GapCell], walk_m: float, res: int) -> dict[str, Any]:
    """The gap cells as GeoJSON polygons (lon/lat), for the coverage map."""
    features = [{"type": "Feature", "id": g.cell, "geometry": cell_polygon(g.cell),
                 "properties": {"cell": g.cell, "workplaces_beyond": g.workplaces,
                                "members_beyond": g.members}} for g in cells]
    return {"type": "FeatureCollection", "walk_m": walk_m, "res": res, "features": features}
