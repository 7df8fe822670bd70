"""Tables of workers' requests (migrated with the rest, from geo/migrations)."""

from __future__ import annotations

from datetime import date, datetime

from geoalchemy2 import Geometry, WKBElement
from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Double,
    ForeignKey,
    Identity,
    Index,
    LargeBinary,
    SmallInteger,
    Text,
    false,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from geo.models import Base, sql_list
from membership.worker_requests.vocab import Category, Outcome, RequestAction, RequestStatus

MAX_DESCRIPTION = 2000


class WorkerRequest(Base):
    """A worker's request for help or need, routed to the union that covers the workplace (or
    holds the worker's membership). An anonymous request has no name and no phone: its status
    link is the only way back to the worker."""

    __tablename__ = "worker_requests"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    category: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text)
    name: Mapped[str | None] = mapped_column(Text)
    phone: Mapped[str | None] = mapped_column(Text)  # E.164; masked everywhere but the detail view
    # Whether the union may tell the employer who asked; without a yes it never does.
    may_name_to_employer: Mapped[bool] = mapped_column(Boolean, server_default=false())
    member_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("members.id", ondelete="SET NULL"))
    workplace_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("workplaces.id", ondelete="SET NULL"))
    workplace_name: Mapped[str | None] = mapped_column(Text)
    workplace_address: Mapped[str | None] = mapped_column(Text)
    workplace_location: Mapped[WKBElement] = mapped_column(
        Geometry("POINT", srid=4326, spatial_index=False, nullable=False))
    h3_cell: Mapped[int] = mapped_column(BigInteger)  # the workplace's resolution-10 cell
    station_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("stations.id", ondelete="SET NULL"))
    near_station: Mapped[bool] = mapped_column(Boolean, server_default=false())
    union_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("unions.id", ondelete="RESTRICT"))
    route_reason: Mapped[str] = mapped_column(Text)
    route_distance_m: Mapped[float | None] = mapped_column(Double)
    status: Mapped[str] = mapped_column(Text, server_default=RequestStatus.SUBMITTED.value)
    deadline: Mapped[date] = mapped_column(Date)  # the handling union's
    # Past the deadline, the union one level up holds it too, with a deadline of its own.
    escalated_union_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("unions.id", ondelete="SET NULL"))
    escalation_level: Mapped[int] = mapped_column(SmallInteger, server_default="0")
    current_deadline: Mapped[date] = mapped_column(Date)
    current_deadline_estimated: Mapped[bool] = mapped_column(Boolean)
    outcome: Mapped[str | None] = mapped_column(Text)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    worker_solved: Mapped[bool | None] = mapped_column(Boolean)
    rating: Mapped[int | None] = mapped_column(SmallInteger)
    rated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    token_salt: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (
        CheckConstraint(f"category IN ({sql_list([c.value for c in Category])})", name="category"),
        CheckConstraint(f"status IN ({sql_list([s.value for s in RequestStatus])})", name="status"),
        CheckConstraint(f"outcome IN ({sql_list([o.value for o in Outcome])})", name="outcome"),
        CheckConstraint(f"length(btrim(description)) BETWEEN 1 AND {MAX_DESCRIPTION}",
                        name="description"),
        CheckConstraint("name IS NULL OR phone IS NOT NULL", name="anonymous_has_no_name"),
        CheckConstraint("member_id IS NULL OR phone IS NOT NULL", name="anonymous_is_no_member"),
        CheckConstraint("(status = 'closed') = (outcome IS NOT NULL AND closed_at IS NOT NULL)",
                        name="closed_with_outcome"),
        CheckConstraint("rating IS NULL OR (rating BETWEEN 1 AND 5 AND status = 'closed' "
                        "AND rated_at IS NOT NULL)", name="rating"),
        Index("ix_worker_requests_union_id_status", "union_id", "status"),
        Index("ix_worker_requests_escalated_union_id", "escalated_union_id"),
        Index("ix_worker_requests_status_current_deadline", "status", "current_deadline"),
    )


class RequestEvent(Base):
    """One step of a request: who, when, what and why. Never updated or deleted."""

    __tablename__ = "request_events"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    request_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("worker_requests.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                         server_default=func.clock_timestamp())
    actor: Mapped[str] = mapped_column(Text)  # an officer's username, "worker" or "system"
    action: Mapped[str] = mapped_column(Text)
    from_union_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("unions.id", ondelete="SET NULL"))
    to_union_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("unions.id", ondelete="SET NULL"))
    deadline: Mapped[date | None] = mapped_column(Date)  # an escalation's new deadline
    text: Mapped[str | None] = mapped_column(Text)  # the why, the note, the update, the outcome

    __table_args__ = (
        CheckConstraint(f"action IN ({sql_list([a.value for a in RequestAction])})",
                        name="action"),
        Index("ix_request_events_request_id", "request_id"),
    )


class RequestIdempotencyKey(Base):
    """A client's Idempotency-Key and the request its first submission created."""

    __tablename__ = "request_idempotency_keys"

    key: Mapped[str] = mapped_column(Text, primary_key=True)
    request_hash: Mapped[bytes] = mapped_column(LargeBinary)
    request_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("worker_requests.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
