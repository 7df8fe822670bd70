"""Visit figures for officers, from the hourly counts (which outlive the raw visits): only the
stations an area of the jurisdiction covers."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

import h3
from sqlalchemy import Connection, Date, cast, func, literal, select

from geo.h3index import to_hex
from geo.hours import zone
from geo.jurisdiction import Jurisdiction
from geo.models import Station
from geo.vocab import StationStatus
from visits.tables import VisitCount

S, VC = Station.__table__, VisitCount.__table__
MAX_DAYS = 366
CELL_RES = 8  # about 0.7 km²: a few stations at most


@dataclass(frozen=True)
class Span:
    first: date
    last: date
    timezone: str

    @classmethod
    def of(cls, first: date | None, last: date | None, timezone: str) -> Span:
        today = datetime.now(zone(timezone)).date()
        last = last or today
        first = first or last - timedelta(days=27)
        if first > last:
            raise ValueError(f"from ({first}) is after to ({last}); give from on or before to")
        if (last - first).days >= MAX_DAYS:
            raise ValueError(f"from {first} to {last} is more than {MAX_DAYS} days; ask for a "
                             "shorter span")
        return cls(first, last, timezone)

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, time(), zone(self.timezone))

    @property
    def end(self) -> datetime:
        return datetime.combine(self.last + timedelta(days=1), time(), zone(self.timezone))

    @property
    def days(self) -> list[date]:
        return [self.first + timedelta(days=n) for n in range((self.last - self.first).days + 1)]


def _where(within: Jurisdiction, span: Span) -> list[Any]:
    return [VC.c.hour >= span.start, VC.c.hour < span.end, within.location(S.c.location)]


def _local(span: Span) -> Any:
    return func.timezone(literal(span.timezone), VC.c.hour)


def summary(conn: Connection, within: Jurisdiction, span: Span, top: int = 10) -> dict[str, Any]:
    joined = VC.join(S, S.c.id == VC.c.station_id)
    local = _local(span)
    by_day: dict[date, int] = {d: int(n) for d, n in conn.execute(
        select(cast(local, Date), func.sum(VC.c.visits)).select_from(joined)
        .where(*_where(within, span)).group_by(cast(local, Date)))}
    week = [[0] * 24 for _ in range(7)]  # Monday first, hours 0 to 23 local time
    for dow, hour, n in conn.execute(
            select(func.extract("isodow", local), func.extract("hour", local),
                   func.sum(VC.c.visits)).select_from(joined).where(*_where(within, span))
            .group_by(func.extract("isodow", local), func.extract("hour", local))):
        week[int(dow) - 1][int(hour)] = int(n)
    groups = {g: int(n) for g, n in conn.execute(
        select(VC.c.occupation_group, func.sum(VC.c.visits)).select_from(joined)
        .where(*_where(within, span)).group_by(VC.c.occupation_group))}
    per_station = func.coalesce(select(func.sum(VC.c.visits)).where(
        VC.c.station_id == S.c.id, VC.c.hour >= span.start, VC.c.hour < span.end)
        .scalar_subquery(), 0)
    stations: list[dict[str, Any]] = [{"id": i, "name": name, "status": status, "visits": int(n), "cell": h}
                for i, name, status, n, h in conn.execute(
                    select(S.c.id, S.c.name, S.c.status, per_station, S.c.h3_r10).where(
                        within.location(S.c.location),
                        S.c.status != StationStatus.REMOVED.value).order_by(S.c.id))]
    cells: dict[str, int] = {}
    for s in stations:
        cell = to_hex(int(h3.str_to_int(h3.cell_to_parent(to_hex(s.pop("cell")), CELL_RES))))
        cells[cell] = cells.get(cell, 0) + s["visits"]
    daily = [by_day.get(d, 0) for d in span.days]
    days = [{"day": d, "visits": n} for d, n in zip(span.days, daily, strict=True)]
    half = len(days) // 2
    earlier, later = sum(daily[:half]), sum(daily[half:])
    operational = [s for s in stations if s["status"] == StationStatus.OPERATIONAL.value]
    return {
        "from": span.first, "to": span.last, "timezone": span.timezone,
        "total": sum(daily),
        "by_day": days,
        "by_hour_of_week": week,
        "by_group": groups,
        "stations": stations,
        "busiest": sorted(stations, key=lambda s: (-s["visits"], s["id"]))[:top],
        "idle": sorted(operational, key=lambda s: (s["visits"], s["id"]))[:top],
        "trend": {"earlier_days": half, "earlier": earlier, "later_days": len(days) - half,
                  "later": later,
                  "change": None if not earlier or len(days) % 2 else (later - earlier) / earlier},
        "cells": {"res": CELL_RES, "visits": [{"cell": c, "visits": n}
                                               for c, n in sorted(cells.items()) if n]},
    }


def csv_rows(conn: Connection, within: Jurisdiction, span: Span) -> str:
    """Visits per station, local day and group, as CSV (UTF-8 with a BOM for spreadsheets)."""
    local = _local(span)
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(["station_id", "station_name", "day", "occupation_group", "visits"])
    for row in conn.execute(
            select(S.c.id, S.c.name, cast(local, Date), VC.c.occupation_group,
                   func.sum(VC.c.visits)).select_from(VC.join(S, S.c.id == VC.c.station_id))
            .where(*_where(within, span))
            .group_by(S.c.id, S.c.name, cast(local, Date), VC.c.occupation_group)
            .order_by(S.c.id, cast(local, Date), VC.c.occupation_group)):
        writer.writerow([row[0], row[1], row[2].isoformat(), row[3], row[4]])
    return out.getvalue()
