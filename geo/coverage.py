"""H3 coverage of an area: interior cells (wholly inside, answered without geometry) and border
cells (a point there needs the exact ST_Covers test), all at the area's own resolution.

Cells are not compacted. The resolution is chosen so that an area spans 40 to 280 cells, where
compacting saved a fifth of the rows on a generated province but cost four lookups per point
and resolution instead of one: a point is looked up by its own cell at each resolution, which
H3's integer ids (the resolution is part of the id) make a plain equality join. They are stored
49 to a row (`geo.models.UnionCellBlock`).

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

from geo.areas import M_PER_DEGREE

MARGIN_DEG = 1e-5
MIN_RES, MAX_RES = 7, 13
CELLS_PER_AREA = 40  # aim: the area spans about this many cells, so most of it is interior
# An outline long for its area (a thin strip, a comb) would cross this many cells or more at
# the resolution its area asks for: it gets a coarser one, so that no area costs more than about
# this many cells to build and to store. Real areas stay far below it.
MAX_BORDER_CELLS = 20_000


@dataclass(frozen=True)
class Coverage:
    res: int
    interior: list[int]
    border: list[int]


def resolution_for(area_m2: float, outline_m: float = 0.0) -> int:
    """The coarsest resolution at which the area spans CELLS_PER_AREA cells, or a coarser one
    at which its outline (`outline_m` long) crosses at most MAX_BORDER_CELLS."""
    chosen = MAX_RES
    for res in range(MIN_RES, MAX_RES + 1):
        if h3.average_hexagon_area(res, "m^2") * CELLS_PER_AREA <= area_m2:
            chosen = res
            break
    while chosen > MIN_RES and outline_m / h3.average_hexagon_edge_length(chosen, "m") > MAX_BORDER_CELLS:
        chosen -= 1
    return chosen


def outline_m(area: MultiPolygon) -> float:
    """The length of the area's rings, about (a degree of longitude taken as at the equator)."""
    return float(shapely.length(area)) * M_PER_DEGREE


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
    """The cells whose lon/lat hexagon comes within MARGIN_DEG of the area, found by walking
    from a cell on each polygon to its neighbours, only ever past cells that are themselves that
    near: those cells are connected, so the walk finds each of them and looks at no more than
    their neighbours. Each test is against the prepared (indexed) area, so the cost grows with
    the number of cells and the logarithm of the number of vertices, whatever the shape."""
    if res is None:
        if area_m2 is None:
            raise ValueError("give res or area_m2")
        res = resolution_for(area_m2, outline_m(area))
    edge = area.boundary
    shapely.prepare(area)
    shapely.prepare(edge)
    east = float(shapely.centroid(area).x) > 0
    starts = [part.exterior.coords[0] for part in area.geoms]
    frontier = {cell for lon, lat in starts for cell in h3.grid_disk(h3.latlng_to_cell(lat, lon, res), 1)}
    seen = set(frontier)
    interior: list[str] = []
    border: list[str] = []
    while frontier:
        cells = sorted(frontier)
        hexagons = cell_polygons(cells)
        bounds = shapely.bounds(hexagons)
        wraps = (bounds[:, 2] - bounds[:, 0]) > 180
        inside = shapely.contains_properly(area, hexagons) & ~shapely.dwithin(edge, hexagons, MARGIN_DEG)
        touches = shapely.dwithin(area, hexagons, MARGIN_DEG)
        if wraps.any():  # across the antimeridian or round a pole: never interior
            inside &= ~wraps
            touches[wraps] = [_wrapped_touches(area, cell, east) for cell in np.array(cells)[wraps]]
        near = []
        for cell, is_inside, is_near in zip(cells, inside, touches, strict=True):
            if is_inside:
                interior.append(cell)
            elif is_near:
                border.append(cell)
            else:
                continue
            near.append(cell)
        frontier = {n for cell in near for n in h3.grid_disk(cell, 1)} - seen
        seen |= frontier
    return Coverage(res, [int(h3.str_to_int(c)) for c in sorted(interior)],
                    [int(h3.str_to_int(c)) for c in sorted(border)])


def _wrapped_touches(area: MultiPolygon, cell: str, east: bool) -> bool:
    """Whether a cell whose lon/lat boundary jumps across the antimeridian comes near the area:
    its boundary moved to the area's side; a cell round a pole is taken as its band of latitude."""
    latlng = np.array(h3.cell_to_boundary(cell))
    lon, lat = latlng[:, 1], latlng[:, 0]
    lon = np.where(lon < 0, lon + 360, lon) if east else np.where(lon > 0, lon - 360, lon)
    if lon.max() - lon.min() > 180:
        band = shapely.box(-180, lat.min(), 180, lat.max())
        return bool(shapely.dwithin(area, band, MARGIN_DEG))
    return bool(shapely.dwithin(area, shapely.Polygon(np.column_stack([lon, lat])), MARGIN_DEG))


def own_cells(lon: float, lat: float) -> list[int]:
    """The point's own cell at each coverage resolution, MIN_RES first: the keys it is looked up
    by (H3 parents do not nest geometrically, so these are not derived from one fine cell)."""
    return [basic_int.latlng_to_cell(lat, lon, res) for res in range(MIN_RES, MAX_RES + 1)]
