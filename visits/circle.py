"""The service circle: the share of a union's workplaces, and of its members by their workplace,
with an operational station within reach; overall and by a station open at noon on a working
day, at 22:00 and at 03:00 (night riders).

Reach is a time and a mode: speed × minutes ÷ the detour factor, as a geodesic distance (yizhan
has no road network; the factor stands for the way by road being longer than the straight line).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, Connection, any_, case, func, literal, select
from sqlalchemy.dialects.postgresql import ARRAY

from geo.hours import open_at, zone
from geo.models import Station, Union, Workplace
from geo.vocab import StationStatus
from membership.tables import Member
from membership.vocab import MemberStatus

S, U, W, M = Station.__table__, Union.__table__, Workplace.__table__, Member.__table__
WALK_KMH = 4.5
WORKING_DAY = "Mo-Fr 00:00-24:00; PH off"  # the opening hours of a working day
MOMENTS = {"noon": time(12), "evening": time(22), "night": time(3)}


class Mode(StrEnum):
    WALK = "walk"
    EBIKE = "ebike"


@dataclass(frozen=True)
class Reach:
    mode: Mode
    minutes: float
    kmh: float
    detour: float

    @property
    def metres(self) -> float:
        """The geodesic distance that `minutes` at `kmh` cover by road."""
        return self.kmh * 1000 / 60 * self.minutes / self.detour


def reach(mode: Mode, minutes: float, ebike_kmh: float, detour: float) -> Reach:
    return Reach(mode, minutes, WALK_KMH if mode is Mode.WALK else ebike_kmh, detour)


def working_day(after: date, timezone: str, country: str) -> date:
    """The first working day (Monday to Friday, not a public holiday) on or after `after`."""
    day = after
    while not open_at(WORKING_DAY, datetime.combine(day, time(12), zone(timezone)), timezone,
                      country):
        day += timedelta(days=1)
    return day


def moments(day: date, timezone: str) -> dict[str, datetime]:
    return {name: datetime.combine(day, t, zone(timezone)) for name, t in MOMENTS.items()}


def open_stations(conn: Connection, at: dict[str, datetime], country: str
                  ) -> dict[str, list[int]]:
    """The operational stations open at each moment (by their hours, in their time zone, with
    the country's public holidays); a station whose hours are unknown or unpublished counts as
    not open at any of them."""
    found: dict[str, list[int]] = {name: [] for name in at}
    for sid, hours, tz in conn.execute(select(S.c.id, S.c.opening_hours, S.c.timezone).where(
            S.c.status == StationStatus.OPERATIONAL.value)):
        for name, moment in at.items():
            if open_at(hours, moment, tz, country):
                found[name].append(sid)
    return found


def within_reach(point: Any, metres: float, ids: Sequence[int] | None) -> Any:
    """An operational station (of `ids`, if given) within `metres` of `point`."""
    q = select(1).where(S.c.status == StationStatus.OPERATIONAL.value,
                        func.ST_DWithin(func.geography(S.c.location), func.geography(point),
                                        metres))
    if ids is not None:
        q = q.where(S.c.id == any_(literal(list(ids), ARRAY(BigInteger))))
    return q.exists()


@dataclass
class Tally:
    total: int = 0
    covered: int = 0
    noon: int = 0
    evening: int = 0
    night: int = 0

    def add(self, flags: Sequence[bool]) -> None:
        self.total += 1
        for name, flag in zip(("covered", "noon", "evening", "night"), flags, strict=True):
            setattr(self, name, getattr(self, name) + int(flag))

    def out(self) -> dict[str, Any]:
        def share(n: int) -> float | None:
            return None if not self.total else round(n / self.total, 4)
        return {"total": self.total, "covered": self.covered, "share": share(self.covered),
                "by_time": {name: {"covered": getattr(self, name),
                                   "share": share(getattr(self, name))} for name in MOMENTS}}


def _branches(conn: Connection, union_id: int) -> tuple[str, int, dict[int, dict[str, Any]]]:
    path, depth = conn.execute(select(func.ltree2text(U.c.path), func.nlevel(U.c.path))
                               .where(U.c.id == union_id)).one()
    children = {i: {"id": i, "code": code, "name": name, "level": level}
                for i, code, name, level in conn.execute(
                    select(U.c.id, U.c.code, U.c.name, U.c.level)
                    .where(U.c.parent_id == union_id).order_by(U.c.code))}
    return path, depth, children


def _rows(conn: Connection, point: Any, union_col: Any, extra: Sequence[Any], path: str,
          depth: int, metres: float, open_ids: dict[str, list[int]]) -> list[Any]:
    """Per point: the branch (the child union's id, or the union itself) and the four flags."""
    branch = case((func.nlevel(U.c.path) > depth,
                   func.ltree2text(func.subltree(U.c.path, depth, depth + 1))), else_="")
    return list(conn.execute(
        select(branch, within_reach(point, metres, None),
               *(within_reach(point, metres, open_ids[name]) for name in MOMENTS))
        .select_from(U.join(union_col.table, union_col == U.c.id))
        .where(U.c.path.op("<@")(func.text2ltree(path)), point.is_not(None), *extra)))


def service_circle(conn: Connection, union_id: int, r: Reach, day: date, timezone: str,
                   country: str) -> dict[str, Any]:
    """The union's figures and those of each union one level down. `day` is the working day
    (local) whose noon, 22:00 and 03:00 the timed figures are for."""
    path, depth, children = _branches(conn, union_id)
    at = moments(day, timezone)
    open_ids = open_stations(conn, at, country)
    metres = r.metres
    result: dict[str, Any] = {}
    for what, point, col, extra in (
            ("workplaces", W.c.location, W.c.matched_union_id, []),
            ("members", M.c.workplace_location, M.c.union_id,
             [M.c.status == MemberStatus.ACTIVE.value])):
        whole, per = Tally(), {i: Tally() for i in children}
        for branch, *flags in _rows(conn, point, col, extra, path, depth, metres, open_ids):
            whole.add(flags)
            if branch:
                per[int(branch)].add(flags)
        result[what] = (whole, per)
    return {
        "union_id": union_id, "mode": r.mode.value, "minutes": r.minutes, "kmh": r.kmh,
        "detour_factor": r.detour, "reach_m": round(metres, 1),
        "working_day": day, "moments": {n: m.isoformat() for n, m in at.items()},
        "workplaces": result["workplaces"][0].out(), "members": result["members"][0].out(),
        "children": [c | {"workplaces": result["workplaces"][1][i].out(),
                          "members": result["members"][1][i].out()}
                     for i, c in children.items()],
    }


def out_of_reach(conn: Connection, union_id: int, r: Reach, limit: int = 5000
                 ) -> list[dict[str, Any]]:
    """The union's workplaces with no operational station within reach, for the map."""
    path = conn.execute(select(func.ltree2text(U.c.path)).where(U.c.id == union_id)).scalar_one()
    rows = conn.execute(
        select(W.c.id, W.c.name, func.ST_X(W.c.location), func.ST_Y(W.c.location))
        .select_from(W.join(U, U.c.id == W.c.matched_union_id))
        .where(U.c.path.op("<@")(func.text2ltree(path)), ~within_reach(W.c.location, r.metres, None))
        .order_by(W.c.id).limit(limit))
    return [{"id": i, "name": n, "lon": round(x, 6), "lat": round(y, 6)} for i, n, x, y in rows]
