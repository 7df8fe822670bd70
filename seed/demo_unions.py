"""Deterministic demo area unions over the demo stations: a city, four districts, four streets
in each and four communities in each street, cut from one box so that neighbours share edges;
and, in the community around the Bund (GRID_COMMUNITIES), four grids, so that a grid officer
has an area of their own (most communities have no grid unions yet, as in the field).
Synthetic, so that applications and matching can be tried on `make run` (real boundaries are
not ours to ship)."""

from __future__ import annotations

from collections.abc import Iterator

import shapely

from geo.areas import clean_area
from geo.unions import UnionData
from geo.vocab import UNION_HOTLINE, UnionLevel
from seed.demo_data import BOUNDS

PAD = 0.01  # degrees around the stations' box
SPLITS = [(UnionLevel.DISTRICT, "区"), (UnionLevel.STREET, "街道"), (UnionLevel.COMMUNITY, "社区"),
          (UnionLevel.GRID, "网格")]
GRID_COMMUNITIES = ("DEMO-1-4-4",)


def demo_unions() -> Iterator[UnionData]:
    x1, y1, x2, y2 = BOUNDS
    # Rounded, so that the edges are where they read: 31.315, not 31.314999999999998, and a
    # point given as 31.315 lies on the border.
    city = (round(x1 - PAD, 6), round(y1 - PAD, 6), round(x2 + PAD, 6), round(y2 + PAD, 6))
    yield _union("DEMO", "演示市总工会", UnionLevel.CITY, None, city)
    parents = [("DEMO", "演示市", city)]
    for level, word in SPLITS:
        children = []
        for code, name, (a, b, c, d) in parents:
            if level is UnionLevel.GRID and code not in GRID_COMMUNITIES:
                continue
            mx, my = round((a + c) / 2, 6), round((b + d) / 2, 6)
            quarters = [(a, my, mx, d), (mx, my, c, d), (a, b, mx, my), (mx, b, c, my)]
            for n, box in enumerate(quarters, start=1):
                child_code, child_name = f"{code}-{n}", f"{name}第{n}{word}"
                kind = {UnionLevel.DISTRICT: "总工会", UnionLevel.GRID: "工会"}.get(level, "联合工会")
                yield _union(child_code, f"{child_name}{kind}", level, code, box)
                children.append((child_code, child_name, box))
        parents = children


def _union(code: str, name: str, level: UnionLevel, parent: str | None,
           box: tuple[float, float, float, float]) -> UnionData:
    # Boxes in WGS84, so that children nest in their parents exactly (converting each box from
    # GCJ-02 would bend their shared edges apart); PAD covers the few hundred metres between the
    # stations' GCJ-02 bounds and their stored WGS84 points.
    return UnionData(code, name, level, parent, clean_area(shapely.box(*box)),
                     contact_phone=UNION_HOTLINE)
