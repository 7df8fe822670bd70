"""Matching equals shapely's `covers` on generated areas: boxes on a grid so that neighbours
share edges exactly, holes, overlaps, arbitrary polygons, and points on vertices and edges."""

from __future__ import annotations

import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import Polygon, box
from shapely.geometry.base import BaseGeometry
from sqlalchemy import Engine, text

from geo.areas import AreaError, clean_area
from geo.unions import Match, UnionData, match_best, match_many, save
from geo.upsert import array_literal
from geo.vocab import UnionLevel
from tests.union_data import clear

STEP = 0.001  # about 100 m: boxes and many points sit exactly on this grid
ORIGIN = (121.40, 31.20)


def on_grid(i: float, j: float) -> tuple[float, float]:
    return ORIGIN[0] + i * STEP, ORIGIN[1] + j * STEP


@st.composite
def areas(draw: st.DrawFn) -> BaseGeometry:
    kind = draw(st.sampled_from(["box", "box_with_hole", "polygon"]))
    if kind == "polygon":
        points = draw(st.lists(st.tuples(st.integers(0, 12), st.integers(0, 12)), min_size=3,
                               max_size=8))
        polygon = Polygon([on_grid(i, j) for i, j in points])
        return polygon if polygon.area > 0 else box(*on_grid(0, 0), *on_grid(1, 1))
    i1, i2 = sorted(draw(st.lists(st.integers(0, 12), min_size=2, max_size=2, unique=True)))
    j1, j2 = sorted(draw(st.lists(st.integers(0, 12), min_size=2, max_size=2, unique=True)))
    outer = box(*on_grid(i1, j1), *on_grid(i2, j2))
    if kind == "box_with_hole" and i2 - i1 > 2 and j2 - j1 > 2:
        return outer.difference(box(*on_grid(i1 + 1, j1 + 1), *on_grid(i2 - 1, j2 - 1)))
    return outer


points = st.one_of(
    st.tuples(st.integers(-1, 13), st.integers(-1, 13)).map(lambda ij: on_grid(*ij)),
    st.tuples(st.integers(-2, 26), st.integers(-2, 26)).map(lambda ij: on_grid(ij[0] / 2,
                                                                               ij[1] / 2)),
    st.tuples(st.floats(ORIGIN[0] - 0.001, ORIGIN[0] + 0.013),
              st.floats(ORIGIN[1] - 0.001, ORIGIN[1] + 0.013)),
)


def answer(m: Match) -> tuple[str | None, str, str | None, bool]:
    return m.union.code if m.union else None, m.status, m.method, m.on_border


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(shapes=st.lists(areas(), min_size=1, max_size=6),
       probes=st.lists(points, min_size=1, max_size=60))
def test_match_equals_shapely_covers(engine: Engine, shapes: list[BaseGeometry],
                                     probes: list[tuple[float, float]]) -> None:
    clear(engine)
    with engine.connect() as conn, conn.begin() as transaction:
        stored = {}
        for n, shape in enumerate(shapes):
            try:
                area = clean_area(shape)
            except AreaError:  # a degenerate polygon (collinear points) is refused, not stored
                continue
            save(conn, UnionData(f"g{n}", f"grid {n}", UnionLevel.GRID, None, area))
            stored[f"g{n}"] = area.geometry
        found = match_many(conn, probes, fallback_m=0)
        best = match_best(conn, probes, fallback_m=0)
        transaction.rollback()
    for (x, y), m, b in zip(probes, found, best, strict=True):
        assert answer(b) == answer(m), (x, y)  # the batch path chooses as the full match does
        expected = {code for code, geometry in stored.items()
                    if geometry.covers(shapely.Point(x, y))}
        assert {c.union.code for c in m.covering} == expected, (x, y)
        on_border = {c.union.code for c in m.covering if c.on_border}
        assert on_border == {code for code in expected
                             if stored[code].boundary.intersects(shapely.Point(x, y))}


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=st.lists(st.floats(allow_nan=False, allow_infinity=False), min_size=1, max_size=40))
def test_a_batch_of_coordinates_reaches_the_database_unchanged(engine: Engine,
                                                              values: list[float]) -> None:
    """Points are sent as array literals (geo.upsert.array_literal): every float8 reads back as
    the very float that was sent."""
    with engine.connect() as conn:
        back = conn.execute(text("SELECT CAST(:v AS float8[])"),
                            {"v": array_literal(values)}).scalar_one()
    assert back == values
