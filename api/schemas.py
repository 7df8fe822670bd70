"""Response shapes, as the OpenAPI document declares them. Stations travel as GeoJSON."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from geo.crs import Crs
from geo.vocab import Amenity, StationStatus


class PointGeometry(BaseModel):
    type: Literal["Point"] = "Point"
    coordinates: tuple[float, float] = Field(description="WGS84 [lon, lat]")


class CrsPoint(BaseModel):
    crs: Crs
    lon: float
    lat: float


class Navigation(BaseModel):
    osm: str = Field(description="OpenStreetMap, WGS84")
    amap: str = Field(description="Amap (高德) URI, GCJ-02; opens the app on a phone")
    baidu: str = Field(description="Baidu Maps (百度) deep link, BD-09")


class StationProperties(BaseModel):
    id: int
    external_id: str
    name: str
    address: str | None
    amenities: list[Amenity]
    opening_hours: str | None = Field(description="OpenStreetMap opening_hours syntax")
    open_now: bool | None = Field(description="Open at the query time; null when unknown")
    timezone: str
    status: StationStatus
    operator: str | None
    phone: str | None
    union_id: int | None
    h3: str = Field(description="H3 cell (resolution 10) of the station, hex")
    last_verified_at: datetime | None
    created_at: datetime
    updated_at: datetime
    navigation: Navigation


class NearStationProperties(StationProperties):
    distance_m: float = Field(description="Geodesic distance on the WGS84 ellipsoid, metres")
    point_in_crs: CrsPoint = Field(description="The station in the query's coordinate system")


class StationFeature(BaseModel):
    type: Literal["Feature"] = "Feature"
    id: int
    geometry: PointGeometry
    properties: StationProperties


class NearStationFeature(StationFeature):
    properties: NearStationProperties


class NearestQuery(BaseModel):
    lat: float
    lon: float
    crs: Crs
    wgs84: CrsPoint
    k: int
    radius_m: float | None
    amenities: list[Amenity]
    open_now: bool
    include_closed: bool
    at: datetime


class NearestCollection(BaseModel):
    type: Literal["FeatureCollection"] = "FeatureCollection"
    query: NearestQuery
    features: list[NearStationFeature]


class StationPage(BaseModel):
    type: Literal["FeatureCollection"] = "FeatureCollection"
    total: int = Field(description="How many stations match, over all pages")
    limit: int
    offset: int
    features: list[StationFeature]
