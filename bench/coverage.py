"""Coverage building time against the number of vertices: the walk from cell to cell beside the
old algorithm (H3's overlap fill of a buffered copy, kept in tests/coverage_oracle.py), in one
run, on three shapes: a wiggly circle (a real outline), a comb of narrow teeth and a thin ring
(outlines long for their area, which the old algorithm's buffer and fill paid for with the
square of the vertices). The old algorithm is skipped past --old-limit seconds a call.

    .venv/bin/python -m bench.coverage [--vertices 2000,5000,10000,20000,40000] [--old-limit 30]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from functools import partial

import shapely
from shapely.geometry import MultiPolygon

from geo.areas import clean_area, from_geojson
from geo.coverage import coverage, outline_m, resolution_for
from tests.coverage_oracle import comb, old_coverage, thin_ring, wiggly_circle

SHAPES: dict[str, Callable[[int], MultiPolygon]] = {
    "wiggly circle": lambda n: wiggly_circle(n, 121.47, 31.23, 0.05),
    "comb": lambda n: clean_area(from_geojson(comb(n))).geometry,
    "thin ring": lambda n: thin_ring(n // 2),
}


def timed(run: Callable[[], object]) -> float:
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--vertices", default="2000,5000,10000,20000,40000")
    parser.add_argument("--old-limit", type=float, default=30.0,
                        help="stop timing the old algorithm on a shape once a call takes longer")
    args = parser.parse_args()
    counts = [int(n) for n in args.vertices.split(",")]
    print(f"{'shape':14} {'vertices':>8} {'res':>4} {'cells':>7} {'walk s':>8} {'old s':>8} "
          f"{'old/walk':>9}")
    for name, make in SHAPES.items():
        old_too_slow = False
        for n in counts:
            area = clean_area(make(n))
            res = resolution_for(area.area_m2, outline_m(area.geometry))
            built = coverage(area.geometry, res)
            walk = timed(partial(coverage, area.geometry, res))
            old = None if old_too_slow else timed(partial(old_coverage, area.geometry, res))
            old_too_slow = old_too_slow or (old is not None and old > args.old_limit)
            cells = len(built.interior) + len(built.border)
            vertices = shapely.get_num_coordinates(area.geometry)
            shown = f"{old:8.3f} {old / walk:8.1f}x" if old is not None else f"{'-':>8} {'-':>9}"
            print(f"{name:14} {vertices:8,} {res:4} {cells:7,} {walk:8.3f} {shown}", flush=True)


if __name__ == "__main__":
    main()
