"""Workplaces and their matched area union, kept current by set-based re-matching in SQL."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    model_validator,
)
from sqlalchemy import ColumnElement, Connection, Engine, func, select, text, true
from stdnum.cn import uscc as uscc_number
from stdnum.exceptions import ValidationError as NumberError

from geo.coverage import own_cells
from geo.crs import Crs, to_wgs84, wgs84_ewkt
from geo.db import record_of, wgs84_box
from geo.jurisdiction import EVERYWHERE, Jurisdiction
from geo.models import Workplace
from geo.station_data import Text200, Text500, check_point_and_nulls
from geo.unions import FALLBACK_M, NEAREST_LATERAL, best_match_ctes
from geo.upsert import COPY_FROM, Joined, differs, stage_rows, write_staged
from geo.upsert import upsert as upsert_rows

W = Workplace.__table__
# Degrees that surely exceed FALLBACK_M in any direction below latitude 66°.
REACH_DEG = 0.05


def valid_uscc(value: str) -> str:
    try:
        return str(uscc_number.validate(value))
    except NumberError as exc:
        raise ValueError(f"not a valid unified social credit code: {exc}") from None


class WorkplaceFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    external_id: Text200 | None = None
    name: Text200 | None = None
    uscc: Annotated[str, AfterValidator(valid_uscc)] | None = Field(
        default=None, description="统一社会信用代码, checked by its check digit")
    address: Text500 | None = None
    lon: float | None = Field(default=None, ge=-180, le=180, allow_inf_nan=False)
    lat: float | None = Field(default=None, ge=-90, le=90, allow_inf_nan=False)
    own_union_code: Text200 | None = Field(
        default=None, description="The employer's own union, if it has one: it is then the "
                                  "workplace's union, whatever area covers it")


    @model_validator(mode="after")
    def _together(self) -> WorkplaceFields:
        check_point_and_nulls(self, {"name", "external_id", "lon", "lat"})
        return self


class NewWorkplace(WorkplaceFields):
    name: Text200
    lon: float = Field(ge=-180, le=180, allow_inf_nan=False)
    lat: float = Field(ge=-90, le=90, allow_inf_nan=False)


@dataclass(frozen=True, slots=True)
class WorkplaceRecord:
    id: int
    external_id: str
    name: str
    uscc: str | None
    address: str | None
    lon: float
    lat: float
    own_union_id: int | None
    matched_union_id: int | None
    match_status: str | None
    match_method: str | None
    match_distance_m: float | None
    matched_at: datetime | None
    created_at: datetime
    updated_at: datetime


COLUMNS = [W.c.id, W.c.external_id, W.c.name, W.c.uscc, W.c.address,
           func.ST_X(W.c.location).label("lon"), func.ST_Y(W.c.location).label("lat"),
           W.c.own_union_id, W.c.matched_union_id, W.c.match_status, W.c.match_method,
           W.c.match_distance_m, W.c.matched_at, W.c.created_at, W.c.updated_at]


def _record(row: Any) -> WorkplaceRecord:
    return record_of(WorkplaceRecord, row)


def location_columns(lon: float, lat: float, crs: Crs) -> dict[str, Any]:
    lon, lat = to_wgs84(lon, lat, crs)
    return {"location": wgs84_ewkt(lon, lat), "h3_cells": own_cells(lon, lat)}


def in_jurisdiction(within: Jurisdiction) -> ColumnElement[bool]:
    """A workplace belongs to its employer's own union and to the area union it is matched to."""
    if within.everything:
        return true()
    return within.union(W.c.own_union_id) | within.union(W.c.matched_union_id)


def get(conn: Connection, workplace_id: int,
        within: Jurisdiction = EVERYWHERE) -> WorkplaceRecord | None:
    row = conn.execute(select(*COLUMNS)
                       .where(W.c.id == workplace_id, in_jurisdiction(within))).first()
    return _record(row) if row else None


def search_external(conn: Connection, external_id: str) -> bool:
    return conn.execute(select(W.c.id).where(W.c.external_id == external_id)).first() is not None


def search(conn: Connection, *, union_id: int | None = None,
           bbox: tuple[float, float, float, float] | None = None,
           within: Jurisdiction = EVERYWHERE, text: str | None = None, limit: int = 100,
           offset: int = 0) -> tuple[int, list[WorkplaceRecord]]:
    """`text`: part of the name or address, or the unified social credit code."""
    conditions = [in_jurisdiction(within)]
    if text:
        conditions.append(W.c.name.contains(text, autoescape=True)
                          | W.c.address.contains(text, autoescape=True)
                          | (W.c.uscc == text.upper()))
    if union_id is not None:
        conditions.append((W.c.matched_union_id == union_id) | (W.c.own_union_id == union_id))
    if bbox is not None:
        conditions.append(func.ST_Covers(wgs84_box(*bbox), W.c.location))
    total = conn.execute(select(func.count()).select_from(W).where(*conditions)).scalar_one()
    rows = conn.execute(select(*COLUMNS).where(*conditions).order_by(W.c.id).limit(limit)
                        .offset(offset))
    return total, [_record(r) for r in rows]


def upsert(conn: Connection, rows: list[dict[str, Any]]) -> list[tuple[int, bool]]:
    """Insert or update by external id; returns (id, inserted) pairs. The caller re-matches."""
    if not rows:
        return []
    return upsert_rows(conn, W, rows, [c for c in rows[0] if c != "external_id"])


def upsert_matched(conn: Connection, rows: list[dict[str, Any]]) -> list[tuple[int, bool]]:
    """`upsert`, and each row written is matched as `rematch_ids` would match it. A batch's new
    and changed rows are matched first, so that each is written once, with its match."""
    if len(rows) < COPY_FROM:
        written = upsert(conn, rows)
        rematch_ids(conn, [i for i, _ in written])
        return written
    given = [c for c in rows[0] if c != "external_id"]
    stage = stage_rows(conn, W, rows)
    matches = f"{stage}_match"
    conn.exec_driver_sql(f"DROP TABLE IF EXISTS {matches}")
    target = (f"SELECT s.n AS id, s.location, s.h3_cells FROM {stage} s LEFT JOIN workplaces t "
              f"USING (external_id) WHERE t.id IS NULL OR {differs(given)}")
    conn.execute(text(f"CREATE TEMP TABLE {matches} ON COMMIT DROP AS WITH "
                      f"{best_match_ctes(target)}, {_RESULT} "
                      "SELECT id AS n, union_id, status, method, distance_m FROM result"),
                 {"fallback_m": FALLBACK_M})
    match = {"matched_union_id": "x.union_id", "match_status": "x.status",
             "match_method": "x.method", "match_distance_m": "x.distance_m"}
    changed = (f"({', '.join(f't.{c}' for c in match)}) IS DISTINCT FROM "
               f"({', '.join(match.values())})")
    written, unmatched = write_staged(conn, W, stage, list(rows[0]), given, Joined(
        f"{matches} x", insert={**match, "matched_at": "now()"},
        update={**match, "matched_at": f"CASE WHEN {changed} THEN now() ELSE t.matched_at END"}))
    rematch_ids(conn, unmatched)
    return written


def columns_for(data: WorkplaceFields, crs: Crs, union_ids: dict[str, int],
                *, only_set: bool = True) -> dict[str, Any]:
    """Database columns; `own_union_code` becomes `own_union_id` through `union_ids`."""
    values = data.model_dump(exclude_unset=only_set, exclude={"lon", "lat", "own_union_code"})
    if "own_union_code" in data.model_fields_set or not only_set:
        code = data.own_union_code
        if code is not None and code not in union_ids:
            raise ValueError(f"own_union_code {code!r} is not a known union")
        values["own_union_id"] = union_ids[code] if code is not None else None
    if data.lon is not None and data.lat is not None:
        values |= location_columns(data.lon, data.lat, crs)
    return values


def union_ids_for(conn: Connection, codes: set[str]) -> dict[str, int]:
    rows = conn.execute(text("SELECT code, id FROM unions WHERE code = ANY(:codes)"),
                        {"codes": sorted(codes)})
    return dict(rows.all())


def update(conn: Connection, workplace_id: int, columns: dict[str, Any],
           within: Jurisdiction = EVERYWHERE) -> bool:
    return conn.execute(W.update().where(W.c.id == workplace_id, in_jurisdiction(within))
                        .values(**columns, updated_at=func.now())).rowcount > 0


def delete(conn: Connection, workplace_id: int, within: Jurisdiction = EVERYWHERE) -> bool:
    return conn.execute(W.delete().where(W.c.id == workplace_id, in_jurisdiction(within))
                        ).rowcount > 0


# Set-based re-matching ---------------------------------------------------------------------
# The rules of geo.unions.match_many in one statement over many workplaces (best_match_ctes),
# then, for workplaces no area covers, the nearest union within the fallback distance. Only
# rows whose match changed are written.


_RESULT = """
result AS (
    SELECT t.id, coalesce(b.union_id, n.id) AS union_id,
           CASE WHEN b.gap THEN 'gap_fallback' WHEN b.id IS NOT NULL THEN 'matched'
                WHEN n.id IS NOT NULL THEN 'nearest_fallback' ELSE 'not_covered' END AS status,
           CASE WHEN b.interior THEN 'h3_interior' WHEN b.id IS NOT NULL THEN 'exact'
                WHEN n.id IS NOT NULL THEN 'nearest' END AS method,
           CASE WHEN b.id IS NOT NULL THEN 0 ELSE n.d END AS distance_m
    FROM target t LEFT JOIN best b ON b.id = t.id """ + NEAREST_LATERAL + """
)"""
_REMATCH = """
WITH {ctes},""" + _RESULT + """
UPDATE workplaces w
SET matched_union_id = r.union_id, match_status = r.status, match_method = r.method,
    match_distance_m = r.distance_m, matched_at = now()
FROM result r
WHERE w.id = r.id AND (w.matched_union_id, w.match_status, w.match_method, w.match_distance_m)
    IS DISTINCT FROM (r.union_id, r.status, r.method, r.distance_m)
"""


# For a run over every workplace: sorts and hashes in memory, and the cell lookups as one hash
# join (the planner cannot see the sizes of the statement's CTEs and would probe the index once
# per cell, four times slower).
_WHOLE_TABLE = {"work_mem": "256MB", "enable_nestloop": "off"}


_SET = text("SELECT set_config(name, value, true) FROM unnest(CAST(:names AS text[]), "
             "CAST(:values AS text[])) AS s(name, value)")


@contextmanager
def _settings(conn: Connection, settings: dict[str, str]) -> Iterator[None]:
    """Planner settings for the statements inside, then the earlier ones again."""
    if not settings:
        yield
        return
    rows = conn.execute(text("SELECT name, current_setting(name) FROM unnest("
                             "CAST(:names AS text[])) AS name"), {"names": list(settings)})
    before = {name: value for name, value in rows}
    conn.execute(_SET, {"names": list(settings), "values": list(settings.values())})
    yield  # on an error the transaction is rolled back, and the settings with it
    conn.execute(_SET, {"names": list(before), "values": list(before.values())})


@contextmanager
def planned_for_whole_table(conn: Connection) -> Iterator[None]:
    """The planner settings a pass over every workplace runs with, for statements of one's own
    (the benchmark's match of every workplace without writing it)."""
    with _settings(conn, _WHOLE_TABLE):
        yield


def _rematch(conn: Connection, target_sql: str, params: dict[str, Any],
             fallback: bool = True, *, whole_table: bool = False) -> int:
    """Returns how many workplaces' matches changed."""
    target = f"SELECT id, location, h3_cells FROM workplaces {target_sql}"
    with _settings(conn, _WHOLE_TABLE if whole_table else {}):
        return conn.execute(text(_REMATCH.format(ctes=best_match_ctes(target))),
            {**params, "fallback_m": FALLBACK_M if fallback else 0.0}).rowcount


def rematch_ids(conn: Connection, ids: list[int]) -> int:
    return _rematch(conn, "WHERE id = ANY(CAST(:ids AS bigint[]))", {"ids": ids})


def rematch_all(conn: Connection, *, fallback: bool = True) -> int:
    """Every workplace, in one transaction; `fallback=False` leaves uncovered ones unmatched (for
    measuring)."""
    return _rematch(conn, "", {}, fallback, whole_table=True)


def rematch_all_parallel(engine: Engine, workers: int) -> int:
    """Every workplace, split by id into `workers` slices that run at once, each on its own
    connection and so on its own server core (one UPDATE never uses more than one). Each slice
    commits by itself: if one fails, the others' rows are still matched right for the unions
    as they are, and a rerun finishes the job."""
    with engine.connect() as conn:
        low, high = conn.execute(text("SELECT min(id), max(id) FROM workplaces")).one()
    if low is None:
        return 0
    step = (high - low) // workers + 1
    bounds = [(start, start + step - 1) for start in range(low, high + 1, step)]

    def one(bound: tuple[int, int]) -> int:
        with engine.begin() as conn:
            return _rematch(conn, "WHERE id BETWEEN :low AND :high",
                            {"low": bound[0], "high": bound[1]}, whole_table=True)
    with ThreadPoolExecutor(workers) as pool:
        return sum(pool.map(one, bounds))


def rematch_around(conn: Connection, union_id: int, old_area_wkb: str | None) -> int:
    """After a union's area changed or went: every workplace matched to it, and every workplace
    near enough to the old or the new area to be covered by it or fall back to it (a bbox grown
    by REACH_DEG, index-backed; a superset is harmless)."""
    return _rematch(conn, f"""
        WHERE matched_union_id = :union_id
           OR location && ST_Expand((SELECT area FROM unions WHERE id = :union_id), {REACH_DEG})
           OR location && ST_Expand(ST_GeomFromEWKB(decode(CAST(:old AS text), 'hex')),
                                    {REACH_DEG})""", {"union_id": union_id, "old": old_area_wkb})
