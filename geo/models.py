"""ORM models. The schema itself is created by the Alembic migrations in geo/migrations."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from geoalchemy2 import Geometry, WKBElement
from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Computed,
    DateTime,
    Double,
    ForeignKey,
    Identity,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    SmallInteger,
    Table,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql.base import ischema_names
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import UserDefinedType

from geo.vocab import Amenity, StationStatus, UnionLevel


class Ltree(UserDefinedType[str]):
    """PostgreSQL's ltree: a union's path of ancestor ids, for index-backed subtree queries."""

    cache_ok = True

    def get_col_spec(self, **kw: object) -> str:
        return "ltree"


ischema_names["ltree"] = Ltree  # so that reflection (Alembic's compare) knows the type


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
LEVEL_SQL = sql_list([level.value for level in UnionLevel])


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    # Every model maps a Table (never a join or a subquery), which the code inserts into.
    __table__: ClassVar[Table]


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
    union_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("unions.id", ondelete="SET NULL"))
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


class Union(Base):
    """A trade union; area unions have a MultiPolygon that says whom they cover."""

    __tablename__ = "unions"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    code: Mapped[str] = mapped_column(Text, unique=True)
    name: Mapped[str] = mapped_column(Text)
    level: Mapped[str] = mapped_column(Text)
    # 1 for a city down to 5 for a grid: the depth that matching compares, kept by the database.
    level_rank: Mapped[int] = mapped_column(
        SmallInteger, Computed("union_level_rank(level)", persisted=True))
    parent_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("unions.id", ondelete="RESTRICT"))
    path: Mapped[str] = mapped_column(Ltree)
    area: Mapped[WKBElement | None] = mapped_column(
        Geometry("MULTIPOLYGON", srid=4326, spatial_index=False))
    area_m2: Mapped[float | None] = mapped_column(Double)
    coverage_res: Mapped[int | None] = mapped_column(SmallInteger)
    repaired: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    contact_address: Mapped[str | None] = mapped_column(Text)
    contact_phone: Mapped[str | None] = mapped_column(Text)
    area_effective_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (
        CheckConstraint(f"level IN ({LEVEL_SQL})", name="level"),
        CheckConstraint("length(btrim(name)) BETWEEN 1 AND 200", name="name"),
        CheckConstraint("length(code) BETWEEN 1 AND 100", name="code"),
        CheckConstraint("area IS NULL OR (ST_IsValid(area) AND NOT ST_IsEmpty(area))", name="area"),
        Index("ix_unions_area", "area", postgresql_using="gist"),
        Index("ix_unions_area_geog", text("(area::geography)"), postgresql_using="gist"),
        Index("ix_unions_path", "path", postgresql_using="gist"),
        Index("ix_unions_parent_id", "parent_id"),
        # Whether a matched union has area children, read from the index alone.
        Index("ix_unions_parent_id_with_area", "parent_id", postgresql_where=text("area IS NOT NULL")),
    )


class UnionCellBlock(Base):
    """An area union's H3 coverage within one block: the cell two resolutions coarser than the
    coverage's, whose 49 children are the bits 0-48 (`h3_slot`) of `cells`, the union's cells
    there, and of `interior`, those of them wholly inside the area (a point in them is covered
    without touching geometry; the other cells are border cells and need the exact test).
    A point is looked up by `h3_block` of its own cell at each resolution. The view
    `union_cells (cell, union_id, interior)` lists the same coverage one cell a row."""

    __tablename__ = "union_cell_blocks"

    block: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    union_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("unions.id", ondelete="CASCADE"), primary_key=True)
    cells: Mapped[int] = mapped_column(BigInteger)
    interior: Mapped[int] = mapped_column(BigInteger)

    # The masks ride in the key's index so that a lookup never reads the table (index-only).
    __table_args__ = (PrimaryKeyConstraint("block", "union_id", name="pk_union_cell_blocks",
                                           postgresql_include=["cells", "interior"]),
                      Index("ix_union_cell_blocks_union_id", "union_id"))


class Workplace(Base):
    """An employer's site, or where a gig worker mostly works; kept matched to its area union."""

    __tablename__ = "workplaces"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    external_id: Mapped[str] = mapped_column(Text, unique=True)
    name: Mapped[str] = mapped_column(Text)
    uscc: Mapped[str | None] = mapped_column(Text)
    address: Mapped[str | None] = mapped_column(Text)
    location: Mapped[WKBElement] = mapped_column(
        Geometry("POINT", srid=4326, spatial_index=False, nullable=False))
    h3_cells: Mapped[list[int]] = mapped_column(ARRAY(BigInteger))
    own_union_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("unions.id", ondelete="SET NULL"))
    matched_union_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("unions.id", ondelete="SET NULL"))
    match_status: Mapped[str | None] = mapped_column(Text)
    match_method: Mapped[str | None] = mapped_column(Text)
    match_distance_m: Mapped[float | None] = mapped_column(Double)
    matched_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (
        CheckConstraint("length(btrim(name)) BETWEEN 1 AND 200", name="name"),
        CheckConstraint("length(external_id) BETWEEN 1 AND 200", name="external_id"),
        Index("ix_workplaces_location", "location", postgresql_using="gist"),
        Index("ix_workplaces_matched_union_id", "matched_union_id"),
        Index("ix_workplaces_own_union_id", "own_union_id"),
    )
