"""The coverage algorithm before the walk (H3's overlap fill of a buffered, densified copy of the
area), kept as the oracle the walk must agree with, and areas that were costly for it."""

from __future__ import annotations

import math
import random
from typing import Any

import h3
import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon

from geo.coverage import MARGIN_DEG, Coverage, cell_polygons

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



def wiggly_circle(n: int, cx: float, cy: float, r: float) -> MultiPolygon:
    """A circle of n vertices, each moved in or out by up to a fifth of their spacing: a simple
    ring with as many vertices as a detailed real outline."""
    rng = random.Random(n)
    wiggle = 0.2 * 2 * math.pi / n
    return MultiPolygon([Polygon([
        (cx + r * (1 + rng.uniform(-wiggle, wiggle)) * math.cos(2 * math.pi * i / n),
         cy + r * (1 + rng.uniform(-wiggle, wiggle)) * math.sin(2 * math.pi * i / n))
        for i in range(n)])])


def comb(n: int, tooth: float = 0.001, width: float = 0.00002) -> dict[str, Any]:
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


