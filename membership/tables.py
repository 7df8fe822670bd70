"""Tables of the membership domain (migrated with the rest, from geo/migrations)."""

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
    Index,
    LargeBinary,
    Text,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from geo.models import Base, sql_list
from membership.vocab import OPEN_STATUSES, ApplicationStatus, MemberStatus, OccupationGroup

GROUP_SQL = sql_list([g.value for g in OccupationGroup])
OPEN_SQL = f"status IN ({sql_list(OPEN_STATUSES)})"


class Application(Base):
    """A worker's request to join, routed to the union that covers their workplace."""

    __tablename__ = "applications"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    # name and phone are None (with the ID hash) once erased: see officers/erasure.py
    name: Mapped[str | None] = mapped_column(Text)
    phone: Mapped[str | None] = mapped_column(Text)  # E.164; masked but in an officer's detail view
    id_hash: Mapped[bytes | None] = mapped_column(LargeBinary)  # keyed hash; the number is not kept
    id_masked: Mapped[str | None] = mapped_column(Text)
    occupation_group: Mapped[str] = mapped_column(Text)
    workplace_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("workplaces.id", ondelete="SET NULL"))
    workplace_name: Mapped[str | None] = mapped_column(Text)
    workplace_address: Mapped[str | None] = mapped_column(Text)
    workplace_location: Mapped[WKBElement] = mapped_column(
        Geometry("POINT", srid=4326, spatial_index=False, nullable=False))
    station_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("stations.id", ondelete="SET NULL"))
    union_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("unions.id", ondelete="RESTRICT"))
    route_reason: Mapped[str] = mapped_column(Text)
    route_distance_m: Mapped[float | None] = mapped_column(Double)
    status: Mapped[str] = mapped_column(Text, server_default=ApplicationStatus.SUBMITTED.value)
    deadline: Mapped[date] = mapped_column(Date)
    deadline_estimated: Mapped[bool] = mapped_column(Boolean)
    consent_notice: Mapped[str] = mapped_column(Text)
    token_salt: Mapped[bytes] = mapped_column(LargeBinary)
    member_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("members.id", ondelete="SET NULL"))
    # For the officers only: the open application this one was merged into, and the member who
    # already has this phone or ID number. The applicant's answer never depends on them.
    merged_into_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("applications.id", ondelete="SET NULL"))
    existing_member_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("members.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    erased_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        CheckConstraint("length(btrim(name)) BETWEEN 1 AND 100", name="name"),
        CheckConstraint("erased_at IS NOT NULL OR (name IS NOT NULL AND phone IS NOT NULL AND "
                        "workplace_name IS NOT NULL)", name="personal_data"),
        CheckConstraint(f"occupation_group IN ({GROUP_SQL})", name="occupation_group"),
        CheckConstraint(f"status IN ({sql_list([s.value for s in ApplicationStatus])})",
                        name="status"),
        # One open application per person: by phone, and by ID number when one was given.
        Index("uq_applications_open_phone", "phone", unique=True, postgresql_where=text(OPEN_SQL)),
        Index("uq_applications_open_id_hash", "id_hash", unique=True,
              postgresql_where=text(f"{OPEN_SQL} AND id_hash IS NOT NULL")),
        Index("ix_applications_union_id_status", "union_id", "status"),
        Index("ix_applications_merged_into_id", "merged_into_id",
              postgresql_where=text("merged_into_id IS NOT NULL")),
    )


class ApplicationEvent(Base):
    """One change to an application: who, when, what and why. Never updated or deleted."""

    __tablename__ = "application_events"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    application_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("applications.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    actor: Mapped[str] = mapped_column(Text)
    action: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(Text)  # the status after the change
    from_union_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("unions.id", ondelete="SET NULL"))
    to_union_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("unions.id", ondelete="SET NULL"))
    reason: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_application_events_application_id", "application_id"),)


class IdempotencyKey(Base):
    """A client's Idempotency-Key and the application its first request created."""

    __tablename__ = "idempotency_keys"

    key: Mapped[str] = mapped_column(Text, primary_key=True)
    request_hash: Mapped[bytes] = mapped_column(LargeBinary)
    application_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("applications.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Member(Base):
    __tablename__ = "members"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    member_no: Mapped[str] = mapped_column(Text, unique=True)
    name: Mapped[str] = mapped_column(Text)
    phone: Mapped[str] = mapped_column(Text)
    id_hash: Mapped[bytes | None] = mapped_column(LargeBinary)
    id_masked: Mapped[str | None] = mapped_column(Text)
    occupation_group: Mapped[str] = mapped_column(Text)
    union_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("unions.id", ondelete="RESTRICT"))
    status: Mapped[str] = mapped_column(Text, server_default=MemberStatus.ACTIVE.value)
    workplace_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("workplaces.id", ondelete="SET NULL"))
    workplace_name: Mapped[str | None] = mapped_column(Text)
    workplace_address: Mapped[str | None] = mapped_column(Text)
    workplace_location: Mapped[WKBElement | None] = mapped_column(
        Geometry("POINT", srid=4326, spatial_index=False))
    joined_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (
        CheckConstraint(f"status IN ({sql_list([s.value for s in MemberStatus])})", name="status"),
        Index("ix_members_union_id", "union_id"),
        Index("ix_members_phone", "phone"),
        Index("ix_members_id_hash", "id_hash"),
    )


class Membership(Base):
    """A stretch of a member's membership in one union; the open one has no `ended_at`."""

    __tablename__ = "memberships"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    member_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("members.id", ondelete="CASCADE"))
    union_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("unions.id", ondelete="RESTRICT"))
    reason: Mapped[str] = mapped_column(Text)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        Index("ix_memberships_member_id", "member_id"),
        Index("uq_memberships_open", "member_id", unique=True,
              postgresql_where=text("ended_at IS NULL")),
    )
