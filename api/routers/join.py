"""The join form a station's QR code opens; it posts to /applications (the API is the product)."""

from __future__ import annotations

import io
import json
from html import escape
from importlib.resources import files
from typing import Annotated

import segno
from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import HTMLResponse

from api import messages
from api.deps import ReadEngineDep, SettingsDep, public_base
from api.embedding import embedding_headers
from api.errors import NotFound
from api.html import page
from geo import stations
from geo.stations import StationRecord

router = APIRouter(tags=["applications"])
FORM = (files("api") / "pages" / "join.html").read_text("utf-8")
# As JSON inside a script element: "<" escaped, so that no text in it can close the element.
MESSAGES = json.dumps(messages.as_json(), ensure_ascii=False).replace("<", "\\u003c")
StationParam = Annotated[int | None, Query(ge=1, le=2**63 - 1, description=(
    "The station whose QR code opened the form: shown as where the form was found, and offered "
    "(not filled in) as the workplace's position"))]


def _station(station_id: int, found: StationRecord | None) -> str:
    if found is None:
        return (f'<p id="station-missing" class="warning">没有编号为 {station_id} 的驿站'
                "（二维码可能已过期），您仍然可以申请。<br>"
                f"There is no station {station_id} (the QR code may be out of date); you can "
                "still apply.</p>")
    name = escape(found.name)
    address = f"<br>{escape(found.address)}" if found.address else ""
    return (f'<div id="station" data-station-id="{found.id}" data-lon="{found.lon}" '
            f'data-lat="{found.lat}"><p class="note">您是在驿站“{name}”找到这张申请表的。<br>'
            f"You found this form at the station “{name}”.{address}</p></div>")


@router.get("/join", response_class=HTMLResponse)
def join_form(engine: ReadEngineDep, settings: SettingsDep, station: StationParam = None
              ) -> HTMLResponse:
    """A small form to apply from a phone; `?station=<id>` says where it was found. Only
    yizhan and YIZHAN_EMBED_ORIGINS may frame it (a form that asks for an ID number)."""
    note, ask = "", "/request"
    if station is not None:
        with engine.connect() as conn:
            note = _station(station, stations.get(conn, station))
        ask = f"/request?station={station}"
    form = (FORM.replace("{{station}}", note).replace("{{request_link}}", ask)
            .replace("{{messages}}", MESSAGES))
    return HTMLResponse(page("申请入会 · Join the union", form),
                        headers=embedding_headers(settings))


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
