"""Words of workers' requests, as stored."""

from __future__ import annotations

from enum import StrEnum


class Category(StrEnum):
    """What a request is about: disputes (维权) first, then needs (诉求)."""

    WAGES = "wages"  # unpaid or withheld wages (欠薪)
    INJURY = "injury"  # a work injury (工伤)
    CONTRACT = "contract"
    DISMISSAL = "dismissal"
    SAFETY = "safety"
    HEAT_AND_WEATHER = "heat_and_weather"
    REST_AND_FACILITIES = "rest_and_facilities"
    OTHER = "other"


# Working days the union has to close a request of each category (YIZHAN_REQUEST_DEADLINES
# changes them): a worker without wages or hurt at work cannot wait long.
DEFAULT_DEADLINES: dict[Category, int] = {
    Category.WAGES: 3, Category.INJURY: 3, Category.DISMISSAL: 5, Category.CONTRACT: 5,
    Category.SAFETY: 5, Category.HEAT_AND_WEATHER: 5, Category.REST_AND_FACILITIES: 10,
    Category.OTHER: 10,
}
MAX_DEADLINE_DAYS = 60


class RequestStatus(StrEnum):
    SUBMITTED = "submitted"
    ACKNOWLEDGED = "acknowledged"  # an officer has taken it up
    CLOSED = "closed"

    @property
    def is_open(self) -> bool:
        return self is not RequestStatus.CLOSED


OPEN_REQUEST_STATUSES = [s.value for s in RequestStatus if s.is_open]


class Outcome(StrEnum):
    """How the union closed a request."""

    SOLVED = "solved"
    PARTLY_SOLVED = "partly_solved"
    NOT_SOLVED = "not_solved"
    REFERRED = "referred"  # sent on to a body that decides it: labour arbitration, a court


class RequestAction(StrEnum):
    """The events of a request's history."""

    SUBMITTED = "submitted"
    ACKNOWLEDGED = "acknowledged"
    NOTE = "note"  # for officers only
    UPDATE = "update"  # for the worker to read
    HANDED_OVER = "handed_over"
    ESCALATED = "escalated"
    CLOSED = "closed"
    RATED = "rated"


# What the worker's view shows of the history; an officer's note is not the worker's.
WORKER_ACTIONS: list[RequestAction] = [a for a in RequestAction if a is not RequestAction.NOTE]
