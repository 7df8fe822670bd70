"""Workers' reports on stations (closed, no water, broken, crowded, misplaced), resolved by the
officers whose jurisdiction covers the station."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, func, select

from geo.jurisdiction import Jurisdiction
from geo.models import Station
from geo.vocab import StationStatus
from officers.tables import StationReport
from officers.vocab import ReportKind

R = StationReport.__table__
S = Station.__table__


class AlreadyResolved(Exception):
    pass


class StationRemoved(Exception):
    pass


_COLUMNS = [R.c.id, R.c.station_id, S.c.name.label("station_name"), R.c.kind, R.c.note,
            R.c.photo_url, R.c.created_at, R.c.resolved_at, R.c.resolved_by, R.c.resolution]
_FROM = R.join(S, S.c.id == R.c.station_id)


def create(conn: Connection, station_id: int, kind: ReportKind, note: str | None,
           photo_url: str | None) -> int | None:
    """The new report's id; None if there is no such station."""
    status = conn.execute(select(S.c.status).where(S.c.id == station_id)).scalar()
    if status is None:
        return None
    if status == StationStatus.REMOVED:
        raise StationRemoved(f"station {station_id} has been removed; there is nothing to report")
    return conn.execute(R.insert().values(station_id=station_id, kind=kind.value, note=note,
                                          photo_url=photo_url).returning(StationReport.id)).scalar_one()


def get(conn: Connection, report_id: int, within: Jurisdiction, *,
        lock: bool = False) -> dict[str, Any] | None:
    query = select(*_COLUMNS).select_from(_FROM).where(R.c.id == report_id,
                                                       within.location(S.c.location))
    row = conn.execute(query.with_for_update(of=R) if lock else query).first()
    return dict(row._mapping) if row else None


def search(conn: Connection, within: Jurisdiction, *, resolved: bool | None = False,
           kind: ReportKind | None = None, station_id: int | None = None, limit: int = 100,
           offset: int = 0) -> tuple[int, list[dict[str, Any]]]:
    conditions = [within.location(S.c.location)]
    if resolved is not None:
        conditions.append(R.c.resolved_at.is_not(None) if resolved else R.c.resolved_at.is_(None))
    if kind is not None:
        conditions.append(R.c.kind == kind.value)
    if station_id is not None:
        conditions.append(R.c.station_id == station_id)
    total = conn.execute(select(func.count()).select_from(_FROM).where(*conditions)).scalar_one()
    rows = conn.execute(select(*_COLUMNS).select_from(_FROM).where(*conditions)
                        .order_by(R.c.id.desc()).limit(limit).offset(offset))
    return total, [dict(r._mapping) for r in rows]


def resolve(conn: Connection, report_id: int, within: Jurisdiction, officer_id: int,
            resolution: str) -> dict[str, Any] | None:
    report = get(conn, report_id, within, lock=True)
    if report is None:
        return None
    if report["resolved_at"] is not None:
        when = report["resolved_at"].isoformat(timespec="minutes")
        raise AlreadyResolved(f"report {report_id} was resolved at {when}: "
                              f"{report['resolution']}")
    conn.execute(R.update().where(R.c.id == report_id).values(
        resolved_at=func.now(), resolved_by=officer_id, resolution=resolution))
    return get(conn, report_id, within)


def open_counts(conn: Connection, station_ids: list[int]) -> dict[int, int]:
    rows = conn.execute(select(R.c.station_id, func.count()).where(
        R.c.station_id.in_(station_ids), R.c.resolved_at.is_(None)).group_by(R.c.station_id))
    return dict(rows.all())
