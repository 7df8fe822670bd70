"""Response shapes, as the OpenAPI document declares them. Stations travel as GeoJSON."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from geo.crs import Crs
from geo.vocab import Amenity, StationStatus, UnionLevel


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


class NearestQueryPoint(BaseModel):
    lat: float
    lon: float
    crs: Crs
    wgs84: CrsPoint


class NearestQuery(BaseModel):
    lat: float
    lon: float
    crs: Crs
    wgs84: CrsPoint
    k: int
    radius_m: float | None
    amenities: list[Amenity]
    open_now: bool
    open_24_7: bool = False
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


class UnionOut(BaseModel):
    id: int
    code: str
    name: str
    level: UnionLevel
    parent_id: int | None
    path: str = Field(description="Ids from the root down to this union, dot-separated")
    area_m2: float | None = Field(description="Geodesic area, square metres")
    coverage_res: int | None = Field(description="H3 resolution of the area's border cells")
    repaired: bool = Field(description="The area was invalid and was repaired on import")
    has_area: bool
    contact_address: str | None
    contact_phone: str | None
    area_effective_at: datetime | None
    created_at: datetime
    updated_at: datetime


class UnionFeature(BaseModel):
    type: Literal["Feature"] = "Feature"
    id: int
    geometry: dict[str, Any] | None = Field(description="GeoJSON MultiPolygon, WGS84")
    properties: UnionOut


class UnionList(BaseModel):
    total: int
    limit: int
    offset: int
    unions: list[UnionOut]


class UnionBrief(BaseModel):
    id: int
    code: str
    name: str
    level: UnionLevel


class CoveringUnion(UnionBrief):
    method: Literal["h3_interior", "exact"]
    on_border: bool


class MatchOut(BaseModel):
    query: NearestQueryPoint
    status: Literal["matched", "gap_fallback", "nearest_fallback", "not_covered"]
    union: UnionOut | None
    method: Literal["h3_interior", "exact", "nearest"] | None = Field(
        description="h3_interior: the point lies in an H3 cell wholly inside the area; exact: "
                    "ST_Covers on the area; nearest: no area covers the point")
    on_border: bool
    distance_m: float | None = Field(description="0 when covered; to the nearest union on a "
                                                 "nearest_fallback; null when not covered")
    ancestors: list[UnionBrief]
    levels: dict[UnionLevel, list[CoveringUnion]]
    tie: list[CoveringUnion] = Field(description="All unions of the matched level that cover the "
                                                 "point, when there is more than one")
    tie_rule: str
    fallback_limit_m: float


class BatchPointIn(BaseModel):
    model_config = ConfigDict(extra="forbid")  # `lng` for `lon` is named, not passed over
    id: str | int
    lat: float = Field(ge=-90, le=90, allow_inf_nan=False)
    lon: float = Field(ge=-180, le=180, allow_inf_nan=False)


class BatchMatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    crs: Crs = Crs.WGS84
    points: list[BatchPointIn] = Field(min_length=1, max_length=10_000)


class BatchMatchOut(BaseModel):
    id: str | int
    status: Literal["matched", "gap_fallback", "nearest_fallback", "not_covered"]
    union: UnionBrief | None
    method: Literal["h3_interior", "exact", "nearest"] | None
    on_border: bool
    distance_m: float | None


class BatchMatchResult(BaseModel):
    results: list[BatchMatchOut]


class QaProperties(BaseModel):
    kind: Literal["overlap", "gap", "outside_parent", "repaired"]
    unions: list[str] = Field(description="Codes of the unions involved")
    parent: str | None
    area_m2: float
    sliver: bool = Field(description="Thin: 4πA/P² under 0.05")


class QaFeature(BaseModel):
    type: Literal["Feature"] = "Feature"
    geometry: dict[str, Any]
    properties: QaProperties


class QaReport(BaseModel):
    type: Literal["FeatureCollection"] = "FeatureCollection"
    counts: dict[str, int]
    features: list[QaFeature]


class ErrorDetail(BaseModel):
    loc: list[str | int]
    msg: str
    type: str | None = None
    code: str | None = Field(default=None, description=(
        "What refused the value, for a page to word in its own language: pydantic's error type "
        "(missing, float_parsing, less_than_equal…), or swapped_lat_lon, repeated_parameter"))


class ErrorOut(BaseModel):
    """Every 4xx and 503 answer (OGC API paths excepted): what was wrong and what is allowed."""
    message: str
    detail: list[ErrorDetail] | None = None


class OgcException(BaseModel):
    """The answer to a bad request under /ogc, as OGC API - Features has it."""
    code: str
    description: str


class OgcLink(BaseModel):
    href: str
    rel: str
    type: str
    title: str | None = None


class OgcLanding(BaseModel):
    title: str
    description: str
    links: list[OgcLink]


class OgcConformance(BaseModel):
    conformsTo: list[str]


class OgcExtent(BaseModel):
    spatial: dict[str, Any]


class OgcCollection(BaseModel):
    id: str
    title: str
    description: str
    itemType: Literal["feature"]
    crs: list[str]
    storageCrs: str
    extent: OgcExtent
    links: list[OgcLink]


class OgcCollections(BaseModel):
    links: list[OgcLink]
    collections: list[OgcCollection]
    crs: list[str]
