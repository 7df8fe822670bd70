"""The join form a station's QR code opens; it posts to /applications (the API is the product)."""

from __future__ import annotations

import io
from typing import Annotated

import segno
from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import HTMLResponse

from api.deps import ReadEngineDep, SettingsDep, public_base
from api.embedding import embedding_headers
from api.errors import NotFound
from api.html import Lang
from api.join_page import join_page
from geo import stations

router = APIRouter(tags=["applications"])
StationParam = Annotated[int | None, Query(ge=1, le=2**63 - 1, description=(
    "The station whose QR code opened the form: shown as where the form was found, and offered "
    "(not filled in) as the workplace's position"))]


@router.get("/join", response_class=HTMLResponse)
def join_form(engine: ReadEngineDep, settings: SettingsDep, station: StationParam = None,
              lang: Lang = "zh") -> HTMLResponse:
    """A small form to apply from a phone; `?station=<id>` says where it was found. Only
    yizhan and YIZHAN_EMBED_ORIGINS may frame it (a form that asks for an ID number)."""
    found = None
    if station is not None:
        with engine.connect() as conn:
            found = stations.get(conn, station)
    return HTMLResponse(join_page(lang, station, found), headers=embedding_headers(settings))


@router.get("/stations/{station_id}/join-qr.png", response_class=Response,
            responses={200: {"content": {"image/png": {}}}})
def join_qr(request: Request, engine: ReadEngineDep, settings: SettingsDep,
            station_id: Annotated[int, Path(ge=1, le=2**63 - 1)]) -> Response:
    """A QR code to print at the station: it opens the join form, which names the station."""
    with engine.connect() as conn:
        if stations.get(conn, station_id) is None:
            raise NotFound("station", station_id)
    base = public_base(request, settings)
    image = io.BytesIO()
    segno.make(f"{base}/join?station={station_id}", error="m").save(image, kind="png", scale=8,
                                                                    border=2)
    return Response(image.getvalue(), media_type="image/png",
                    headers={"Cache-Control": "public, max-age=86400"})
