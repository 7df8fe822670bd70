"""An officer's work on workers' requests, each step with its audit entry: the queue, one
request, and acknowledging, noting, handing over and closing it. Every read records the
escalations due first, so that a union one level up sees what passed its deadline. The JSON API
and the console both call these, so a rule (jurisdiction, escalation, audit) is written once."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Connection

from geo import unions
from membership.worker_requests import core, handling
from membership.worker_requests.core import RequestRecord
from membership.worker_requests.escalation import escalate_due
from membership.worker_requests.vocab import Category, Outcome, RequestStatus
from officers import audit
from officers.accounts import OfficerRecord
from officers.audit import Actor
from officers.casework import NoSuchUnion

Deadlines = Mapping[Category, int]


class Handling(StrEnum):
    """What an officer does with a request, as the audit log names it."""

    ACKNOWLEDGE = "acknowledge"
    NOTE = "note"  # a note for officers, or an update the worker reads
    HAND_OVER = "hand_over"
    CLOSE = "close"


def catch_up(conn: Connection, officer: OfficerRecord, today: date, deadlines: Deadlines,
             request_ids: list[int] | None = None) -> None:
    """Record the escalations due today in the officer's jurisdiction (or of these requests)."""
    escalate_due(conn, today, deadlines, within=officer.jurisdiction, request_ids=request_ids)


def queue(conn: Connection, officer: OfficerRecord, actor: Actor, today: date,
          deadlines: Deadlines, *, union_id: int | None = None,
          status: RequestStatus | None = None, category: Category | None = None,
          overdue: bool | None = None, escalated: bool | None = None,
          submitted_from: datetime | None = None, submitted_to: datetime | None = None,
          open_only: bool = False, limit: int = 100,
          offset: int = 0) -> tuple[int, list[RequestRecord]]:
    """A page of the jurisdiction's requests, open ones first by deadline; the ids shown are
    audited as a list read."""
    catch_up(conn, officer, today, deadlines)
    total, rows = core.search(
        conn, today, within=officer.jurisdiction, union_id=union_id, status=status,
        category=category, overdue=overdue, escalated=escalated, submitted_from=submitted_from,
        submitted_to=submitted_to, open_only=open_only, limit=limit, offset=offset)
    if rows:
        audit.record(conn, actor, "list", "request", None, officer.union_id,
                     {"ids": [r.id for r in rows]})
    return total, rows


def read(conn: Connection, officer: OfficerRecord, actor: Actor, request_id: int, today: date,
         deadlines: Deadlines) -> RequestRecord | None:
    """The request with its personal data, if it is in the officer's jurisdiction (audited)."""
    catch_up(conn, officer, today, deadlines, [request_id])
    req = core.get(conn, request_id, within=officer.jurisdiction)
    if req is None:
        return None
    audit.record(conn, actor, "read", "request", req.id, req.union_id)
    return req


def act(conn: Connection, officer: OfficerRecord, actor: Actor, request_id: int,
        action: Handling, today: date, deadlines: Deadlines, *, text: str | None = None,
        to_worker: bool = False, to_union_id: int | None = None,
        outcome: Outcome | None = None) -> RequestRecord | None:
    """Do `action` on a request of the officer's jurisdiction (None if it is not there): `text`
    is the note, the update, the reason of a hand-over or what the union did on closing.
    WrongState, NoSuchUnion: nothing is written."""
    catch_up(conn, officer, today, deadlines, [request_id])
    req = core.get(conn, request_id, lock=True, within=officer.jurisdiction)
    if req is None:
        return None
    if action is Handling.ACKNOWLEDGE:
        handling.acknowledge(conn, req, actor.name, text)
    elif action is Handling.NOTE:
        handling.add_note(conn, req, actor.name, text or "", to_worker)
    elif action is Handling.HAND_OVER:
        if to_union_id is None or unions.get(conn, to_union_id) is None:
            raise NoSuchUnion(f"union {to_union_id}: no such union")
        handling.hand_over(conn, req, actor.name, to_union_id, text or "", today, deadlines)
    else:
        assert outcome is not None
        handling.close(conn, req, actor.name, outcome, text or "")
    audit.record(conn, actor, action.value, "request", req.id, req.union_id)
    changed = core.get(conn, request_id)
    assert changed is not None
    return changed
