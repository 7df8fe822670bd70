"""The level below: a union's counts split among the unions one level down, so that a street,
district or city officer sees where the work is and drills down.

Every row of the jurisdiction counts in exactly one line, so the lines add up to the whole:
members and applications in the line of the child whose subtree holds their union, or in the
union's own line ("itself": gap fallbacks, members held between jobs); stations in the line of
the first child (by id) whose area covers them, or in "itself" (on no child's area); workplaces
by the union they are matched to, else their employer's own union. An admin's top level is the
tree's roots, with a line for what lies under none of them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, Connection, case, cast, func, select
from sqlalchemy.sql import ColumnElement

from geo import stations, unions
from geo.jurisdiction import EVERYWHERE, Jurisdiction
from geo.models import Station, Union, Workplace
from geo.unions import UnionRecord
from geo.vocab import StationStatus
from geo.workplaces import in_jurisdiction
from membership.applications import overdue_at
from membership.tables import Application, Member
from membership.vocab import OPEN_STATUSES, MemberStatus
from membership.worker_requests import stats as request_stats
from officers.accounts import OfficerRecord
from officers.dashboard import counts, out_of_reach

S, W, U = Station.__table__, Workplace.__table__, Union.__table__
A, M = Application.__table__, Member.__table__
REACH_M = 1000.0  # a workplace is within reach of a station within this walk


@dataclass
class Line:
    """One line of the table: a union one level down (or the union itself, `union` None)."""

    union: UnionRecord | None
    members: dict[str, int] = field(default_factory=lambda: {s.value: 0 for s in MemberStatus})
    open: int = 0
    overdue: int = 0
    stations: dict[str, int] = field(default_factory=lambda: {s.value: 0 for s in StationStatus})
    stale: int = 0
    workplaces: int = 0
    within_reach: int = 0
    # workers' requests: open, overdue, escalated, closed and solved
    requests: dict[str, int] = field(
        default_factory=lambda: dict.fromkeys(request_stats.FIGURES, 0))

    @property
    def reach_share(self) -> float | None:
        return self.within_reach / self.workplaces if self.workplaces else None

    @property
    def solved_share(self) -> float | None:
        """Of the closed requests, the share solved."""
        closed = self.requests["closed"]
        return self.requests["solved"] / closed if closed else None

    def add(self, other: Line) -> None:
        for k, v in other.members.items():
            self.members[k] += v
        for k, v in other.stations.items():
            self.stations[k] += v
        self.open += other.open
        self.overdue += other.overdue
        self.stale += other.stale
        self.workplaces += other.workplaces
        self.within_reach += other.within_reach
        for k, v in other.requests.items():
            self.requests[k] += v


@dataclass
class Table:
    top: UnionRecord | None  # None: an admin's view of the whole tree
    lines: list[Line]  # the children, then the union itself (if anything is counted there)
    total: Line  # the jurisdiction counted as a whole, not summed from the lines


def _child(path: Any, depth: int) -> ColumnElement[Any]:
    """The id of the union one level below the top on the way to `path` (a union's path of
    ancestor ids); None for the top itself."""
    label = func.ltree2text(func.subltree(path, depth, depth + 1))
    return case((func.nlevel(path) > depth, cast(label, BigInteger)), else_=None)


def table(conn: Connection, top: UnionRecord | None, today: date,
          stale_before: datetime) -> Table:
    """The lines below `top` (None: the roots, for an admin). The caller checks that `top` is
    in the officer's jurisdiction."""
    area = Jurisdiction(top.path) if top else EVERYWHERE
    depth_n = len(top.path.split(".")) if top else 0
    _, kids = unions.search(conn, parent_id=top.id, limit=10_000) if top else \
        unions.search(conn, roots=True, limit=10_000)
    lines = {k.id: Line(k) for k in kids}
    itself = Line(None)

    def line(child: int | None) -> Line:
        return lines.get(child, itself) if child is not None else itself

    union_path = select(U.c.path).where(U.c.id == M.c.union_id).scalar_subquery()
    kid = _child(union_path, depth_n).label("kid")
    for child, status, n in conn.execute(
            select(kid, M.c.status, func.count())
            .where(area.union(M.c.union_id)).group_by(kid, M.c.status)):
        line(child).members[status] = line(child).members.get(status, 0) + n
    app_path = select(U.c.path).where(U.c.id == A.c.union_id).scalar_subquery()
    is_open = A.c.status.in_(OPEN_STATUSES)
    kid = _child(app_path, depth_n).label("kid")
    for child, open_, late in conn.execute(
            select(kid, func.count().filter(is_open),
                   func.count().filter(overdue_at(today)))
            .where(area.union(A.c.union_id)).group_by(kid)):
        line(child).open += open_
        line(child).overdue += late
    kid_area = U.alias("kid")
    covering = (select(kid_area.c.id).where(
        kid_area.c.parent_id == top.id if top else kid_area.c.parent_id.is_(None),
        kid_area.c.area.is_not(None), func.ST_Covers(kid_area.c.area, S.c.location))
        .order_by(kid_area.c.id).limit(1).scalar_subquery()).label("kid")
    for child, status, n, stale in conn.execute(
            select(covering, S.c.status, func.count(),
                   func.count().filter(stations.stale(stale_before)))
            .where(area.location(S.c.location)).group_by(covering, S.c.status)):
        line(child).stations[status] = line(child).stations.get(status, 0) + n
        line(child).stale += stale
    matched = U.alias("matched")
    own = U.alias("own")
    matched_in = matched.c.path.op("<@")(func.text2ltree(top.path)) if top else \
        matched.c.id.is_not(None)
    path = case((matched_in, matched.c.path), else_=own.c.path)
    reach = ~out_of_reach(W.c.location, REACH_M)
    kid = _child(path, depth_n).label("kid")
    workplaces = reached = 0
    for child, n, near in conn.execute(
            select(kid, func.count(), func.count().filter(reach))
            .select_from(W.outerjoin(matched, matched.c.id == W.c.matched_union_id)
                         .outerjoin(own, own.c.id == W.c.own_union_id))
            .where(in_jurisdiction(area)).group_by(kid)):
        line(child).workplaces += n
        line(child).within_reach += near
        workplaces, reached = workplaces + n, reached + near
    _count_requests(conn, top, kids, today, line)
    shown = [lines[k.id] for k in kids]
    if itself != Line(None):
        shown.append(itself)
    total = totals(conn, area, today, stale_before)
    # The same rows as the lines' (every workplace of the jurisdiction, in one line each): the
    # walk to the nearest station, the costliest count here, is not measured twice.
    total.workplaces, total.within_reach = workplaces, reached
    return Table(top, shown, total)


def _figures(counted: dict[str, Any]) -> dict[str, int]:
    return {f: counted["all"][f] for f in request_stats.FIGURES}


def _count_requests(conn: Connection, top: UnionRecord | None, kids: list[UnionRecord],
                    today: date, line: Any) -> None:
    """Requests in the line of the child whose subtree holds their handling union (as the
    request counts of the API split them), or in the union's own line."""
    if top is None:  # an admin: each root's whole tree
        for kid in kids:
            line(kid.id).requests = _figures(request_stats.counts(conn, Jurisdiction(kid.path),
                                                                  today))
        return
    for counted in request_stats.counts_below(conn, top.id, today):
        line(counted["union"]["id"] if counted["union"] else None).requests = _figures(counted)


def totals(conn: Connection, within: Jurisdiction, today: date, stale_before: datetime) -> Line:
    """The jurisdiction's members, applications and stations as a whole, counted as the dashboard
    counts them (its workplaces are the table's to add up)."""
    whole = counts(conn, within, today, stale_before)
    total = Line(None)
    total.members = {s.value: whole["members"][s.value] for s in MemberStatus}
    total.open, total.overdue = whole["applications"]["open"], whole["applications"]["overdue"]
    total.stations = dict(whole["stations"]["by_status"])
    total.stale = whole["stations"]["stale"]
    total.requests = _figures(request_stats.counts(conn, within, today))
    return total




def view(conn: Connection, officer: OfficerRecord, union_id: int | None, today: date,
         stale_before: datetime) -> Table | None:
    """The table below `union_id` (default: the officer's own union; an admin's: the roots),
    or None when that union is not in the officer's jurisdiction."""
    top_id = union_id if union_id is not None else officer.union_id
    top = unions.get(conn, top_id) if top_id is not None else None
    if top_id is not None and (top is None or not officer.jurisdiction.holds(conn, top_id)):
        return None
    return table(conn, top, today, stale_before)
