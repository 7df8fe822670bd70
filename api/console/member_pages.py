"""Members in the console: search by name, member number or phone (masked in the list), one
member with the history of their memberships, and transfers (a new workplace placed on the map,
or left the job). Each step goes through officers.memberwork, as the JSON API's do."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query, Request
from fastapi.responses import Response
from pydantic import ValidationError

from api.console.common import back_to, not_found, router, show, union_name, zone
from api.console.render import Page
from api.console.session import PageSession, PostedForm
from api.console.station_pages import map_csp, place_map
from api.deps import EngineDep, SettingsDep
from geo import unions
from geo.crs import Crs
from membership.routing import NotRoutable, WorkplaceGiven
from membership.vocab import MemberStatus
from officers import memberwork

PAGE_SIZE = 50


@router.get("/members")
def member_list(request: Request, engine: EngineDep, settings: SettingsDep, s: PageSession,
                q: Annotated[str | None, Query(max_length=100)] = None,
                status: Annotated[str | None, Query(max_length=20)] = None,
                page: Annotated[int, Query(ge=0, le=100_000)] = 0,
                done: Annotated[str | None, Query(max_length=20)] = None) -> Response:
    p = Page(request, s, zone(settings))
    the_status = MemberStatus(status) if status in set(MemberStatus) else None
    text = (q or "").strip() or None
    with engine.begin() as conn:  # the list is audited, as through the API
        total, rows = memberwork.listing(conn, s.officer, s.actor, status=the_status, text=text,
                                         limit=PAGE_SIZE, offset=page * PAGE_SIZE)
        names = {i: u.name for i, u in unions.records(conn, sorted({m.union_id for m in rows}))
                 .items()}
        union = union_name(conn, s, p.lang)
    return show(request, s, settings, "members.html", union_name=union, members=rows,
                total=total, q=q or "", chosen=status or "", union_names=names,
                statuses=[m.value for m in MemberStatus], page=page,
                done=p.t("done.transfer_out") if done == "transfer_out" else None,
                next=page + 1 if (page + 1) * PAGE_SIZE < total else None)


def _member_page(request: Request, conn: Any, settings: Any, s: Any, member_id: int, *,
                 status: int = 200, errors: dict[str, str] | None = None,
                 kept: dict[str, str] | None = None, done: str | None = None) -> Response:
    p = Page(request, s, zone(settings))
    found = memberwork.read(conn, s.officer, s.actor, member_id)
    if found is None:
        return not_found(request, s, settings, union_name(conn, s, p.lang))
    m, history = found
    names = {i: u.name for i, u in unions.records(
        conn, sorted({h["union_id"] for h in history} | {m.union_id})).items()}
    response = show(request, s, settings, "member.html", status,
                    union_name=union_name(conn, s, p.lang), m=m, history=history,
                    union_names=names, errors=errors or {}, kept=kept or {}, done=done,
                    map=place_map(conn, settings, m.union_id))
    response.headers["Content-Security-Policy"] = map_csp(settings)
    return response


@router.get("/members/{member_id:int}")
def member(request: Request, engine: EngineDep, settings: SettingsDep, s: PageSession,
           member_id: int, done: Annotated[str | None, Query(max_length=20)] = None,
           to: Annotated[str | None, Query(max_length=200)] = None) -> Response:
    p = Page(request, s, zone(settings))
    message = p.t("done.transfer", union=to or "") if done == "transfer" else None
    with engine.begin() as conn:
        return _member_page(request, conn, settings, s, member_id, done=message)


@router.post("/members/{member_id:int}/transfer")
def transfer(request: Request, engine: EngineDep, settings: SettingsDep, posted: PostedForm,
             member_id: int) -> Response:
    s, form = posted.session, posted.form
    p = Page(request, s, zone(settings))
    errors: dict[str, str] = {}
    given: WorkplaceGiven | None = None
    choice = form.get("move")
    crs = Crs(form["crs"]) if form.get("crs") in set(Crs) else Crs.WGS84
    if choice == "new_job":
        try:
            given = WorkplaceGiven.model_validate({
                "name": form.get("workplace_name", ""), "lon": form.get("lon") or None,
                "lat": form.get("lat") or None})
        except ValidationError as exc:
            for error in exc.errors():
                field = error["loc"][0] if error["loc"] else "place"
                errors["workplace_name" if field == "name" else "place"] = \
                    p.t("member.need_workplace") if field == "name" else p.t("station.bad_point")
    elif choice != "left_job":
        errors["move"] = p.t("member.need_choice")
    with engine.begin() as conn:
        if not errors:
            try:
                with conn.begin_nested():
                    moved = memberwork.transfer(conn, s.officer, s.actor, member_id,
                                                left_job=choice == "left_job", workplace=given,
                                                crs=crs)
                if moved is None:
                    return not_found(request, s, settings, union_name(conn, s, p.lang))
                target = unions.get(conn, moved.union_id)
                if s.officer.jurisdiction.holds(conn, moved.union_id):
                    return back_to(request, f"/console/members/{member_id}", done="transfer",
                                   to=target.name if target else "")
                return back_to(request, "/console/members", done="transfer_out")
            except NotRoutable:
                errors["place"] = p.t("member.not_routable")
        return _member_page(request, conn, settings, s, member_id, status=422, errors=errors,
                            kept=form)
