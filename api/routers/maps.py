"""Map pages: complete HTML that other sites can embed in an iframe."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse

from api.deps import (
    NearestParams,
    QueryPoint,
    ReadEngineDep,
    SettingsDep,
    nearest_params,
    public_base,
    query_point,
)
from api.embedding import embedding_headers
from api.errors import NotFound
from api.routers.officer import GapRes, WalkM
from api.routers.stations import find_nearest
from geo import unions
from geo.crs import Crs
from geo.nearest import nearest
from maps.coverage_page import coverage_map
from maps.maplibre_page import maplibre_page
from maps.match_page import match_map, match_view
from maps.nearest_page import AROUND, PageQuery, nearest_map
from maps.page import MapStyle
from maps.requests_page import requests_map
from maps.union_page import ROOTS_LISTED, mine_page, union_map, union_view
from membership.worker_requests.vocab import Category
from ogc import collections as oc

router = APIRouter(prefix="/maps", tags=["maps"])


async def page_style(
    request: Request,
    settings: SettingsDep,
    lang: Annotated[Literal["zh", "en"], Query(description="Page language.")] = "zh",
    zoom: Annotated[int | None, Query(ge=1, le=19, description="Open at this zoom instead of "
                                                               "fitting what the page shows")]
    = None,
) -> MapStyle:
    """What every map page takes besides its own parameters, with the configured base map."""
    return MapStyle(api_base=request.scope.get("root_path", ""), tiles_url=settings.tiles_url,
                    tiles_attribution=settings.tiles_attribution, lang=lang,
                    tiles_crs=Crs(settings.tiles_crs), tiles_subdomains=settings.tiles_subdomains,
                    zoom=zoom)


StyleDep = Annotated[MapStyle, Depends(page_style)]


@router.get("/nearest", response_class=HTMLResponse)
def nearest_page(
    request: Request,
    engine: ReadEngineDep,
    settings: SettingsDep,
    params: Annotated[NearestParams, Depends(nearest_params)],
    style: StyleDep,
) -> HTMLResponse:
    """The point, the stations around it, and the k nearest matching ones with lines and
    distances. Takes the same parameters as `/stations/nearest`."""
    with engine.connect() as conn:
        found = find_nearest(conn, params)
        around = nearest(conn, params.point.lon, params.point.lat, AROUND, at=params.at,
                         include_closed=params.include_closed, country=params.country)
    query = PageQuery([(n, v) for n, v in request.query_params.multi_items()
                       if n not in ("amenity", "open_now", "open_24_7")],
                      [a.value for a in params.amenities], params.open_now, params.open_24_7)
    return HTMLResponse(nearest_map(params.point.lon, params.point.lat, found, around, style, query),
                        headers=embedding_headers(settings))


@router.get("/match", response_class=HTMLResponse)
def match_page(
    engine: ReadEngineDep,
    settings: SettingsDep,
    point: Annotated[QueryPoint, Depends(query_point)],
    style: StyleDep,
) -> HTMLResponse:
    """Which union covers a place, and why: the areas of every level around the point, the one
    that handles it, and whether the point is on a border. Same answer as `/unions/match`."""
    with engine.connect() as conn:
        found, areas = match_view(conn, point.lon, point.lat)
    html = match_map(point.lon, point.lat, found, areas, style)
    return HTMLResponse(html, headers=embedding_headers(settings))


@router.get("/unions/mine", response_class=HTMLResponse)
def my_union_page(engine: ReadEngineDep, settings: SettingsDep, style: StyleDep) -> HTMLResponse:
    """For officers: log in on the page, then see your own union's map, with the workplaces of
    your jurisdiction. An admin chooses among the unions at the top."""
    with engine.connect() as conn:
        _, roots = unions.search(conn, roots=True, limit=ROOTS_LISTED)
    return HTMLResponse(mine_page(style, roots), headers=embedding_headers(settings))


@router.get("/unions/{union_id}", response_class=HTMLResponse)
def union_page(
    engine: ReadEngineDep,
    settings: SettingsDep,
    union_id: Annotated[int, Path(ge=1, le=2**63 - 1, description="Union id")],
    style: StyleDep,
) -> HTMLResponse:
    """A union's area, its children's areas, its H3 coverage (interior and border cells) and
    the stations inside."""
    with engine.connect() as conn:
        union = unions.get(conn, union_id)
        if union is None:
            raise NotFound("union", union_id)
        view = union_view(conn, union)
    return HTMLResponse(union_map(view, style),
                        headers=embedding_headers(settings))


@router.get("/coverage", response_class=HTMLResponse)
def coverage_page(
    settings: SettingsDep,
    style: StyleDep,
    walk_m: WalkM = 1000,
    res: GapRes = 8,
    lat: Annotated[float, Query(ge=-90, le=90, allow_inf_nan=False,
                                description="Where the map opens before the data arrives")]
    = 31.2335,
    lon: Annotated[float, Query(ge=-180, le=180, allow_inf_nan=False)] = 121.4751,
) -> HTMLResponse:
    """The officers' gap map: log in on the page, and see the H3 cells where workplaces and
    members have no operational station within `walk_m`, with the stations on top."""
    html = coverage_map(lon, lat, walk_m, res, style)
    return HTMLResponse(html, headers=embedding_headers(settings))


@router.get("/maplibre", response_class=HTMLResponse)
def maplibre_demo(request: Request, engine: ReadEngineDep, settings: SettingsDep,
                  style: StyleDep) -> HTMLResponse:
    """yizhan's MapLibre style (/styles/yizhan.json) in MapLibre GL JS served from yizhan: the
    stations by status over the union areas; a click on a station names it."""
    with engine.connect() as conn:
        box = oc.extent(conn, oc.STATIONS) or [121.4751, 31.2335, 121.4751, 31.2335]
    centre = ((box[0] + box[2]) / 2, (box[1] + box[3]) / 2)
    html = maplibre_page(style.static_base, f"{public_base(request, settings)}/styles/yizhan.json",
                         centre, style.lang, f"{style.api_base}/maps/maplibre")
    return HTMLResponse(html, headers=embedding_headers(settings))


@router.get("/requests", response_class=HTMLResponse)
def requests_page(
    settings: SettingsDep,
    style: StyleDep,
    res: GapRes = 8,
    category: Category | None = None,
    open_only: Annotated[bool, Query(description="Only open requests")] = False,
    lat: Annotated[float, Query(ge=-90, le=90, allow_inf_nan=False,
                                description="Where the map opens before the data arrives")]
    = 31.2335,
    lon: Annotated[float, Query(ge=-180, le=180, allow_inf_nan=False)] = 121.4751,
) -> HTMLResponse:
    """For officers: log in on the page, and see your jurisdiction's workers' requests (of a
    category) counted by H3 cell, e.g. where heat complaints gather. Counts only."""
    html = requests_map(lon, lat, res, category.value if category else None, open_only, style)
    return HTMLResponse(html, headers=embedding_headers(settings))
