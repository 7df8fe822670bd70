"""Coverage is built by walking from cell to neighbouring cell, not by H3's polygon fill of a
buffered copy of the area (whose buffer and fill grew with the square of the vertices): the
cells and their kinds are exactly those of the old algorithm, kept here as the oracle, on
generated areas and on a 12,000-vertex outline; and areas whose outline is long for their size
(a 40,000-vertex comb, a thin ring) build, with a sound coverage at a resolution that bounds
their cells."""

from __future__ import annotations

import math
import random

import h3
import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import MultiPolygon, Polygon

from geo.areas import AreaError, clean_area, from_geojson
from geo.coverage import (
    MARGIN_DEG,
    MAX_BORDER_CELLS,
    Coverage,
    cell_polygons,
    coverage,
    outline_m,
    resolution_for,
)
from tests.reliability.test_area_uploads import (
    CENTRES,
    ELSEWHERE,
    HEALTH,
    assert_sound_coverage,
    good_areas,
)

pytestmark = [pytest.mark.filterwarnings(f"ignore:{text}:RuntimeWarning") for text in (
    "Non closed ring detected", ".*invalid winding order", "invalid value encountered")]
SEGMENT_DEG, CANDIDATE_PAD_DEG = 0.005, 1e-4


def old_coverage(area: MultiPolygon, res: int) -> Coverage:
    """The algorithm before: candidates from H3's overlap fill of a widened, densified copy."""
    widened = shapely.segmentize(area.buffer(CANDIDATE_PAD_DEG, quad_segs=2), SEGMENT_DEG)
    holes = [xy for part in shapely.get_parts(widened) for ring in part.interiors for xy in ring.coords]
    candidates = sorted(set(h3.h3shape_to_cells_experimental(
        h3.geo_to_h3shape(widened), res, contain="overlap"))
        | {h3.latlng_to_cell(lat, lon, res) for lon, lat in holes})
    hexagons = cell_polygons(candidates)
    edge = area.boundary
    shapely.prepare(area)
    shapely.prepare(edge)
    inside = shapely.contains_properly(area, hexagons) & ~shapely.dwithin(edge, hexagons, MARGIN_DEG)
    touches = shapely.dwithin(area, hexagons, MARGIN_DEG)
    bounds = shapely.bounds(hexagons)
    wraps = (bounds[:, 2] - bounds[:, 0]) > 180 if len(candidates) else np.array([], dtype=bool)
    interior = [c for c, i, w in zip(candidates, inside, wraps, strict=True) if i and not w]
    border = [c for c, i, t, w in zip(candidates, inside, touches, wraps, strict=True)
              if (t and not i) or w]
    return Coverage(res, [int(h3.str_to_int(c)) for c in interior],
                    [int(h3.str_to_int(c)) for c in border])


@settings(max_examples=150, deadline=None, suppress_health_check=HEALTH)
@given(good_areas(CENTRES + ELSEWHERE), st.integers(-1, 1))
def test_the_walk_finds_the_cells_the_old_fill_found(area: dict, finer: int) -> None:
    try:
        clean = clean_area(from_geojson(area))
    except AreaError:  # refused on upload: never covered
        return
    res = min(15, max(0, resolution_for(clean.area_m2) + finer))
    assert coverage(clean.geometry, res) == old_coverage(clean.geometry, res)


def wiggly_circle(n: int, cx: float, cy: float, r: float) -> MultiPolygon:
    rng = random.Random(n)
    return MultiPolygon([Polygon([
        (cx + r * (1 + rng.uniform(-0.01, 0.01)) * math.cos(2 * math.pi * i / n),
         cy + r * (1 + rng.uniform(-0.01, 0.01)) * math.sin(2 * math.pi * i / n))
        for i in range(n)])])


def test_a_12000_vertex_outline_has_the_old_cells() -> None:
    area = clean_area(wiggly_circle(12_000, 121.47, 31.23, 0.05))
    assert shapely.get_num_coordinates(area.geometry) > 12_000
    res = resolution_for(area.area_m2, outline_m(area.geometry))
    assert res == resolution_for(area.area_m2)  # a real outline is far from the cap
    new = coverage(area.geometry, area_m2=area.area_m2)
    assert new == old_coverage(area.geometry, res) and new.interior and new.border


def comb(n: int, tooth: float = 0.001, width: float = 0.00002) -> dict:
    """A comb of n vertices: teeth far narrower than the old buffer, long for its area."""
    x0, y0, ring = 121.47, 31.23, []
    for i in range(n // 4):
        x = x0 + 2 * i * width
        ring += [[x, y0], [x, y0 + tooth], [x + width, y0 + tooth], [x + width, y0]]
    end = x0 + 2 * (n // 4) * width
    ring += [[end, y0], [end, y0 - width], [x0, y0 - width], [x0, y0]]
    return {"type": "Polygon", "coordinates": [ring]}


def thin_ring(n: int, r: float = 0.2, width: float = 0.00005) -> MultiPolygon:
    outer = [(121.47 + r * math.cos(2 * math.pi * i / n), 31.23 + r * math.sin(2 * math.pi * i / n))
             for i in range(n)]
    inner = [(121.47 + (r - width) * math.cos(2 * math.pi * i / n),
              31.23 + (r - width) * math.sin(2 * math.pi * i / n)) for i in range(n)]
    return MultiPolygon([Polygon(outer, [inner[::-1]])])


@pytest.mark.parametrize("shape", ["comb", "thin ring"])
def test_an_outline_long_for_its_area_builds_a_sound_bounded_coverage(shape: str) -> None:
    # The ring's area alone asks for resolution 11, at which its outline crosses 100,000 cells.
    area = clean_area(from_geojson(comb(40_000)) if shape == "comb"
                      else thin_ring(20_000, r=2.0, width=2e-6))
    built = coverage(area.geometry, area_m2=area.area_m2)
    assert built.res <= resolution_for(area.area_m2)
    assert len(built.border) <= 2 * MAX_BORDER_CELLS
    cells = {c: True for c in built.interior} | {c: False for c in built.border}
    assert_sound_coverage(area.geometry, built.res, cells, random.Random(7))
