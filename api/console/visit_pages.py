"""Visits, operators' keys, the service circle and siting in the console: the same core as the
JSON API (visits.stats, visits.core, visits.circle, visits.siting); maps drawn on the server as
SVG (no script), each with its numbers in a table."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta
from typing import Annotated

from fastapi import Query, Request
from fastapi.responses import Response
from sqlalchemy import Engine

from api.console.common import back_to, not_found, router, show, today, union_name, zone
from api.console.render import Page
from api.console.session import PageSession, PostedForm, Session
from api.deps import EngineDep, ReadEngineDep, SecretKeyDep, SettingsDep
from api.routers.applications import PRIVATE
from geo.h3index import cell_polygon
from geo.hours import DAY_WORDS
from officers import audit
from visits import circle, core, siting, stats
from visits.circle import Mode
from yizhan.settings import Settings

MAP_W, MAP_H = 600.0, 400.0


def project(points: list[tuple[float, float]], pad: float = 16) -> list[tuple[float, float]]:
    """Lon/lat to SVG x/y in a MAP_W × MAP_H box (north up, equal scale at the mean latitude)."""
    if not points:
        return []
    lons, lats = [p[0] for p in points], [p[1] for p in points]
    k = math.cos(math.radians(sum(lats) / len(lats)))
    w = max((max(lons) - min(lons)) * k, 1e-9)
    h = max(max(lats) - min(lats), 1e-9)
    scale = min((MAP_W - 2 * pad) / w, (MAP_H - 2 * pad) / h)
    return [(pad + (lon - min(lons)) * k * scale, MAP_H - pad - (lat - min(lats)) * scale)
            for lon, lat in points]


def _span(first: str | None, last: str | None, settings: Settings) -> stats.Span | str:
    try:
        return stats.Span.of(date.fromisoformat(first) if first else None,
                             date.fromisoformat(last) if last else None, settings.timezone)
    except ValueError:
        return "visits.bad_span"


DayParam = Annotated[str | None, Query(max_length=10)]


@router.get("/visits")
def visits_page(request: Request, engine: ReadEngineDep, settings: SettingsDep, s: PageSession,
                first: Annotated[str | None, Query(alias="from", max_length=10)] = None,
                last: Annotated[str | None, Query(alias="to", max_length=10)] = None
                ) -> Response:
    p = Page(request, s, zone(settings))
    span = _span(first, last, settings)
    error = p.t(span) if isinstance(span, str) else None
    if isinstance(span, str):
        span = stats.Span.of(None, None, settings.timezone)
    with engine.connect() as conn:
        body = stats.summary(conn, s.officer.jurisdiction, span)
        union = union_name(conn, s, p.lang)
    top = max((d["visits"] for d in body["by_day"]), default=0) or 1
    cells = body["cells"]["visits"]
    corners = [[(lon, lat) for lon, lat in cell_polygon(c["cell"])["coordinates"][0]]
               for c in cells]
    flat = project([pt for ring in corners for pt in ring])
    shapes, k = {}, 0
    for c, ring in zip(cells, corners, strict=True):
        shapes[c["cell"]] = " ".join(f"{x:.1f},{y:.1f}" for x, y in flat[k:k + len(ring)])
        k += len(ring)
    return show(request, s, settings, "visits.html", 422 if error else 200, union_name=union,
                v=body, top=top, error=error, weekdays=DAY_WORDS[p.lang], cell_shapes=shapes,
                cell_top=max((c["visits"] for c in cells), default=0) or 1,
                first=span.first.isoformat(), last=span.last.isoformat())


@router.get("/visits.csv")
def visits_csv(request: Request, engine: ReadEngineDep, settings: SettingsDep, s: PageSession,
               first: Annotated[str | None, Query(alias="from", max_length=10)] = None,
               last: Annotated[str | None, Query(alias="to", max_length=10)] = None) -> Response:
    span = _span(first, last, settings)
    if isinstance(span, str):
        span = stats.Span.of(None, None, settings.timezone)
    with engine.connect() as conn:
        body = stats.csv_rows(conn, s.officer.jurisdiction, span)
    return Response(body, media_type="text/csv; charset=utf-8", headers=PRIVATE | {
        "Content-Disposition": 'attachment; filename="visits.csv"'})


def _keys_page(request: Request, engine: Engine, settings: Settings, s: Session,
               status: int = 200, new_key: str | None = None, error: str | None = None,
               operator: str = "", done: str | None = None) -> Response:
    p = Page(request, s, zone(settings))
    with engine.connect() as conn:
        keys = core.keys(conn, s.officer.jurisdiction)
        union = union_name(conn, s, p.lang)
    return show(request, s, settings, "operator_keys.html", status, union_name=union, keys=keys,
                new_key=new_key, error=error, operator=operator, done=done)


@router.get("/operator-keys")
def keys_page(request: Request, engine: ReadEngineDep, settings: SettingsDep, s: PageSession,
              done: Annotated[str | None, Query(max_length=20)] = None) -> Response:
    p = Page(request, s, zone(settings))
    return _keys_page(request, engine, settings, s,
                      done=p.t("keys.revoked") if done == "revoke" else None)


@router.post("/operator-keys")
def create_key(request: Request, engine: EngineDep, settings: SettingsDep, secret: SecretKeyDep,
               posted: PostedForm) -> Response:
    s = posted.session
    p = Page(request, s, zone(settings))
    operator = (posted.form.get("operator") or "").strip()
    if not operator or len(operator) > 200:
        return _keys_page(request, engine, settings, s, 422, error=p.t("keys.need_operator"),
                          operator=operator[:200])
    if s.officer.union_id is None:
        return _keys_page(request, engine, settings, s, 422, error=p.t("keys.admin"),
                          operator=operator)
    with engine.begin() as conn:
        record, key = core.create_key(conn, secret, operator, s.officer.union_id,
                                      s.officer.username)
        audit.record(conn, s.actor, "create", "operator_key", record.id, record.union_id,
                     {"operator": record.operator})
    response = _keys_page(request, engine, settings, s, 201, new_key=key)
    response.headers.update(PRIVATE)
    return response


@router.post("/operator-keys/{key_id:int}/revoke")
def revoke_key(request: Request, engine: EngineDep, settings: SettingsDep, posted: PostedForm,
               key_id: int) -> Response:
    s = posted.session
    with engine.begin() as conn:
        record = core.revoke_key(conn, key_id, s.officer.jurisdiction, s.officer.username,
                                 datetime.now(UTC))
        if record is None:
            return not_found(request, s, settings, "")
        audit.record(conn, s.actor, "revoke", "operator_key", key_id, record.union_id)
    return back_to(request, "/console/operator-keys", done="revoke")


ModeParam = Annotated[Mode, Query()]
MinutesParam = Annotated[int, Query(ge=1, le=60)]


def _reach(settings: Settings, mode: Mode, minutes: int) -> circle.Reach:
    return circle.reach(mode, minutes, settings.ebike_kmh, settings.detour_factor)


@router.get("/service-circle")
def circle_page(request: Request, engine: ReadEngineDep, settings: SettingsDep, s: PageSession,
                mode: ModeParam = Mode.WALK, minutes: MinutesParam = 15) -> Response:
    p = Page(request, s, zone(settings))
    r = _reach(settings, mode, minutes)
    with engine.connect() as conn:
        union = union_name(conn, s, p.lang)
        if s.officer.union_id is None:
            return show(request, s, settings, "message.html", 200, union_name=union,
                        heading=p.t("circle.title"), text=p.t("circle.admin"))
        day = circle.working_day(today(settings), settings.timezone, settings.holiday_country)
        body = circle.service_circle(conn, s.officer.union_id, r, day, settings.timezone,
                                     settings.holiday_country)
        far = circle.out_of_reach(conn, s.officer.union_id, r)
    spots = project([(w["lon"], w["lat"]) for w in far])
    rows = {what: [(union, body[what])] + [(c["name"], c[what]) for c in body["children"]]
            for what in ("workplaces", "members")}
    return show(request, s, settings, "service_circle.html", union_name=union, c=body, far=far,
                spots=spots, rows=rows, mode=mode.value, minutes=minutes, n=None,
                ebike_kmh=f"{settings.ebike_kmh:g}")


@router.get("/siting")
def siting_page(request: Request, engine: ReadEngineDep, settings: SettingsDep, s: PageSession,
                mode: ModeParam = Mode.WALK, minutes: MinutesParam = 15,
                n: Annotated[int, Query(ge=1, le=siting.MAX_N)] = 10) -> Response:
    p = Page(request, s, zone(settings))
    r = _reach(settings, mode, minutes)
    with engine.connect() as conn:
        union = union_name(conn, s, p.lang)
        if s.officer.union_id is None:
            return show(request, s, settings, "message.html", 200, union_name=union,
                        heading=p.t("siting.title"), text=p.t("circle.admin"))
        try:
            candidates = siting.cell_candidates(conn, s.officer.union_id)
        except ValueError:
            return show(request, s, settings, "message.html", 422, union_name=union,
                        heading=p.t("siting.title"), text=p.t("siting.too_big"))
        inst = siting.instance(conn, s.officer.union_id, candidates, r.metres,
                               datetime.now(UTC) - timedelta(days=siting.RATE_DAYS))
        far = circle.out_of_reach(conn, s.officer.union_id, r)
    body = siting.suggest(inst, n)
    xy = project([(w["lon"], w["lat"]) for w in far] + [(q["lon"], q["lat"])
                                                       for q in body["picks"]])
    return show(request, s, settings, "siting.html", union_name=union, sit=body,
                far_xy=xy[:len(far)], pick_xy=xy[len(far):], mode=mode.value, minutes=minutes,
                n=n, reach_m=round(r.metres), ebike_kmh=f"{settings.ebike_kmh:g}")
