"""H3 indexing of points.

Stations are indexed at resolution 10 (mean cell 0.015 km², edge about 66 m). That is finer than
the smallest area union (a city grid of about 0.05 km²), so a station's cell can be looked up in
any area's H3 coverage, and every coarser cell is a contiguous range of resolution-10 ids: one
BETWEEN on a btree index (see `child_range`). Cells are stored as signed BIGINT (the top bit of an
H3 index is always clear) and shown to clients as the usual hex strings.
"""

from __future__ import annotations

from typing import Any

import h3
from h3.api import basic_int

STATION_RES = 10
_RES_SHIFT = 52
_DIGIT_BITS = 3
_MAX_RES = 15


def point_cell(lon: float, lat: float, res: int = STATION_RES) -> int:
    return int(basic_int.latlng_to_cell(lat, lon, res))


def to_hex(cell: int) -> str:
    return str(h3.int_to_str(cell))


def cell_polygon(cell: str) -> dict[str, Any]:
    """A cell (hex) as a GeoJSON Polygon in lon/lat, its ring closed."""
    ring = [[lon, lat] for lat, lon in h3.cell_to_boundary(cell)]
    return {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}


def child_range(cell: int, res: int = STATION_RES) -> tuple[int, int]:
    """The smallest and largest id of `cell`'s descendants at `res`; all lie between them."""
    parent_res = h3.get_resolution(h3.int_to_str(cell))
    if res < parent_res:
        raise ValueError(f"resolution {res} is coarser than the cell's own ({parent_res})")
    cleared = cell & ~(0xF << _RES_SHIFT) | (res << _RES_SHIFT)
    free_bits = (_MAX_RES - parent_res) * _DIGIT_BITS
    unused_bits = (_MAX_RES - res) * _DIGIT_BITS
    low = (cleared >> free_bits) << free_bits | ((1 << unused_bits) - 1)
    # Child digits run 0..6 (7 marks an unused digit), so the largest child has 6 in each.
    high = low | sum(6 << (_MAX_RES - d) * _DIGIT_BITS for d in range(parent_res + 1, res + 1))
    return low, high
