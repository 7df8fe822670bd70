"""Union areas as they arrive (any CRS, often invalid) made into clean WGS84 MultiPolygons.

Repair is the standard one: make_valid, keep the polygonal parts. Empty, degenerate and absurdly
large areas are refused with the reason.
"""

from __future__ import annotations

import json
import math
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, TypeGuard

import numpy as np
import shapely
from numpy.typing import NDArray
from pyproj import Geod, Transformer
from shapely.errors import GEOSException
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry
from shapely.geometry.polygon import orient

from geo.crs import Crs, to_wgs84

GEOD = Geod(ellps="WGS84")
MIN_AREA_M2 = 10.0  # smaller is no area a union could cover: a sliver of rounding
MAX_AREA_M2 = 500_000e6  # larger than any Chinese prefecture-level city
MAX_VERTICES = 200_000
# Repairing an area costs about the square of the places where its edges cross (make_valid took
# 0.15 s for 1,000 crossings in a row and 29 s for 16,000; 0.45 s for the 880 of a ring through
# 100 random points, 60 s for a ring through 500): an area that needs repairing or merging may
# have this many crossings, no more.
MAX_CROSSINGS = 500
CROSSINGS_CHUNK = 32  # segments looked up at once while counting, so that counting stops early
M_PER_DEGREE = 111_320.0  # of latitude, roughly; of longitude at the equator


class AreaError(ValueError):
    """An area that cannot be used; the message says why."""


@dataclass(frozen=True)
class CleanArea:
    geometry: MultiPolygon
    area_m2: float
    repaired: bool
    note: str | None = None


@lru_cache(maxsize=16)
def transformer_to_wgs84(epsg: int) -> Transformer:
    """EPSG:<epsg> to WGS84, lon/lat order; made once per code."""
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
            transformer_to_wgs84(code)
        except Exception as exc:  # pyproj raises its own CRSError family
            raise AreaError(f"unknown CRS EPSG:{code}") from exc
        return code
    raise AreaError(f"unknown CRS {text!r}; use wgs84, gcj02, bd09 or EPSG:<code>")


def to_wgs84_geometry(geometry: BaseGeometry, crs: Crs | int) -> BaseGeometry:
    if crs is Crs.WGS84:
        return geometry
    if isinstance(crs, int):
        transformer = transformer_to_wgs84(crs)
        return shapely.transform(geometry, lambda xy: np.column_stack(transformer.transform(
            xy[:, 0], xy[:, 1])))

    def convert(xy: np.ndarray) -> np.ndarray:
        return np.array([to_wgs84(x, y, crs) for x, y in xy]).reshape(xy.shape)

    return shapely.transform(geometry, convert)


GEOJSON_AREA = 'a GeoJSON Polygon or MultiPolygon, like {"type": "Polygon", "coordinates": [[[lon, lat], …]]}'
RINGS = "a list of rings, each a list of [lon, lat] positions, the outer ring first"
NESTING = {"Polygon": RINGS, "MultiPolygon": f"a list of polygons, each {RINGS}"}
MAX_INT_FLOAT = 2**1023
POSITION = ("a position is [lon, lat] or [lon, lat, height], finite numbers with lon in -180..180 "
            "and lat in -90..90")


def from_geojson(geojson: dict[str, Any]) -> MultiPolygon:
    """A GeoJSON Polygon or MultiPolygon, read strictly so that a mistake is named: which ring,
    which position, and what is allowed. Heights are dropped."""
    kind = geojson.get("type")
    if not isinstance(kind, str) or kind not in NESTING:
        found = 'it has no "type"' if kind is None else f"not {_shown(kind)}"
        raise AreaError(f"the area must be {GEOJSON_AREA}; {found}")
    coordinates = geojson.get("coordinates")
    polygons = [coordinates] if kind == "Polygon" else coordinates
    if not _nested(polygons, 3):
        raise AreaError(f"the coordinates of a GeoJSON {kind} must be {NESTING[kind]}")
    for p, rings in enumerate(polygons, start=1):
        for r, ring in enumerate(rings, start=1):
            for k, position in enumerate(ring, start=1):
                if not _position(position):
                    raise AreaError(f"{ring_name(p, r)}, position {k} is {_shown(position)}: "
                                    f"{POSITION}")
    check_rings(polygons)
    return MultiPolygon([Polygon([xy[:2] for xy in rings[0]], [[xy[:2] for xy in ring]
                                                               for ring in rings[1:]])
                         for rings in polygons if rings])


def from_wkb(wkb: bytes) -> BaseGeometry:
    """A geometry as GDAL hands it over. GDAL passes on open rings and rings of 1 to 3 points,
    which GEOS refuses to read without saying which: they are named as from_geojson names them."""
    try:
        with np.errstate(invalid="ignore"):  # NaN is refused, and named, by clean_area
            return shapely.from_wkb(wkb)
    except GEOSException as exc:
        check_rings(_wkb_polygons(wkb) or [])
        raise AreaError(f"the area cannot be read ({str(exc).split(': ', 1)[-1]})") from None


def check_rings(polygons: list[list[Any]]) -> None:
    """Every ring (a sequence of positions) ends at its first point and has 4 positions or more."""
    for p, rings in enumerate(polygons, start=1):
        for r, ring in enumerate(rings, start=1):
            if len(ring) < 4 or list(ring[0][:2]) != list(ring[-1][:2]):
                fault = (f"has only {len(ring)} position{'s' * (len(ring) != 1)}" if len(ring) < 4
                         else "does not end at its first point")
                raise AreaError(f"{ring_name(p, r)} {fault}: GeoJSON rings must end at their first "
                                "point, so a ring has 4 positions or more (a triangle is a, b, c, a)")


def ring_name(polygon: int, ring: int) -> str:
    return f"polygon {polygon}, ring {ring} ({'the outer ring' if ring == 1 else 'a hole'})"


def _wkb_polygons(wkb: bytes) -> list[list[np.ndarray]] | None:
    """The rings of an ISO WKB Polygon or MultiPolygon (as GDAL writes them) exactly as written,
    open or not, in polygons; None for anything else."""
    try:
        return _wkb_geometry(wkb, 0)[0]
    except (IndexError, struct.error, ValueError):  # truncated: GEOS's own message will do
        return None


def _wkb_geometry(wkb: bytes, at: int) -> tuple[list[list[np.ndarray]] | None, int]:
    order = "<" if wkb[at] == 1 else ">"
    kind, count = struct.unpack_from(order + "II", wkb, at + 1)
    at += 9
    extra = {0: 0, 1: 1, 2: 1, 3: 2}.get(kind // 1000)  # ISO: 1000 Z, 2000 M, 3000 ZM
    if kind % 1000 == 6:
        polygons: list[list[np.ndarray]] = []
        for _ in range(count):
            found, at = _wkb_geometry(wkb, at)
            if found is None:
                return None, at
            polygons += found
        return polygons, at
    if kind % 1000 != 3 or extra is None:
        return None, at
    rings, dims = [], 2 + extra
    for _ in range(count):
        (n,) = struct.unpack_from(order + "I", wkb, at)
        rings.append(np.frombuffer(wkb, np.dtype(order + "f8"), n * dims, at + 4).reshape(n, dims))
        at += 4 + 8 * n * dims
    return [rings], at


def _shown(value: Any) -> str:
    """A value as the client wrote it (JSON, NaN and Infinity included), cut short."""
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "..."


def _nested(value: Any, depth: int) -> TypeGuard[list[Any]]:
    """`value` is a list of lists, `depth` deep."""
    return isinstance(value, list) and (depth == 0 or all(_nested(v, depth - 1) for v in value))


def _position(value: list[Any]) -> bool:
    return len(value) in (2, 3) and all(_finite(v) for v in value)


def _finite(value: Any) -> bool:
    """A JSON number a float can hold: not a boolean, NaN, Infinity or a 400-digit integer."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return math.isfinite(value) if isinstance(value, float) else abs(value) <= MAX_INT_FLOAT


def _polygons(geometry: BaseGeometry) -> list[Polygon]:
    if isinstance(geometry, Polygon):
        return [geometry]
    return [p for part in getattr(geometry, "geoms", []) for p in _polygons(part)]


def geodesic_m2(area: MultiPolygon) -> float:
    """The area on the WGS84 ellipsoid, whichever way its rings wind."""
    # pyproj adds up signed ring areas: measure with every shell one way and every hole the other
    return abs(GEOD.geometry_area_perimeter(MultiPolygon([orient(p) for p in area.geoms]))[0])


def _named_rings(parts: list[BaseGeometry]) -> Iterator[tuple[str, np.ndarray]]:
    """Each ring of the parts' polygons with its coordinates, named as `ring_name` names it."""
    polygons = [polygon for part in parts for polygon in _polygons(part)]
    for p, polygon in enumerate(polygons, start=1):
        for r, ring in enumerate([polygon.exterior, *polygon.interiors], start=1):
            yield ring_name(p, r), shapely.get_coordinates(ring)


def _refuse_antimeridian_crossings(parts: list[BaseGeometry]) -> None:
    """A lon/lat edge between vertices more than 180° of longitude apart goes the long way round
    the globe, not across lon 180 as was meant."""
    for name, coordinates in _named_rings(parts):
        lon = coordinates[:, 0]
        jumps = np.flatnonzero(np.abs(np.diff(lon)) > 180)
        if jumps.size:
            k = int(jumps[0])
            raise AreaError(f"{name} crosses the antimeridian between positions {k + 1} and "
                            f"{k + 2} (lon {lon[k]:g} to {lon[k + 1]:g}): split the area at the "
                            "antimeridian (lon 180) into a polygon on each side")


def crossings(parts: list[BaseGeometry], limit: int) -> int:
    """How many pairs of edges of the parts' rings meet other than where a ring's consecutive
    edges join, counted up to `limit` + 1 (then counting stops)."""
    rings = [shapely.get_coordinates(ring) for polygon in
             (p for part in parts for p in _polygons(part))
             for ring in [polygon.exterior, *polygon.interiors]]
    rings = [ring for ring in rings if len(ring) > 1]  # an empty ring (an empty part) has no edge
    if not rings:
        return 0
    starts = np.concatenate([ring[:-1] for ring in rings])
    ends = np.concatenate([ring[1:] for ring in rings])
    ring_of = np.repeat(np.arange(len(rings)), [len(ring) - 1 for ring in rings])
    size = np.repeat([len(ring) - 1 for ring in rings], [len(ring) - 1 for ring in rings])
    segments: NDArray[np.object_] = np.asarray(shapely.linestrings(np.stack([starts, ends], axis=1)))
    tree = shapely.STRtree(segments)
    found = 0
    for chunk in range(0, len(segments), CROSSINGS_CHUNK):
        a, b = tree.query(segments[chunk:chunk + CROSSINGS_CHUNK], predicate="intersects")
        a = a + chunk
        later = b > a
        a, b = a[later], b[later]
        same_ring = ring_of[a] == ring_of[b]
        step = (b - a) % size[a]
        joined = same_ring & ((step == 1) | (step == size[a] - 1))
        found += int((~joined).sum())
        if found > limit:
            break
    return found


def _refuse_costly_repair(parts: list[BaseGeometry]) -> None:
    found = crossings(parts, MAX_CROSSINGS)
    if found > MAX_CROSSINGS:
        raise AreaError(f"the area's edges cross or overlap each other at more than "
                        f"{MAX_CROSSINGS:,} places; at most {MAX_CROSSINGS:,} are repaired: draw the "
                        "outline again without crossings, or split it into several areas")


def _without_slivers(area: MultiPolygon) -> tuple[MultiPolygon, int]:
    """The area without its polygons that enclose under MIN_AREA_M2, and how many those were;
    refused when that is all of it. Enclosed means as the lon/lat geometry that ST_Covers tests:
    points on one lon/lat line enclose nothing there, while the geodesics between them bow apart
    and enclose an area."""
    polygons = list(area.geoms)
    lat = shapely.bounds(polygons)[:, 1::2].mean(axis=1)
    enclosed = shapely.area(polygons) * np.cos(np.radians(lat)) * M_PER_DEGREE**2
    kept = [polygon for polygon, m2 in zip(polygons, enclosed, strict=True) if m2 >= MIN_AREA_M2]
    if not kept:
        raise _degenerate(float(enclosed.sum()))
    return MultiPolygon(kept), len(polygons) - len(kept)


def _first_non_finite(area: BaseGeometry) -> str:
    """Where the first NaN or infinite coordinate of a Polygon or MultiPolygon lies."""
    for name, coordinates in _named_rings([area]):
        for k, xy in enumerate(coordinates, start=1):
            if not np.isfinite(xy).all():
                return f"{name}, position {k} is [{xy[0]:g}, {xy[1]:g}]"
    return "somewhere"


def _degenerate(m2: float) -> AreaError:
    return AreaError(f"the area is degenerate: it encloses {m2:.3g} m², and an area needs "
                     f"{MIN_AREA_M2:g} m² or more (do its points lie on one line?)")


def clean_area(geometry: BaseGeometry | list[BaseGeometry],
               crs: Crs | int = Crs.WGS84) -> CleanArea:
    """A valid WGS84 MultiPolygon from one geometry or several parts of one area (merged)."""
    parts = geometry if isinstance(geometry, list) else [geometry]
    if not parts or all(p is None or p.is_empty for p in parts):
        raise AreaError("the area is empty")
    for part in parts:
        if part.geom_type not in ("Polygon", "MultiPolygon"):
            raise AreaError(f"the area must be a Polygon or MultiPolygon, not a {part.geom_type}")
    parts = [shapely.force_2d(p) for p in parts]  # heights, if any, are no part of an area
    vertices = sum(shapely.get_num_coordinates(p) for p in parts)
    if vertices > MAX_VERTICES:
        raise AreaError(f"the area has {vertices} vertices; at most {MAX_VERTICES} are allowed")
    wgs84 = []
    for part in parts:
        if not np.isfinite(shapely.get_coordinates(part)).all():
            raise AreaError(f"the area has non-finite coordinates: {_first_non_finite(part)} "
                            "(NaN or infinite); every position must be finite numbers")
        converted = to_wgs84_geometry(part, crs)
        coords = shapely.get_coordinates(converted)
        if (np.abs(coords[:, 0]) > 180).any() or (np.abs(coords[:, 1]) > 90).any():
            raise AreaError("the area has coordinates outside lon -180..180, lat -90..90 "
                            "(is the CRS right, or are lon and lat swapped?)")
        wgs84.append(converted)
    _refuse_antimeridian_crossings(wgs84)
    notes = [shapely.is_valid_reason(p) for p in wgs84 if not p.is_valid]
    if notes or len(wgs84) > 1 or any(len(_polygons(p)) > 1 for p in wgs84):
        _refuse_costly_repair(wgs84)
    fixed = [shapely.make_valid(p) if not p.is_valid else p for p in wgs84]
    polygons = _polygons(fixed[0]) if len(fixed) == 1 and not notes else _polygons(
        shapely.unary_union([poly for p in fixed for poly in _polygons(p)]))
    if not polygons:
        raise AreaError("the area is degenerate: nothing polygonal is left after repairing it")
    clean = MultiPolygon(polygons)
    if not clean.is_valid:  # valid polygons may still overlap or share an edge
        clean = MultiPolygon(_polygons(shapely.unary_union(polygons)))
    clean, left_out = _without_slivers(clean)
    if left_out:
        notes.append(f"left out {left_out} polygon(s) enclosing under {MIN_AREA_M2:g} m²")
    area_m2 = geodesic_m2(clean)
    if area_m2 < MIN_AREA_M2:
        raise _degenerate(area_m2)
    if area_m2 > MAX_AREA_M2:
        raise AreaError(f"the area is absurdly large ({area_m2 / 1e6:,.0f} km²; at most "
                        f"{MAX_AREA_M2 / 1e6:,.0f} km²)")
    return CleanArea(clean, area_m2, bool(notes), "; ".join(notes) or None)
