"""An officer's work on applications, each step with its audit entry: listing the queue, reading
one, and contacting, approving, rejecting or forwarding it. The JSON API and the console both
call these, so a rule (jurisdiction, transitions, audit) is written once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection

from geo import unions
from geo.unions import UnionRecord
from membership import applications
from membership.applications import ApplicationRecord
from membership.vocab import ApplicationStatus, OccupationGroup
from officers import audit
from officers.accounts import OfficerRecord
from officers.audit import Actor


class Action(StrEnum):
    CONTACT = "contact"
    APPROVE = "approve"
    REJECT = "reject"
    FORWARD = "forward"


class NoSuchUnion(ValueError):
    """The union to forward to does not exist."""


def forward_targets(conn: Connection, union: UnionRecord) -> list[tuple[str, UnionRecord]]:
    """Where a case is most often sent on: the union above, the unions beside and those below
    the one that has it (an application forwarded, a request handed over)."""
    found: list[tuple[str, UnionRecord]] = []
    if union.parent_id is not None:
        parent = unions.get(conn, union.parent_id)
        if parent is not None:
            found.append(("parent", parent))
        _, siblings = unions.search(conn, parent_id=union.parent_id, limit=200)
        found += [("sibling", u) for u in siblings if u.id != union.id]
    _, children = unions.search(conn, parent_id=union.id, limit=200)
    found += [("child", u) for u in children]
    return found


def queue(conn: Connection, officer: OfficerRecord, actor: Actor, today: date, *,
          union_id: int | None = None, status: ApplicationStatus | None = None,
          overdue: bool | None = None, group: OccupationGroup | None = None,
          submitted_from: datetime | None = None, submitted_to: datetime | None = None,
          open_only: bool = False, by_deadline: bool = False, limit: int = 100,
          offset: int = 0) -> tuple[int, list[ApplicationRecord]]:
    """A page of the officer's applications; the ids shown are audited as a list read."""
    total, rows = applications.search(
        conn, today, within=officer.jurisdiction, union_id=union_id, status=status,
        overdue=overdue, group=group, submitted_from=submitted_from, submitted_to=submitted_to,
        open_only=open_only, by_deadline=by_deadline, limit=limit, offset=offset)
    if rows:
        audit.record(conn, actor, "list", "application", None, officer.union_id,
                     {"ids": [a.id for a in rows]})
    return total, rows


def read(conn: Connection, officer: OfficerRecord, actor: Actor, application_id: int
         ) -> tuple[ApplicationRecord, list[dict[str, Any]]] | None:
    """The application with its history, if it is in the officer's jurisdiction (audited)."""
    app = applications.get(conn, application_id, within=officer.jurisdiction)
    if app is None:
        return None
    audit.record(conn, actor, "read", "application", app.id, app.union_id)
    return app, applications.events(conn, app.id)


def act(conn: Connection, officer: OfficerRecord, actor: Actor, application_id: int,
        action: Action, *, note: str | None = None, to_union_code: str | None = None
        ) -> ApplicationRecord | None:
    """Do `action` on an application of the officer's jurisdiction (None if it is not there);
    `note` is the reason of a reject or forward. WrongState, NoSuchUnion: nothing is written."""
    app = applications.get(conn, application_id, lock=True, within=officer.jurisdiction)
    if app is None:
        return None
    _STEPS[action](conn, app, actor.name, note, to_union_code)
    audit.record(conn, actor, action.value, "application", app.id, app.union_id)
    moved = applications.get(conn, application_id)
    assert moved is not None
    if moved.union_id != app.union_id:  # the receiving union's officers see it too
        audit.record(conn, actor, f"{action.value}_in", "application", app.id, moved.union_id,
                     {"from_union_id": app.union_id})
    return moved


def _forward(conn: Connection, app: ApplicationRecord, actor: str, reason: str | None,
             code: str | None) -> None:
    target = unions.by_code(conn, code or "")
    if target is None:
        raise NoSuchUnion(f"to_union_code {code!r}: no such union")
    applications.forward(conn, app, actor, target.id, reason or "")


_STEPS: dict[Action, Callable[[Connection, ApplicationRecord, str, str | None, str | None], Any]] = {
    Action.CONTACT: lambda conn, app, actor, note, _: applications.contact(conn, app, actor, note),
    Action.APPROVE: lambda conn, app, actor, note, _: applications.approve(conn, app, actor, note),
    Action.REJECT: lambda conn, app, actor, note, _: applications.reject(conn, app, actor,
                                                                         note or ""),
    Action.FORWARD: _forward,
}
