"""Escalation. A request still open past its deadline goes to the union one level up, which gets
the category's working days again, counted from the deadline that was missed; past that one, one
more level, up to the top of the tree (the city).

Where a request stands is a function of its handling union, that union's deadline, the tree and
the day. So `yizhan requests escalate` (run daily) and every read of a request agree, and any of
them can run any number of times, at once too: each records only the steps not yet recorded, on
rows it holds locked."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Connection, exists, func, select, text

from geo.jurisdiction import EVERYWHERE, Jurisdiction
from geo.models import Union
from membership.deadline import working_days_after
from membership.worker_requests.core import R, event
from membership.worker_requests.vocab import OPEN_REQUEST_STATUSES, Category, RequestAction

SYSTEM = "system"
U = Union.__table__


@dataclass(frozen=True)
class Step:
    level: int  # 1 for the first union up
    from_union: int
    to_union: int
    missed: date  # the deadline that passed
    deadline: date  # the new holder's
    estimated: bool


def steps(union_id: int, deadline: date, today: date, working_days: int,
          parents: Mapping[int, int | None]) -> list[Step]:
    """Every escalation of a request handled by `union_id` with `deadline`, still open on
    `today`, in order."""
    found: list[Step] = []
    holder = union_id
    while today > deadline and (up := parents.get(holder)) is not None:
        following, estimated = working_days_after(deadline, working_days)
        found.append(Step(len(found) + 1, holder, up, deadline, following, estimated))
        holder, deadline = up, following
    return found


_ANCESTORS = text("SELECT a.id, a.parent_id FROM unions u JOIN unions a ON u.path <@ a.path "
                  "WHERE u.id = ANY(:ids)")


def parents_of(conn: Connection, union_ids: list[int]) -> dict[int, int | None]:
    """Each of the unions and all their ancestors, with their parent."""
    if not union_ids:
        return {}
    return {row.id: row.parent_id for row in conn.execute(_ANCESTORS, {"ids": union_ids})}


def escalate_due(conn: Connection, today: date, deadlines: Mapping[Category, int], *,
                 within: Jurisdiction = EVERYWHERE,
                 request_ids: list[int] | None = None) -> list[tuple[int, Step]]:
    """Record the escalations due on `today` (of the jurisdiction's requests, or of these);
    returns what it recorded."""
    holder = func.coalesce(R.c.escalated_union_id, R.c.union_id)
    # Those at the top of the tree stay past their deadline with nowhere to go: not read again.
    below_top = exists(select(1).where(U.c.id == holder, U.c.parent_id.is_not(None)))
    conditions = [R.c.status.in_(OPEN_REQUEST_STATUSES), R.c.current_deadline < today,
                  below_top, within.union(R.c.union_id)]
    if request_ids is not None:
        conditions.append(R.c.id.in_(request_ids))
    rows = conn.execute(select(R.c.id, R.c.union_id, R.c.escalation_level, R.c.deadline,
                               R.c.category).where(*conditions).order_by(R.c.id)
                        .with_for_update()).all()
    parents = parents_of(conn, sorted({r.union_id for r in rows}))
    done: list[tuple[int, Step]] = []
    for row in rows:
        new = steps(row.union_id, row.deadline, today, deadlines[Category(row.category)],
                    parents)[row.escalation_level:]
        if not new:
            continue  # at the top of the tree: it stays overdue there
        last = new[-1]
        conn.execute(R.update().where(R.c.id == row.id).values(
            escalated_union_id=last.to_union, escalation_level=last.level,
            current_deadline=last.deadline, current_deadline_estimated=last.estimated,
            updated_at=func.now()))
        for step in new:
            event(conn, row.id, SYSTEM, RequestAction.ESCALATED, from_union=step.from_union,
                  to_union=step.to_union, deadline=step.deadline,
                  text_=f"the deadline {step.missed.isoformat()} passed with the request open")
            done.append((row.id, step))
    return done
