"""Coverage is built by walking from cell to neighbouring cell, not by H3's polygon fill of a
buffered copy of the area (whose buffer and fill grew with the square of the vertices): the
cells and their kinds are exactly those of the old algorithm, kept here as the oracle, on
generated areas and on a 12,000-vertex outline; and areas whose outline is long for their size
(a 40,000-vertex comb, a thin ring) build, with a sound coverage at a resolution that bounds
their cells."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import shape

from geo.areas import AreaError, clean_area, from_geojson
from geo.coverage import (
    MAX_BORDER_CELLS,
    coverage,
    outline_m,
    resolution_for,
)
from geo.crs import Crs
from tests.coverage_oracle import comb, old_coverage, thin_ring, wiggly_circle
from tests.realdata import realdata
from tests.reliability.test_area_uploads import (
    CENTRES,
    ELSEWHERE,
    HEALTH,
    assert_sound_coverage,
    good_areas,
)

pytestmark = [pytest.mark.filterwarnings(f"ignore:{text}:RuntimeWarning") for text in (
    "Non closed ring detected", ".*invalid winding order", "invalid value encountered")]
@settings(max_examples=150, deadline=None, suppress_health_check=HEALTH)
@given(good_areas(CENTRES + ELSEWHERE), st.integers(-1, 1))
def test_the_walk_finds_the_cells_the_old_fill_found(area: dict[str, Any], finer: int) -> None:
    try:
        clean = clean_area(from_geojson(area))
    except AreaError:  # refused on upload: never covered
        return
    res = min(15, max(0, resolution_for(clean.area_m2) + finer))
    assert coverage(clean.geometry, res) == old_coverage(clean.geometry, res)


def test_a_12000_vertex_outline_has_the_old_cells() -> None:
    area = clean_area(wiggly_circle(12_000, 121.47, 31.23, 0.05))
    assert shapely.get_num_coordinates(area.geometry) > 12_000
    res = resolution_for(area.area_m2, outline_m(area.geometry))
    assert res == resolution_for(area.area_m2)  # a real outline is far from the cap
    new = coverage(area.geometry, area_m2=area.area_m2)
    assert new == old_coverage(area.geometry, res) and new.interior and new.border


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


@pytest.mark.parametrize(("name", "crs"), [
    ("hz_xiacheng_street_community.geojson", Crs.WGS84), ("hz_xiacheng_grids.geojson", Crs.WGS84),
    ("datav_districts_sh_xy_sz_gz_gcj02.geojson", Crs.GCJ02)])
def test_real_areas_have_the_old_cells(name: str, crs: Crs) -> None:
    collection = json.loads(realdata(name).read_text(encoding="utf-8"))
    compared = 0
    for feature in collection["features"]:
        try:
            area = clean_area(shape(feature["geometry"]), crs)
        except AreaError:
            continue
        res = resolution_for(area.area_m2, outline_m(area.geometry))
        assert res == resolution_for(area.area_m2)
        assert coverage(area.geometry, res) == old_coverage(area.geometry, res), feature["properties"]
        compared += 1
    assert compared > 0.9 * len(collection["features"])
