"""OGC API - Features Part 3 under /ogc: CQL2 filters (text and JSON) against a Python oracle
over every feature (shapely for the spatial functions, SQL's three-valued logic for NULLs),
queryables, filter-crs, sortby and properties against the database's own ORDER BY, the
jurisdiction a filter cannot widen, bad filters as OGC exceptions, no filter text in any SQL
statement, and GDAL (-where) and OWSLib reading filtered, sorted pages."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import shapely
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyproj import Transformer
from sqlalchemy import Engine, event, text

from api.app import create_app
from officers import accounts
from officers.vocab import Role
from ogc.crs import EPSG_3857, EPSG_4326
from tests.conftest import SECRET_KEY, bearer
from tests.live import serving
from tests.test_ogc import ITEMS, all_items
from yizhan.settings import Settings

T0 = datetime(2025, 1, 1, tzinfo=UTC)
NAMES = ["人民广场驿站", "外卖骑手之家", "O'Brien Rest", "obrien rest", "环卫工人驿站 A", "Station_5%"]
AMENITIES = ["drinking_water", "toilet", "wifi", "seating"]
STATUSES = ["operational", "temporarily_closed", "planned", "removed"]
MERCATOR = Transformer.from_crs(4326, 3857, always_xy=True)


@pytest.fixture
def rows(empty_db: Engine, tree: dict[str, int]) -> list[dict[str, Any]]:
    """36 stations on a 6 x 6 grid with every kind of value, NULLs among them: what each holds."""
    made = []
    with empty_db.begin() as conn:
        for i in range(36):
            row = {"name": NAMES[i % len(NAMES)], "lon": 121.0 + 0.05 * (i % 6),
                   "lat": 31.0 + 0.05 * (i // 6), "status": STATUSES[i % 4 if i % 7 else 0],
                   "amenities": [a for k, a in enumerate(AMENITIES) if (i >> k) & 1],
                   "phone": None if i % 3 == 0 else f"1380000{i:04d}",
                   "address": None if i % 5 == 0 else f"第{i}号",
                   "updated_at": T0 + timedelta(days=i),
                   "last_verified_at": None if i % 4 == 1 else T0 + timedelta(days=36 - i)}
            row["id"] = conn.execute(text(
                "INSERT INTO stations (external_id, name, location, h3_r10, status, amenities, "
                "phone, address, updated_at, last_verified_at) VALUES (:e, :name, "
                "ST_SetSRID(ST_MakePoint(:lon, :lat), 4326), 0, :status, :amenities, :phone, "
                ":address, :updated_at, :last_verified_at) RETURNING id"),
                {"e": f"f-{i}", **row}).scalar_one()
            made.append(row)
    return made


# A filter is a small tree of tuples; each renders as CQL2 text and JSON and evaluates in Python
# to True, False or None (SQL's unknown).
Node = tuple[Any, ...]
DAYS = st.integers(-2, 40).map(lambda d: T0 + timedelta(days=d))
BOXES = st.tuples(st.integers(0, 6), st.integers(0, 6), st.integers(0, 6), st.integers(0, 6)).map(
    lambda t: (121.0 + 0.05 * min(t[0], t[2]) - 0.02 * (t[0] == t[2]), 31.0 + 0.05 * min(t[1], t[3]),
               121.0 + 0.05 * max(t[0], t[2]) + 0.02 * (t[0] == t[2]),
               31.0 + 0.05 * max(t[1], t[3]) + 0.01))
COMPARISONS = ["=", "<>", "<", "<=", ">", ">="]
LIKES = st.sampled_from(["%驿站%", "O'%", "%rest", "%Rest", "人民%", "%_5\\%", "外卖__之家", "%"])

leaves = st.one_of(
    st.tuples(st.just("cmp"), st.sampled_from(["name", "phone"]), st.sampled_from(["=", "<>"]),
              st.sampled_from([*NAMES, "13800000004", "nobody"])),
    st.tuples(st.just("cmp"), st.just("status"), st.sampled_from(["=", "<>"]), st.sampled_from(STATUSES)),
    st.tuples(st.just("cmp"), st.sampled_from(["updated_at", "last_verified_at"]),
              st.sampled_from(COMPARISONS), DAYS),
    st.tuples(st.just("in"), st.just("status"), st.lists(st.sampled_from(STATUSES), min_size=1,
                                                          max_size=3, unique=True), st.booleans()),
    st.tuples(st.just("like"), st.sampled_from(["name", "address"]), LIKES, st.booleans()),
    st.tuples(st.just("casei"), st.just("name"), st.sampled_from(["O'BRIEN REST", "obrien rest"])),
    st.tuples(st.just("null"), st.sampled_from(["phone", "address", "last_verified_at"]), st.booleans()),
    st.tuples(st.just("between"), st.just("updated_at"), DAYS, DAYS),
    st.tuples(st.just("array"), st.sampled_from(["A_CONTAINS", "A_CONTAINEDBY", "A_OVERLAPS",
                                                 "A_EQUALS"]),
              st.lists(st.sampled_from(AMENITIES), max_size=3, unique=True)),
    st.tuples(st.just("spatial"), st.sampled_from(["S_INTERSECTS", "S_WITHIN", "S_DISJOINT"]), BOXES),
    st.tuples(st.just("bbox"), BOXES),
)
filters = st.recursive(leaves, lambda inner: st.one_of(
    st.tuples(st.sampled_from(["and", "or"]), inner, inner), st.tuples(st.just("not"), inner)),
    max_leaves=4)


def quoted(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def literal(value: Any) -> str:
    if isinstance(value, datetime):
        return f"TIMESTAMP('{value.isoformat().replace('+00:00', 'Z')}')"
    return quoted(value)


def polygon(box: tuple[float, float, float, float]) -> shapely.Polygon:
    return shapely.box(*box)


def as_text(node: Node) -> str:
    kind = node[0]
    if kind in ("and", "or"):
        return f"({as_text(node[1])}) {kind.upper()} ({as_text(node[2])})"
    if kind == "not":
        return f"NOT ({as_text(node[1])})"
    if kind == "cmp":
        return f"{node[1]} {node[2]} {literal(node[3])}"
    if kind == "in":
        return f"{node[1]} {'NOT ' if node[3] else ''}IN ({', '.join(map(quoted, node[2]))})"
    if kind == "like":
        return f"{node[1]} {'NOT ' if node[3] else ''}LIKE {quoted(node[2])}"
    if kind == "casei":
        return f"CASEI({node[1]}) = CASEI({quoted(node[2])})"
    if kind == "null":
        return f"{node[1]} IS {'NOT ' if node[2] else ''}NULL"
    if kind == "between":
        return f"{node[1]} BETWEEN {literal(node[2])} AND {literal(node[3])}"
    if kind == "array":
        return f"{node[1]}(amenities, ({', '.join(map(quoted, node[2]))}))"
    if kind == "spatial":
        return f"{node[1]}(geometry, {polygon(node[2]).wkt})"
    return f"BBOX(geometry, {', '.join(map(str, node[1]))})"


def as_json(node: Node) -> Any:
    kind = node[0]
    prop = {"property": node[1]} if kind not in ("and", "or", "not", "array", "spatial", "bbox") \
        else None

    def value(v: Any) -> Any:
        return {"timestamp": v.isoformat().replace("+00:00", "Z")} if isinstance(v, datetime) else v
    if kind in ("and", "or"):
        return {"op": kind, "args": [as_json(node[1]), as_json(node[2])]}
    if kind == "not":
        return {"op": "not", "args": [as_json(node[1])]}
    if kind == "cmp":
        return {"op": node[2], "args": [prop, value(node[3])]}
    if kind == "in":
        found = {"op": "in", "args": [prop, node[2]]}
        return {"op": "not", "args": [found]} if node[3] else found
    if kind == "like":
        found = {"op": "like", "args": [prop, node[2]]}
        return {"op": "not", "args": [found]} if node[3] else found
    if kind == "casei":
        return {"op": "=", "args": [{"op": "casei", "args": [prop]},
                                    {"op": "casei", "args": [node[2]]}]}
    if kind == "null":
        found = {"op": "isNull", "args": [prop]}
        return {"op": "not", "args": [found]} if node[2] else found
    if kind == "between":
        return {"op": "and", "args": [{"op": ">=", "args": [prop, value(node[2])]},
                                      {"op": "<=", "args": [prop, value(node[3])]}]}
    if kind == "array":
        return {"op": node[1].lower(), "args": [{"property": "amenities"}, node[2]]}
    if kind == "spatial":
        return {"op": node[1].lower(), "args": [{"property": "geometry"},
                                                shapely.geometry.mapping(polygon(node[2]))]}
    return {"op": "s_intersects", "args": [{"property": "geometry"},
                                           {"bbox": list(node[1])}]}


def like(value: str, pattern: str) -> bool:
    """SQL LIKE: % any run, _ one character, a backslash before either takes it as itself."""
    regex = "".join(re.escape(t[1]) if t.startswith("\\") else ".*" if t == "%" else "."
                    if t == "_" else re.escape(t) for t in re.findall(r"\\.|.", pattern, re.S))
    return re.fullmatch(regex, value, re.S) is not None


def unknown_or(value: Any, test: Callable[[Any], bool]) -> bool | None:
    return None if value is None else test(value)


def holds(node: Node, row: dict[str, Any]) -> bool | None:
    """SQL's answer for one station: True, False, or None (unknown, as NULL makes it)."""
    kind = node[0]
    if kind == "and":
        a, b = holds(node[1], row), holds(node[2], row)
        return False if a is False or b is False else None if a is None or b is None else True
    if kind == "or":
        a, b = holds(node[1], row), holds(node[2], row)
        return True if a is True or b is True else None if a is None or b is None else False
    if kind == "not":
        a = holds(node[1], row)
        return None if a is None else not a
    if kind == "cmp":
        ops = {"=": lambda x, y: x == y, "<>": lambda x, y: x != y, "<": lambda x, y: x < y,
               "<=": lambda x, y: x <= y, ">": lambda x, y: x > y, ">=": lambda x, y: x >= y}
        return unknown_or(row[node[1]], lambda v: ops[node[2]](v, node[3]))
    if kind == "in":
        return unknown_or(row[node[1]], lambda v: (v in node[2]) != node[3])
    if kind == "like":
        return unknown_or(row[node[1]], lambda v: like(v, node[2]) != node[3])
    if kind == "casei":
        return row[node[1]].lower() == node[2].lower()
    if kind == "null":
        return (row[node[1]] is None) != node[2]
    if kind == "between":
        return node[2] <= row["updated_at"] <= node[3]
    point = shapely.Point(row["lon"], row["lat"])
    if kind == "array":
        have, given = set(row["amenities"]), set(node[2])
        return {"A_CONTAINS": have >= given, "A_CONTAINEDBY": have <= given,
                "A_OVERLAPS": bool(have & given), "A_EQUALS": have == given}[node[1]]
    if kind == "spatial":
        area = polygon(node[2])
        return {"S_INTERSECTS": point.intersects(area), "S_WITHIN": point.within(area),
                "S_DISJOINT": point.disjoint(area)}[node[1]]
    return point.intersects(polygon(node[1]))


def mentions_status(node: Node) -> bool:
    if node[0] in ("and", "or"):
        return mentions_status(node[1]) or mentions_status(node[2])
    if node[0] == "not":
        return mentions_status(node[1])
    return node[0] in ("cmp", "in") and node[1] == "status"


@settings(max_examples=120, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(node=filters)
def test_random_filters_answer_what_python_says(client: TestClient, rows: list[dict[str, Any]],
                                                node: Node) -> None:
    """Every station for which the filter holds, in text and in JSON; removed ones only when the
    filter names the status."""
    expected = {r["id"] for r in rows if holds(node, r) is True
                and (r["status"] != "removed" or mentions_status(node))}
    for language, written in (("cql2-text", as_text(node)), ("cql2-json", json.dumps(as_json(node)))):
        answer = client.get(ITEMS.format("stations"), params={
            "filter": written, "filter-lang": language, "limit": 1000})
        assert answer.status_code == 200, (written, answer.text)
        assert {f["id"] for f in answer.json()["features"]} == expected, written
        assert answer.json()["numberMatched"] == len(expected)


def test_and_binds_tighter_than_or_and_quotes_are_doubled(client: TestClient,
                                                          rows: list[dict[str, Any]]) -> None:
    def ids(cql: str) -> set[int]:
        answer = client.get(ITEMS.format("stations"), params={"filter": cql, "limit": 1000})
        assert answer.status_code == 200, answer.text
        return {f["id"] for f in answer.json()["features"]}
    usable = [r for r in rows if r["status"] != "removed"]
    assert ids("name = 'O''Brien Rest' OR name = 'obrien rest' AND phone IS NULL") == {
        r["id"] for r in usable if r["name"] == "O'Brien Rest"
        or (r["name"] == "obrien rest" and r["phone"] is None)}
    assert ids("NOT (name = 'O''Brien Rest' OR name LIKE '%驿站%')") == {
        r["id"] for r in usable if r["name"] != "O'Brien Rest" and "驿站" not in r["name"]}
    assert ids("name ILIKE 'o''brien%'") == {r["id"] for r in usable
                                            if r["name"].lower().startswith("o'brien")}


def test_filter_crs_reads_the_geometry_in_the_system_it_names(
        client: TestClient, rows: list[dict[str, Any]]) -> None:
    box = (121.04, 31.04, 121.16, 31.11)
    expected = {r["id"] for r in rows if r["status"] != "removed"
                and shapely.box(*box).intersects(shapely.Point(r["lon"], r["lat"]))}
    (x1, y1), (x2, y2) = MERCATOR.transform(box[0], box[1]), MERCATOR.transform(box[2], box[3])
    for crs, polygon_text in (
            (None, shapely.box(*box).wkt), (None, f"BBOX({', '.join(map(str, box))})"),
            (EPSG_4326, shapely.box(box[1], box[0], box[3], box[2]).wkt),
            (EPSG_3857, shapely.box(x1, y1, x2, y2).wkt)):
        params = {"filter": f"S_INTERSECTS(geometry, {polygon_text})", "limit": 1000}
        answer = client.get(ITEMS.format("stations"), params=params | (
            {"filter-crs": crs} if crs else {}))
        assert answer.status_code == 200, answer.text
        assert {f["id"] for f in answer.json()["features"]} == expected, crs


def test_queryables_and_conformance(client: TestClient, admin: dict[str, str], tree: dict[str, Any]) -> None:
    doc = client.get("/ogc/collections/stations/queryables")
    assert doc.status_code == 200 and doc.headers["content-type"] == "application/schema+json"
    properties = doc.json()["properties"]
    assert properties["status"]["enum"] == STATUSES
    assert properties["amenities"]["type"] == "array" and "toilet" in properties["amenities"][
        "items"]["enum"]
    assert properties["updated_at"] == {"title": "Last changed", "type": "string",
                                        "format": "date-time"}
    assert properties["geometry"]["format"] == "geometry-any"
    plain = client.get("/ogc/collections/unions/queryables", headers={"Accept": "application/json"})
    assert plain.headers["content-type"] == "application/json"
    assert {"id": "area_m2", "type": "number"} in plain.json()["queryables"]
    assert client.get("/ogc/collections/workplaces/queryables").status_code == 401
    assert "uscc" in client.get("/ogc/collections/workplaces/queryables",
                                headers=admin).json()["properties"]
    rels = {link["rel"] for link in client.get("/ogc/collections/stations").json()["links"]}
    assert "http://www.opengis.net/def/rel/ogc/1.0/queryables" in rels
    conforms = client.get("/ogc/conformance").json()["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter" in conforms
    assert "http://www.opengis.net/spec/cql2/1.0/conf/array-functions" in conforms
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html" in conforms
    assert not any("temporal" in c or "arithmetic" in c or "property-property" in c
                   for c in conforms)


def test_sortby_pages_in_the_database_order_and_properties_narrow(
        client: TestClient, empty_db: Engine, rows: list[dict[str, Any]]) -> None:
    for sortby, order in (("-status,+name", "status DESC, name ASC"),
                          ("last_verified_at", "last_verified_at ASC"),
                          ("-updated_at", "updated_at DESC")):
        with empty_db.connect() as conn:
            expected = list(conn.execute(text(
                f"SELECT id FROM stations WHERE status <> 'removed' ORDER BY {order}, id")).scalars())
        features, _ = all_items(client, f"{ITEMS.format('stations')}?limit=4&sortby={sortby}")
        assert [f["id"] for f in features] == expected, sortby
    few = client.get(ITEMS.format("stations"), params={"properties": "name,status", "limit": 3})
    assert all(set(f["properties"]) == {"name", "status"} for f in few.json()["features"])
    none = client.get(ITEMS.format("stations"), params={"properties": ""}).json()["features"]
    assert none and all(f["properties"] == {} and f["geometry"] for f in none)
    since = client.get(ITEMS.format("stations"), params={"datetime": "2025-01-20T/..", "limit": 100})
    assert {f["id"] for f in since.json()["features"]} == {
        r["id"] for r in rows if r["status"] != "removed" and r["updated_at"] >= T0 + timedelta(days=19)}
    one = rows[1]["id"]
    item = client.get(f"{ITEMS.format('stations')}/{one}", params={"properties": "phone"})
    assert item.status_code == 200 and item.json()["properties"] == {"phone": rows[1]["phone"]}


def test_a_filter_narrows_an_officers_jurisdiction_and_never_widens_it(
        client: TestClient, admin: dict[str, str], engine: Engine, tree: dict[str, int]) -> None:
    for name, lon in (("in K1", 121.15), ("in D2", 121.3)):
        client.post("/workplaces", headers=admin, json={"name": name, "lon": lon, "lat": 31.1})
    with engine.begin() as conn:
        accounts.create(conn, "filter-k1", "k1", Role.OFFICER, "K1", "filter-officer-pass")
    officer = bearer(engine, "filter-k1")
    for cql in ("name = 'in D2' OR name = 'in K1'", "INCLUDE OR name = 'in D2'",
                "NOT (name = 'nobody')", "S_INTERSECTS(geometry, POLYGON((121 31, 122 31, 122 32, "
                "121 32, 121 31)))", "own_union_id IS NULL OR own_union_id IS NOT NULL"):
        mine = client.get(ITEMS.format("workplaces"), headers=officer, params={"filter": cql})
        assert mine.status_code == 200, mine.text
        assert [f["properties"]["name"] for f in mine.json()["features"]] == ["in K1"], cql
        assert mine.json()["numberMatched"] == 1
    everyone = client.get(ITEMS.format("workplaces"), headers=admin,
                          params={"filter": "name LIKE 'in %'"}).json()
    assert everyone["numberMatched"] == 2
    narrowed = client.get(ITEMS.format("workplaces"), headers=officer,
                          params={"filter": "name = 'in D2'"}).json()
    assert narrowed["numberMatched"] == 0


@pytest.mark.parametrize(("params", "words"), [
    ({"filter": "colour = 'red'"}, "'colour' is not a queryable property; there are external_id"),
    ({"filter": "updated_at > 5"}, "updated_at is date-time: compare it with TIMESTAMP("),
    ({"filter": "updated_at > 'last week'"}, "updated_at is a time"),
    ({"filter": "name = 5"}, "name is string: compare it with a string in single quotes"),
    ({"filter": "status = 'open'"}, "status is one of operational, temporarily_closed"),
    ({"filter": "A_CONTAINS(amenities, ('beer'))"}, "amenities holds drinking_water"),
    ({"filter": "amenities = 'toilet'"}, "amenities is array: use the A_ functions"),
    ({"filter": "name LIKE 5"}, "name is string"),
    ({"filter": "S_INTERSECTS(geometry, 'x')"}, "compares the geometry with a geometry"),
    ({"filter": "S_INTERSECTS(name, POINT(121 31))"}, "takes the geometry; name is string"),
    ({"filter": "S_INTERSECTS(geometry, POLYGON((1 2, 3 4)))"}, "not a geometry"),
    ({"filter": "S_INTERSECTS(geometry, POLYGON((0 0, 1 1, 1 0, 0 1, 0 0)))"}, "not valid"),
    ({"filter": "S_INTERSECTS(geometry, POINT(31 121))"}, "outside the world"),
    ({"filter": "S_INTERSECTS(geometry, POINT(121 31))", "filter-crs": "EPSG:9999"},
     "filter-crs: 'EPSG:9999' is not offered"),
    ({"filter": "name = 'x' AND"}, "not CQL2 text: it ends too soon"),
    ({"filter": "name == 'x'"}, "not CQL2 text"),
    ({"filter": "- AND"}, "a minus sign goes before a number only"),
    ({"filter": "name = 'x'; DROP TABLE stations"}, "not CQL2 text: ';' was not expected at character 11"),
    ({"filter": "T_AFTER(updated_at, TIMESTAMP('2025-01-01T00:00:00Z'))"},
     "temporal functions (T_AFTER, T_BEFORE, …) are not offered"),
    ({"filter": "updated_at > TIMESTAMP('2025-13-01T00:00:00Z')"},
     "TIMESTAMP('2025-13-01T00:00:00Z') is not a time"),
    ({"filter": '{"op": ">", "args": [{"property": "updated_at"}, {"timestamp": "2025-13-01"}]}',
      "filter-lang": "cql2-json"}, "TIMESTAMP('2025-13-01') is not a time"),
    ({"datetime": "last week"}, "datetime: 'last week' is not a time or an interval"),
    ({"filter": "name = phone"}, "compared with a value"),
    ({"filter": "ACCENTI(name) = 'x'"}, "CASEI of a text property is the one function"),
    ({"filter": "{\"op\": \"=\"}", "filter-lang": "cql2-json"}, "not CQL2 JSON"),
    ({"filter": "[1, 2]", "filter-lang": "cql2-json"}, "a JSON object"),
    ({"filter": "name = 'x'", "filter-lang": "sql"}, "filter-lang: 'sql' is not offered"),
    ({"filter-lang": "cql2-text"}, "filter-lang and filter-crs go with a filter"),
    ({"filter": "name = '" + "x" * 4000 + "'"}, "characters; at most 4000 are taken"),
    ({"sortby": "-colour"}, "sortby: 'colour' cannot be sorted by; use external_id"),
    ({"sortby": "amenities"}, "'amenities' cannot be sorted by"),
    ({"sortby": "name,,status"}, "empty name"),
    ({"properties": "name,password_hash"}, "properties: 'password_hash' is not a property"),
])
def test_bad_filters_are_400_saying_what_is_wrong(client: TestClient, tree: dict[str, int],
                                                  params: dict[str, str], words: str) -> None:
    answer = client.get(ITEMS.format("stations"), params=params)
    assert answer.status_code == 400, answer.text
    assert answer.json()["code"] == "InvalidParameterValue"
    assert words in answer.json()["description"], answer.json()["description"]


PAYLOADS = ["' OR '1'='1", "x'); DROP TABLE stations; --", "1 UNION SELECT password_hash FROM "
            "officers", "$$; DELETE FROM unions; $$", "%' OR 1=1 --", "\\'; SELECT pg_sleep(5); --"]


def test_no_filter_text_reaches_sql(client: TestClient, engine: Engine,
                                    rows: list[dict[str, Any]]) -> None:
    """Payloads as string values (answered, matching nothing), as property names, sort keys and
    property lists (refused): the tables stay as they were and no statement carries them."""
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        statements.append(statement)
    before = [(t, n) for t, n in counts(engine)]
    event.listen(Engine, "before_cursor_execute", record)
    try:
        for payload in PAYLOADS:
            for cql, status in ((f"name = {quoted(payload)}", 200),
                                (f"name LIKE {quoted(payload)} OR address IN ({quoted(payload)})", 200),
                                (json.dumps({"op": "=", "args": [{"property": "name"}, payload]}), 200),
                                (json.dumps({"op": "=", "args": [{"property": payload}, "x"]}), 400),
                                (f'"{payload}" = 1', 400)):
                lang = "cql2-json" if cql.startswith("{") else "cql2-text"
                answer = client.get(ITEMS.format("stations"), params={"filter": cql,
                                                                      "filter-lang": lang})
                assert answer.status_code == status, (cql, answer.text)
                if status == 200:
                    assert answer.json()["numberMatched"] == 0, cql
            for name in ("sortby", "properties"):
                assert client.get(ITEMS.format("stations"), params={name: payload}).status_code == 400
    finally:
        event.remove(Engine, "before_cursor_execute", record)
    assert statements and not [s for s in statements for p in PAYLOADS if p in s]
    assert counts(engine) == before


def counts(engine: Engine) -> list[tuple[str, int]]:
    with engine.connect() as conn:
        return [(t, conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one())
                for t in ("stations", "unions", "officers")]


@pytest.fixture
def ogc_server(database_url: str, rows: list[dict[str, Any]]) -> Iterator[str]:
    with serving(create_app(Settings(database_url=database_url, secret_key=SECRET_KEY))) as url:
        yield f"{url}/ogc"


def gdal_ids(server: str, where: str, out: Path) -> tuple[list[int], str]:
    ogr2ogr = shutil.which("ogr2ogr")
    assert ogr2ogr, "GDAL is missing: `make test` installs Debian's gdal-bin"
    env = {**os.environ, "GDAL_HTTP_TIMEOUT": "30", "CPL_DEBUG": "ON"}
    done = subprocess.run([ogr2ogr, "-f", "GeoJSON", str(out), f"OAPIF:{server}", "stations",
                           "-oo", "PAGE_SIZE=5", "-preserve_fid", "-where", where],
                          capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    return sorted(f["id"] for f in json.loads(out.read_text())["features"]), done.stderr


# What Debian 12's GDAL (3.6) sends, found with CPL_DEBUG=ON. It does not read Part 3's
# conformance classes: it looks for a filter-lang enum holding the draft's cql-text at
# /collections/{collectionId}/items in the API definition (yizhan's /ogc/api), then sends
# filter=…&filter-lang=cql-text for the properties in the draft's queryables list: comparisons,
# LIKE, ILIKE, IS NULL, BETWEEN as >= and <=, AND, OR, NOT; times as '2025-01-05T' strings. IN
# stays with GDAL. (Without that enum it sent nothing but datetime=X/.. for any time compared
# with > or <, whichever property it was, and filtered every page itself.)
GDAL_WHERE = [
    "name = 'O''Brien Rest'",
    "name LIKE '%驿站%' AND phone IS NULL",
    "status <> 'planned' OR address IS NULL",
    "NOT (status = 'planned') AND updated_at >= '2025-01-20'",
    "last_verified_at BETWEEN '2025-01-05' AND '2025-01-25'",
    "name ILIKE 'o''brien%' OR last_verified_at < '2025-01-10'",
    "status IN ('planned', 'temporarily_closed')",
]


@pytest.mark.parametrize("where", GDAL_WHERE)
def test_gdal_where_answers_as_the_database(ogc_server: str, empty_db: Engine, tmp_path: Path,
                                            where: str) -> None:
    """GDAL sends the filter, which, naming the status, has the whole say over it (removed
    stations too); what it cannot send (IN) it evaluates on the default items."""
    sent = "IN (" not in where
    with empty_db.connect() as conn:
        expected = sorted(conn.execute(text(
            f"SELECT id FROM stations WHERE ({where}) "
            f"{'' if sent and 'status' in where else 'AND status <> ' + quoted('removed')}"
        )).scalars())
    found, log = gdal_ids(ogc_server, where, tmp_path / "found.geojson")
    assert ("filter-lang=cql-text" in log) == sent, log[-3000:]
    assert "datetime=" not in log
    assert found == expected and found


def test_owslib_reads_filtered_sorted_pages(ogc_server: str, empty_db: Engine,
                                            rows: list[dict[str, Any]]) -> None:
    from owslib.ogcapi.features import Features

    api = Features(ogc_server)
    cql = ("A_OVERLAPS(amenities, ('toilet', 'wifi')) AND "
           "S_WITHIN(geometry, POLYGON((121 31, 121.3 31, 121.3 31.3, 121 31.3, 121 31)))")
    found, offset = [], 0
    while True:
        page = api.collection_items("stations", filter=cql, sortby=("name", "desc"), limit=4,
                                    offset=offset)
        found += [f["id"] for f in page["features"]]
        offset += 4
        if not any(link["rel"] == "next" for link in page["links"]):
            break
    with empty_db.connect() as conn:
        expected = list(conn.execute(text(
            "SELECT id FROM stations WHERE status <> 'removed' AND amenities && "
            "ARRAY['toilet', 'wifi'] AND ST_Within(location, ST_MakeEnvelope(121, 31, 121.3, "
            "31.3, 4326)) ORDER BY name DESC, id")).scalars())
    assert found == expected and len(expected) > 4
