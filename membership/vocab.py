"""Words of the membership domain, as stored."""

from __future__ import annotations

from enum import StrEnum


class OccupationGroup(StrEnum):
    """The eight groups of new-form workers (八大群体), and everyone else."""

    TRUCK_DRIVER = "truck_driver"
    COURIER = "courier"
    CARE_WORKER = "care_worker"
    DOMESTIC_WORKER = "domestic_worker"
    MALL_STAFF = "mall_staff"
    FOOD_DELIVERY_RIDER = "food_delivery_rider"
    ESTATE_AGENT = "estate_agent"
    SECURITY_GUARD = "security_guard"
    OTHER = "other"


class ApplicationStatus(StrEnum):
    SUBMITTED = "submitted"
    CONTACTED = "contacted"
    APPROVED = "approved"
    REJECTED = "rejected"
    # A second application of a person with an open one, merged into that one: the officers
    # work the first; the second's link shows it as submitted, like any other.
    MERGED = "merged"
    WITHDRAWN = "withdrawn"  # by the applicant, whose personal data was erased with it

    @property
    def is_open(self) -> bool:
        return self in (ApplicationStatus.SUBMITTED, ApplicationStatus.CONTACTED)

    @property
    def public(self) -> ApplicationStatus:
        """What the applicant's link shows: never whether someone else applied first."""
        return ApplicationStatus.SUBMITTED if self is ApplicationStatus.MERGED else self


OPEN_STATUSES = [s.value for s in ApplicationStatus if s.is_open]


class RouteReason(StrEnum):
    """Why an application or a membership went to its union."""

    OWN_UNION = "own_union"  # the employer has its own union
    AREA = "area"  # the most specific area union covering the workplace
    GAP_FALLBACK = "gap_fallback"  # in a gap of the lowest level: the covering ancestor
    NEAREST_FALLBACK = "nearest_fallback"  # covered by no area: the nearest union within 2 km
    FORWARDED = "forwarded"  # an officer sent it on
    HELD_BY_PARENT = "held_by_parent"  # a member between jobs, held one level up
    MEMBERSHIP = "membership"  # a member's request: the union that holds the membership


class MemberStatus(StrEnum):
    ACTIVE = "active"
    BETWEEN_JOBS = "between_jobs"
