"""Tables of officers, the audit log, station reports and rate-limit counters (migrated with
the rest, from geo/migrations)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from geo.models import Base, Ltree, sql_list
from officers.vocab import ReportKind, Role

USERNAME_PATTERN = r"^[a-z0-9][a-z0-9._-]{1,49}$"


class Officer(Base):
    """A person who manages a union's jurisdiction (role officer) or everything (role admin)."""

    __tablename__ = "officers"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    username: Mapped[str] = mapped_column(Text, unique=True)
    display_name: Mapped[str] = mapped_column(Text)
    role: Mapped[str] = mapped_column(Text)
    union_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("unions.id", ondelete="RESTRICT"))
    password_hash: Mapped[str] = mapped_column(Text)
    # Bumped on a password reset or when disabled: tokens carrying an older version stop working.
    token_version: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    disabled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    password_changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                          server_default=func.now())

    __table_args__ = (
        CheckConstraint(f"username ~ '{USERNAME_PATTERN}'", name="username"),
        CheckConstraint("length(btrim(display_name)) BETWEEN 1 AND 100", name="display_name"),
        CheckConstraint(f"role IN ({sql_list([r.value for r in Role])})", name="role"),
        CheckConstraint("role = 'admin' OR union_id IS NOT NULL", name="officer_has_union"),
        Index("ix_officers_union_id", "union_id"),
    )


class LoginFailure(Base):
    """Consecutive failed logins for one username from one client address (a keyed hash).
    Counted per address so that nobody can lock an officer out from elsewhere, and for
    usernames that do not exist exactly as for those that do."""

    __tablename__ = "login_failures"

    username: Mapped[str] = mapped_column(Text, primary_key=True)
    address: Mapped[str] = mapped_column(Text, primary_key=True)
    failures: Mapped[int] = mapped_column(Integer)
    last_failed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class AuditEntry(Base):
    """Who did what, to what, when and from where. Rows are never changed or deleted (a trigger
    refuses it); they name the officer and union by value so that they outlive both."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                         server_default=func.clock_timestamp())
    officer_id: Mapped[int | None] = mapped_column(BigInteger)
    actor: Mapped[str] = mapped_column(Text)  # the officer's username, "applicant", "public", "cli"
    action: Mapped[str] = mapped_column(Text)
    object_type: Mapped[str] = mapped_column(Text)
    object_id: Mapped[int | None] = mapped_column(BigInteger)
    union_id: Mapped[int | None] = mapped_column(BigInteger)
    union_path: Mapped[str | None] = mapped_column(Ltree)  # whose subtree may read the entry
    ip: Mapped[str | None] = mapped_column(Text)  # the client address as the server saw it
    user_agent: Mapped[str | None] = mapped_column(Text)
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSONB)

    __table_args__ = (
        Index("ix_audit_log_union_path", "union_path", postgresql_using="gist"),
        Index("ix_audit_log_object_type_object_id", "object_type", "object_id"),
        Index("ix_audit_log_at", "at"),
    )


class StationReport(Base):
    """A worker's report that a station is closed, broken, crowded or misplaced."""

    __tablename__ = "station_reports"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    station_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("stations.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    photo_url: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolved_by: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("officers.id", ondelete="SET NULL"))
    resolution: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        CheckConstraint(f"kind IN ({sql_list([k.value for k in ReportKind])})", name="kind"),
        Index("ix_station_reports_station_id", "station_id"),
    )


class RateLimitHit(Base):
    """Requests counted per client key and fixed window; shared by every API worker."""

    __tablename__ = "rate_limit_hits"

    key: Mapped[str] = mapped_column(Text, primary_key=True)
    window_start: Mapped[datetime] = mapped_column(DateTime(timezone=True), primary_key=True)
    hits: Mapped[int] = mapped_column(Integer)

    __table_args__ = {"prefixes": ["UNLOGGED"]}  # noqa: RUF012  (SQLAlchemy reads it once)
