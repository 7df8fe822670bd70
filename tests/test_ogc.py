"""OGC API - Features under /ogc: the documents, paging, bbox against a shapely oracle (holes,
borders, across 180°), the CRS parameters, OGC exception bodies, and real clients reading it
(GDAL's OAPIF driver, OWSLib)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import shapely
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from pyproj import Transformer
from sqlalchemy import Engine, text

from api.app import create_app
from geo.crs import Crs, from_wgs84
from officers import accounts
from officers.vocab import Role
from ogc.crs import CRS84, EPSG_3857, EPSG_4326, GCJ02
from tests.conftest import SECRET_KEY, bearer
from tests.live import serving
from yizhan.settings import Settings

Stations = dict[int, tuple[float, float, str]]  # id -> (lon, lat, status)

ITEMS = "/ogc/collections/{}/items"
MERCATOR = Transformer.from_crs(4326, 3857, always_xy=True)


@pytest.fixture
def stations(empty_db: Engine, tree: dict[str, int]) -> Stations:
    """23 stations on a grid over the test tree, some on its borders, every fifth removed:
    id -> (lon, lat, status)."""
    made = {}
    with empty_db.begin() as conn:
        for i in range(23):
            lon, lat = 120.95 + 0.05 * (i % 6), 31.0 + 0.1 * (i // 6)
            status = "removed" if i % 5 == 4 else "operational"
            new_id = conn.execute(text(
                "INSERT INTO stations (external_id, name, location, h3_r10, status, amenities) "
                "VALUES (:e, :n, ST_SetSRID(ST_MakePoint(:x, :y), 4326), 0, :s, :a) RETURNING id"),
                {"e": f"ogc-{i}", "n": f"站点{i}", "x": lon, "y": lat, "s": status,
                 "a": ["toilet"] if i % 2 else ["drinking_water", "toilet"]}).scalar_one()
            made[new_id] = (lon, lat, status)
    return made


def all_items(client: TestClient, url: str, headers: dict[str, str] | None = None
              ) -> tuple[list[dict[str, Any]], list[int]]:
    """Every feature, following `next` links; and numberMatched of each page."""
    features, matched = [], []
    while url:
        page = client.get(url, headers=headers)
        assert page.status_code == 200, page.text
        assert page.headers["content-type"] == "application/geo+json"
        body = page.json()
        features += body["features"]
        matched.append(body["numberMatched"])
        assert body["numberReturned"] == len(body["features"])
        url = next((link["href"] for link in body["links"] if link["rel"] == "next"), "")
    return features, matched


def test_landing_conformance_and_collections(client: TestClient, admin: dict[str, str],
                                             stations: Stations) -> None:
    landing = client.get("/ogc").json()
    rels = {link["rel"]: link["href"] for link in landing["links"]}
    assert {"self", "service-desc", "service-doc", "conformance", "data"} <= set(rels)
    assert client.get(rels["service-desc"]).json()["openapi"].startswith("3.")
    assert "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs" in client.get(
        rels["conformance"]).json()["conformsTo"]
    public = client.get(rels["data"]).json()
    assert [c["id"] for c in public["collections"]] == ["stations", "unions"]
    assert [c["id"] for c in client.get(rels["data"], headers=admin).json()["collections"]] == [
        "stations", "unions", "workplaces"]
    stations_doc = client.get("/ogc/collections/stations").json()
    assert {CRS84, EPSG_4326, EPSG_3857, GCJ02} <= set(stations_doc["crs"])
    west, south, east, north = stations_doc["extent"]["spatial"]["bbox"][0]
    assert west <= 120.95 and east >= 121.2 and south <= 31.0 and north >= 31.3


def test_pages_cover_the_collection_exactly_once(client: TestClient, stations: Stations) -> None:
    usable = sorted(i for i, (_, _, status) in stations.items() if status != "removed")
    features, matched = all_items(client, ITEMS.format("stations") + "?limit=4")
    assert [f["id"] for f in features] == usable and set(matched) == {len(usable)}
    last = client.get(ITEMS.format("stations") + "?limit=4&offset=16").json()
    prev = next(link["href"] for link in last["links"] if link["rel"] == "prev")
    assert [f["id"] for f in client.get(prev).json()["features"]] == usable[12:16]
    clamped = client.get(ITEMS.format("stations") + "?limit=5000").json()
    self_link = next(link["href"] for link in clamped["links"] if link["rel"] == "self")
    assert "limit=1000" in self_link and clamped["numberReturned"] == len(usable)
    default = client.get(ITEMS.format("stations")).json()
    assert default["numberReturned"] == 10
    removed, _ = all_items(client, ITEMS.format("stations") + "?status=removed")
    assert {f["id"] for f in removed} == {i for i, s in stations.items() if s[2] == "removed"}
    one = client.get(f"{ITEMS.format('stations')}/{usable[0]}")
    assert one.json()["geometry"]["coordinates"] == list(stations[usable[0]][:2])
    assert one.json()["properties"]["name"].startswith("站点")


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(west=st.floats(120.9, 121.45), south=st.floats(30.95, 31.45),
       width=st.sampled_from([0.0, 0.01, 0.05, 0.1, 0.3]), height=st.sampled_from([0.0, 0.02, 0.1, 0.4]))
@example(west=121.055, south=31.055, width=0.01, height=0.01)  # inside S1's hole
@example(west=121.2, south=31.1, width=0.0, height=0.0)  # a point on D1 and D2's shared edge
@example(west=121.4, south=31.4, width=0.05, height=0.05)  # touching C's corner
def test_bbox_answers_what_shapely_says_intersects(
        client: TestClient, empty_db: Engine, stations: Stations, west: float, south: float,
        width: float, height: float) -> None:
    box = shapely.box(west, south, west + width, south + height)
    bbox = f"{west},{south},{west + width},{south + height}"
    with empty_db.connect() as conn:
        areas = {i: shapely.from_wkb(bytes(wkb)) for i, wkb in conn.execute(text(
            "SELECT id, ST_AsBinary(area) FROM unions WHERE area IS NOT NULL"))}
    unions, _ = all_items(client, f"{ITEMS.format('unions')}?limit=1000&bbox={bbox}")
    assert {f["id"] for f in unions} == {i for i, a in areas.items() if box.intersects(a)}
    found, _ = all_items(client, f"{ITEMS.format('stations')}?limit=1000&bbox={bbox}")
    assert {f["id"] for f in found} == {i for i, (x, y, s) in stations.items()
                                        if s != "removed" and box.intersects(shapely.Point(x, y))}


def test_a_bbox_across_180_degrees(client: TestClient, empty_db: Engine) -> None:
    with empty_db.begin() as conn:
        for i, lon in enumerate((179.9, -179.9, 0.0, 178.0)):
            conn.execute(text("INSERT INTO stations (external_id, name, location, h3_r10) VALUES "
                              "(:e, 'x', ST_SetSRID(ST_MakePoint(:x, -17), 4326), 0)"),
                         {"e": f"fiji-{i}", "x": lon})
    found = client.get(ITEMS.format("stations") + "?bbox=179.5,-18,-179.5,-16").json()
    assert sorted(f["geometry"]["coordinates"][0] for f in found["features"]) == [-179.9, 179.9]


def test_crs_and_bbox_crs(client: TestClient, stations: Stations) -> None:
    usable = {i: s for i, s in stations.items() if s[2] != "removed"}
    for uri, expect in ((EPSG_3857, lambda x, y: MERCATOR.transform(x, y)),
                        (EPSG_4326, lambda x, y: (y, x)),
                        (GCJ02, lambda x, y: from_wgs84(x, y, Crs.GCJ02))):
        answer = client.get(ITEMS.format("stations"), params={"crs": uri, "limit": 100})
        assert answer.headers["content-crs"] == f"<{uri}>"
        for f in answer.json()["features"]:
            assert f["geometry"]["coordinates"] == pytest.approx(
                expect(*usable[f["id"]][:2]), abs=1e-3 if uri == EPSG_3857 else 1e-7)
    wanted = {i for i, (x, y, _) in usable.items() if 121.0 <= x <= 121.1 and 31.0 <= y <= 31.2}
    (x1, y1), (x2, y2) = MERCATOR.transform(121.0, 31.0), MERCATOR.transform(121.1, 31.2)
    for bbox, crs in (("121.0,31.0,121.1,31.2", CRS84), ("31.0,121.0,31.2,121.1", EPSG_4326),
                      (f"{x1},{y1},{x2},{y2}", EPSG_3857)):
        found = client.get(ITEMS.format("stations"),
                           params={"bbox": bbox, "bbox-crs": crs, "limit": 100}).json()
        assert {f["id"] for f in found["features"]} == wanted, crs


def test_filters(client: TestClient, stations: Stations, tree: dict[str, int]) -> None:
    both = client.get(ITEMS.format("stations"), params={"amenity": "drinking_water,toilet",
                                                        "limit": 100}).json()
    assert {f["id"] for f in both["features"]} == {
        i for n, (i, s) in enumerate(sorted(stations.items())) if n % 2 == 0 and s[2] != "removed"}
    in_k1 = client.get(ITEMS.format("stations"), params={"union": tree["K1"], "limit": 100}).json()
    assert {f["id"] for f in in_k1["features"]} == {  # K1 is 121.1..121.2 x 31.0..31.2, borders in
        i for i, (x, y, s) in stations.items()
        if s != "removed" and 121.1 - 1e-9 <= x <= 121.2 + 1e-9 and y <= 31.2 + 1e-9}
    districts = client.get(ITEMS.format("unions"), params={"level": "district"}).json()
    assert sorted(f["properties"]["code"] for f in districts["features"]) == ["D1", "D2"]
    below = client.get(ITEMS.format("unions"), params={"union": tree["D1"]}).json()
    assert sorted(f["properties"]["code"] for f in below["features"]) == ["D1", "K1", "S1"]
    children = client.get(ITEMS.format("unions"), params={"parent": tree["C"]}).json()
    assert children["numberMatched"] == 2
    # Codes, where people use codes, answer as the ids do:
    for name, code in (("union", "K1"), ("union", "D1"), ("parent", "C")):
        for collection in ("stations", "unions"):
            if name == "parent" and collection == "stations":
                continue
            by_code = client.get(ITEMS.format(collection), params={name: code, "limit": 100})
            by_id = client.get(ITEMS.format(collection), params={name: tree[code], "limit": 100})
            assert by_code.status_code == 200, by_code.text
            assert by_code.json()["features"] == by_id.json()["features"]


@pytest.mark.parametrize(("path", "words"), [
    ("stations/items?limit=abc", "limit: 'abc' is not an integer"),
    ("stations/items?limit=0", "at least 1"),
    ("stations/items?offset=-1", "offset"),
    ("stations/items?bbox=1,2,3", "expected 4 numbers"),
    ("stations/items?bbox=1,2,x,4", "non-number"),
    ("stations/items?bbox=1,2,3,nan", "finite"),
    ("stations/items?bbox=10,50,20,40", "upside down"),
    ("stations/items?bbox=31,121,32,122", "outside the world"),
    ("stations/items?crs=EPSG:4326", "use one of"),
    (f"stations/items?bbox-crs={GCJ02}&bbox=1,2,3,4", "bbox-crs"),
    ("stations/items?status=open", "'open' is not one of operational"),
    ("stations/items?amenity=beer", "amenity: 'beer'"),
    ("stations/items?union=abc", "no union with id or code 'abc'"),
    ("stations/items?union=999999", "no union with id or code '999999'"),
    ("stations/items?level=city", "stations does not take level"),
    ("unions/items?color=red", "unions does not take color"),
    ("unions/items?f=xml", "f: 'xml' is not offered; use json or html"),
    ("stations/items/1?foo=1", "a stations item does not take foo"),
    ("stations/items?bbox=121,31,122,32&bbox=1,1,2,2", "'bbox': given 2 times"),
])
def test_bad_parameters_get_an_ogc_exception(client: TestClient, tree: dict[str, int], path: str,
                                             words: str) -> None:
    answer = client.get(f"/ogc/collections/{path}")
    assert answer.status_code == 400, answer.text
    assert answer.json()["code"] == "InvalidParameterValue" and words in answer.json()["description"]


def test_unknown_things_and_officer_only_workplaces(client: TestClient, admin: dict[str, str],
                                                    engine: Engine, tree: dict[str, int]) -> None:
    assert client.get("/ogc/collections/roads").json()["code"] == "NotFound"
    assert client.get("/ogc/collections/stations/items/abc").status_code == 404
    assert client.get("/ogc/nowhere").json()["code"] == "NotFound"
    refused = client.get(ITEMS.format("workplaces"))
    assert refused.status_code == 401 and refused.headers["www-authenticate"] == "Bearer"
    for name, lon in (("in K1", 121.15), ("in D2", 121.3)):
        client.post("/workplaces", headers=admin, json={"name": name, "lon": lon, "lat": 31.1})
    with engine.begin() as conn:
        accounts.create(conn, "ogc-k1", "k1", Role.OFFICER, "K1", "ogc-officer-pass")
    mine = client.get(ITEMS.format("workplaces"), headers=bearer(engine, "ogc-k1")).json()
    assert [f["properties"]["name"] for f in mine["features"]] == ["in K1"]
    everything = client.get(ITEMS.format("workplaces"), headers=admin).json()
    assert everything["numberMatched"] == 2
    other = next(f["id"] for f in everything["features"] if f["properties"]["name"] == "in D2")
    assert client.get(f"{ITEMS.format('workplaces')}/{other}",
                      headers=bearer(engine, "ogc-k1")).status_code == 404


@pytest.fixture
def ogc_server(database_url: str, stations: Stations) -> Iterator[str]:
    with serving(create_app(Settings(database_url=database_url, secret_key=SECRET_KEY))) as url:
        yield f"{url}/ogc"


def test_gdal_reads_every_public_collection_across_pages(
        ogc_server: str, empty_db: Engine, tmp_path: Path, admin: dict[str, str]) -> None:
    ogr2ogr = shutil.which("ogr2ogr")
    assert ogr2ogr, "GDAL is missing: `make test` installs Debian's gdal-bin"
    with empty_db.connect() as conn:
        expected = {
            "stations": {r.id: dict(r._mapping) for r in conn.execute(text(
                "SELECT id, name, status, array_to_string(amenities, ',') AS amenities, "
                "ST_X(location) AS x, ST_Y(location) AS y FROM stations "
                "WHERE status <> 'removed'"))},
            "unions": {r.id: dict(r._mapping) for r in conn.execute(text(
                "SELECT id, code, name, level, area_m2 FROM unions"))},
        }
    for layer, rows in expected.items():
        out = tmp_path / f"{layer}.geojson"
        subprocess.run([ogr2ogr, "-f", "GeoJSON", str(out), f"OAPIF:{ogc_server}", layer,
                        "-oo", "PAGE_SIZE=4", "-preserve_fid"], check=True, timeout=120,
                       env={**os.environ, "GDAL_HTTP_TIMEOUT": "30"})
        features = json.loads(out.read_text())["features"]
        assert sorted(f["id"] for f in features) == sorted(rows), layer  # every one, once
        for f in features:
            row, props = rows[f["id"]], f["properties"]
            for name in set(row) - {"id", "x", "y"}:
                assert props[name] == pytest.approx(row[name]) if isinstance(row[name], float) \
                    else props[name] == row[name], (layer, name)
            if layer == "stations":
                assert f["geometry"]["coordinates"] == pytest.approx([row["x"], row["y"]], abs=1e-7)
    token = admin["Authorization"]
    out = tmp_path / "workplaces.geojson"
    result = subprocess.run([ogr2ogr, "-f", "GeoJSON", str(out), f"OAPIF:{ogc_server}",
                             "workplaces"], capture_output=True, text=True, timeout=60,
                            env={**os.environ, "GDAL_HTTP_HEADERS": f"Authorization: {token}"})
    assert result.returncode == 0, result.stderr


def test_owslib_lists_collections_and_reads_items_in_a_bbox(ogc_server: str,
                                                            stations: Stations) -> None:
    from owslib.ogcapi.features import Features

    api = Features(ogc_server)
    assert [c["id"] for c in api.collections()["collections"]] == ["stations", "unions"]
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core" in \
        api.conformance()["conformsTo"]
    items = api.collection_items("stations", bbox=[121.0, 31.0, 121.1, 31.2], limit=100)
    assert {f["id"] for f in items["features"]} == {
        i for i, (x, y, s) in stations.items()
        if s != "removed" and 121.0 <= x <= 121.1 and 31.0 <= y <= 31.2}
    assert items["numberMatched"] == len(items["features"])


def test_a_stale_token_costs_nothing_public_and_every_error_is_in_ogc_form(
        client: TestClient, database_url: str, engine: Engine, stations: Stations) -> None:
    stale = {"Authorization": "Bearer not-a-token"}
    listed = client.get("/ogc/collections", headers=stale)
    assert listed.status_code == 200
    assert [c["id"] for c in listed.json()["collections"]] == ["stations", "unions"]
    assert client.get(ITEMS.format("stations"), headers=stale).json()["numberMatched"] > 0
    refused = client.get(ITEMS.format("workplaces"), headers=stale)
    assert refused.status_code == 401 and refused.json()["code"] == "Unauthorized"
    assert "token" in refused.json()["description"]
    slow = create_app(Settings(database_url=database_url, secret_key=SECRET_KEY,
                               statement_timeout_ms=300))
    with TestClient(slow) as slow_client:
        locker = engine.connect()
        locker.execute(text("LOCK TABLE stations IN ACCESS EXCLUSIVE MODE"))
        try:
            busy = slow_client.get(ITEMS.format("stations"))
        finally:
            locker.rollback()
            locker.close()
    assert busy.status_code == 503 and busy.headers["retry-after"] == "5"
    assert busy.json()["code"] == "ServiceUnavailable"


def test_public_collections_need_no_secret_key(database_url: str, stations: dict[str, Any],
                                               admin: dict[str, str]) -> None:
    """As under plain uvicorn or a partner's deployment: no YIZHAN_SECRET_KEY."""
    with TestClient(create_app(Settings(database_url=database_url, secret_key=None))) as keyless:
        for path in ("/ogc/collections", "/ogc/collections/stations/items",
                     "/ogc/collections/unions/items", "/ogc/collections/stations"):
            assert keyless.get(path).status_code == 200, path
            assert keyless.get(path, headers=admin).status_code == 200, path  # a token is moot
        refused = keyless.get("/ogc/collections/workplaces/items", headers=admin)
        assert refused.status_code == 401 and "no secret key" in refused.json()["description"]
        report = keyless.post(f"/stations/{min(stations)}/reports", json={"kind": "closed"})
        assert report.status_code == 503 and "station reports" in report.json()["message"]


def test_amenity_status_and_level_take_commas_or_repeats(client: TestClient,
                                                         stations: dict[str, Any]) -> None:
    url = "/ogc/collections/stations/items?limit=100"
    comma = client.get(f"{url}&amenity=drinking_water,toilet&status=operational,removed").json()
    repeated = client.get(f"{url}&amenity=drinking_water&amenity=toilet&status=operational"
                          "&status=removed").json()
    assert comma["numberMatched"] == repeated["numberMatched"] == 12
    assert [f["id"] for f in comma["features"]] == [f["id"] for f in repeated["features"]]
    levels = client.get("/ogc/collections/unions/items?level=city&level=district").json()
    assert levels["numberMatched"] == client.get(
        "/ogc/collections/unions/items?level=city,district").json()["numberMatched"] == 3
