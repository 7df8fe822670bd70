"""`yizhan import workplaces`: GeoJSON or CSV, upserted by external id in one transaction, then
re-matched to their area unions in bulk inside the database."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.progress import Progress
from sqlalchemy import Connection, Engine

from geo import workplaces
from geo.crs import Crs
from geo.db import analyze
from geo.workplaces import NewWorkplace
from seed.station_import import BATCH, ImportResult, prepare, read_records, write

FIELDS = frozenset(NewWorkplace.model_fields) - {"lon", "lat"}


def import_workplaces(engine: Engine, path: Path, crs: Crs, fmt: str | None = None
                      ) -> ImportResult:
    records = list(read_records(path, fmt, FIELDS))
    result = ImportResult()
    touched: list[int] = []

    def upsert(conn: Connection, rows: list[dict[str, Any]]) -> tuple[int, int]:
        saved = workplaces.upsert(conn, rows)
        touched.extend(i for i, _ in saved)
        inserted = sum(1 for _, new in saved if new)
        return inserted, len(saved) - inserted

    with engine.begin() as conn:
        codes = {str(r["own_union_code"]) for _, r in records if r.get("own_union_code")}
        union_ids = workplaces.union_ids_for(conn, codes)
        rows = prepare(records, lambda record: workplaces.columns_for(
            NewWorkplace.model_validate(record), crs, union_ids, only_set=False), result)
        with Progress(transient=True, disable=len(rows) < 5 * BATCH) as progress:
            write(conn, rows, result, progress, upsert)
        if touched:
            workplaces.rematch_ids(conn, touched)
    analyze(engine, "workplaces")
    return result
