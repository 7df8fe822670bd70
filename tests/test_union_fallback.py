"""The nearest-union fallback (a point no area covers) equals a brute-force search: the geodesic
distance from the point to every whole area, nearest first, then the deeper level, then the
lower code. The fallback clips areas to a box around the point before measuring; this checks
the box near Shanghai, near a pole and across the antimeridian."""

from __future__ import annotations

import math

import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry.base import BaseGeometry
from sqlalchemy import Engine, text

from geo.areas import AreaError, clean_area
from geo.unions import FALLBACK_M, UnionData, match, match_best, save
from geo.vocab import UnionLevel
from tests.union_data import clear

ANCHORS = [(121.47, 31.23), (179.995, -16.5), (-179.995, 65.0), (10.0, 88.9), (179.99, -89.5)]
LEVELS = list(UnionLevel)

BRUTE_FORCE = text("""
SELECT id, d FROM (
    SELECT id, level_rank, code,
           ST_Distance(area::geography, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)::geography) AS d
    FROM unions WHERE area IS NOT NULL) c
WHERE d <= :fallback_m
ORDER BY d, level_rank DESC, code LIMIT 1""")


def wrap(lon: float) -> float:
    return (lon + 180.0) % 360.0 - 180.0


@st.composite
def scene(draw: st.DrawFn) -> tuple[list[tuple[BaseGeometry, UnionLevel]], list[tuple[float, float]]]:
    x0, y0 = draw(st.sampled_from(ANCHORS))
    metre = 1 / 111_000
    stretch = 1 / max(math.cos(math.radians(y0)), 0.05)

    def offset(draw_km: float) -> tuple[float, float]:
        dx = draw(st.floats(-draw_km, draw_km)) * 1000 * metre * stretch
        dy = draw(st.floats(-draw_km, draw_km)) * 1000 * metre
        return wrap(x0 + dx), max(-89.9, min(89.9, y0 + dy))

    shapes: list[tuple[BaseGeometry, UnionLevel]] = []
    for _ in range(draw(st.integers(1, 5))):
        x, y = offset(3)
        w = draw(st.floats(50, 1500)) * metre * stretch
        h = draw(st.floats(50, 1500)) * metre
        if x + w > 180:  # keep each area on one side of the antimeridian
            x = 180 - w
        shapes.append((shapely.box(x, y, x + w, y + h), draw(st.sampled_from(LEVELS))))
    points = [offset(5) for _ in range(draw(st.integers(1, 12)))]
    return shapes, points


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(scene())
def test_the_fallback_equals_a_brute_force_geodesic_search(
        engine: Engine, scene: tuple[list[tuple[BaseGeometry, UnionLevel]],
                                     list[tuple[float, float]]]) -> None:
    shapes, points = scene
    clear(engine)
    with engine.connect() as conn, conn.begin() as transaction:
        stored = []
        for n, (shape, level) in enumerate(shapes):
            try:
                area = clean_area(shape)
            except AreaError:
                continue
            save(conn, UnionData(f"u{n}", f"u{n}", level, None, area))
            stored.append(area.geometry)
        outside = [p for p in points if not any(a.covers(shapely.Point(p)) for a in stored)]
        best = match_best(conn, outside)
        for (lon, lat), batch in zip(outside, best, strict=True):
            single = match(conn, lon, lat)
            want = conn.execute(BRUTE_FORCE, {"lon": lon, "lat": lat,
                                              "fallback_m": FALLBACK_M}).first()
            for found in (single, batch):
                if want is None:
                    assert found.status == "not_covered", (lon, lat)
                else:
                    assert found.status == "nearest_fallback", (lon, lat)
                    assert found.union is not None and found.union.id == want.id, (lon, lat)
                    assert found.distance_m == want.d, (lon, lat)
        transaction.rollback()
