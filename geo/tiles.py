"""Mapbox vector tiles straight from PostGIS (ST_AsMVT), so that a map of many thousands of
stations, areas or workplaces fetches only what it shows.

Tiles are in Web Mercator (EPSG:3857) with the usual z/x/y numbering (y from the top), extent
4096 and a 64-unit buffer so that markers and lines are not cut at tile edges."""

from __future__ import annotations

import math
from enum import StrEnum

from sqlalchemy import Connection, text

from geo.crs import Crs, from_wgs84
from geo.jurisdiction import Jurisdiction

EXTENT, BUFFER = 4096, 64
# Half the Web Mercator world, in metres. A buffer reaching past it would wrap round to the other
# side of the world when turned into degrees, and the search box would hold nothing.
HALF_WORLD = 20037508.342789244
MAX_ZOOM = 22


class Layer(StrEnum):
    STATIONS = "stations"
    UNIONS = "unions"
    WORKPLACES = "workplaces"


# Each layer: the geometry (WGS84), its properties, and its rows inside the search box.
_LAYERS = {
    Layer.STATIONS: ("s.location", "s.id, s.id AS station_id, s.name, s.status, "
                     "array_to_string(s.amenities, ';') AS amenities, s.opening_hours",
                     """FROM stations s, bounds
        WHERE s.location && bounds.search AND s.status <> 'removed'
          AND (CAST(:status AS text) IS NULL OR s.status = :status)"""),
    Layer.UNIONS: ("u.area", "u.id, u.code, u.name, u.level",
                   """FROM unions u, bounds
        WHERE u.area && bounds.search
          AND (CAST(:level AS text) IS NULL OR u.level = :level)"""),
    Layer.WORKPLACES: ("w.location", "w.id, w.name, w.match_status, "
                       "coalesce(w.own_union_id, w.matched_union_id) AS union_id, "
                       "(SELECT name FROM unions WHERE id = coalesce(w.own_union_id, "
                       "w.matched_union_id)) AS union_name",
                       """FROM workplaces w, bounds, scope
        WHERE w.location && bounds.search
          AND (scope.ids IS NULL OR w.own_union_id = ANY(scope.ids)
               OR w.matched_union_id = ANY(scope.ids))"""),
}


def tile_centre(z: int, x: int, y: int) -> tuple[float, float]:
    """The WGS84 (lon, lat) of a tile's centre."""
    n = 2**z
    lat = math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * (y + 0.5) / n))))
    return (x + 0.5) / n * 360 - 180, lat


def tile_offset(z: int, x: int, y: int, crs: Crs) -> tuple[float, float]:
    """How far `crs` (GCJ-02) moves the tile's centre, in degrees. Moving a whole tile by it
    puts every feature within a pixel of its own shifted place: the offset changes by at most
    6 m across a zoom-14 tile, 22 m at 12 and 70 m at 10 (a pixel is 8, 33 and 130 m there)."""
    lon, lat = tile_centre(z, x, y)
    shifted = from_wgs84(lon, lat, crs)
    return shifted[0] - lon, shifted[1] - lat


def tile(conn: Connection, layer: Layer, z: int, x: int, y: int, *,
         within: Jurisdiction | None = None, status: str | None = None,
         level: str | None = None, crs: Crs = Crs.WGS84) -> bytes:
    """One tile of one layer; empty bytes when nothing is in it. Workplaces are drawn for a
    jurisdiction (`within`), whose union ids are gathered once. With `crs` GCJ-02 the features
    are drawn where GCJ-02 base tiles (Amap, Tencent) show their places."""
    if layer is Layer.WORKPLACES and within is None:
        raise ValueError("workplace tiles are drawn for a jurisdiction")
    geom, properties, rows = _LAYERS[layer]
    sql = f"""
WITH scope AS (SELECT CASE WHEN CAST(:path AS text) IS NOT NULL THEN
                   array(SELECT id FROM unions WHERE path <@ text2ltree(:path)) END AS ids),
wide AS (SELECT ST_TileEnvelope(:z, :x, :y, margin => :margin) AS box),
bounds AS (SELECT ST_TileEnvelope(:z, :x, :y) AS tile, ST_Translate(ST_Transform(ST_MakeEnvelope(
                      greatest(ST_XMin(box), -{HALF_WORLD}), ST_YMin(box),
                      least(ST_XMax(box), {HALF_WORLD}), ST_YMax(box), 3857), 4326),
                      -:dx, -:dy) AS search FROM wide),
features AS (
    SELECT ST_AsMVTGeom(ST_Transform(ST_Translate({geom}, :dx, :dy), 3857), bounds.tile,
                        {EXTENT}, {BUFFER}, true)
               AS mvt_geom, {properties}
    {rows}
)
SELECT ST_AsMVT(f, :layer, {EXTENT}, 'mvt_geom', 'id')
FROM (SELECT * FROM features WHERE mvt_geom IS NOT NULL) f
"""
    dx, dy = tile_offset(z, x, y, crs) if crs is not Crs.WGS84 else (0.0, 0.0)
    data = conn.execute(text(sql), {"dx": dx, "dy": dy,
        "z": z, "x": x, "y": y, "margin": BUFFER / EXTENT, "status": status, "level": level,
        "layer": layer.value, "path": within.path if within is not None else None}).scalar()
    return bytes(data or b"")
