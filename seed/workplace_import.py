"""`yizhan import workplaces`: GeoJSON or CSV, upserted by external id in one transaction, each
row written matched to its area union (set-based, inside the database)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine

from geo import workplaces
from geo.crs import Crs
from geo.db import analyze_if_changed
from geo.workplaces import NewWorkplace, location_columns, valid_uscc
from seed.fast_columns import Columns, GiveUp, checked_by, coordinate, fast_columns, text
from seed.station_import import (
    ImportResult,
    prepare,
    read_records,
    write,
)

FIELDS = frozenset(NewWorkplace.model_fields) - {"lon", "lat"}


def model_workplace_columns(crs: Crs, union_ids: dict[str, int]) -> Columns:
    """A record's columns as the model makes them, one model a record."""
    return lambda record: workplaces.columns_for(NewWorkplace.model_validate(record), crs,
                                                 union_ids, only_set=False)


def workplace_columns(crs: Crs, union_ids: dict[str, int]) -> Columns:
    """`model_workplace_columns`, with the model left to the records the fast checks cannot
    vouch for."""
    slow = model_workplace_columns(crs, union_ids)
    valid = {"name": "-", "lon": 0.0, "lat": 0.0}
    defaults = {k: v for k, v in slow(valid).items() if k not in ("name", "location", "h3_cells")}
    code = text(200, nullable=True)

    def known_union(value: Any) -> int | None:
        if (checked := code(value)) is not None and checked not in union_ids:
            raise GiveUp
        return union_ids[checked] if checked is not None else None

    rules = {"external_id": text(200, nullable=True), "name": text(200),
             "uscc": checked_by(valid_uscc), "address": text(500, nullable=True),
             "lon": coordinate(180), "lat": coordinate(90), "own_union_code": known_union}

    def build(checked: dict[str, Any]) -> dict[str, Any]:
        if "own_union_code" in checked:
            checked["own_union_id"] = checked.pop("own_union_code")
        point = location_columns(checked.pop("lon"), checked.pop("lat"), crs)
        return {**defaults, **checked, **point}
    return fast_columns(slow, rules, {"name", "lon", "lat"}, build)


def import_workplaces(engine: Engine, path: Path, crs: Crs, fmt: str | None = None
                      ) -> ImportResult:
    result = ImportResult()
    records = list(read_records(path, fmt, FIELDS, result.notes))

    def upsert(conn: Connection, rows: list[dict[str, Any]]) -> tuple[int, int]:
        saved = workplaces.upsert_matched(conn, rows)
        inserted = sum(1 for _, new in saved if new)
        return inserted, len(saved) - inserted

    with engine.begin() as conn:
        codes = {str(r["own_union_code"]) for _, r in records if r.get("own_union_code")}
        rows = prepare(records, workplace_columns(crs, workplaces.union_ids_for(conn, codes)),
                       result)
        held = write(conn, "workplaces", rows, result, upsert)
    analyze_if_changed(engine, "workplaces", result.inserted + result.updated, held)
    return result
