"""The numbers behind the console's charts, for one jurisdiction: applications received,
approved and overdue per week, and members by occupation group."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, and_, exists, func, select

from geo.jurisdiction import Jurisdiction
from membership.tables import Application, ApplicationEvent, Member
from membership.vocab import OccupationGroup

A, E, M = Application.__table__, ApplicationEvent.__table__, Member.__table__
HANDLED = ("contacted", "approved", "rejected")


@dataclass(frozen=True)
class Week:
    start: date  # a Monday
    received: int
    approved: int
    overdue: int  # whose contact deadline fell in the week with no contact or decision by then


def weekly(conn: Connection, within: Jurisdiction, today: date, zone: ZoneInfo,
           weeks: int = 12) -> list[Week]:
    first = today - timedelta(days=today.weekday() + 7 * (weeks - 1))
    local_day = func.date(func.timezone(str(zone), A.c.created_at))
    week_of = func.date_trunc("week", local_day)
    received: dict[Any, int] = dict(conn.execute(select(week_of, func.count()).where(
        within.union(A.c.union_id), local_day >= first).group_by(week_of)).all())
    event_day = func.date(func.timezone(str(zone), E.c.at))
    event_week = func.date_trunc("week", event_day)
    approved: dict[Any, int] = dict(conn.execute(
        select(event_week, func.count()).select_from(E.join(A, A.c.id == E.c.application_id))
        .where(within.union(A.c.union_id), E.c.action == "approved", event_day >= first)
        .group_by(event_week)).all())
    handled_in_time = exists(select(1).where(
        E.c.application_id == A.c.id, E.c.action.in_(HANDLED), event_day <= A.c.deadline))
    deadline_week = func.date_trunc("week", A.c.deadline)
    overdue: dict[Any, int] = dict(conn.execute(select(deadline_week, func.count()).where(
        within.union(A.c.union_id), and_(A.c.deadline >= first, A.c.deadline < today),
        ~handled_in_time).group_by(deadline_week)).all())

    def n(counts: dict[object, int], day: date) -> int:
        return next((v for k, v in counts.items() if k.date() == day), 0)  # type: ignore[attr-defined]

    starts = [first + timedelta(days=7 * i) for i in range(weeks)]
    return [Week(s, n(received, s), n(approved, s), n(overdue, s)) for s in starts]


def by_group(conn: Connection, within: Jurisdiction) -> dict[str, int]:
    found: dict[Any, int] = dict(conn.execute(select(M.c.occupation_group, func.count()).where(
        within.union(M.c.union_id)).group_by(M.c.occupation_group)).all())
    return {g.value: found.get(g.value, 0) for g in OccupationGroup}
