"""What officers do with a request (acknowledge, notes and updates, hand-over, close) and the
worker's answer after closing (solved or not, and a rating of 1 to 5, once)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy import Connection, func

from geo.jurisdiction import EVERYWHERE
from membership.vocab import RouteReason
from membership.worker_requests.core import R, RequestRecord, event
from membership.worker_requests.escalation import escalate_due
from membership.worker_requests.vocab import Category, Outcome, RequestAction, RequestStatus


class WrongState(Exception):
    """The action does not apply to the request as it stands."""


class FeedbackRefused(WrongState):
    """The worker cannot rate the request now; `reason` is "not_closed" or "already_rated"."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


def _set(conn: Connection, request_id: int, **values: Any) -> None:
    conn.execute(R.update().where(R.c.id == request_id).values(**values, updated_at=func.now()))


def _must_be_open(request: RequestRecord, action: str) -> None:
    if not request.is_open:
        raise WrongState(f"the request was closed ({request.outcome}); it can no longer be "
                         f"{action}")


def acknowledge(conn: Connection, request: RequestRecord, actor: str, note: str | None) -> None:
    """An officer has taken the request up; the worker sees that someone has it."""
    _must_be_open(request, "acknowledged")
    if request.status == RequestStatus.ACKNOWLEDGED:
        raise WrongState("the request is acknowledged already; add an update for the worker "
                         "instead")
    _set(conn, request.id, status=RequestStatus.ACKNOWLEDGED.value)
    event(conn, request.id, actor, RequestAction.ACKNOWLEDGED, text_=note)


def add_note(conn: Connection, request: RequestRecord, actor: str, note: str,
             to_worker: bool) -> None:
    """A note for the officers, or (`to_worker`) an update the worker reads on the status link."""
    _must_be_open(request, "added to")
    event(conn, request.id, actor, RequestAction.UPDATE if to_worker else RequestAction.NOTE,
          text_=note)
    _set(conn, request.id)


def hand_over(conn: Connection, request: RequestRecord, actor: str, to_union_id: int,
              reason: str, today: date, deadlines: Mapping[Category, int]) -> None:
    """Give the request to another union. Its deadline stays (the worker has waited as long),
    and escalation starts again from the new union: at once, if the deadline has passed."""
    _must_be_open(request, "handed over")
    if to_union_id == request.union_id:
        raise WrongState("the request is already with that union")
    _set(conn, request.id, union_id=to_union_id, route_reason=RouteReason.FORWARDED.value,
         route_distance_m=None, escalated_union_id=None, escalation_level=0,
         current_deadline=request.deadline)
    event(conn, request.id, actor, RequestAction.HANDED_OVER, from_union=request.union_id,
          to_union=to_union_id, text_=reason)
    escalate_due(conn, today, deadlines, within=EVERYWHERE, request_ids=[request.id])


def close(conn: Connection, request: RequestRecord, actor: str, outcome: Outcome,
          text_: str) -> None:
    """Close with an outcome and what the union did, which the worker reads."""
    _must_be_open(request, "closed again")
    _set(conn, request.id, status=RequestStatus.CLOSED.value, outcome=outcome.value,
         closed_at=func.now())
    event(conn, request.id, actor, RequestAction.CLOSED, text_=text_)


def feedback(conn: Connection, request: RequestRecord, solved: bool, rating: int) -> None:
    """The worker's word after closing: solved or not, and 1 to 5. Once."""
    if request.is_open:
        raise FeedbackRefused("the request is not closed yet: you can say whether it was solved "
                              "and rate the handling once the union closes it", "not_closed")
    if request.rating is not None:
        assert request.rated_at is not None
        raise FeedbackRefused(f"you rated this request already, on "
                              f"{request.rated_at:%Y-%m-%d}; a rating is given once",
                              "already_rated")
    _set(conn, request.id, worker_solved=solved, rating=rating, rated_at=func.now())
    event(conn, request.id, "worker", RequestAction.RATED,
          text_=f"{rating}/5, {'solved' if solved else 'not solved'}")
