"""ORM models. The schema itself is created by the Alembic migrations in geo/migrations."""

from __future__ import annotations

from datetime import datetime

from geoalchemy2 import Geometry, WKBElement
from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    Identity,
    Index,
    MetaData,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from geo.vocab import Amenity, StationStatus

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def sql_list(values: list[str]) -> str:
    return ", ".join(f"'{v}'" for v in values)


AMENITY_SQL = f"ARRAY[{sql_list([a.value for a in Amenity])}]::text[]"
STATUS_SQL = sql_list([s.value for s in StationStatus])


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Station(Base):
    __tablename__ = "stations"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    external_id: Mapped[str] = mapped_column(Text, unique=True)
    name: Mapped[str] = mapped_column(Text)
    address: Mapped[str | None] = mapped_column(Text)
    location: Mapped[WKBElement] = mapped_column(
        Geometry("POINT", srid=4326, spatial_index=False, nullable=False)
    )
    h3_r10: Mapped[int] = mapped_column(BigInteger)
    amenities: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default=text("'{}'"))
    opening_hours: Mapped[str | None] = mapped_column(Text)
    timezone: Mapped[str] = mapped_column(Text, server_default=text("'Asia/Shanghai'"))
    status: Mapped[str] = mapped_column(Text, server_default=text("'operational'"))
    operator: Mapped[str | None] = mapped_column(Text)
    union_id: Mapped[int | None] = mapped_column(BigInteger)
    phone: Mapped[str | None] = mapped_column(Text)
    last_verified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (
        CheckConstraint(f"status IN ({STATUS_SQL})", name="status"),
        CheckConstraint(f"amenities <@ {AMENITY_SQL}", name="amenities"),
        CheckConstraint("length(btrim(name)) BETWEEN 1 AND 200", name="name"),
        CheckConstraint("length(external_id) BETWEEN 1 AND 200", name="external_id"),
        Index("ix_stations_location", "location", postgresql_using="gist"),
        Index(
            "ix_stations_location_geog",
            text("(location::geography)"),
            postgresql_using="gist",
        ),
        Index("ix_stations_amenities", "amenities", postgresql_using="gin"),
        Index("ix_stations_h3_r10", "h3_r10"),
        Index("ix_stations_status", "status"),
    )
