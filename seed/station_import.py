"""Import stations from GeoJSON or CSV: upsert by external id, in one transaction per file.

Bad rows are reported with their line (CSV) or feature number (GeoJSON) and skipped; good rows
load. If anything fails while writing, nothing of the file is written.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from rich.progress import Progress
from sqlalchemy import Connection, Engine

from geo import stations
from geo.crs import Crs, swap_hint, to_wgs84, wgs84_ewkt
from geo.db import analyze_if_changed, estimated_rows, indexes_built_after
from geo.h3index import point_cell
from geo.station_data import NewStation, valid_phone
from seed.fast_columns import Columns, by_value, checked_by, coordinate, fast_columns, text

BATCH = 50_000  # rows a statement; fewer, and each batch would scan a large table again
BUILD_INDEXES_FROM = 1000  # rows, and more than the table holds: its indexes are built after
MAX_FILE_BYTES = 512 * 1024 * 1024
FIELDS = frozenset(NewStation.model_fields) - {"lon", "lat"}
LON_NAMES = ("lon", "lng", "longitude", "x", "经度")
LAT_NAMES = ("lat", "latitude", "y", "纬度")
# Column names as spreadsheets in China head them, for the fields they name.
HEADER_WORDS = {"编号": "external_id", "外部编号": "external_id", "名称": "name",
                "站点名称": "name", "单位名称": "name", "地址": "address", "开放时间": "opening_hours",
                "营业时间": "opening_hours", "电话": "phone", "联系电话": "phone",
                "设施": "amenities", "服务": "amenities", "状态": "status", "运营方": "operator",
                "统一社会信用代码": "uscc"}
DELIMITERS = {",": "commas", ";": "semicolons", "\t": "tabs", "|": "vertical bars"}


class ImportFormatError(ValueError):
    """The file as a whole cannot be read: wrong format, not a FeatureCollection, no columns."""


@dataclass(frozen=True)
class Problem:
    where: str
    reason: str


@dataclass
class ImportResult:
    read: int = 0
    inserted: int = 0
    updated: int = 0
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # how the file was read, when not as expected

    @property
    def unchanged(self) -> int:
        return self.read - len(self.problems) - self.inserted - self.updated

    def summary(self) -> str:
        return (f"{self.read} read: {self.inserted} new, {self.updated} updated, "
                f"{self.unchanged} unchanged, {len(self.problems)} rejected")


def explain(exc: ValidationError, record: dict[str, Any] | None = None) -> str:
    parts = []
    for error in exc.errors():
        message = str(error["msg"]).removeprefix("Value error, ")
        loc = ".".join(str(p) for p in error.get("loc", ()) if not isinstance(p, int))
        if loc and error.get("type") != "missing":
            message += f" (got {error.get('input')!r})"
        message += swap_hint(loc, str(error.get("type")), (record or {}).get("lon"))
        parts.append(f"{loc}: {message}" if loc else message)
    return "; ".join(parts)


def geojson_records(text: str, fields: frozenset[str] = FIELDS
                    ) -> Iterator[tuple[str, dict[str, Any]]]:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportFormatError(f"not valid JSON: {exc}") from None
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection" or not isinstance(
        doc.get("features"), list
    ):
        raise ImportFormatError("expected a GeoJSON FeatureCollection with a 'features' list")
    for number, feature in enumerate(doc["features"], start=1):
        where = f"feature {number}"
        if not isinstance(feature, dict):
            yield where, {"_error": "not a GeoJSON Feature object"}
            continue
        geometry = feature.get("geometry") or {}
        props = feature.get("properties") or {}
        coords = geometry.get("coordinates") if isinstance(geometry, dict) else None
        if not isinstance(geometry, dict) or geometry.get("type") != "Point" or not (
            isinstance(coords, list) and len(coords) in (2, 3)
        ):
            yield where, {"_error": "geometry must be a Point with [lon, lat] coordinates"}
            continue
        if not isinstance(props, dict):
            yield where, {"_error": "properties must be an object"}
            continue
        record = {k: v for k, v in props.items() if k in fields}
        if "external_id" not in record and feature.get("id") is not None:
            record["external_id"] = str(feature["id"])
        yield where, {**record, "lon": coords[0], "lat": coords[1]}


def csv_records(text: str, fields: frozenset[str] = FIELDS, notes: list[str] | None = None
                ) -> Iterator[tuple[str, dict[str, Any]]]:
    start = [1]  # the line the record being read starts on
    try:
        yield from _csv_records(text, fields, notes if notes is not None else [], start)
    except csv.Error as exc:  # a quote left open, a stray carriage return
        if "unexpected end of data" in str(exc):
            last = text.count("\n", 0, len(text.rstrip("\r\n"))) + 1
            raise ImportFormatError(
                f"line {start[0]}: a quote (\") opens a value that is never closed, so lines "
                f"{start[0]} to {last} would all be one value; close it, or double a quote meant "
                "inside a value (\"\"). Nothing was imported") from None
        raise ImportFormatError(f"line {start[0]}: not readable as CSV: {exc}") from None


def _header(names: list[str]) -> list[str]:
    return [HEADER_WORDS.get(h.strip(), h.strip().lower()) for h in names]


def _dialect(text: str, usable: Callable[[list[str]], bool]) -> str:
    """The delimiter under which the header line names the columns needed: a comma, else
    whichever of ; tab | does (spreadsheets in Chinese locales often save ; or tab)."""
    first = text.split("\n", 1)[0]
    for delimiter in DELIMITERS:
        if usable(_header(next(csv.reader([first], delimiter=delimiter), []))):
            return delimiter
    return ","


def _csv_records(text: str, fields: frozenset[str], notes: list[str], start: list[int]
                 ) -> Iterator[tuple[str, dict[str, Any]]]:
    def lacks(header: list[str]) -> list[str]:
        missing = [n for n, names in (("lon", LON_NAMES), ("lat", LAT_NAMES))
                   if not any(h in header for h in names)]
        return missing + [n for n in ("external_id", "name") if n not in header]

    delimiter = _dialect(text, lambda header: not lacks(header))
    # newline="" lets the csv module see line ends itself, as it needs to for quoted fields.
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    header = _header(list(reader.fieldnames or []))
    if missing := lacks(header):
        raise ImportFormatError(
            f"CSV header lacks {', '.join(missing)}: it reads {header} with values separated by "
            f"commas, and no better with {', '.join(list(DELIMITERS.values())[1:])}; it needs "
            f"external_id, name, lon, lat (or 编号, 名称, 经度, 纬度) and may have "
            f"{', '.join(sorted(fields - {'external_id', 'name'}))}")
    if delimiter != ",":
        notes.append(f"values are separated by {DELIMITERS[delimiter]}, not commas: read so")
    lon_col = next(h for h in LON_NAMES if h in header)
    lat_col = next(h for h in LAT_NAMES if h in header)
    reader.fieldnames = header
    start[0] = reader.line_num + 1
    for row in reader:
        where = f"line {start[0]}"
        start[0] = reader.line_num + 1
        if None in row:
            yield where, {"_error": "more values than header columns"}
            continue
        record: dict[str, Any] = {k: v for k, v in row.items() if k in fields and v not in ("", None)}
        record["lon"], record["lat"] = row[lon_col], row[lat_col]
        yield where, record


def model_station_columns(crs: Crs) -> Columns:
    """A record's columns as the model makes them, one model a record."""
    return lambda record: NewStation.model_validate(record).columns(crs, only_set=False)


def station_columns(crs: Crs) -> Columns:
    """`model_station_columns`, with the model left to the records the fast checks cannot
    vouch for."""
    slow = model_station_columns(crs)
    valid = {"name": "-", "lon": 0.0, "lat": 0.0}
    defaults = {k: v for k, v in slow(valid).items() if k not in ("name", "location", "h3_r10")}
    rules = {"external_id": text(200, nullable=True), "name": text(200),
             "address": text(500, nullable=True), "operator": text(200, nullable=True),
             "phone": checked_by(valid_phone), "lon": coordinate(180), "lat": coordinate(90),
             **{f: by_value(slow, f, valid)
                for f in ("amenities", "opening_hours", "timezone", "status")}}

    def build(checked: dict[str, Any]) -> dict[str, Any]:
        lon, lat = to_wgs84(checked.pop("lon"), checked.pop("lat"), crs)
        return {**defaults, **checked, "location": wgs84_ewkt(lon, lat),
                "h3_r10": point_cell(lon, lat)}
    return fast_columns(slow, rules, {"name", "lon", "lat"}, build)


def prepare(
    records: Iterable[tuple[str, dict[str, Any]]],
    to_columns: Columns,
    result: ImportResult,
) -> list[dict[str, Any]]:
    """Validate records into database rows with `to_columns` (which raises ValidationError or
    ValueError); problems go into `result`, repeated external ids included."""
    rows: list[dict[str, Any]] = []
    first_seen: dict[str, str] = {}
    for where, record in records:
        result.read += 1
        if "_error" in record:
            result.problems.append(Problem(where, record["_error"]))
            continue
        try:
            columns = to_columns(record)
        except ValidationError as exc:
            result.problems.append(Problem(where, explain(exc, record)))
            continue
        except ValueError as exc:
            result.problems.append(Problem(where, str(exc)))
            continue
        external_id = columns.get("external_id")
        if not external_id:
            result.problems.append(Problem(where, "external_id is required for imports"))
            continue
        if external_id in first_seen:
            result.problems.append(Problem(
                where, f"external_id {external_id!r} repeats {first_seen[external_id]}"))
            continue
        first_seen[external_id] = where
        rows.append(columns)
    return rows


Upsert = Callable[[Connection, list[dict[str, Any]]], tuple[int, int]]


def write(conn: Connection, table: str, rows: list[dict[str, Any]], result: ImportResult,
          upsert: Upsert) -> int:
    """`rows` written to `table` in batches by `upsert`, counted in `result`, with a progress bar
    for a large import; one of more rows than the table holds (and than BUILD_INDEXES_FROM)
    builds the table's indexes after writing. Returns how many rows the table held before, for
    `analyze_if_changed` once the transaction has committed."""
    held = estimated_rows(conn, table)
    with (Progress(transient=True, disable=len(rows) < 5 * BATCH) as progress,
          indexes_built_after(conn, table, len(rows) > max(held, BUILD_INDEXES_FROM))):
        task = progress.add_task("writing", total=len(rows))
        for start in range(0, len(rows), BATCH):
            batch = rows[start:start + BATCH]
            inserted, updated = upsert(conn, batch)
            result.inserted += inserted
            result.updated += updated
            progress.advance(task, len(batch))
    return held


def read_records(path: Path, fmt: str | None, fields: frozenset[str] = FIELDS,
                 notes: list[str] | None = None) -> Iterator[tuple[str, dict[str, Any]]]:
    """The file's records; how it was read, where not as expected, is added to `notes`."""
    notes = notes if notes is not None else []
    fmt = (fmt or path.suffix.lstrip(".")).lower()
    if not path.is_file():
        raise ImportFormatError(f"{path} is not a file" if path.exists() else f"{path} does not exist")
    if path.stat().st_size == 0:
        raise ImportFormatError("the file is empty")
    if path.stat().st_size > MAX_FILE_BYTES:
        raise ImportFormatError(f"file is larger than {MAX_FILE_BYTES // 2**20} MiB; split it")
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        try:  # as Chinese Excel and WPS save it
            text = data.decode("gb18030")
        except UnicodeDecodeError:
            raise ImportFormatError(f"not UTF-8 text: {exc.reason} at byte {exc.start} (line "
                                    f"{line}), nor GB18030 (GBK): save it as UTF-8") from None
        notes.append(f"not UTF-8 (line {line} is not), but it reads as GB18030 (GBK), as Excel "
                     "and WPS save it: read so")
    if fmt in ("geojson", "json"):
        return geojson_records(text, fields)
    if fmt == "csv":
        return csv_records(text, fields, notes)
    raise ImportFormatError(f"unknown format {fmt!r}; use geojson or csv (--format)")


def import_file(engine: Engine, path: Path, crs: Crs, fmt: str | None = None) -> ImportResult:
    result = ImportResult()
    rows = prepare(read_records(path, fmt, notes=result.notes), station_columns(crs), result)
    with engine.begin() as conn:
        held = write(conn, "stations", rows, result, stations.upsert)
    analyze_if_changed(engine, "stations", result.inserted + result.updated, held)
    return result
