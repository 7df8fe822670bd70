"""H3 coverage of an area: interior cells (wholly inside, answered without geometry) and border
cells (a point there needs the exact ST_Covers test), all at the area's own resolution.

Cells are not compacted. The resolution is chosen so that an area spans 40 to 280 cells, where
compacting saved a fifth of the rows on a generated province but cost four lookups per point
and resolution instead of one: a point is looked up by its own cell at each resolution, which
H3's integer ids (the resolution is part of the id) make a plain equality join.

"Wholly inside" is decided conservatively. H3 cell edges are great-circle arcs, not straight lines
in lon/lat, and a point near a cell edge may belong to the neighbour by H3's arithmetic. So a cell
counts as interior only if its lon/lat hexagon lies inside the area and at least MARGIN_DEG from
its boundary, and as a border cell whenever the hexagon comes within MARGIN_DEG of the area.
MARGIN_DEG (about 1 m) is several times the largest such discrepancy at the resolutions used
here (edges of at most 1.2 km).
"""

from __future__ import annotations

from dataclasses import dataclass

import h3
import numpy as np
import shapely
from h3.api import basic_int
from shapely.geometry import MultiPolygon

MARGIN_DEG = 1e-5
MIN_RES, MAX_RES = 7, 13
CELLS_PER_AREA = 40  # aim: the area spans about this many cells, so most of it is interior
# Candidates come from H3 itself on a densified, widened copy of the area, so that the straight
# lon/lat edges of the stored area and H3's arcs cannot disagree about which cells it touches.
SEGMENT_DEG = 0.005
CANDIDATE_PAD_DEG = 1e-4


@dataclass(frozen=True)
class Coverage:
    res: int
    interior: list[int]
    border: list[int]


def resolution_for(area_m2: float) -> int:
    for res in range(MIN_RES, MAX_RES + 1):
        if h3.average_hexagon_area(res, "m^2") * CELLS_PER_AREA <= area_m2:
            return res
    return MAX_RES


def cell_polygons(cells: list[str]) -> np.ndarray:
    """Lon/lat polygons of cells (some have more than six vertices near icosahedron edges)."""
    if not cells:
        return np.empty(0, dtype=object)
    boundaries = [h3.cell_to_boundary(cell) for cell in cells]
    latlng = np.array([vertex for boundary in boundaries for vertex in boundary])
    owner = np.repeat(np.arange(len(cells)), [len(boundary) for boundary in boundaries])
    polygons = shapely.polygons(shapely.linearrings(latlng[:, ::-1], indices=owner))
    assert isinstance(polygons, np.ndarray)  # one per cell, as `indices` were given
    return polygons


def coverage(area: MultiPolygon, res: int | None = None, area_m2: float | None = None) -> Coverage:
    if res is None:
        if area_m2 is None:
            raise ValueError("give res or area_m2")
        res = resolution_for(area_m2)
    # Widened first: densifying may make a valid ring with a near pinch cross itself, and GEOS's
    # buffer of a ring that crosses itself can lose most of the area.
    widened = shapely.segmentize(area.buffer(CANDIDATE_PAD_DEG, quad_segs=2), SEGMENT_DEG)
    # H3's overlap test misses a cell that holds a whole hole with the cell's centre in it: such a
    # cell holds the hole's vertices. Parts of a MultiPolygon may share a cell.
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


def own_cells(lon: float, lat: float) -> list[int]:
    """The point's own cell at each coverage resolution, MIN_RES first: the keys it is looked up
    by (H3 parents do not nest geometrically, so these are not derived from one fine cell)."""
    return [basic_int.latlng_to_cell(lat, lon, res) for res in range(MIN_RES, MAX_RES + 1)]
