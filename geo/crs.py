"""WGS84 (stored), GCJ-02 (Chinese web maps, Amap) and BD-09 (Baidu) points.

Outside China GCJ-02 and BD-09 apps report WGS84, so conversions there are the identity.
The inverse conversions iterate to about a millimetre (prcoords' "bored" variants).
"""

from __future__ import annotations

from enum import StrEnum

import prcoords


class Crs(StrEnum):
    WGS84 = "wgs84"
    GCJ02 = "gcj02"
    BD09 = "bd09"


def in_china(lon: float, lat: float) -> bool:
    return bool(prcoords.sanity_in_china_p(prcoords.Coords(lat, lon)))


def to_wgs84(lon: float, lat: float, crs: Crs) -> tuple[float, float]:
    """(lon, lat) in `crs` to WGS84 (lon, lat)."""
    if crs is Crs.WGS84 or not in_china(lon, lat):
        return lon, lat
    point = prcoords.Coords(lat, lon)
    inverse = prcoords.gcj_wgs_bored if crs is Crs.GCJ02 else prcoords.bd_wgs_bored
    out = inverse(point, False)
    return out.lon, out.lat


def from_wgs84(lon: float, lat: float, crs: Crs) -> tuple[float, float]:
    """WGS84 (lon, lat) to (lon, lat) in `crs`."""
    if crs is Crs.WGS84 or not in_china(lon, lat):
        return lon, lat
    point = prcoords.Coords(lat, lon)
    out = prcoords.wgs_gcj(point, False) if crs is Crs.GCJ02 else prcoords.wgs_bd(point, False)
    return out.lon, out.lat
