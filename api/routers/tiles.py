"""Mapbox vector tiles of stations, union areas and (for officers, in their jurisdiction)
workplaces, for maps with more features than a page can carry as GeoJSON."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Response

from api.auth import optional_officer
from api.deps import ReadEngineDep
from api.errors import ApiError
from geo import tiles
from geo.crs import Crs
from geo.tiles import MAX_ZOOM, Layer
from geo.vocab import StationStatus, UnionLevel
from officers.accounts import OfficerRecord

router = APIRouter(prefix="/tiles", tags=["maps"])
MVT = "application/vnd.mapbox-vector-tile"


@router.get("/{layer}/{z}/{x}/{y}.mvt", response_class=Response,
            responses={200: {"content": {MVT: {}}, "description": "A vector tile (may be empty)"}})
def get_tile(
    engine: ReadEngineDep,
    officer: Annotated[OfficerRecord | None, Depends(optional_officer)],
    layer: Annotated[Layer, Path(description="stations, unions, or workplaces (officers)")],
    z: Annotated[int, Path(ge=0, le=MAX_ZOOM, description=f"Zoom, 0 to {MAX_ZOOM}")],
    x: Annotated[int, Path(ge=0, le=2**MAX_ZOOM - 1, description="Column, 0 to 2^z - 1")],
    y: Annotated[int, Path(ge=0, le=2**MAX_ZOOM - 1, description="Row from the top, 0 to 2^z - 1")],
    status: Annotated[StationStatus | None, Query(description="stations: only this status")]
    = None,
    level: Annotated[UnionLevel | None, Query(description="unions: only this level")] = None,
    crs: Annotated[Literal["wgs84", "gcj02"], Query(
        description="gcj02: draw the features where GCJ-02 base tiles (Amap, Tencent) show "
                    "their places")] = "wgs84",
) -> Response:
    """One tile in Web Mercator (z/x/y as OpenStreetMap numbers them, extent 4096)."""
    if x >= 2**z or y >= 2**z:
        raise ApiError(422, f"tile {z}/{x}/{y} does not exist: at zoom {z}, x and y run from 0 "
                            f"to {2**z - 1}")
    if layer is Layer.WORKPLACES and officer is None:
        raise ApiError(401, "workplace tiles need an officer's login: POST /auth/token, then "
                            "send 'Authorization: Bearer <access_token>'",
                       {"WWW-Authenticate": "Bearer"})
    with engine.connect() as conn:
        data = tiles.tile(conn, layer, z, x, y,
                          within=officer.jurisdiction if officer else None,
                          status=status.value if status else None,
                          level=level.value if level else None, crs=Crs(crs))
    cache = "private, no-store" if layer is Layer.WORKPLACES else "public, max-age=60"
    return Response(data, media_type=MVT, headers={"Cache-Control": cache})
