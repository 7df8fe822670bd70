"""Siting: the lazy greedy picks equal a brute-force greedy, the integer program's optimum equals
exhaustive search, the instance built from the database equals pyproj's pairs, and the endpoint
refuses what it cannot do and stays inside the jurisdiction."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyproj import Geod
from sqlalchemy import Engine, text

from tests.conftest import bearer
from tests.test_officers import make_officer
from tests.test_service_circle import LAT, LON, fresh, load  # noqa: F401  (a fixture)
from visits import siting
from visits.siting import Candidate

GEOD = Geod(ellps="WGS84")
SETS = st.lists(st.frozensets(st.integers(0, 11), max_size=6), min_size=1, max_size=8)
WEIGHTS = st.lists(st.integers(1, 5), min_size=12, max_size=12)


def brute_greedy(sets: Sequence[frozenset[int]], weights: Sequence[float], n: int
                 ) -> list[tuple[int, float]]:
    covered: set[int] = set()
    picks: list[tuple[int, float]] = []
    for _ in range(n):
        gains = [sum(weights[j] for j in s - covered) for s in sets]
        best = max(range(len(sets)), key=lambda i: (gains[i], -i))
        if gains[best] == 0:
            break
        picks.append((best, gains[best]))
        covered |= sets[best]
    return picks


@given(sets=SETS, weights=WEIGHTS, n=st.integers(1, 5))
def test_lazy_greedy_equals_brute_force_greedy(sets: list[frozenset[int]], weights: list[int],
                                               n: int) -> None:
    w = [float(x) for x in weights]
    assert siting.greedy(sets, w, n) == brute_greedy(sets, w, n)


@settings(max_examples=40, deadline=None)
@given(sets=SETS, weights=WEIGHTS, n=st.integers(1, 4))
def test_the_integer_program_finds_the_exhaustive_optimum(
        sets: list[frozenset[int]], weights: list[int], n: int) -> None:
    w = [float(x) for x in weights]
    best, _ = siting.exhaustive(sets, w, n)
    value, chosen, proven = siting.exact(sets, w, n)
    assert proven and len(chosen) <= n
    assert value == pytest.approx(best)
    bound, _, solved = siting.exact(sets, w, n, relaxed=True)
    assert solved and bound >= best - 1e-9
    greedy_value = siting.value(sets, w, [i for i, _ in siting.greedy(sets, w, n)])
    assert greedy_value >= (1 - 1 / 2.718281828) * best - 1e-9
    improved, _ = siting.choose(sets, w, n, 0)
    assert len(improved) <= n and len({i for i, _ in improved}) == len(improved)
    assert siting.value(sets, w, [i for i, _ in improved]) >= greedy_value
    assert sum(g for _, g in improved) == pytest.approx(siting.value(sets, w, [i for i, _ in improved]))
    with_exact, _ = siting.choose(sets, w, n)
    assert siting.value(sets, w, [i for i, _ in with_exact]) == pytest.approx(best)


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(workplaces=st.lists(st.tuples(LON, LAT, st.sampled_from(["D1", "S1", "K1", "D2"])),
                           max_size=15),
       stations=st.lists(st.tuples(LON, LAT), max_size=4),
       candidates=st.lists(st.tuples(LON, LAT), min_size=1, max_size=8))
def test_the_instance_equals_pyprojs_pairs(
        engine: Engine, fresh: dict[str, int],  # noqa: F811
        workplaces: list[tuple[float, float, str]], stations: list[tuple[float, float]],
        candidates: list[tuple[float, float]]) -> None:
    load(engine, [(x, y, None, "operational") for x, y in stations], workplaces, [], fresh)
    metres = 1000.0
    cands = [Candidate(f"c{k}", x, y) for k, (x, y) in enumerate(candidates)]
    with engine.connect() as conn:
        inst = siting.instance(conn, fresh["D1"], cands, metres)
    in_d1 = [(x, y) for x, y, code in workplaces if code in ("D1", "S1", "K1")]

    def near(a: tuple[float, float], b: tuple[float, float]) -> bool:
        return bool(GEOD.inv(a[0], a[1], b[0], b[1])[2] <= metres)

    demand = [w for w in in_d1 if not any(near(w, s) for s in stations)]
    assert len(inst.weights) == len(demand) and inst.covered_weight == len(in_d1) - len(demand)
    # Demand is in workplace id order, which is the order they were inserted in.
    assert [sorted(s) for s in inst.sets] == [
        [j for j, w in enumerate(demand) if near(w, (c.lon, c.lat))] for c in cands]


def test_siting_endpoint(client: TestClient, engine: Engine, admin: dict[str, str],
                         fresh: dict[str, int]) -> None:  # noqa: F811
    # Two clusters of workplaces in K1 with no station; a station covers a third.
    load(engine, [(121.19, 31.19, "24/7", "operational")],
         [(121.12, 31.12, "K1"), (121.121, 31.12, "K1"), (121.122, 31.121, "K1"),
          (121.16, 31.05, "K1"), (121.19, 31.191, "K1"), (121.3, 31.3, "D2")], [], fresh)
    make_officer(engine, "siting-k1", "K1")
    k1 = bearer(engine, "siting-k1")
    response = client.get("/officer/siting?n=3", headers=k1)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["weight_total"] == 5 and body["coverage_before"] == 0.2
    assert [p["adds"] for p in body["picks"]] == [3, 1]  # nothing more to gain after two
    assert body["picks"][-1]["coverage_after"] == 1.0
    first = body["picks"][0]
    assert GEOD.inv(first["lon"], first["lat"], 121.121, 31.12)[2] <= body["reach_m"] + 200
    too_many = client.get(f"/officer/siting?n={siting.MAX_N + 1}", headers=k1)
    assert too_many.status_code == 422 and str(siting.MAX_N) in too_many.text
    assert client.get(f"/officer/siting?union_id={fresh['D2']}", headers=k1).status_code == 404


def test_suggest_and_prune_from_the_command_line(database_url: str, engine: Engine,
                                                 fresh: dict[str, int],  # noqa: F811
                                                 tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from yizhan.cli import app

    def run(*args: str) -> tuple[int, str]:
        result = CliRunner().invoke(app, list(args), env={"YIZHAN_DATABASE_URL": database_url})
        return result.exit_code, result.output

    load(engine, [], [(121.12, 31.12, "K1"), (121.121, 31.12, "K1"), (121.16, 31.05, "K1")],
         [], fresh)
    code, out = run("stations", "suggest", "--union", "K1", "--n", "2", "--exact")
    assert code == 0, out
    assert "3 workplaces out of reach" in out and "coverage after 1.0" in out
    assert "greedy with swaps / optimum = 1.0000" in out
    places = tmp_path / "places.geojson"
    places.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "公厕甲"},
         "geometry": {"type": "Point", "coordinates": [121.1205, 31.12]}},
        {"type": "Feature", "properties": {"name": "远处"},
         "geometry": {"type": "Point", "coordinates": [121.4, 31.4]}}]}), "utf-8")
    code, out = run("stations", "suggest", "--union", "K1", "--n", "2",
                    "--candidates", str(places))
    assert code == 0 and "  1  公厕甲" in out and "远处" not in out, out
    assert "no union has this code" in run("stations", "suggest", "--union", "NOPE")[1]
    assert "give walk or ebike" in run("stations", "suggest", "--union", "K1", "--mode", "car")[1]
    assert run("stations", "suggest", "--union", "K1", "--n", "51")[0] != 0
    code, out = run("visits", "prune")
    assert code == 0 and "raw visits are kept for 90 days" in out


def test_members_weigh_their_groups_visit_rate(engine: Engine,
                                               fresh: dict[str, int]) -> None:  # noqa: F811
    # Two workplaces out of reach, one courier member each and one food-delivery rider member:
    # couriers visited K1's station 30 times (1 member), riders 10 times (1 member).
    load(engine, [(121.15, 31.15, "24/7", "operational")],
         [(121.12, 31.12, "K1"), (121.18, 31.02, "K1")], [], fresh)
    now = datetime.now(UTC)
    with engine.begin() as conn:
        wids = list(conn.execute(text("SELECT id FROM workplaces ORDER BY id")).scalars())
        for n, (wid, group) in enumerate(zip(wids, ["courier", "food_delivery_rider"],
                                             strict=True)):
            conn.execute(text(
                "INSERT INTO members (member_no, name, phone, occupation_group, union_id, "
                "workplace_id) VALUES (:no, '工人', '13800000000', :g, :u, :w)"),
                {"no": f"r{n}", "g": group, "u": fresh["K1"], "w": wid})
        sid = conn.execute(text("SELECT id FROM stations")).scalar_one()
        conn.execute(text(
            "INSERT INTO visit_counts (station_id, hour, occupation_group, visits) VALUES "
            "(:s, :h, 'courier', 30), (:s, :h, 'food_delivery_rider', 10), "
            "(:s, :h, 'unknown', 99)"), {"s": sid, "h": now.replace(minute=0, second=0,
                                                                   microsecond=0)})
    cands = [Candidate("a", 121.12, 31.12), Candidate("b", 121.18, 31.02)]
    with engine.connect() as conn:
        path = conn.execute(text("SELECT ltree2text(path) FROM unions WHERE id = :i"),
                            {"i": fresh["K1"]}).scalar_one()
        assert siting.group_rates(conn, path, now - timedelta(days=28)) == {
            "courier": 1.5, "food_delivery_rider": 0.5}
        plain = siting.instance(conn, fresh["K1"], cands, 500.0)
        weighted = siting.instance(conn, fresh["K1"], cands, 500.0, now - timedelta(days=28))
        later = siting.instance(conn, fresh["K1"], cands, 500.0, now + timedelta(hours=2))
    assert plain.weights == [2.0, 2.0] == later.weights  # no visits since: members weigh 1
    assert weighted.weights == [2.5, 1.5]
    assert siting.suggest(weighted, 1)["picks"][0]["label"] == "a"
