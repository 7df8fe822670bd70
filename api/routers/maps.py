"""Map pages: complete HTML that other sites can embed in an iframe."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from api.deps import NearestParams, ReadEngineDep, SettingsDep, nearest_params
from api.routers.stations import find_nearest
from geo.nearest import nearest
from maps.nearest_page import MapStyle, nearest_map
from yizhan.settings import Settings

router = APIRouter(prefix="/maps", tags=["maps"])
AROUND = 150


@router.get("/nearest", response_class=HTMLResponse)
def nearest_page(
    request: Request,
    engine: ReadEngineDep,
    settings: SettingsDep,
    params: Annotated[NearestParams, Depends(nearest_params)],
    lang: Annotated[Literal["zh", "en"], Query(description="Page language.")] = "zh",
) -> HTMLResponse:
    """The point, the stations around it, and the k nearest matching ones with lines and
    distances. Takes the same parameters as `/stations/nearest`."""
    with engine.connect() as conn:
        found = find_nearest(conn, params, settings.holiday_country)
        around = nearest(conn, params.point.lon, params.point.lat, AROUND, at=params.at,
                         include_closed=params.include_closed, country=settings.holiday_country)
    style = MapStyle(
        static_base=request.scope.get("root_path", "") + "/static",
        tiles_url=settings.tiles_url, tiles_attribution=settings.tiles_attribution, lang=lang,
    )
    return HTMLResponse(nearest_map(params.point.lon, params.point.lat, found, around, style),
                        headers=embedding_headers(settings))


def embedding_headers(settings: Settings) -> dict[str, str]:
    """Who may show a map page in an iframe: yizhan itself and YIZHAN_EMBED_ORIGINS."""
    ancestors = " ".join(["'self'", *settings.embed_origins])
    return {"Content-Security-Policy": f"frame-ancestors {ancestors}"}
