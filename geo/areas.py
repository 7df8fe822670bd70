"""Union areas as they arrive (any CRS, often invalid) made into clean WGS84 MultiPolygons.

Repair is the standard one: make_valid, keep the polygonal parts. Empty, degenerate and absurdly
large areas are refused with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import shapely
from pyproj import Geod, Transformer
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from geo.crs import Crs, to_wgs84

GEOD = Geod(ellps="WGS84")
MIN_AREA_M2 = 1.0
MAX_AREA_M2 = 500_000e6  # larger than any Chinese prefecture-level city
MAX_VERTICES = 200_000


class AreaError(ValueError):
    """An area that cannot be used; the message says why."""


@dataclass(frozen=True)
class CleanArea:
    geometry: MultiPolygon
    area_m2: float
    repaired: bool
    note: str | None = None


@lru_cache(maxsize=16)
def _transformer(epsg: int) -> Transformer:
    return Transformer.from_crs(f"EPSG:{epsg}", "EPSG:4326", always_xy=True)


def parse_crs(text: str) -> Crs | int:
    """`wgs84`, `gcj02`, `bd09`, or `EPSG:<code>` (an int is returned for EPSG codes)."""
    lowered = text.strip().lower()
    if lowered in {c.value for c in Crs}:
        return Crs(lowered)
    if lowered.startswith("epsg:") and lowered[5:].isdigit():
        code = int(lowered[5:])
        if code == 4326:
            return Crs.WGS84
        try:
            _transformer(code)
        except Exception as exc:  # pyproj raises its own CRSError family
            raise AreaError(f"unknown CRS EPSG:{code}") from exc
        return code
    raise AreaError(f"unknown CRS {text!r}; use wgs84, gcj02, bd09 or EPSG:<code>")


def to_wgs84_geometry(geometry: BaseGeometry, crs: Crs | int) -> BaseGeometry:
    if crs is Crs.WGS84:
        return geometry
    if isinstance(crs, int):
        transformer = _transformer(crs)
        return shapely.transform(geometry, lambda xy: np.column_stack(transformer.transform(
            xy[:, 0], xy[:, 1])))

    def convert(xy: np.ndarray) -> np.ndarray:
        return np.array([to_wgs84(x, y, crs) for x, y in xy]).reshape(xy.shape)

    return shapely.transform(geometry, convert)


def _polygons(geometry: BaseGeometry) -> list[Polygon]:
    if isinstance(geometry, Polygon):
        return [geometry]
    return [p for part in getattr(geometry, "geoms", []) for p in _polygons(part)]


def clean_area(geometry: BaseGeometry, crs: Crs | int = Crs.WGS84) -> CleanArea:
    if geometry is None or geometry.is_empty:
        raise AreaError("the area is empty")
    if geometry.geom_type not in ("Polygon", "MultiPolygon"):
        raise AreaError(f"the area must be a Polygon or MultiPolygon, not a {geometry.geom_type}")
    vertices = shapely.get_num_coordinates(geometry)
    if vertices > MAX_VERTICES:
        raise AreaError(f"the area has {vertices} vertices; at most {MAX_VERTICES} are allowed")
    coords = shapely.get_coordinates(geometry)
    if not np.isfinite(coords).all():
        raise AreaError("the area has non-finite coordinates")
    geometry = to_wgs84_geometry(geometry, crs)
    coords = shapely.get_coordinates(geometry)
    if (np.abs(coords[:, 0]) > 180).any() or (np.abs(coords[:, 1]) > 90).any():
        raise AreaError("the area has coordinates outside lon -180..180, lat -90..90 "
                        "(is the CRS right, or are lon and lat swapped?)")
    repaired, note = False, None
    if not geometry.is_valid:
        note = shapely.is_valid_reason(geometry)
        geometry = shapely.make_valid(geometry)
        repaired = True
    polygons = _polygons(shapely.unary_union(_polygons(geometry))) if repaired else _polygons(
        geometry)
    if not polygons:
        raise AreaError("nothing polygonal is left after repairing the area")
    clean = MultiPolygon(polygons)
    if not clean.is_valid:  # parts of a valid Polygon list may still touch along an edge
        clean = MultiPolygon(_polygons(shapely.unary_union(polygons)))
    area_m2 = abs(GEOD.geometry_area_perimeter(clean)[0])
    if area_m2 < MIN_AREA_M2:
        raise AreaError(f"the area is degenerate ({area_m2:.3g} m²)")
    if area_m2 > MAX_AREA_M2:
        raise AreaError(f"the area is absurdly large ({area_m2 / 1e6:,.0f} km²; at most "
                        f"{MAX_AREA_M2 / 1e6:,.0f} km²)")
    return CleanArea(clean, area_m2, repaired, note)
