"""Tables of station visits (migrated with the rest, from geo/migrations).

Raw visits are partitioned by day (UTC): a partition is created before the first visit of its day
is written (`core.ensure_partitions`) and dropped whole once it is older than the retention
(`core.prune`), while the hourly counts stay."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    LargeBinary,
    PrimaryKeyConstraint,
    Text,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from geo.models import Base, sql_list
from membership.vocab import OccupationGroup

UNKNOWN_GROUP = "unknown"  # a visit whose group was not given, in the hourly counts
GROUP_SQL = sql_list([g.value for g in OccupationGroup])
PARTITION_PREFIX = "visits_p"  # visits_p20261204: the visits of 4 December 2026 (UTC)


class Visit(Base):
    """One visit: a tap on the station page (with the device's daily keyed hash, so that
    repeated taps count once) or one of a counting device's or partner app's batch."""

    __tablename__ = "visits"

    id: Mapped[int] = mapped_column(BigInteger, Identity())
    visited_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    station_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("stations.id", ondelete="CASCADE"))
    occupation_group: Mapped[str | None] = mapped_column(Text)
    device: Mapped[bytes | None] = mapped_column(LargeBinary)
    key_id: Mapped[int | None] = mapped_column(BigInteger)

    __table_args__ = (
        PrimaryKeyConstraint("visited_at", "id", name="pk_visits"),
        CheckConstraint(f"occupation_group IN ({GROUP_SQL})", name="occupation_group"),
        Index("ix_visits_station_id_device_visited_at", "station_id", "device", "visited_at"),
        {"postgresql_partition_by": "RANGE (visited_at)"},
    )


class VisitCount(Base):
    """Visits per station, hour (UTC, truncated) and occupation group, kept in the same
    transaction as the raw rows; they outlive the raw partitions."""

    __tablename__ = "visit_counts"

    station_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("stations.id", ondelete="CASCADE"))
    hour: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    occupation_group: Mapped[str] = mapped_column(Text)
    visits: Mapped[int] = mapped_column(BigInteger)

    __table_args__ = (
        PrimaryKeyConstraint("station_id", "hour", "occupation_group", name="pk_visit_counts"),
        CheckConstraint(f"occupation_group IN ({GROUP_SQL}, '{UNKNOWN_GROUP}')",
                        name="occupation_group"),
        CheckConstraint("visits > 0", name="visits"),
        Index("ix_visit_counts_hour", "hour"),
    )


class OperatorKey(Base):
    """A station operator's key for POST /visits: it may post for the stations of its operator
    inside the jurisdiction of the union it was made for. Only a keyed hash is kept."""

    __tablename__ = "operator_keys"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    operator: Mapped[str] = mapped_column(Text)
    union_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("unions.id", ondelete="CASCADE"))
    key_hash: Mapped[bytes] = mapped_column(LargeBinary, unique=True)
    hint: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    revoked_by: Mapped[str | None] = mapped_column(Text)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        CheckConstraint("length(btrim(operator)) BETWEEN 1 AND 200", name="operator"),
        Index("ix_operator_keys_union_id", "union_id"),
    )


class VisitBatch(Base):
    """A batch already taken, so that sending it again changes nothing."""

    __tablename__ = "visit_batches"

    key_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("operator_keys.id", ondelete="CASCADE"))
    batch_id: Mapped[str] = mapped_column(Text)
    digest: Mapped[bytes] = mapped_column(LargeBinary)
    visits: Mapped[int] = mapped_column(Integer)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                  server_default=func.now())

    __table_args__ = (
        PrimaryKeyConstraint("key_id", "batch_id", name="pk_visit_batches"),
        CheckConstraint("length(batch_id) BETWEEN 1 AND 100", name="batch_id"),
    )
