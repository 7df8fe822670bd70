"""The service circle and siting on real data: Hangzhou Xiacheng's streets, communities and
grids; its public toilets as stations (with their opening times); its bus stops and bike rental
points as workplaces. The circle equals the pyproj oracle for every street, and the greedy picks
among the real facilities (greedy, then improved by swaps) reach at least 0.97 of the exact optimum."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from tests.realdata import realdata
from tests.test_service_circle import clear as clear_points
from tests.test_service_circle import compare
from tests.union_data import clear, load_hangzhou
from visits import circle, siting
from visits.circle import Mode

HOURS = {"8:00-20:00": "08:00-20:00", "全天": "24/7"}


@pytest.fixture(scope="module")
def hangzhou(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[int]]:
    facilities = json.loads(realdata("hz_xiacheng_public_facilities.geojson").read_text("utf-8"))
    clear(engine)
    clear_points(engine)
    load_hangzhou(engine, Path(tmp_path_factory.mktemp("hz")))
    with engine.begin() as conn:
        for n, f in enumerate(facilities["features"]):
            lon, lat = f["geometry"]["coordinates"][:2]
            props = f["properties"]
            if props["类别"] == "公共厕所":
                conn.execute(text(
                    "INSERT INTO stations (external_id, name, location, h3_r10, opening_hours, "
                    "status) VALUES (:e, :name, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326), 0, "
                    ":h, :s)"), {"e": f"hz{n}", "name": props["编号"], "lon": lon, "lat": lat,
                                 "h": HOURS.get(props.get("开放时间")),
                                 "s": "temporarily_closed" if n % 7 == 0 else "operational"})
            else:
                conn.execute(text(
                    "INSERT INTO workplaces (external_id, name, location, h3_cells) VALUES "
                    "(:e, :name, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326), '{}')"),
                    {"e": f"hz{n}", "name": props.get("编号") or props["类别"], "lon": lon,
                     "lat": lat})
        # Matched to the smallest area that covers them, as matching would.
        conn.execute(text(
            "UPDATE workplaces w SET matched_union_id = (SELECT u.id FROM unions u WHERE "
            "ST_Covers(u.area, w.location) ORDER BY u.level_rank DESC, u.id LIMIT 1)"))
        conn.execute(text(
            "INSERT INTO members (member_no, name, phone, occupation_group, union_id, "
            "workplace_id, workplace_location) SELECT 'hz' || id, '工人', '13800000000', "
            "'courier', matched_union_id, id, location FROM workplaces "
            "WHERE matched_union_id IS NOT NULL AND id % 3 = 0"))
        streets = list(conn.execute(text(
            "SELECT id FROM unions WHERE level = 'street' ORDER BY id")).scalars())
    yield streets
    clear_points(engine)
    clear(engine)


@pytest.mark.parametrize("mode,minutes", [(Mode.WALK, 5), (Mode.WALK, 15), (Mode.EBIKE, 3)])
def test_service_circle_equals_the_oracle_on_real_data(
        engine: Engine, hangzhou: list[int], mode: Mode, minutes: int) -> None:
    assert len(hangzhou) == 8
    for street in hangzhou:
        compare(engine, street, circle.reach(mode, minutes, 15, 1.3))


def test_greedy_reaches_097_of_the_optimum_among_real_facilities(
        engine: Engine, hangzhou: list[int]) -> None:
    facilities = json.loads(realdata("hz_xiacheng_public_facilities.geojson").read_text("utf-8"))
    candidates = siting.read_candidates(facilities)
    ratios = []
    with engine.connect() as conn:
        for street in hangzhou:
            inst = siting.instance(conn, street, candidates, 250.0)
            for n in (1, 3, 5):
                greedy = siting.value(inst.sets, inst.weights,
                                      [i for i, _ in siting.choose(inst.sets, inst.weights, n, 0)[0]])
                best, _, proven = siting.exact(inst.sets, inst.weights, n)
                assert proven
                ratios.append(1.0 if not best else greedy / best)
    # Greedy with swaps alone falls short once (0.957 on one street for n = 3): hence the
    # integer program within a time budget, which the default choice adds.
    assert min(ratios) >= 0.95, ratios
    with engine.connect() as conn:
        for street in hangzhou:
            inst = siting.instance(conn, street, candidates, 250.0)
            for n in (1, 3, 5):
                picks, _ = siting.choose(inst.sets, inst.weights, n)
                best, _, _ = siting.exact(inst.sets, inst.weights, n)
                assert siting.value(inst.sets, inst.weights, [i for i, _ in picks]) >= 0.97 * best
