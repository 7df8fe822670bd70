"""WGS84 (stored), GCJ-02 (Chinese web maps, Amap) and BD-09 (Baidu) points.

Outside China GCJ-02 and BD-09 apps report WGS84, so conversions there are the identity.
The offsets have no closed-form inverse, so to_wgs84 iterates prcoords' forward functions to a
fixed point, far tighter than prcoords' own inverse (which stops at about a centimetre).
"""

from __future__ import annotations

from enum import StrEnum

import prcoords

TOLERANCE_DEG = 1e-11  # about a micrometre
MAX_ITERATIONS = 40


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
    target = prcoords.Coords(lat, lon)
    forward = prcoords.wgs_gcj if crs is Crs.GCJ02 else prcoords.wgs_bd
    guess = target
    for _ in range(MAX_ITERATIONS):
        error = forward(guess, False) - target
        guess = guess - error
        if max(abs(error.lat), abs(error.lon)) < TOLERANCE_DEG:
            break
    return guess.lon, guess.lat


def from_wgs84(lon: float, lat: float, crs: Crs) -> tuple[float, float]:
    """WGS84 (lon, lat) to (lon, lat) in `crs`."""
    if crs is Crs.WGS84 or not in_china(lon, lat):
        return lon, lat
    point = prcoords.Coords(lat, lon)
    out = prcoords.wgs_gcj(point, False) if crs is Crs.GCJ02 else prcoords.wgs_bd(point, False)
    return out.lon, out.lat


ANSWER_DIGITS = 7  # decimals of a degree in answers: 1e-7° is about a centimetre


def rounded(lon: float, lat: float) -> tuple[float, float]:
    """A point as answers carry it: 31.240393, not the 31.240393000000005 a conversion leaves."""
    return round(lon, ANSWER_DIGITS), round(lat, ANSWER_DIGITS)


def wgs84_ewkt(lon: float, lat: float) -> str:
    """A WGS84 point as EWKT, the form the geometry columns take."""
    return f"SRID=4326;POINT({float(lon)!r} {float(lat)!r})"


SWAP_HINT = "; did you swap lat and lon?"


def swap_hint(field: str, error_type: str, lon: object) -> str:
    """SWAP_HINT for a `lat` refused for its range (pydantic's greater- or less-than-or-equal
    errors) beside a `lon` that would pass as a latitude; else nothing."""
    if field != "lat" or not error_type.endswith("_equal"):
        return ""
    try:
        return SWAP_HINT if abs(float(lon)) <= 90 else ""  # type: ignore[arg-type]  # any JSON value
    except (TypeError, ValueError):
        return ""
