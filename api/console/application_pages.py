"""The console's home (what needs doing today), the applications queue, one application and the
actions on it: each calls officers.casework, as the JSON API does."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated

from fastapi import Query, Request
from fastapi.responses import Response
from sqlalchemy import Connection

from api.console import request_pages
from api.console import session as sessions
from api.console.common import (
    back_to,
    no_such_page,
    not_found,
    router,
    show,
    storable,
    today,
    union_name,
    zone,
)
from api.console.render import Page
from api.console.session import PageSession, PostedForm
from api.deps import EngineDep, SecretKeyDep, SettingsDep
from geo import stations, unions
from geo.vocab import StationStatus
from membership import applications, members
from membership.applications import ApplicationRecord, WrongState
from membership.vocab import ApplicationStatus, OccupationGroup
from membership.worker_requests import stats as request_stats
from officers import casework, dashboard, reports, requestwork
from officers.casework import Action, NoSuchUnion, forward_targets
from yizhan.settings import Settings

HOME_APPLICATIONS = 10
PAGE_SIZE = 50
MAX_TEXT = 500


@router.get("")
def home(request: Request, engine: EngineDep, settings: SettingsDep, s: PageSession) -> Response:
    day = today(settings)
    stale_before = datetime.now(UTC) - timedelta(days=settings.stale_after_days)
    within = s.officer.jurisdiction
    with engine.begin() as conn:  # the list of applications is audited, as through the API
        open_total, apps = casework.queue(conn, s.officer, s.actor, day, open_only=True,
                                          by_deadline=True, limit=HOME_APPLICATIONS)
        counts = dashboard.counts(conn, within, day, stale_before)
        _, open_reports = reports.search(conn, within, resolved=False, limit=5)
        stale_total, stale = stations.search(conn, statuses=[StationStatus.OPERATIONAL],
                                             within=within, stale_before=stale_before, limit=5)
        open_requests, waiting = requestwork.queue(conn, s.officer, s.actor, day,
                                                   settings.deadlines(), open_only=True,
                                                   limit=HOME_APPLICATIONS)
        request_counts = request_stats.counts(conn, within, day)
        union = union_name(conn, s, Page(request, s, zone(settings)).lang)
        held_by = request_pages.holders(conn, waiting)
    return show(request, s, settings, "home.html", union_name=union, apps=apps, today=day,
                open_total=open_total, counts=counts, reports=open_reports, stale=stale,
                stale_total=stale_total,
                stale_days=settings.stale_after_days, requests=waiting, holders=held_by,
                open_requests=open_requests, request_counts=request_counts)


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


@router.get("/applications")
def queue(request: Request, engine: EngineDep, settings: SettingsDep, s: PageSession,
          status: Annotated[str | None, Query(max_length=20)] = None,
          group: Annotated[str | None, Query(max_length=30)] = None,
          overdue: Annotated[str | None, Query(max_length=5)] = None,
          from_: Annotated[str | None, Query(alias="from", max_length=20)] = None,
          to: Annotated[str | None, Query(max_length=20)] = None,
          page: Annotated[int, Query(ge=0, le=100_000)] = 0,
          done: Annotated[str | None, Query(max_length=20)] = None) -> Response:
    """Filters that cannot be used are said next to their field; the rest still apply."""
    p = Page(request, s, zone(settings))
    errors: dict[str, str] = {}
    dates: dict[str, date | None] = {}
    for name, value in (("from", from_), ("to", to)):
        try:
            dates[name] = _day(value)
        except ValueError:
            errors[name], dates[name] = p.t("queue.bad_date"), None
    if dates["from"] and dates["to"] and dates["from"] > dates["to"]:
        errors["to"], dates["to"] = p.t("queue.bad_range"), None
    the_status = ApplicationStatus(status) if status in set(ApplicationStatus) else None
    the_group = OccupationGroup(group) if group in set(OccupationGroup) else None
    tz = zone(settings)
    day = today(settings)
    start = datetime.combine(dates["from"], time(), tz) if dates["from"] else None
    end = datetime.combine(dates["to"] + timedelta(days=1), time(), tz) if dates["to"] else None
    with engine.begin() as conn:
        total, apps = casework.queue(
            conn, s.officer, s.actor, day, status=the_status, overdue=True if overdue else None,
            group=the_group, open_only=status == "open", submitted_from=start, submitted_to=end,
            by_deadline=True, limit=PAGE_SIZE, offset=page * PAGE_SIZE)
        union = union_name(conn, s, p.lang)
    filters = {"status": status or "", "group": group or "", "overdue": "1" if overdue else "",
               "from": from_ or "", "to": to or ""}
    return show(request, s, settings, "queue.html", 422 if errors else 200, union_name=union,
                apps=apps, total=total, today=day, f=filters, errors=errors,
                done=p.t("done.forward") if done == "forward" else None,
                statuses=[v.value for v in ApplicationStatus],
                groups=[g.value for g in OccupationGroup],
                previous=page - 1 if page > 0 else None,
                next=page + 1 if (page + 1) * PAGE_SIZE < total else None)


def _application_page(request: Request, conn: Connection, settings: Settings,
                      s: sessions.Session, app: ApplicationRecord, events: list[dict[str, object]],
                      *, status: int = 200, errors: dict[str, str] | None = None,
                      kept: dict[str, str] | None = None, restored: bool = False,
                      done: str | None = None) -> Response:
    union = unions.get(conn, app.union_id)
    assert union is not None
    ids = {e[k] for e in events for k in ("from_union_id", "to_union_id") if e[k] is not None}
    names = {i: u.name for i, u in unions.records(conn, sorted(ids)).items()}  # type: ignore[arg-type]
    member = members.get(conn, app.member_id) if app.member_id else None
    p = Page(request, s, zone(settings))
    map_union = union.parent_id or union.id
    return show(request, s, settings, "application.html", status,
                union_name=union_name(conn, s, p.lang), app=app, union=union, events=events,
                union_names=names, due=p.contact_due(today(settings), app.deadline, app.contacted_at),
                targets=forward_targets(conn, union), errors=errors or {}, kept=kept or {},
                restored=restored, done=done, back=f"/console/applications/{app.id}",
                member_no=member.member_no if member else None,
                map_url=p.url(f"/maps/unions/{map_union}"))


@router.get("/applications/{application_id:int}")
def application(request: Request, engine: EngineDep, settings: SettingsDep,
                secret: SecretKeyDep, s: PageSession, application_id: int,
                done: Annotated[str | None, Query(max_length=20)] = None,
                to: Annotated[str | None, Query(max_length=200)] = None) -> Response:
    p = Page(request, s, zone(settings))
    if not storable(application_id):
        return no_such_page(request, engine, settings, s)
    kept = sessions.kept_fields(request, secret, s.officer.id)
    with engine.begin() as conn:
        found = casework.read(conn, s.officer, s.actor, application_id)
        if found is None:
            return not_found(request, s, settings, union_name(conn, s, p.lang))
        app, events = found
        message = None
        if done == "approve" and app.member_id:
            member = members.get(conn, app.member_id)
            message = p.t("done.approve", member_no=member.member_no if member else "")
        elif done in ("contact", "reject"):
            message = p.t(f"done.{done}")
        elif done == "forward":
            message = p.t("done.forward_kept", union=to or "")
        response = _application_page(request, conn, settings, s, app, events, kept=kept,
                                      restored=bool(kept), done=message)
    sessions.forget_fields(response, request)
    return response


@router.post("/applications/{application_id:int}/{action}")
def act(request: Request, engine: EngineDep, settings: SettingsDep, posted: PostedForm,
        application_id: int, action: str) -> Response:
    """Nothing is written unless the whole action is: a missing reason, an unknown union or an
    application decided meanwhile gives the page back with the message at its form."""
    s, form = posted.session, posted.form
    p = Page(request, s, zone(settings))
    try:
        the_action = Action(action)
    except ValueError:
        return not_found(request, s, settings, "")
    if not storable(application_id):
        return no_such_page(request, engine, settings, s)
    note = form.get("note") or form.get("reason") or ""
    note = note.strip()
    errors: dict[str, str] = {}
    if len(note) > MAX_TEXT:
        errors[the_action.value] = p.t("app.too_long")
    if the_action in (Action.REJECT, Action.FORWARD) and not note:
        errors[the_action.value] = p.t("app.need_reason")
    code = form.get("to_union_code", "").strip()
    if the_action is Action.FORWARD and not code:
        errors["forward_to"] = p.t("app.need_union")
    with engine.begin() as conn:
        if not errors:
            try:
                with conn.begin_nested():
                    changed = casework.act(conn, s.officer, s.actor, application_id, the_action,
                                           note=note or None, to_union_code=code or None)
                if changed is None:
                    return not_found(request, s, settings, union_name(conn, s, p.lang))
                page = f"/console/applications/{application_id}"
                if the_action is not Action.FORWARD:
                    return back_to(request, page, done=the_action.value)
                if not s.officer.jurisdiction.holds(conn, changed.union_id):
                    return back_to(request, "/console/applications", done="forward")
                target = unions.get(conn, changed.union_id)
                return back_to(request, page, done="forward", to=target.name if target else "")
            except NoSuchUnion:
                errors["forward_to"] = p.t("app.no_union")
            except WrongState as exc:
                errors["form"] = _wrong_state(p, conn, application_id, the_action, str(exc))
        found = casework.read(conn, s.officer, s.actor, application_id)
        if found is None:
            return not_found(request, s, settings, union_name(conn, s, p.lang))
        return _application_page(request, conn, settings, s, *found, status=422,
                                 errors=errors, kept=dict(form) | {"form": the_action.value})


def _wrong_state(p: Page, conn: Connection, application_id: int, action: Action,
                 message: str) -> str:
    if "already with that union" in message:
        return p.t("app.same_union")
    app = applications.get(conn, application_id)
    status = p.w("status", app.status) if app else ""
    return p.t("app.wrong_state", status=status, action=p.w("action", action.value))
