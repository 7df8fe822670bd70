"""The nearest lookup on real points: 7,513 Shanghai hospitals (imported through the CSV
importer) and 762 Hangzhou public facilities, against the brute-force geodesic oracle."""

from __future__ import annotations

import csv
import json
import random
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text

from geo import hours
from geo.crs import Crs
from geo.nearest import nearest
from geo.vocab import Amenity
from seed.station_import import import_file
from tests.oracle import OracleStation, assert_same_ranking, brute_force_nearest
from tests.realdata import realdata

AT = datetime(2026, 11, 23, 12, 30, tzinfo=UTC)  # 20:30 in China: some facilities have closed
FACILITY_AMENITIES = {"公共厕所": ["toilet"], "公共自行车租赁点": ["ebike_parking"], "公交站点": ["seating"]}
EVENING = datetime(2026, 11, 23, 11, 30, tzinfo=UTC)  # 19:30 in Hangzhou: toilets still open


def _oracle(engine: Engine, at: datetime = AT) -> list[OracleStation]:
    with engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT id, ST_X(location), ST_Y(location), status, amenities, opening_hours "
            "FROM stations"))
        return [OracleStation(i, x, y, st, frozenset(a),
                              hours.open_at(oh, at, "Asia/Shanghai", "CN"))
                for i, x, y, st, a, oh in rows]


@pytest.fixture(scope="module")
def hospitals(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[Any]]:
    source = realdata("shanghai_hospital_poi_wgs84.csv")
    converted = tmp_path_factory.mktemp("realdata") / "hospitals.csv"
    with source.open(encoding="utf-8") as src, converted.open("w", encoding="utf-8") as out:
        reader = csv.DictReader(src)
        writer = csv.DictWriter(out, ["external_id", "name", "address", "lon", "lat"])
        writer.writeheader()
        for n, row in enumerate(reader, start=1):
            writer.writerow({"external_id": f"hospital-{n}", "name": row["name"][:200],
                             "address": row["address"][:500] or None, "lon": row["lon"],
                             "lat": row["lat"]})
    with engine.begin() as conn:
        conn.execute(text("TRUNCATE stations RESTART IDENTITY CASCADE"))
    result = import_file(engine, converted, Crs.WGS84)
    assert result.problems == [] and result.inserted == 7513, result.summary()
    yield _oracle(engine)
    with engine.begin() as conn:
        conn.execute(text("TRUNCATE stations RESTART IDENTITY CASCADE"))


def _facility_hours(raw: str | None) -> str | None:
    if (raw or "").strip() == "全天":
        return "24/7"
    match = re.fullmatch(r"(\d{1,2}):(\d\d)-(\d{1,2}):(\d\d)", (raw or "").strip())
    if not match:
        return None
    h1, m1, h2, m2 = match.groups()
    return f"{int(h1):02d}:{m1}-{int(h2):02d}:{m2}"


def test_hospitals_nearest_matches_oracle(engine: Engine, hospitals: list[OracleStation]) -> None:
    rng = random.Random(7)
    by_id = {s.id: s for s in hospitals}
    queries = [(rng.uniform(121.0, 122.0), rng.uniform(30.7, 31.9)) for _ in range(150)]
    queries += [(s.lon, s.lat) for s in rng.sample(hospitals, 30)]  # on a station: distance 0
    with engine.connect() as conn:
        for lon, lat in queries:
            k = rng.choice([1, 5, 20, 50])
            radius = rng.choice([None, 300.0, 2000.0])
            found = nearest(conn, lon, lat, k, at=AT, radius_m=radius)
            expected = brute_force_nearest(hospitals, lon, lat, k, radius_m=radius)
            assert_same_ranking([(n.station.id, n.distance_m) for n in found], expected,
                                by_id, lon, lat)


def test_hangzhou_facilities_with_amenities_and_hours(engine: Engine, tmp_path: Path) -> None:
    source = json.loads(realdata("hz_xiacheng_public_facilities.geojson").read_text("utf-8"))
    features = []
    for n, f in enumerate(source["features"], start=1):
        props = f["properties"]
        features.append({"type": "Feature", "geometry": f["geometry"], "properties": {
            "external_id": f"hz-{n}", "name": props.get("编号") or f"facility {n}",
            "amenities": FACILITY_AMENITIES.get(props.get("类别"), []),
            "opening_hours": _facility_hours(props.get("开放时间")),
        }})
    path = tmp_path / "facilities.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), "utf-8")
    with engine.begin() as conn:
        conn.execute(text("TRUNCATE stations RESTART IDENTITY CASCADE"))
    result = import_file(engine, path, Crs.WGS84)
    assert result.problems == [] and result.inserted == len(features)
    rng = random.Random(11)
    for at, open_toilets in ((AT, 1), (EVENING, 171)):
        oracle = _oracle(engine, at)
        assert sum(1 for s in oracle if s.open_now) == open_toilets
        _compare_facilities(engine, oracle, at, rng)
    with engine.begin() as conn:
        conn.execute(text("TRUNCATE stations RESTART IDENTITY CASCADE"))


def _compare_facilities(engine: Engine, oracle: list[OracleStation], at: datetime,
                        rng: random.Random) -> None:
    by_id = {s.id: s for s in oracle}
    with engine.connect() as conn:
        for _ in range(60):
            lon, lat = rng.uniform(120.14, 120.20), rng.uniform(30.24, 30.30)
            wanted = rng.choice([[], ["toilet"], ["ebike_parking"], ["toilet", "seating"]])
            k, open_now = rng.choice([1, 3, 10]), rng.random() < 0.5
            found = nearest(conn, lon, lat, k, at=at, amenities=[Amenity(a) for a in wanted],
                            open_now=open_now)
            expected = brute_force_nearest(oracle, lon, lat, k, amenities=wanted,
                                           open_now=open_now)
            assert_same_ranking([(n.station.id, n.distance_m) for n in found], expected,
                                by_id, lon, lat)
