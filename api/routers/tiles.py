"""Mapbox vector tiles of stations, union areas and (for officers, in their jurisdiction)
workplaces, for maps with more features than a page can carry as GeoJSON."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request, Response

from api.auth import OfficerDep
from api.deps import ReadEngineDep, SettingsDep, public_base
from api.errors import ApiError, BadParameter
from api.geojson import json_response
from geo import tiles
from geo.crs import Crs
from geo.tiles import MAX_ZOOM, Layer
from geo.vocab import StationStatus, UnionLevel
from maps import vector_style
from ogc import collections as oc

router = APIRouter(prefix="/tiles", tags=["maps"])
styles = APIRouter(prefix="/styles", tags=["maps"])
MVT = "application/vnd.mapbox-vector-tile"


PUBLIC_LAYERS = ("stations", "unions")
PublicLayer = Literal["stations", "unions"]
TILE: dict[int | str, dict[str, Any]] = {
    200: {"content": {MVT: {}}, "description": "A vector tile (may be empty)"}}
Zoom = Annotated[int, Path(ge=0, le=MAX_ZOOM, description=f"Zoom, 0 to {MAX_ZOOM}")]
Column = Annotated[int, Path(ge=0, le=2**MAX_ZOOM - 1, description="Column, 0 to 2^z - 1")]
Row = Annotated[int, Path(ge=0, le=2**MAX_ZOOM - 1, description="Row from the top, 0 to 2^z - 1")]
TileCrs = Annotated[Literal["wgs84", "gcj02"], Query(
    description="gcj02: draw the features where GCJ-02 base tiles (Amap, Tencent) show their "
                "places")]


def _check(z: int, x: int, y: int) -> None:
    if x >= 2**z or y >= 2**z:
        raise ApiError(422, f"tile {z}/{x}/{y} does not exist: at zoom {z}, x and y run from 0 "
                            f"to {2**z - 1}")


@router.get("/{layer}.json")
def get_tilejson(request: Request, engine: ReadEngineDep, settings: SettingsDep,
                 layer: Annotated[PublicLayer, Path(description="stations or unions")],
                 crs: TileCrs = "wgs84") -> Response:
    """The layer's TileJSON 3.0: its tile URL template, zooms, bounds and fields, for MapLibre's
    `{"type": "vector", "url": …}` or any other vector-tile client."""
    with engine.connect() as conn:
        bounds = oc.extent(conn, oc.COLLECTIONS[layer])
    return json_response(vector_style.tilejson(
        Layer(layer), public_base(request, settings), "crs=gcj02" if crs == "gcj02" else "", bounds),
        headers={"Cache-Control": "public, max-age=300"})


@styles.get("/yizhan.json")
def get_style(request: Request, settings: SettingsDep,
              base: Annotated[Literal["configured", "none"], Query(
                  description="none: no base map, only yizhan's layers (to lay over your own)")]
              = "configured") -> Response:
    """A MapLibre GL style (version 8): stations coloured by status over union areas by level, on
    the base map yizhan is configured with (YIZHAN_TILES_URL); its tiles follow YIZHAN_TILES_CRS."""
    query = "crs=gcj02" if settings.tiles_crs == "gcj02" else ""
    return json_response(vector_style.style(
        public_base(request, settings), query, settings.tiles_url if base == "configured" else "",
        settings.tiles_subdomains, settings.tiles_attribution),
        headers={"Cache-Control": "public, max-age=300"})


# Before the route for any layer, which would match it too: a route of its own is an officer
# endpoint, so that cross-origin reads (api.embedding) are never allowed on it.
@router.get("/workplaces/{z}/{x}/{y}.mvt", response_class=Response, responses=TILE)
def get_workplace_tile(engine: ReadEngineDep, officer: OfficerDep, z: Zoom, x: Column, y: Row,
                       crs: TileCrs = "wgs84") -> Response:
    """One tile of the workplaces in your jurisdiction (officers), as for the other layers."""
    _check(z, x, y)
    with engine.connect() as conn:
        data = tiles.tile(conn, Layer.WORKPLACES, z, x, y, within=officer.jurisdiction,
                          crs=Crs(crs))
    return Response(data, media_type=MVT, headers={"Cache-Control": "private, no-store"})


@router.get("/{layer}/{z}/{x}/{y}.mvt", response_class=Response, responses=TILE)
def get_tile(
    engine: ReadEngineDep,
    layer: Annotated[str, Path(description="stations or unions; workplaces (officers) have "
                                           "their own route")],
    z: Zoom, x: Column, y: Row,
    status: Annotated[StationStatus | None, Query(description="stations: only this status")]
    = None,
    level: Annotated[UnionLevel | None, Query(description="unions: only this level")] = None,
    crs: TileCrs = "wgs84",
) -> Response:
    """One tile in Web Mercator (z/x/y as OpenStreetMap numbers them, extent 4096)."""
    if layer not in PUBLIC_LAYERS:
        raise BadParameter("path", "layer", f"{layer!r} is not a layer; the layers are stations, "
                                            "unions and workplaces (workplaces for officers, with "
                                            "their token)")
    _check(z, x, y)
    with engine.connect() as conn:
        data = tiles.tile(conn, Layer(layer), z, x, y,
                          status=status.value if status else None,
                          level=level.value if level else None, crs=Crs(crs))
    return Response(data, media_type=MVT, headers={"Cache-Control": "public, max-age=60"})
