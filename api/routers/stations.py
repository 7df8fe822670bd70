"""Stations: nearest lookup and listing for everyone; writes by the officers whose jurisdiction
covers the station. Parse, call the core, shape the answer.

Each endpoint opens its own connection (a transaction for writes) rather than taking one from a
generator dependency: that saves two thread-pool hops per request."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Response
from sqlalchemy import Connection, func

from api.auth import ActorDep, OfficerDep
from api.deps import (
    AmenityQuery,
    EngineDep,
    NearestParams,
    PageLimit,
    PageOffset,
    ReadEngineDep,
    SettingsDep,
    amenities,
    generated_external_id,
    nearest_params,
    parse_bbox,
    point_echo,
)
from api.errors import ApiError, NotFound
from api.geojson import geojson_response, near_feature, station_feature_at
from api.schemas import NearestCollection, StationFeature, StationPage
from geo import stations
from geo.crs import Crs
from geo.nearest import nearest
from geo.station_data import NewStation, StationFields
from geo.stations import StationRecord
from geo.vocab import StationStatus
from officers import stationwork
from officers.accounts import OfficerRecord
from officers.audit import Actor
from officers.stationwork import Outside
from yizhan.settings import Settings

router = APIRouter(prefix="/stations", tags=["stations"])
StationId = Annotated[int, Path(ge=1, le=2**63 - 1, description="Station id")]


def find_nearest(conn: Connection, params: NearestParams) -> list[Any]:
    return nearest(
        conn, params.point.lon, params.point.lat, params.k, at=params.at,
        amenities=params.amenities, include_closed=params.include_closed,
        radius_m=params.radius_m, open_now=params.open_now, open_24_7=params.open_24_7,
        country=params.country,
    )


@router.get("/nearest", response_model=NearestCollection)
def get_nearest(
    engine: ReadEngineDep,
    params: Annotated[NearestParams, Depends(nearest_params)],
) -> Response:
    """The k nearest usable stations, ordered by geodesic distance (ties by id).

    Removed and planned stations never appear; temporarily closed ones only with
    `include_closed=true`.
    """
    with engine.connect() as conn:
        found = find_nearest(conn, params)
    p = params.point
    return geojson_response({
        "type": "FeatureCollection",
        "query": {
            **point_echo(p.input_lon, p.input_lat), "crs": p.crs,
            "wgs84": {"crs": Crs.WGS84, **point_echo(p.lon, p.lat)},
            "k": params.k, "radius_m": params.radius_m, "amenities": params.amenities,
            "open_now": params.open_now, "open_24_7": params.open_24_7,
            "include_closed": params.include_closed,
            "at": params.at,
        },
        "features": [near_feature(n, p.crs) for n in found],
    })


@router.get("", response_model=StationPage)
def list_stations(
    engine: ReadEngineDep,
    settings: SettingsDep,
    bbox: Annotated[tuple[float, float, float, float] | None, Depends(parse_bbox)],
    amenity: AmenityQuery = None,
    status: Annotated[list[StationStatus] | None, Query(
        description="Statuses to list; repeatable. Default: all but removed.")] = None,
    limit: PageLimit = 100,
    offset: PageOffset = 0,
) -> Response:
    """A page of stations ordered by id, with the total count of matches."""
    statuses = status or [s for s in StationStatus if s is not StationStatus.REMOVED]
    with engine.connect() as conn:
        total, rows = stations.search(conn, amenities=amenities(amenity), statuses=statuses, bbox=bbox,
                                      limit=limit, offset=offset)
    now = datetime.now(UTC)
    return geojson_response({
        "type": "FeatureCollection", "total": total, "limit": limit, "offset": offset,
        "features": [station_feature_at(s, now, settings.holiday_country) for s in rows],
    })


@router.get("/{station_id}", response_model=StationFeature)
def get_station(engine: ReadEngineDep, settings: SettingsDep, station_id: StationId) -> Response:
    with engine.connect() as conn:
        station = stations.get(conn, station_id)
    return _station_response(station, station_id, settings)


BodyCrs = Annotated[Crs, Query(description="Coordinate system of lon/lat in the body.")]
OUTSIDE = ("the station would lie outside your jurisdiction (no area of your union or of a union "
           "below it covers the point); an officer whose area covers it, or an admin, can")


def _write(conn: Connection, officer: OfficerRecord, actor: Actor, action: str,
           station_id: int, columns: dict[str, Any]) -> StationRecord:
    """Change a station of the officer's jurisdiction; it must stay inside it. An error raised
    here rolls the whole transaction back."""
    try:
        station = stationwork.change(conn, actor, officer, action, station_id, columns)
    except Outside as exc:
        raise ApiError(422, f"{OUTSIDE} {exc}") from None
    if station is None:
        raise NotFound("station", station_id)
    return station


@router.post("", response_model=StationFeature, status_code=201)
def create_station(engine: EngineDep, settings: SettingsDep, officer: OfficerDep,
                   actor: ActorDep, body: NewStation, crs: BodyCrs = Crs.WGS84) -> Response:
    """Create a station inside your jurisdiction. Without an external_id one is generated."""
    columns = body.columns(crs, only_set=False)
    columns["external_id"] = columns["external_id"] or generated_external_id()
    with engine.begin() as conn:
        try:
            station = stationwork.create(conn, actor, officer, columns)
        except Outside as exc:
            raise ApiError(422, f"{OUTSIDE} {exc}") from None
    return _station_response(station, station.id, settings, status_code=201)


@router.patch("/{station_id}", response_model=StationFeature)
def update_station(engine: EngineDep, settings: SettingsDep, officer: OfficerDep,
                   actor: ActorDep, station_id: StationId, body: StationFields,
                   crs: BodyCrs = Crs.WGS84) -> Response:
    """Change some fields (status, hours, amenities…) of a station in your jurisdiction; fields
    left out keep their values."""
    with engine.begin() as conn:
        station = _write(conn, officer, actor, "update", station_id, body.columns(crs))
    return _station_response(station, station_id, settings)


@router.post("/{station_id}/verify", response_model=StationFeature)
def verify_station(engine: EngineDep, settings: SettingsDep, officer: OfficerDep,
                   actor: ActorDep, station_id: StationId) -> Response:
    """Record that an officer checked the station on site just now (it is no longer stale)."""
    with engine.begin() as conn:
        station = _write(conn, officer, actor, "verify", station_id,
                         {"last_verified_at": func.now()})
    return _station_response(station, station_id, settings)


@router.delete("/{station_id}", response_model=StationFeature)
def retire_station(engine: EngineDep, settings: SettingsDep, officer: OfficerDep,
                   actor: ActorDep, station_id: StationId) -> Response:
    """Retire a station: its status becomes `removed`; the record is kept."""
    with engine.begin() as conn:
        station = _write(conn, officer, actor, "retire", station_id,
                         {"status": StationStatus.REMOVED.value})
    return _station_response(station, station_id, settings)


def _station_response(station: StationRecord | None, station_id: int, settings: Settings,
                      status_code: int = 200) -> Response:
    if station is None:
        raise NotFound("station", station_id)
    feature = station_feature_at(station, datetime.now(UTC), settings.holiday_country)
    return geojson_response(feature, status_code=status_code)

