"""Reading and writing stations. Every function takes a Connection; the caller owns the transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, and_, func, or_, select

from geo import hours
from geo.db import record_of, wgs84_box
from geo.jurisdiction import EVERYWHERE, Jurisdiction
from geo.models import Station
from geo.upsert import upsert as upsert_rows
from geo.vocab import Amenity, StationStatus

T = Station.__table__
EDITABLE = [
    "name", "address", "location", "h3_r10", "amenities", "opening_hours", "timezone",
    "status", "operator", "phone", "last_verified_at",
]


@dataclass(frozen=True, slots=True)
class StationRecord:
    id: int
    external_id: str
    name: str
    address: str | None
    lon: float
    lat: float
    h3_r10: int
    amenities: list[str]
    opening_hours: str | None
    timezone: str
    status: str
    operator: str | None
    union_id: int | None
    phone: str | None
    last_verified_at: datetime | None
    created_at: datetime
    updated_at: datetime


    def is_stale(self, verified_before: datetime) -> bool:
        """Operational, and not verified since `verified_before` (or never): see `stale`."""
        return self.status == StationStatus.OPERATIONAL and (
            self.last_verified_at is None or self.last_verified_at < verified_before)


def stale(verified_before: datetime) -> ColumnElement[bool]:
    """Stations someone should go and check: operational, and not verified since then."""
    return and_(T.c.status == StationStatus.OPERATIONAL.value,
                or_(T.c.last_verified_at.is_(None), T.c.last_verified_at < verified_before))


def record_columns(source: Any = T) -> list[Any]:
    """What a StationRecord is read from, out of the stations table or a CTE over it."""
    c = source.c
    return [
        c.id, c.external_id, c.name, c.address,
        func.ST_X(c.location).label("lon"), func.ST_Y(c.location).label("lat"),
        c.h3_r10, c.amenities, c.opening_hours, c.timezone, c.status, c.operator,
        c.union_id, c.phone, c.last_verified_at, c.created_at, c.updated_at,
    ]


RECORD_COLUMNS = record_columns()


def record(row: Any) -> StationRecord:
    return record_of(StationRecord, row)


def filtered(
    query: Select[Any],
    amenities: list[Amenity] | None = None,
    statuses: list[StationStatus] | None = None,
    bbox: tuple[float, float, float, float] | None = None,
) -> Select[Any]:
    """Add the usual filters: all amenities present, status among those given, inside a bbox."""
    if amenities:
        query = query.where(T.c.amenities.contains([a.value for a in amenities]))
    if statuses:
        query = query.where(T.c.status.in_([s.value for s in statuses]))
    if bbox:
        envelope = wgs84_box(*bbox)
        query = query.where(and_(T.c.location.op("&&")(envelope),
                                 func.ST_Covers(envelope, T.c.location)))
    return query


def open_state(station: StationRecord, at: datetime, country: str) -> bool | None:
    """Whether the station is open at `at`: a station that is not operational is closed,
    whatever its hours say; otherwise its hours decide (None when unknown)."""
    if station.status != StationStatus.OPERATIONAL:
        return False
    return hours.open_at(station.opening_hours, at, station.timezone, country)


def get(conn: Connection, station_id: int,
        within: Jurisdiction = EVERYWHERE) -> StationRecord | None:
    row = conn.execute(select(*RECORD_COLUMNS)
                       .where(T.c.id == station_id, within.location(T.c.location))).first()
    return record(row) if row else None


def is_within(conn: Connection, station_id: int, within: Jurisdiction) -> bool:
    """Whether the station (as stored now, in this transaction) lies in the jurisdiction."""
    return conn.execute(select(within.location(T.c.location)).where(T.c.id == station_id)
                        ).scalar() is True


def search(
    conn: Connection,
    *,
    amenities: list[Amenity] | None = None,
    statuses: list[StationStatus] | None = None,
    bbox: tuple[float, float, float, float] | None = None,
    within: Jurisdiction = EVERYWHERE,
    stale_before: datetime | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[int, list[StationRecord]]:
    """One page of stations ordered by id, and how many match in all. `stale_before` keeps the
    stations that are `stale` by then."""
    conditions = [within.location(T.c.location)]
    if stale_before is not None:
        conditions.append(stale(stale_before))
    total = conn.execute(
        filtered(select(func.count()).select_from(T), amenities, statuses, bbox).where(*conditions)
    ).scalar_one()
    rows = conn.execute(
        filtered(select(*RECORD_COLUMNS), amenities, statuses, bbox).where(*conditions)
        .order_by(T.c.id).limit(limit).offset(offset)
    )
    return total, [record(r) for r in rows]


def create(conn: Connection, columns: dict[str, Any]) -> StationRecord:
    new_id = conn.execute(T.insert().values(**columns).returning(T.c.id)).scalar_one()
    created = get(conn, new_id)
    assert created is not None
    return created


def update(conn: Connection, station_id: int, columns: dict[str, Any],
           within: Jurisdiction = EVERYWHERE) -> StationRecord | None:
    """Change a station that lies `within` the jurisdiction (where it stood before the change)."""
    if columns:
        changed = conn.execute(
            T.update().where(T.c.id == station_id, within.location(T.c.location))
            .values(**columns, updated_at=func.now()).returning(T.c.id)
        ).first()
        if changed is None:
            return None
        return get(conn, station_id)
    return get(conn, station_id, within)


def upsert(conn: Connection, rows: list[dict[str, Any]]) -> tuple[int, int]:
    """Insert or update by external id; rows equal to what is stored are left alone.

    Returns (inserted, updated); a second run of the same rows returns (0, 0).
    """
    if not rows:
        return 0, 0
    written = upsert_rows(conn, T, rows, [c for c in EDITABLE if c in rows[0]])
    inserted = sum(1 for _, new in written if new)
    return inserted, len(written) - inserted

