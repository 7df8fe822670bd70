"""Workplaces in the console: search the area's workplaces, and correct one's location on the
map, which matches it to its area union again at once (the page shows the new match). The
change goes through officers.workplacework, as PATCH /workplaces does."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query, Request
from fastapi.responses import Response
from pydantic import ValidationError

from api.console.common import back_to, not_found, router, show, union_name, zone
from api.console.render import Page
from api.console.session import PageSession, PostedForm
from api.console.station_pages import map_csp, place_map
from api.deps import EngineDep, ReadEngineDep, SettingsDep
from geo import unions, workplaces
from geo.crs import Crs, from_wgs84
from geo.workplaces import WorkplaceFields
from officers import workplacework
from officers.workplacework import WorkplaceRefused

PAGE_SIZE = 50


@router.get("/workplaces")
def workplace_list(request: Request, engine: ReadEngineDep, settings: SettingsDep,
                   s: PageSession, q: Annotated[str | None, Query(max_length=100)] = None,
                   page: Annotated[int, Query(ge=0, le=100_000)] = 0) -> Response:
    p = Page(request, s, zone(settings))
    with engine.connect() as conn:
        total, rows = workplaces.search(conn, within=s.officer.jurisdiction,
                                        text=(q or "").strip() or None, limit=PAGE_SIZE,
                                        offset=page * PAGE_SIZE)
        ids = {i for w in rows for i in (w.own_union_id, w.matched_union_id) if i}
        names = {i: u.name for i, u in unions.records(conn, sorted(ids)).items()}
        union = union_name(conn, s, p.lang)
    return show(request, s, settings, "workplaces.html", union_name=union, rows=rows,
                total=total, q=q or "", union_names=names,
                next=page + 1 if (page + 1) * PAGE_SIZE < total else None)


def _page(request: Request, conn: Any, settings: Any, s: Any, workplace_id: int, *,
          status: int = 200, errors: dict[str, str] | None = None,
          kept: dict[str, str] | None = None, done: str | None = None) -> Response:
    p = Page(request, s, zone(settings))
    w = workplaces.get(conn, workplace_id, s.officer.jurisdiction)
    if w is None:
        return not_found(request, s, settings, union_name(conn, s, p.lang))
    ids = [i for i in (w.own_union_id, w.matched_union_id) if i]
    names = {i: u.name for i, u in unions.records(conn, ids).items()}
    where = place_map(conn, settings, w.matched_union_id)
    where["lon"], where["lat"] = from_wgs84(w.lon, w.lat, Crs(settings.tiles_crs))
    response = show(request, s, settings, "workplace.html", status,
                    union_name=union_name(conn, s, p.lang), w=w, union_names=names,
                    errors=errors or {}, kept=kept or {}, done=done, map=where)
    response.headers["Content-Security-Policy"] = map_csp(settings)
    return response


@router.get("/workplaces/{workplace_id:int}")
def workplace(request: Request, engine: ReadEngineDep, settings: SettingsDep, s: PageSession,
              workplace_id: int, done: Annotated[str | None, Query(max_length=20)] = None
              ) -> Response:
    p = Page(request, s, zone(settings))
    with engine.connect() as conn:
        return _page(request, conn, settings, s, workplace_id,
                     done=p.t("done.workplace") if done == "moved" else None)


@router.post("/workplaces/{workplace_id:int}/move")
def move(request: Request, engine: EngineDep, settings: SettingsDep, posted: PostedForm,
         workplace_id: int) -> Response:
    s, form = posted.session, posted.form
    p = Page(request, s, zone(settings))
    crs = Crs(form["crs"]) if form.get("crs") in set(Crs) else Crs.WGS84
    errors: dict[str, str] = {}
    try:
        data = WorkplaceFields.model_validate({"lon": form.get("lon") or None,
                                               "lat": form.get("lat") or None})
        if data.lon is None:
            raise ValueError("no point")
    except (ValidationError, ValueError):
        errors["place"] = p.t("station.bad_point")
    with engine.begin() as conn:
        if not errors:
            try:
                with conn.begin_nested():
                    moved = workplacework.save(conn, s.officer, s.actor, workplace_id, data, crs,
                                               "")
                if moved is None:
                    return not_found(request, s, settings, union_name(conn, s, p.lang))
                return back_to(request, f"/console/workplaces/{workplace_id}", done="moved")
            except WorkplaceRefused:
                errors["place"] = p.t("workplace.outside")
        return _page(request, conn, settings, s, workplace_id, status=422, errors=errors,
                     kept=form)
