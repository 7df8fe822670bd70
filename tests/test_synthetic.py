"""The synthetic country (`yizhan seed synthetic`): its plan, its areas and its load, checked
against shapely."""

from __future__ import annotations

import dataclasses
import itertools
import random
import secrets
from collections import Counter

import h3
import psycopg
import pytest
import shapely
from shapely.geometry.base import BaseGeometry
from sqlalchemy import Engine, make_url

from geo.coverage import cell_polygons
from geo.db import libpq_url, make_engine
from geo.rematch import rematch_all_parallel
from geo.vocab import UnionLevel
from seed.synthetic import (
    NATION_CITIES,
    NATION_STATIONS,
    NATION_WORKPLACES,
    SCALES,
    CityPlan,
    UnionRow,
    city_unions,
    city_workplaces,
    parse_scale,
    plan,
)
from seed.synthetic_load import COMPLETE, drop_database, load, state

SMALL = (48, 60)  # lattice of the test cities: about 1,500 unions each instead of 3,300


def small(city: CityPlan, workplaces: int = 3_000) -> CityPlan:
    return dataclasses.replace(city, lattice=SMALL, stations=300, workplaces=workplaces)


@pytest.fixture(scope="module")
def unions() -> list[UnionRow]:
    return city_unions(small(plan(SCALES["city"])[0]))


def test_the_nation_has_the_sizes_the_issue_names_and_smaller_scales_are_its_first_cities() -> None:
    nation = plan(1.0)
    assert len(nation) == NATION_CITIES
    assert abs(sum(c.workplaces for c in nation) - NATION_WORKPLACES) < 1_000
    assert abs(sum(c.stations for c in nation) - NATION_STATIONS) < 1_000
    assert plan(SCALES["province"]) == nation[:16]
    assert plan(SCALES["city"]) == nation[:1]
    assert 0.2 < sum(c.rural for c in nation) / len(nation) < 0.4
    ids = [(c.first_station_id, c.first_station_id + c.stations) for c in nation]
    assert all(end == start for (_, end), (start, _) in itertools.pairwise(ids))
    boxes = [shapely.box(*c.box) for c in nation]
    tree = shapely.STRtree(boxes)
    assert all(len(tree.query(b, "intersects")) == 1 for b in boxes)  # cities do not overlap


@pytest.mark.parametrize("text", ["0", "-0.5", "1.5", "nan", "country", ""])
def test_a_bad_scale_is_refused_with_what_is_allowed(text: str) -> None:
    with pytest.raises(ValueError, match="city, province, nation"):
        parse_scale(text)


def test_areas_nest_share_borders_and_have_gaps_holes_exclaves_and_slivers(
        unions: list[UnionRow]) -> None:
    by_id = {u.id: u for u in unions}
    assert [u.level for u in unions[:2]] == [UnionLevel.CITY, UnionLevel.DISTRICT]
    children: dict[int, list[UnionRow]] = {}
    for u in unions:
        if u.parent_id is not None:
            parent = by_id[u.parent_id]  # parents come first
            assert u.level.rank > parent.level.rank
            assert u.path == f"{parent.path}.{u.id}"
            assert parent.area.covers(u.area), u.code
            children.setdefault(parent.id, []).append(u)
    for siblings in children.values():  # no two overlap
        assert shapely.union_all([u.area for u in siblings]).area == pytest.approx(
            sum(u.area.area for u in siblings), rel=1e-9)
    kinds: Counter[str] = Counter()
    for u in unions:
        kinds["multipolygon"] += len(u.area.geoms) > 1
        kinds["hole"] += any(p.interiors for p in u.area.geoms)
        kinds["sliver"] += u.code.endswith("s")
    kinds["gap"] = sum(abs(shapely.union_all([c.area for c in children.get(u.id, [])]).area
                           - u.area.area) > 1e-12 for u in unions if u.level is UnionLevel.COMMUNITY)
    assert min(kinds.values()) > 0, kinds
    assert all(u.area.is_valid for u in unions)


def test_interior_cells_lie_inside_their_area_and_every_point_finds_its_union(
        unions: list[UnionRow]) -> None:
    rng = random.Random(7)
    for u in rng.sample(unions, 40):
        interior = cell_polygons([h3.int_to_str(c) for c in u.interior])
        assert shapely.contains(u.area, interior).all(), u.code
        cells = set(u.interior) | set(u.border)
        x1, y1, x2, y2 = u.area.bounds
        for _ in range(20):
            lon, lat = rng.uniform(x1, x2), rng.uniform(y1, y2)
            if u.area.covers(shapely.Point(lon, lat)):
                own = int(h3.str_to_int(h3.latlng_to_cell(lat, lon, u.coverage_res)))
                assert own in cells, (u.code, lon, lat)


def test_the_same_plan_gives_the_same_rows(unions: list[UnionRow]) -> None:
    city = small(plan(SCALES["city"])[0], workplaces=50)
    again = city_unions(city)
    assert [(u.code, u.area.wkb) for u in again] == [(u.code, u.area.wkb) for u in unions]
    assert list(city_workplaces(city)) == list(city_workplaces(city))


def _oracle(point: shapely.Point, areas: list[tuple[str, int, float, BaseGeometry]]
            ) -> str | None:
    """The union a covered point matches: the deepest level, then inside before on the border,
    then the smaller area, then the lower code."""
    covering = [(-rank, area.boundary.intersects(point), m2, code)
                for code, rank, m2, area in areas if area.covers(point)]
    return min(covering)[3] if covering else None


def test_a_small_country_loads_with_its_indexes_and_every_workplace_matched_exactly(
        engine: Engine) -> None:
    server = engine.url.render_as_string(hide_password=False)
    name = f"yizhan_test_synthetic_{secrets.token_hex(3)}"
    cities = [small(c, workplaces=2_000) for c in plan(SCALES["province"])[:2]]
    with psycopg.connect(libpq_url(server)) as conn:
        wanted = {r[0] for r in conn.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename IN "
            "('unions', 'union_cell_blocks', 'stations', 'workplaces')")}
    lines: list[str] = []
    try:
        report = load(server, name, cities, workers=2, progress=lines.append)
        with pytest.raises(FileExistsError, match="--replace"):
            load(server, name, cities, workers=1)
        url = make_url(server).set(database=name).render_as_string(hide_password=False)
        with psycopg.connect(libpq_url(url)) as conn:
            counts = conn.execute("SELECT (SELECT count(*) FROM unions), (SELECT count(*) FROM "
                                  "union_cells), (SELECT count(*) FROM stations), (SELECT "
                                  "count(*) FROM workplaces)").fetchone()
            found = {r[0] for r in conn.execute(
                "SELECT indexname FROM pg_indexes WHERE tablename IN "
                "('unions', 'union_cell_blocks', 'stations', 'workplaces')")}
            keys = conn.execute("SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE "
                                "conname = 'pk_union_cell_blocks'").fetchall()
            areas = [(code, rank, m2, shapely.from_wkb(bytes(wkb))) for code, rank, m2, wkb in conn.execute(
                "SELECT code, level_rank, area_m2, ST_AsBinary(area) FROM unions")]
            matches = conn.execute(
                "SELECT ST_X(w.location), ST_Y(w.location), w.match_status, u.code FROM workplaces w "
                "LEFT JOIN unions u ON u.id = w.matched_union_id ORDER BY w.id").fetchall()
            ids = conn.execute("SELECT nextval(pg_get_serial_sequence('unions', 'id')), "
                               "max(id) FROM unions").fetchone()
            assert ids is not None
            next_id, max_id = ids
            conn.execute("UPDATE workplaces SET matched_union_id = NULL, match_status = "
                         "'not_covered', match_method = NULL, match_distance_m = NULL")
            conn.commit()
        matcher = make_engine(url, pool_size=3)
        changed = rematch_all_parallel(matcher, 3)
        matcher.dispose()
        with psycopg.connect(libpq_url(url)) as conn:
            again = conn.execute(
                "SELECT ST_X(w.location), ST_Y(w.location), w.match_status, u.code FROM workplaces w "
                "LEFT JOIN unions u ON u.id = w.matched_union_id ORDER BY w.id").fetchall()
        c = report.counts
        assert counts == (c.unions, c.cells, c.stations, c.workplaces)
        assert c.workplaces == 4_000 and c.stations == 600
        assert found == wanted  # dropped for the load, built again after
        assert keys == [("PRIMARY KEY (block, union_id) INCLUDE (cells, interior)",)]
        assert next_id == max_id + 1  # a union added later gets a new id
        assert lines[0] == f"loading 2 cities into {name}" and lines[1].startswith("[1/2] S0")
        assert state(server, name) == COMPLETE
        assert {status for *_, status, _ in matches} >= {"matched", "gap_fallback", "not_covered"}
        assert again == matches  # re-matched in three slices at once, to the same answers
        assert changed == sum(status != "not_covered" for *_, status, _ in matches)
        shapely.prepare([a for *_, a in areas])
        for lon, lat, status, code in random.Random(3).sample(matches, 600):
            expected = _oracle(shapely.Point(lon, lat), areas)
            if expected is None:
                assert status in ("nearest_fallback", "not_covered"), (lon, lat)
            else:
                assert (code, status in ("matched", "gap_fallback")) == (expected, True), (lon, lat)
    finally:
        drop_database(server, name)


def test_a_failed_load_leaves_no_database(engine: Engine) -> None:
    server = engine.url.render_as_string(hide_password=False)
    name = f"yizhan_test_synthetic_{secrets.token_hex(3)}"
    broken = dataclasses.replace(small(plan(SCALES["city"])[0]), box=(10.0, 95.0, 11.0, 96.0))
    with pytest.raises(ValueError, match="outside lon"):
        load(server, name, [broken], workers=1)
    with psycopg.connect(libpq_url(server)) as conn:
        assert conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is None


def test_replace_drops_only_a_database_the_loader_made(engine: Engine) -> None:
    server = engine.url.render_as_string(hide_password=False)
    name = f"yizhan_test_other_{secrets.token_hex(3)}"
    with psycopg.connect(libpq_url(server), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    own = engine.url.database
    assert own is not None
    try:
        for target in (name, own):  # someone else's, and yizhan's own
            with pytest.raises(FileExistsError, match="not made by `yizhan seed synthetic`"):
                load(server, target, [small(plan(SCALES["city"])[0])], workers=1, replace=True)
        assert state(server, name) == ""  # still there, untouched
    finally:
        drop_database(server, name)


def test_a_load_stopped_by_sigterm_drops_its_database_and_its_workers(database_url: str) -> None:
    import os
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    server = make_url(database_url)
    name = f"yizhan_test_synthetic_{secrets.token_hex(3)}"
    command = [str(Path(sys.executable).parent / "yizhan"), "seed", "synthetic", "--database", name]
    loading = subprocess.Popen(command, env={**os.environ, "YIZHAN_DATABASE_URL": database_url},
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert loading.stdout is not None
    assert f"loading 1 city into {name}\n" in itertools.islice(loading.stdout, 3)
    time.sleep(2)  # the workers are generating the city
    workers = subprocess.run(["pgrep", "-P", str(loading.pid)], capture_output=True,
                             text=True).stdout.split()
    loading.send_signal(signal.SIGTERM)
    _, err = loading.communicate(timeout=60)
    assert loading.returncode == 143 and f"interrupted: database {name} was dropped" in err, err
    deadline = time.monotonic() + 10
    while (left := [pid for pid in workers if Path(f"/proc/{pid}").exists()]) and \
            time.monotonic() < deadline:
        time.sleep(0.2)
    assert workers and not left, [Path(f"/proc/{pid}/cmdline").read_text() for pid in left]
    assert state(server.render_as_string(hide_password=False), name) is None
