"""Stations in the console: the list with what needs checking, adding one on the map, editing
hours (with a preview of the week and of "open now") and amenities, verifying on site, retiring,
and the printable door poster with the join QR code. Writes go through officers.stationwork,
as the JSON API's do."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any
from urllib.parse import urlparse

import segno
from fastapi import Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import ValidationError
from sqlalchemy import Connection, func, text

from api.console.common import back_to, not_found, router, show, union_name, zone
from api.console.render import CSP, Page
from api.console.session import PageSession, Posted, PostedForm
from api.deps import EngineDep, ReadEngineDep, SettingsDep, generated_external_id, public_base
from geo import hours, stations
from geo.crs import Crs, from_wgs84
from geo.station_data import NewStation, StationFields
from geo.stations import StationRecord
from geo.vocab import Amenity, StationStatus
from officers import reports, stationwork
from officers.stationwork import Outside
from yizhan.settings import Settings

PAGE_SIZE = 50
TEXT_FIELDS = ("name", "address", "opening_hours", "phone", "operator")
EDITABLE_STATUSES = [StationStatus.OPERATIONAL, StationStatus.TEMPORARILY_CLOSED,
                     StationStatus.PLANNED]
QUIET_ZONE = 4  # modules of white around the QR code, as ISO/IEC 18004 asks


def map_csp(settings: Settings) -> str:
    """The console's policy, with the map tiles' host allowed as an image source."""
    tiles = urlparse(settings.tiles_url.replace("{s}", "x"))
    host = tiles.netloc.replace("x.", "*.", 1) if "{s}." in settings.tiles_url else tiles.netloc
    return CSP.replace("img-src 'self' data:", f"img-src 'self' data: {tiles.scheme}://{host}")


def place_map(conn: Connection, settings: Settings, union_id: int | None) -> dict[str, Any]:
    """The map's tiles, centred on a point of the officer's union's area (in the tiles' system)."""
    point = conn.execute(text("SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(area) AS p "
                              "FROM unions WHERE id = :id AND area IS NOT NULL) a"),
                         {"id": union_id}).first() if union_id else None
    lon, lat = from_wgs84(point[0], point[1], Crs(settings.tiles_crs)) if point else (None, None)
    return {"tiles": settings.tiles_url, "subdomains": settings.tiles_subdomains,
            "attribution": settings.tiles_attribution, "crs": settings.tiles_crs,
            "lon": lon, "lat": lat}


def preview(p: Page, expression: str | None, settings: Settings, timezone: str
            ) -> dict[str, Any]:
    """The week and "open now" of an hours expression, in words; or why it cannot be read."""
    if not expression or not expression.strip():
        return {"ok": True, "now": p.t("station.no_hours"), "days": []}
    now = datetime.now(UTC)
    try:
        week = hours.week(expression.strip(), now, timezone, settings.holiday_country)
        state = hours.open_at(expression.strip(), now, timezone, settings.holiday_country)
    except hours.HoursError as exc:
        at = re.search(r"at character (\d+)", str(exc))
        return {"ok": False, "message": p.t("station.bad_hours", at=at.group(1) if at else 1)}
    days = []
    for begin, spans, unknown in week:
        text = ", ".join(f"{a:%H:%M}–{'24:00' if b.date() > begin.date() else f'{b:%H:%M}'}"
                         for a, b in spans)
        if not text:
            text = p.t("station.unknown_day" if unknown else "station.closed_day")
        days.append({"label": begin.strftime("%m-%d ") + _weekday(p, begin), "text": text})
    now_text = {True: "station.open_now", False: "station.closed_now",
                None: "station.unknown_now"}[state]
    return {"ok": True, "now": p.t(now_text), "days": days}


def _weekday(p: Page, day: datetime) -> str:
    return ("周一 周二 周三 周四 周五 周六 周日" if p.lang == "zh"
            else "Mon Tue Wed Thu Fri Sat Sun").split()[day.weekday()]


def _errors(p: Page, exc: ValidationError) -> dict[str, str]:
    found: dict[str, str] = {}
    for error in exc.errors():
        field = str(error["loc"][0]) if error["loc"] else "place"
        if field in ("lon", "lat", "place"):
            found["place"] = p.t("station.bad_point")
        elif field == "name":
            found["name"] = p.t("station.bad_name")
        elif field == "opening_hours":
            at = re.search(r"at character (\d+)", str(error.get("msg", "")))
            found["opening_hours"] = p.t("station.bad_hours", at=at.group(1) if at else 1)
        elif field == "phone":
            found["phone"] = p.t("station.bad_phone")
        else:
            found[field] = p.t("station.bad_text", n=500 if field == "address" else 200)
    return found


def _fields(posted: Posted, *, with_point: bool) -> dict[str, Any]:
    form = posted.form
    data: dict[str, Any] = {k: (form.get(k) or "").strip() or None for k in TEXT_FIELDS}
    data["amenities"] = [a for a in posted.lists.get("amenity", []) if a in set(Amenity)]
    if form.get("status") in {s.value for s in EDITABLE_STATUSES}:
        data["status"] = form["status"]
    if with_point:
        for axis in ("lon", "lat"):
            try:
                data[axis] = float(form.get(axis, "").strip())
            except ValueError:
                data[axis] = None
    return data


def _crs(posted: Posted) -> Crs:
    value = posted.form.get("crs", "wgs84")
    return Crs(value) if value in set(Crs) else Crs.WGS84


@router.get("/stations")
def station_list(request: Request, engine: ReadEngineDep, settings: SettingsDep,
                 s: PageSession, stale: Annotated[str | None, Query(max_length=5)] = None,
                 page: Annotated[int, Query(ge=0, le=100_000)] = 0) -> Response:
    stale_before = datetime.now(UTC) - timedelta(days=settings.stale_after_days)
    statuses: list[StationStatus] = [st for st in StationStatus if st is not StationStatus.REMOVED]
    with engine.connect() as conn:
        total, rows = stations.search(
            conn, statuses=[StationStatus.OPERATIONAL] if stale else statuses,
            within=s.officer.jurisdiction, stale_before=stale_before if stale else None,
            limit=PAGE_SIZE, offset=page * PAGE_SIZE)
        open_reports = reports.open_counts(conn, [r.id for r in rows])
        union = union_name(conn, s, Page(request, s, zone(settings)).lang)
    return show(request, s, settings, "stations.html", union_name=union, stations=rows,
                total=total, open_reports=open_reports, stale=bool(stale),
                stale_before=stale_before, page=page,
                next=page + 1 if (page + 1) * PAGE_SIZE < total else None)


@router.get("/stations/new")
def new_station_form(request: Request, engine: ReadEngineDep, settings: SettingsDep,
                     s: PageSession) -> Response:
    with engine.connect() as conn:
        union = union_name(conn, s, Page(request, s, zone(settings)).lang)
        where = place_map(conn, settings, s.officer.union_id)
    response = show(request, s, settings, "station_new.html", union_name=union, errors={},
                    kept={}, amenities=[a.value for a in Amenity], map=where)
    response.headers["Content-Security-Policy"] = map_csp(settings)
    return response


@router.post("/stations/new")
def create_station(request: Request, engine: EngineDep, settings: SettingsDep,
                   posted: PostedForm) -> Response:
    s = posted.session
    p = Page(request, s, zone(settings))
    data = _fields(posted, with_point=True)
    errors: dict[str, str] = {}
    try:
        body = NewStation.model_validate({k: v for k, v in data.items() if v is not None})
    except ValidationError as exc:
        errors = _errors(p, exc)
    if not errors:
        columns = body.columns(_crs(posted), only_set=False)
        columns["external_id"] = generated_external_id()
        try:
            with engine.begin() as conn:
                station = stationwork.create(conn, s.actor, s.officer, columns)
            return back_to(request, f"/console/stations/{station.id}", done="station_create")
        except Outside:
            errors["place"] = p.t("station.outside")
    with engine.connect() as conn:
        union = union_name(conn, s, p.lang)
        where = place_map(conn, settings, s.officer.union_id)
    response = show(request, s, settings, "station_new.html", 422, union_name=union,
                    errors=errors, kept=posted.form | {"amenity": posted.lists.get("amenity", [])},
                    amenities=[a.value for a in Amenity], map=where)
    response.headers["Content-Security-Policy"] = map_csp(settings)
    return response


def _station_page(request: Request, settings: Settings, s: Any, station: StationRecord,
                  union: str, *, status: int = 200, errors: dict[str, str] | None = None,
                  kept: dict[str, Any] | None = None, done: str | None = None) -> Response:
    p = Page(request, s, zone(settings))
    stale_before = datetime.now(UTC) - timedelta(days=settings.stale_after_days)
    shown_hours = (kept or {}).get("opening_hours", station.opening_hours)
    return show(request, s, settings, "station.html", status, union_name=union, st=station,
                errors=errors or {}, kept=kept, done=done,
                amenities=[a.value for a in Amenity], statuses=[x.value for x in EDITABLE_STATUSES],
                stale=station.is_stale(stale_before),
                preview=preview(p, shown_hours, settings, station.timezone))


@router.get("/stations/{station_id:int}")
def station_page(request: Request, engine: ReadEngineDep, settings: SettingsDep,
                 s: PageSession, station_id: int,
                 done: Annotated[str | None, Query(max_length=30)] = None) -> Response:
    p = Page(request, s, zone(settings))
    with engine.connect() as conn:
        station = stations.get(conn, station_id, s.officer.jurisdiction)
        union = union_name(conn, s, p.lang)
    if station is None:
        return not_found(request, s, settings, union)
    message = p.t(f"done.{done}") if done in ("station_create", "station_edit",
                                              "station_verify", "station_retire") else None
    return _station_page(request, settings, s, station, union, done=message)


@router.get("/hours-preview")
def hours_preview(request: Request, settings: SettingsDep, s: PageSession,
                  opening_hours: Annotated[str, Query(max_length=500)] = "",
                  timezone: Annotated[str, Query(max_length=64)] = "Asia/Shanghai") -> Response:
    """The week and "open now" of what is typed in the hours field, for the live preview."""
    p = Page(request, s, zone(settings))
    try:
        hours.zone(timezone)
    except hours.HoursError:
        timezone = settings.timezone
    return JSONResponse(preview(p, opening_hours, settings, timezone),
                        headers={"Cache-Control": "no-store"})


@router.post("/stations/{station_id:int}/{action}")
def station_action(request: Request, engine: EngineDep, settings: SettingsDep,
                   posted: PostedForm, station_id: int, action: str) -> Response:
    s = posted.session
    p = Page(request, s, zone(settings))
    columns: dict[str, Any]
    errors: dict[str, str] = {}
    if action == "edit":
        data = _fields(posted, with_point=False)
        try:
            columns = StationFields.model_validate(data).columns(Crs.WGS84)
        except ValidationError as exc:
            errors = _errors(p, exc)
    elif action == "verify":
        columns = {"last_verified_at": func.now()}
    elif action == "retire":
        columns = {"status": StationStatus.REMOVED.value}
    else:
        return not_found(request, s, settings, "")
    if not errors:
        with engine.begin() as conn:
            station = stationwork.change(conn, s.actor, s.officer, action if action != "edit"
                                         else "update", station_id, columns)
        if station is None:
            return not_found(request, s, settings, "")
        return back_to(request, f"/console/stations/{station_id}", done=f"station_{action}")
    with engine.connect() as conn:
        found = stations.get(conn, station_id, s.officer.jurisdiction)
        union = union_name(conn, s, p.lang)
    if found is None:
        return not_found(request, s, settings, union)
    return _station_page(request, settings, s, found, union, status=422, errors=errors,
                         kept=posted.form | {"amenity": posted.lists.get("amenity", [])})


@router.get("/stations/{station_id:int}/poster")
def poster(request: Request, engine: ReadEngineDep, settings: SettingsDep, s: PageSession,
           station_id: int, size: Annotated[str, Query(pattern="^(a4|a5)$")] = "a4") -> Response:
    """A page to print for the station's door (A4 or A5): name, address, hours and the join QR
    code, with its quiet zone of four modules."""
    p = Page(request, s, zone(settings))
    with engine.connect() as conn:
        station = stations.get(conn, station_id, s.officer.jurisdiction)
    if station is None:
        return not_found(request, s, settings, "")
    link = f"{public_base(request, settings)}/join?station={station.id}"
    svg = io.BytesIO()
    segno.make(link, error="m").save(svg, kind="svg", border=QUIET_ZONE, xmldecl=False,
                                     svgns=True, title=p.t("poster.join"), unit="mm",
                                     scale=1.4 if size == "a5" else 2)
    return show(request, s, settings, "poster.html", st=station, size=size, link=link,
                qr=svg.getvalue().decode())
