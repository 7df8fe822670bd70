"""An officer's work on stations and their reports, each change with its audit entry under the
union whose area covers the station. The JSON API and the console both call these."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from geo import stations, unions
from geo.stations import StationRecord
from officers import audit, reports
from officers.accounts import OfficerRecord
from officers.audit import Actor


class Outside(ValueError):
    """The station would lie outside the officer's jurisdiction: nothing is written."""


def station_union(conn: Connection, station: StationRecord) -> int | None:
    """The most specific area union covering the station: whose officers see its audit trail."""
    match = unions.match_best(conn, [(station.lon, station.lat)], fallback_m=0)[0]
    return match.union.id if match.union else None


def create(conn: Connection, actor: Actor, officer: OfficerRecord,
           columns: dict[str, Any]) -> StationRecord:
    """A new station inside the officer's jurisdiction (Outside otherwise: raise before the
    caller's transaction commits, and nothing is kept)."""
    station = stations.create(conn, columns)
    if not stations.is_within(conn, station.id, officer.jurisdiction):
        raise Outside("create it")
    audit.record(conn, actor, "create", "station", station.id, station_union(conn, station))
    return station


def change(conn: Connection, actor: Actor, officer: OfficerRecord, action: str, station_id: int,
           columns: dict[str, Any]) -> StationRecord | None:
    """Change a station of the officer's jurisdiction (None if it is not there); it must stay
    inside it (Outside)."""
    station = stations.update(conn, station_id, columns, officer.jurisdiction)
    if station is None:
        return None
    if "location" in columns and not stations.is_within(conn, station_id, officer.jurisdiction):
        raise Outside("move it there")
    audit.record(conn, actor, action, "station", station_id, station_union(conn, station),
                 {"fields": sorted(k for k in columns if k != "h3_r10")})
    return station


def resolve_report(conn: Connection, actor: Actor, officer: OfficerRecord, report_id: int,
                   resolution: str) -> dict[str, Any] | None:
    """Resolve a report on a station of the jurisdiction (None if there is none such);
    AlreadyResolved if it was."""
    resolved = reports.resolve(conn, report_id, officer.jurisdiction, officer.id, resolution)
    if resolved is None:
        return None
    station = stations.get(conn, resolved["station_id"])
    assert station is not None
    audit.record(conn, actor, "resolve", "station_report", report_id, station_union(conn, station))
    return resolved
