"""Workplaces and their matched area union, kept current by set-based re-matching in SQL."""

from __future__ import annotations

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
from sqlalchemy import ColumnElement, Connection, func, select, text, true
from stdnum.cn import uscc as uscc_number
from stdnum.exceptions import ValidationError as NumberError

from geo.coverage import own_cells
from geo.crs import Crs, to_wgs84, wgs84_ewkt
from geo.db import record_of, wgs84_box
from geo.jurisdiction import EVERYWHERE, Jurisdiction
from geo.match_sql import FALLBACK_M, best_match_ctes
from geo.models import Workplace
from geo.rematch import RESULT_CTE
from geo.rematch import rematch_ids as rematch_ids  # a workplace written is re-matched by its id
from geo.station_data import Text200, Text500, check_point_and_nulls
from geo.upsert import COPY_FROM, Joined, differs, stage_rows, write_staged
from geo.upsert import upsert as upsert_rows

W = Workplace.__table__


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


def located_within(conn: Connection, workplace_id: int, within: Jurisdiction) -> bool:
    """Whether the workplace's place lies in the jurisdiction: an area of it covers the point,
    or the point's area union (its fallback where no area covers it) is in it."""
    if within.everything:
        return True
    return bool(conn.execute(select(within.location(W.c.location)
                                    | within.union(W.c.matched_union_id))
                             .where(W.c.id == workplace_id)).scalar())


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
                      f"{best_match_ctes(target)}, {RESULT_CTE} "
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
