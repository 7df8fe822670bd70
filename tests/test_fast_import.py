"""The importers' fast path against the way they worked before: a pydantic model per row for the
columns and the problems, and for workplaces a write followed by `rematch_ids` for the match."""

from __future__ import annotations

import csv
import io
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, text

import seed.station_import as station_import
from geo import stations, workplaces
from geo.crs import Crs
from geo.db import SECONDARY_INDEXES
from seed.station_import import (
    ImportResult,
    csv_records,
    import_file,
    model_station_columns,
    prepare,
    station_columns,
)
from seed.workplace_import import import_workplaces, model_workplace_columns, workplace_columns
from tests.faults import CrashOnCall

VALID_USCC = "91110000600037341L"
UNIONS = {"U1": 7, "U2": 8}

numbers = st.one_of(
    st.floats(-200, 200).map(lambda x: f"{x:.6f}"),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(["nan", "NaN", "inf", "-0", "+121.4", " 121.4", "121.4 ", "1e2", "121.", ".5",
                     "1_0.5", "١٢١", "180", "180.0000001", "-90", "90.00000000000001", "abc", ""]),
    st.text("0123456789.-e", max_size=12))
words = st.one_of(st.sampled_from(["", " padded", "padded ", "\u3000全角", "x" * 200, "x" * 201,
                                   "a\x1fb", "\x1f", "\xa0"]), st.text(max_size=6))


def rows(good: dict[str, st.SearchStrategy[str]], bad: dict[str, st.SearchStrategy[str]]
         ) -> st.SearchStrategy[dict[str, str]]:
    """Rows of good values, a few of them replaced by bad or awkward ones."""
    spoils = st.lists(st.sampled_from(sorted(bad)).flatmap(
        lambda name: st.tuples(st.just(name), bad[name])), max_size=3)
    return st.tuples(st.fixed_dictionaries(good), spoils).map(lambda r: {**r[0], **dict(r[1])})


def choice(*values: str) -> st.SearchStrategy[str]:
    return st.sampled_from(["", *values])


common_good = {"external_id": st.sampled_from(["a1", "a2", "a3", "a4", "a5", "a6"]),
               "name": st.sampled_from(["驿站", "x" * 200, "tab\there", "Name 1"]),
               "lon": st.floats(-180, 180).map(lambda x: f"{x:.6f}"),
               "lat": st.floats(-90, 90).map(lambda x: f"{x:.6f}")}
common_bad = {"external_id": words, "name": words, "lon": numbers, "lat": numbers}
station_rows = rows(
    {**common_good, "address": choice("上海市黄浦区"),
     "amenities": choice("drinking_water;toilet", "wifi,hot_water", "toilet|toilet"),
     "opening_hours": choice("24/7", "Mo-Fr 09:00-17:00; PH off"),
     "status": choice("operational", "temporarily_closed"), "timezone": choice("Asia/Shanghai"),
     "phone": choice("12351", "+86 10-1234 5678"), "operator": choice("总工会")},
    {**common_bad, "address": words, "amenities": choice("beer", "Toilet", ";") | words,
     "opening_hours": choice("whenever", "Mo 25:00-26:00") | words,
     "status": choice("closed?") | words, "timezone": choice("Mars/Base", "UTC") | words,
     "phone": choice(" 12351 ", "abc") | words, "operator": words})
station_rows_columns = ["external_id", "name", "lon", "lat", "address", "amenities",
                        "opening_hours", "status", "timezone", "phone", "operator"]
workplace_rows = rows(
    {**common_good, "uscc": choice(VALID_USCC), "address": choice("杭州市"),
     "own_union_code": choice("U1", "U2")},
    {**common_bad, "uscc": choice("91110000600037341X", VALID_USCC.lower(), f" {VALID_USCC}") | words,
     "address": words, "own_union_code": choice("ZZ", " U1") | words})


def swap_some(rows: list[dict[str, str]], swapped: list[bool]) -> list[dict[str, str]]:
    """Rows with lat and lon swapped where `swapped` says so (a common mistake in real files)."""
    return [{**r, "lon": r["lat"], "lat": r["lon"]} if s else r
            for r, s in zip(rows, swapped, strict=False)]


def as_csv(rows: list[dict[str, str]], columns: list[str]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def both_ways(records: list[tuple[str, dict[str, Any]]], fast: Any, model: Any
              ) -> tuple[tuple[list[dict[str, Any]], ImportResult], ...]:
    fast_result, model_result = ImportResult(), ImportResult()
    return ((prepare(records, fast, fast_result), fast_result),
            (prepare(records, model, model_result), model_result))


@pytest.mark.parametrize("crs", list(Crs))
@settings(max_examples=150, deadline=None)
@given(rows=st.lists(station_rows, max_size=12), swapped=st.lists(st.booleans(), max_size=12))
def test_station_rows_and_problems_equal_the_models(crs: Crs, rows: list[dict[str, str]],
                                                    swapped: list[bool]) -> None:
    records = list(csv_records(as_csv(swap_some(rows, swapped), list(station_rows_columns))))
    (fast_rows, fast), (model_rows, model) = both_ways(
        records, station_columns(crs), model_station_columns(crs))
    assert fast_rows == model_rows
    assert fast.problems == model.problems and fast.read == model.read


@pytest.mark.parametrize("crs", [Crs.WGS84, Crs.BD09])
@settings(max_examples=150, deadline=None)
@given(rows=st.lists(workplace_rows, max_size=12), swapped=st.lists(st.booleans(), max_size=12))
def test_workplace_rows_and_problems_equal_the_models(crs: Crs, rows: list[dict[str, str]],
                                                      swapped: list[bool]) -> None:
    columns = ["external_id", "name", "lon", "lat", "uscc", "address", "own_union_code"]
    records = list(csv_records(as_csv(swap_some(rows, swapped), columns),
                               frozenset(columns) - {"lon", "lat"}))
    (fast_rows, fast), (model_rows, model) = both_ways(
        records, workplace_columns(crs, UNIONS), model_workplace_columns(crs, UNIONS))
    assert fast_rows == model_rows
    assert fast.problems == model.problems and fast.read == model.read


json_values = st.one_of(st.none(), st.booleans(), st.integers(-300, 300),
                        st.floats(allow_nan=True, allow_infinity=True), words,
                        st.lists(st.sampled_from(["toilet", "wifi", "beer"]), max_size=3))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.dictionaries(st.sampled_from(station_rows_columns), json_values, max_size=6)))
def test_geojson_values_give_what_the_model_gives(properties: list[dict[str, Any]]) -> None:
    """GeoJSON brings numbers, nulls, booleans and lists where CSV brings strings."""
    records = [(f"feature {i}", p) for i, p in enumerate(properties, start=1)]
    (fast_rows, fast), (model_rows, model) = both_ways(
        records, station_columns(Crs.GCJ02), model_station_columns(Crs.GCJ02))
    assert fast_rows == model_rows and fast.problems == model.problems


def stored_stations(engine: Engine) -> dict[str, tuple[Any, ...]]:
    with engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT external_id, name, address, ST_X(location), ST_Y(location), h3_r10, amenities, "
            "opening_hours, timezone, status, operator, phone FROM stations"))
        return {r[0]: tuple(r[1:]) for r in rows}


def expected_stations(rows: list[dict[str, Any]]) -> dict[str, tuple[Any, ...]]:
    def point(ewkt: str) -> list[float]:
        return [float(v) for v in ewkt.removeprefix("SRID=4326;POINT(").rstrip(")").split()]
    return {r["external_id"]: (r["name"], r["address"], *point(r["location"]), r["h3_r10"],
                               r["amenities"], r["opening_hours"], r["timezone"], r["status"],
                               r["operator"], r["phone"]) for r in rows}


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(station_rows, max_size=30), swapped=st.lists(st.booleans(), max_size=30))
def test_a_station_file_stores_what_the_model_rows_are(
        empty_db: Engine, tmp_path: Path, rows: list[dict[str, str]], swapped: list[bool]) -> None:
    """Through COPY (60 good rows more than hypothesis makes), twice: the second run writes
    nothing."""
    with empty_db.begin() as conn:
        conn.execute(text("TRUNCATE stations RESTART IDENTITY CASCADE"))
    good = [{"external_id": f"g{i}", "name": f"驿站 {i}", "lon": f"{121 + i / 1000:.4f}",
             "lat": "31.2", "amenities": "toilet" if i % 2 else ""} for i in range(60)]
    path = tmp_path / "stations.csv"
    content = as_csv(swap_some(rows, swapped) + good, station_rows_columns)
    assume("\x00" not in content)  # PostgreSQL's text has no NUL; either path fails the file
    path.write_text(content, encoding="utf-8")
    model = ImportResult()
    expected = prepare(csv_records(path.read_text()), model_station_columns(Crs.GCJ02), model)
    result = import_file(empty_db, path, Crs.GCJ02)
    assert result.problems == model.problems
    assert (result.inserted, result.updated) == (len(expected), 0)
    assert stored_stations(empty_db) == expected_stations(expected)
    again = import_file(empty_db, path, Crs.GCJ02)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, len(expected))


def matches(engine: Engine) -> dict[str, tuple[Any, ...]]:
    with engine.connect() as conn:
        return {r[0]: tuple(r[1:]) for r in conn.execute(text(
            "SELECT external_id, matched_union_id, match_status, match_method, "
            "round(match_distance_m::numeric, 6), matched_at FROM workplaces"))}


def test_imported_workplaces_are_matched_as_rematch_ids_matches_them(
        engine: Engine, tree: dict[str, int], tmp_path: Path) -> None:
    """Inside areas, on shared edges, in the street's hole, near the city and far from it; then
    again with some moved and some renamed: each written row's match is what the path of
    `rematch_ids` after the write gives, and a row whose match stayed keeps its matched_at."""
    points = [(121.0 + 0.4 * (i % 17) / 16, 31.0 + 0.4 * (i // 17) / 7) for i in range(17 * 8)]
    points += [(121.41, 31.2), (121.39, 31.41), (122.5, 31.2), (121.2, 31.2), (121.1, 31.1)]
    path = tmp_path / "workplaces.csv"

    def run(moved: int) -> dict[str, tuple[Any, ...]]:
        rows = [{"external_id": f"w{i}", "name": f"单位 {i % 5 if i < moved else i}",
                 "lon": repr(lon + (0.003 if i < moved else 0)), "lat": repr(lat)}
                for i, (lon, lat) in enumerate(points)]
        path.write_text(as_csv(rows, ["external_id", "name", "lon", "lat"]), encoding="utf-8")
        before = matches(engine)
        result = import_workplaces(engine, path, Crs.WGS84)
        assert not result.problems
        imported = matches(engine)
        with engine.begin() as conn:  # the earlier path, on the rows as they were written
            written = [i for i, in conn.execute(text("SELECT id FROM workplaces"))]
            conn.execute(text("UPDATE workplaces SET matched_union_id = NULL, match_status = NULL, "
                              "match_method = NULL, match_distance_m = NULL"))
            workplaces.rematch_ids(conn, written)
        rematched = matches(engine)
        assert {k: v[:4] for k, v in imported.items()} == {k: v[:4] for k, v in rematched.items()}
        for key, (*match, matched_at) in imported.items():
            if key in before and tuple(before[key][:4]) == tuple(match):
                assert matched_at == before[key][4], key
        return imported

    first = run(0)
    assert {m[1] for m in first.values()} >= {"matched", "gap_fallback", "nearest_fallback",
                                              "not_covered"}
    second = run(40)
    assert sum(first[k] != second[k] for k in first) > 0


def test_a_station_another_transaction_inserts_meanwhile_is_updated_as_before(
        empty_db: Engine, tmp_path: Path) -> None:
    """The plain INSERT meets the other transaction's row in the unique index, waits for it, and
    fails; the batch then goes as INSERT … ON CONFLICT, which updates that row."""
    path = tmp_path / "stations.csv"
    path.write_text(as_csv([{"external_id": f"c{i}", "name": f"驿站 {i}", "lon": "121.4",
                             "lat": "31.2"} for i in range(60)], ["external_id", "name", "lon", "lat"]))
    with empty_db.connect() as other:
        other.execute(text("INSERT INTO stations (external_id, name, location, h3_r10) VALUES "
                           "('c7', 'theirs', ST_GeomFromText('POINT(121 31)', 4326), 0)"))
        with ThreadPoolExecutor(1) as pool:
            running = pool.submit(import_file, empty_db, path, Crs.WGS84)
            deadline = time.monotonic() + 30
            try:
                with empty_db.connect() as watch:  # until the import waits for the other's row
                    while not watch.execute(text(
                            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                            "AND query LIKE '%INSERT INTO stations%'")).scalar_one():
                        watch.rollback()  # a transaction sees one snapshot of the activity
                        assert time.monotonic() < deadline and not running.done(), running
                        time.sleep(0.05)
            finally:
                other.commit()
            result = running.result(timeout=60)
    assert (result.inserted, result.updated) == (59, 1)
    assert stored_stations(empty_db)["c7"][0] == "驿站 7"


def secondary_indexes(engine: Engine) -> list[tuple[str, str]]:
    with engine.connect() as conn:
        return list(conn.exec_driver_sql(SECONDARY_INDEXES, (["stations"],)).all())


@pytest.mark.parametrize("crash", [False, True])
def test_an_import_larger_than_the_table_builds_its_indexes_after(
        empty_db: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, crash: bool) -> None:
    """The indexes are dropped and built again inside the import's transaction: afterwards they
    are all there, as they were, whether the import was committed or rolled back."""
    before = secondary_indexes(empty_db)
    path = tmp_path / "stations.csv"
    path.write_text(as_csv([{"external_id": f"i{i}", "name": f"驿站 {i}", "lon": f"{121 + i / 1e4}",
                             "lat": "31.2", "amenities": "toilet"} for i in range(60)],
                           ["external_id", "name", "lon", "lat", "amenities"]))
    monkeypatch.setattr(station_import, "BATCH", 20)
    monkeypatch.setattr(station_import, "BUILD_INDEXES_FROM", 10)
    if crash:
        monkeypatch.setattr(stations, "upsert", CrashOnCall(
            stations.upsert, 3, ConnectionError("the database went away")))
        with pytest.raises(ConnectionError):
            import_file(empty_db, path, Crs.WGS84)
    else:
        assert import_file(empty_db, path, Crs.WGS84).inserted == 60
    assert secondary_indexes(empty_db) == before and len(before) >= 5
    with empty_db.connect() as conn:
        count, near = conn.execute(text(
            "SELECT count(*), (SELECT external_id FROM stations WHERE amenities @> '{toilet}' "
            "ORDER BY location <-> ST_SetSRID(ST_MakePoint(121.0031, 31.2), 4326) LIMIT 1) "
            "FROM stations")).one()
    assert (count, near) == ((0, None) if crash else (60, "i31"))
