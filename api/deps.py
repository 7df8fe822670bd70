"""Request dependencies: one small function per parameter group, typed with Annotated.

Those that never block are `async def`, so FastAPI calls them inline instead of in its
thread pool (a hop per dependency on every request)."""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Query, Request
from sqlalchemy import Engine

from api import read_your_writes
from api.errors import ApiError, BadParameter
from geo import hours
from geo.crs import Crs, rounded, to_wgs84
from geo.replica import Replica
from geo.vocab import Amenity, parse_list
from yizhan.settings import Settings

MAX_K = 50
MAX_RADIUS_M = 50_000
MAX_PAGE = 1000
PageLimit = Annotated[int, Query(ge=1, le=MAX_PAGE, description=f"Page size, 1 to {MAX_PAGE}.")]
PageOffset = Annotated[int, Query(ge=0, le=1_000_000, description="Rows to skip.")]
EARLIEST_YEAR, LATEST_YEAR = 1970, 2199


def generated_external_id() -> str:
    """For rows created through the API without an external id of their own."""
    return f"api-{uuid.uuid4().hex[:12]}"


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_engine(request: Request) -> Engine:
    """For writes: `with engine.begin()` is one transaction."""
    read_your_writes.note_write(request)
    engine: Engine = request.app.state.engine
    return engine


async def get_read_engine(request: Request) -> Engine:
    """For reads: autocommit connections, one round trip per query and none to clean up. With a
    replica, the replica's, unless it lags or has not replayed what this client wrote."""
    replica: Replica | None = request.app.state.replica
    if replica is not None:
        return replica.engine_for(read_your_writes.seen(request))
    engine: Engine = request.app.state.read_engine
    return engine


async def get_primary_read_engine(request: Request) -> Engine:
    """Autocommit reads from the primary even with a replica: what must never be stale, such as
    whether an officer's token still works."""
    engine: Engine = request.app.state.read_engine
    return engine


SettingsDep = Annotated[Settings, Depends(get_settings)]


async def get_secret_key(settings: SettingsDep) -> str:
    if not settings.secret_key:
        raise ApiError(503, "applications, station reports and officer logins are disabled: no "
                            "secret key is configured (set YIZHAN_SECRET_KEY)")
    return settings.secret_key


SecretKeyDep = Annotated[str, Depends(get_secret_key)]
EngineDep = Annotated[Engine, Depends(get_engine)]
ReadEngineDep = Annotated[Engine, Depends(get_read_engine)]
PrimaryReadEngineDep = Annotated[Engine, Depends(get_primary_read_engine)]

@dataclass(frozen=True)
class QueryPoint:
    lon: float
    lat: float
    crs: Crs
    input_lon: float
    input_lat: float


async def query_point(
    lat: Annotated[float, Query(ge=-90, le=90, allow_inf_nan=False,
                                description="Latitude in degrees, -90 to 90.")],
    lon: Annotated[float, Query(ge=-180, le=180, allow_inf_nan=False,
                                description="Longitude in degrees, -180 to 180.")],
    crs: Annotated[Crs, Query(description="Coordinate system of lat/lon: wgs84 (GPS), "
                                          "gcj02 (Amap, Tencent) or bd09 (Baidu).")] = Crs.WGS84,
) -> QueryPoint:
    wgs_lon, wgs_lat = to_wgs84(lon, lat, crs)
    return QueryPoint(wgs_lon, wgs_lat, crs, lon, lat)


def point_echo(lon: float, lat: float) -> dict[str, float]:
    """A point as an answer echoes it, rounded as answers carry points (geo.crs.rounded)."""
    lon, lat = rounded(lon, lat)
    return {"lat": lat, "lon": lon}


AtQuery = Annotated[datetime | None, Query(
    description="Evaluate opening hours at this ISO 8601 time instead of now; without an offset "
                "it is local time (Asia/Shanghai by default).")]


def local_time(at: datetime | None, settings: Settings) -> datetime:
    """`at` (now when not given) in the configured time zone; a naive `at` is local time."""
    local = hours.zone(settings.timezone)
    if at is None:
        return datetime.now(UTC).astimezone(local)
    if at.tzinfo is None:
        at = at.replace(tzinfo=local)
    if not EARLIEST_YEAR <= at.year <= LATEST_YEAR:  # by year: near year 1 or 9999, converting overflows
        raise BadParameter("query", "at", f"must lie in the years {EARLIEST_YEAR} to {LATEST_YEAR} "
                                          f"(got {at.isoformat()})")
    return at.astimezone(local)


AmenityQuery = Annotated[list[str] | None, Query(
    description="Required amenities, all of them: repeated (amenity=toilet&amenity=wifi) or "
                "comma-separated (amenity=toilet,wifi). One of: " + ", ".join(Amenity))]


def amenities(given: list[str] | None) -> list[Amenity]:
    try:
        return parse_list(Amenity, given or [])
    except ValueError as exc:
        raise BadParameter("query", "amenity", str(exc)) from None


@dataclass(frozen=True)
class NearestParams:
    point: QueryPoint
    at: datetime
    k: int
    radius_m: float | None
    amenities: list[Amenity]
    open_now: bool
    include_closed: bool
    open_24_7: bool = False
    country: str = "CN"  # whose public holidays the opening hours know (YIZHAN_HOLIDAY_COUNTRY)


async def nearest_params(
    request: Request,
    point: Annotated[QueryPoint, Depends(query_point)],
    at: AtQuery = None,
    k: Annotated[int, Query(ge=1, le=MAX_K, description=f"How many stations, 1 to {MAX_K}.")] = 5,
    radius_m: Annotated[float | None, Query(
        gt=0, le=MAX_RADIUS_M, allow_inf_nan=False,
        description=f"Only stations within this geodesic distance, at most {MAX_RADIUS_M} m.")]
    = None,
    amenity: AmenityQuery = None,
    open_now: Annotated[bool, Query(
        description="Only stations whose opening hours say they are open (unknown is not open).")]
    = False,
    include_closed: Annotated[bool, Query(
        description="Also list temporarily closed stations.")] = False,
    open_24_7: Annotated[bool, Query(
        description="Only stations open 24 hours every day (opening_hours 24/7).")] = False,
) -> NearestParams:
    # The settings and the time are read here rather than through dependencies of their own:
    # FastAPI solves each dependency with a pass of its own on every request.
    settings: Settings = request.app.state.settings
    return NearestParams(point, local_time(at, settings), k, radius_m, sorted(amenities(amenity)),
                         open_now, include_closed, open_24_7, settings.holiday_country)


async def parse_bbox(
    bbox: Annotated[str | None, Query(
        description="minLon,minLat,maxLon,maxLat in WGS84 degrees.",
        examples=["121.46,31.22,121.50,31.25"])] = None,
) -> tuple[float, float, float, float] | None:
    if bbox is None:
        return None
    parts = bbox.split(",")
    allowed = "expected four numbers minLon,minLat,maxLon,maxLat"
    if len(parts) != 4:
        raise BadParameter("query", "bbox", f"{allowed}, got {len(parts)} value(s)")
    try:
        values = [float(p) for p in parts]
    except ValueError:
        raise BadParameter("query", "bbox", f"{allowed}; {bbox!r} has a non-number") from None
    if not all(math.isfinite(v) for v in values):
        raise BadParameter("query", "bbox", "values must be finite numbers")
    min_lon, min_lat, max_lon, max_lat = values
    if not (-180 <= min_lon <= 180 and -180 <= max_lon <= 180):
        raise BadParameter("query", "bbox", "longitudes must be within -180..180")
    if not (-90 <= min_lat <= 90 and -90 <= max_lat <= 90):
        raise BadParameter("query", "bbox", "latitudes must be within -90..90 "
                                            "(order is minLon,minLat,maxLon,maxLat)")
    if min_lon > max_lon or min_lat > max_lat:
        raise BadParameter("query", "bbox", "minimum must not exceed maximum "
                                            "(order is minLon,minLat,maxLon,maxLat)")
    return min_lon, min_lat, max_lon, max_lat


def public_base(request: Request, settings: Settings) -> str:
    """How clients reach the API: YIZHAN_PUBLIC_URL, else the request's own address."""
    return settings.public_url or str(request.base_url).rstrip("/")
