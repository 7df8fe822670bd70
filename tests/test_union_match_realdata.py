"""Matching on real, messy areas equals shapely's `covers`, for random points and for points
exactly on vertices, on shared edges and inside enclave holes. Zero disagreements."""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import shapely
from shapely.geometry.base import BaseGeometry
from sqlalchemy import Engine

from geo.unions import match_best, match_many
from geo.vocab import UnionLevel
from tests.union_data import clear, load_districts, load_hangzhou, stored_areas

RANDOM_POINTS = 100_000


def oracle(areas: dict[str, BaseGeometry], points: list[tuple[float, float]]) -> list[set[str]]:
    codes = list(areas)
    tree = shapely.STRtree([areas[c] for c in codes])
    pairs = tree.query(shapely.points(np.array(points)), predicate="covered_by")
    expected: list[set[str]] = [set() for _ in points]
    for p, a in zip(*pairs, strict=True):
        expected[p].add(codes[a])
    return expected


def special_points(areas: dict[str, BaseGeometry]) -> list[tuple[float, float]]:
    """Every vertex, the midpoints of axis-parallel edges (exactly on the edge), and points
    inside every hole."""
    points: set[tuple[float, float]] = set()
    for area in areas.values():
        coords = shapely.get_coordinates(shapely.boundary(area))
        points.update((float(x), float(y)) for x, y in coords)
        for polygon in getattr(area, "geoms", [area]):
            for ring in polygon.interiors:
                inner = shapely.Polygon(ring).representative_point()
                points.add((inner.x, inner.y))
    for area in areas.values():  # edges shared by neighbours: sample vertex pairs along them
        coords = shapely.get_coordinates(shapely.boundary(area))
        for (x1, y1), (x2, y2) in itertools.pairwise(coords):
            if x1 == x2 or y1 == y2:
                points.add(((x1 + x2) / 2, (y1 + y2) / 2))
    return sorted(points)


def check(engine: Engine, points: list[tuple[float, float]]) -> None:
    areas = stored_areas(engine)
    expected = oracle(areas, points)
    with engine.connect() as conn:
        found = []
        for start in range(0, len(points), 10_000):
            found += match_many(conn, points[start:start + 10_000], fallback_m=0)
    wrong = [(p, {c.union.code for c in m.covering}, e)
             for p, m, e in zip(points, found, expected, strict=True)
             if {c.union.code for c in m.covering} != e]
    assert wrong == [], f"{len(wrong)} disagreements, e.g. {wrong[:3]}"
    for m, e in zip(found, expected, strict=True):
        if e:  # the answer is at the deepest level that covers the point
            assert m.union is not None and m.union.code in e
            deepest = max(UnionLevel(c.union.level).rank for c in m.covering)
            assert m.union.rank == deepest


@pytest.fixture(scope="module")
def hangzhou(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    clear(engine)
    load_hangzhou(engine, tmp_path_factory.mktemp("hz"))
    yield
    clear(engine)


def test_hangzhou_random_points(engine: Engine, hangzhou: None) -> None:
    areas = stored_areas(engine)
    minx, miny, maxx, maxy = shapely.total_bounds(list(areas.values()))
    rng = random.Random(5)
    points = [(rng.uniform(minx, maxx), rng.uniform(miny, maxy)) for _ in range(RANDOM_POINTS)]
    check(engine, points)


def test_hangzhou_vertices_edges_and_holes(engine: Engine, hangzhou: None) -> None:
    points = special_points(stored_areas(engine))
    assert len(points) > 2_500
    check(engine, points)


def test_bulk_rematch_in_sql_agrees_with_matching(engine: Engine, hangzhou: None) -> None:
    """The set-based SQL re-match and the batch endpoint's matching give every point the answer
    /unions/match gives."""
    from sqlalchemy import text

    from geo import workplaces
    from geo.crs import Crs
    from geo.rematch import rematch_all

    areas = stored_areas(engine)
    minx, miny, maxx, maxy = shapely.total_bounds(list(areas.values()))
    rng = random.Random(9)
    pad = 0.03  # some points outside every area: nearest fallback or not covered
    points = [(rng.uniform(minx - pad, maxx + pad), rng.uniform(miny - pad, maxy + pad))
              for _ in range(3_000)]
    points += special_points(areas)[::5]
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM workplaces"))
        rows = [{"external_id": f"w{i}", "name": f"w{i}",
                 **workplaces.location_columns(x, y, Crs.WGS84)}
                for i, (x, y) in enumerate(points)]
        ids = []
        for start in range(0, len(rows), 1000):
            ids += [i for i, _ in workplaces.upsert(conn, rows[start:start + 1000])]
        assert rematch_all(conn) == len(points)
        stored = conn.execute(text(
            "SELECT w.id, u.code, w.match_status, w.match_method, w.match_distance_m "
            "FROM workplaces w LEFT JOIN unions u ON u.id = w.matched_union_id")).all()
        expected = match_many(conn, points)
        batch = match_best(conn, points)  # what POST /unions/match answers
        conn.execute(text("DELETE FROM workplaces"))
    by_id = {r.id: r for r in stored}
    statuses = set()
    for workplace_id, m, b in zip(ids, expected, batch, strict=True):
        assert (b.union and b.union.code, b.status, b.method, b.on_border) == (
            m.union and m.union.code, m.status, m.method, m.on_border)
        if m.status == "nearest_fallback":
            assert abs((b.distance_m or 0) - (m.distance_m or 0)) < 1e-6
        row = by_id[workplace_id]
        got = (row.code, row.match_status, row.match_method)
        want = (m.union.code if m.union else None, m.status, m.method)
        assert got == want
        if m.status == "nearest_fallback":
            assert abs(row.match_distance_m - m.distance_m) < 1e-6
        statuses.add(m.status)
    assert statuses == {"matched", "gap_fallback", "nearest_fallback", "not_covered"}


def test_gcj02_districts_with_overlaps(engine: Engine, tmp_path: Path) -> None:
    # Runs last here: it replaces the Hangzhou areas the module fixture loaded.
    clear(engine)
    try:
        load_districts(engine)
        areas = stored_areas(engine)
        rng = random.Random(8)
        points = []
        bounds = [shapely.bounds(a) for a in areas.values()]
        for _ in range(RANDOM_POINTS // 2):  # spread over all four cities
            minx, miny, maxx, maxy = rng.choice(bounds)
            points.append((rng.uniform(minx, maxx), rng.uniform(miny, maxy)))
        vertices = special_points(areas)
        check(engine, points + rng.sample(vertices, min(len(vertices), 20_000)))
    finally:
        clear(engine)
