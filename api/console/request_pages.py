"""Workers' requests in the workbench: the queue, one request with its history, and the actions
on it (acknowledge, a note or an update for the worker, hand over, close). Each calls
officers.requestwork, as the JSON API does."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request
from fastapi.responses import Response
from sqlalchemy import Connection

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
from geo.unions import UnionRecord
from membership.worker_requests import core
from membership.worker_requests.core import RequestRecord
from membership.worker_requests.handling import WrongState
from membership.worker_requests.vocab import Category, Outcome, RequestStatus
from officers import requestwork
from officers.casework import NoSuchUnion, forward_targets
from officers.requestwork import Handling
from yizhan.settings import Settings

PAGE_SIZE = 50
MAX_TEXT = 500


def holders(conn: Connection, found: list[RequestRecord]) -> dict[int, UnionRecord]:
    """The unions the requests are with (handling, and escalated to), by id."""
    ids = {r.union_id for r in found} | {r.escalated_union_id for r in found
                                         if r.escalated_union_id is not None}
    return unions.records(conn, sorted(ids))


@router.get("/requests")
def queue(request: Request, engine: EngineDep, settings: SettingsDep, s: PageSession,
          status: Annotated[str | None, Query(max_length=20)] = None,
          category: Annotated[str | None, Query(max_length=30)] = None,
          overdue: Annotated[str | None, Query(max_length=5)] = None,
          escalated: Annotated[str | None, Query(max_length=5)] = None,
          page: Annotated[int, Query(ge=0, le=100_000)] = 0,
          done: Annotated[str | None, Query(max_length=30)] = None) -> Response:
    """An unknown status or category is no filter, as on the applications queue."""
    p = Page(request, s, zone(settings))
    the_status = RequestStatus(status) if status in set(RequestStatus) else None
    the_category = Category(category) if category in set(Category) else None
    day = today(settings)
    with engine.begin() as conn:
        total, found = requestwork.queue(
            conn, s.officer, s.actor, day, settings.deadlines(), status=the_status,
            category=the_category, overdue=True if overdue else None,
            escalated=True if escalated else None, open_only=status == "open",
            limit=PAGE_SIZE, offset=page * PAGE_SIZE)
        held_by = holders(conn, found)
        union = union_name(conn, s, p.lang)
    filters = {"status": status or "", "category": category or "",
               "overdue": "1" if overdue else "", "escalated": "1" if escalated else ""}
    return show(request, s, settings, "requests.html", union_name=union, requests=found,
                holders=held_by, total=total, today=day, f=filters,
                done=p.t("done.req_hand_over_out") if done == "hand_over_out" else None,
                statuses=[v.value for v in RequestStatus],
                categories=[c.value for c in Category],
                previous=page - 1 if page > 0 else None,
                next=page + 1 if (page + 1) * PAGE_SIZE < total else None)


def _request_page(request: Request, conn: Connection, settings: Settings,
                  s: sessions.Session, req: RequestRecord, *, status: int = 200,
                  errors: dict[str, str] | None = None, kept: dict[str, str] | None = None,
                  restored: bool = False, done: str | None = None) -> Response:
    p = Page(request, s, zone(settings))
    handling_union = unions.get(conn, req.union_id)
    assert handling_union is not None
    station = stations.get(conn, req.station_id) if req.station_id else None
    return show(request, s, settings, "request.html", status,
                union_name=union_name(conn, s, p.lang), req=req, holders=holders(conn, [req]),
                events=core.events(conn, req.id), today=today(settings),
                station_name=station.name if station else None,
                targets=forward_targets(conn, handling_union),
                outcomes=[o.value for o in Outcome], errors=errors or {}, kept=kept or {},
                restored=restored, done=done, back=f"/console/requests/{req.id}")


@router.get("/requests/{request_id:int}")
def one_request(request: Request, engine: EngineDep, settings: SettingsDep,
                secret: SecretKeyDep, s: PageSession, request_id: int,
                done: Annotated[str | None, Query(max_length=20)] = None,
                to: Annotated[str | None, Query(max_length=200)] = None) -> Response:
    p = Page(request, s, zone(settings))
    if not storable(request_id):
        return no_such_page(request, engine, settings, s)
    kept = sessions.kept_fields(request, secret, s.officer.id)
    with engine.begin() as conn:  # the personal data read is audited, as through the API
        req = requestwork.read(conn, s.officer, s.actor, request_id, today(settings),
                               settings.deadlines())
        if req is None:
            return not_found(request, s, settings, union_name(conn, s, p.lang))
        message = None
        if done == "hand_over":
            message = p.t("done.req_hand_over", union=to or "")
        elif done in ("acknowledge", "note", "update", "close"):
            message = p.t(f"done.req_{done}")
        response = _request_page(request, conn, settings, s, req, kept=kept,
                                 restored=bool(kept), done=message)
    sessions.forget_fields(response, request)
    return response


def _checked(p: Page, action: Handling, form: dict[str, str]
             ) -> tuple[dict[str, str], str, bool, Outcome | None]:
    """The form's errors by field, and its text, whether it is for the worker, and outcome."""
    errors: dict[str, str] = {}
    text = (form.get("text") or "").strip()
    field = {Handling.ACKNOWLEDGE: "ack_note", Handling.NOTE: "note_text",
             Handling.HAND_OVER: "hand_reason", Handling.CLOSE: "close_text"}[action]
    if len(text) > MAX_TEXT:
        errors[field] = p.t("request.too_long")
    elif not text and action is not Handling.ACKNOWLEDGE:
        errors[field] = p.t({Handling.NOTE: "request.need_text",
                             Handling.HAND_OVER: "request.need_reason",
                             Handling.CLOSE: "request.need_close_text"}[action])
    kind = form.get("kind", "")
    if action is Handling.NOTE and kind not in ("note", "update"):
        errors["note_kind"] = p.t("request.need_kind")
    outcome = form.get("outcome", "")
    if action is Handling.CLOSE and outcome not in set(Outcome):
        errors["outcome"] = p.t("request.need_outcome")
    return errors, text, kind == "update", Outcome(outcome) if outcome in set(Outcome) else None


@router.post("/requests/{request_id:int}/{action}")
def act(request: Request, engine: EngineDep, settings: SettingsDep, posted: PostedForm,
        request_id: int, action: str) -> Response:
    """Nothing is written unless the whole action is: a missing text, outcome or union, a union
    not in the list, or a request closed meanwhile gives the page back with the message at its
    field (422), or above the forms (409)."""
    s, form = posted.session, posted.form
    p = Page(request, s, zone(settings))
    try:
        the_action = Handling(action)
    except ValueError:
        return not_found(request, s, settings, "")
    if not storable(request_id):
        return no_such_page(request, engine, settings, s)
    errors, text, to_worker, outcome = _checked(p, the_action, form)
    day, deadlines = today(settings), settings.deadlines()
    with engine.begin() as conn:
        req = core.get(conn, request_id, within=s.officer.jurisdiction)
        if req is None:
            return not_found(request, s, settings, union_name(conn, s, p.lang))
        target = None
        if the_action is Handling.HAND_OVER:
            handling_union = unions.get(conn, req.union_id)
            assert handling_union is not None
            code = form.get("to_union_code", "").strip()
            target = next((u for _, u in forward_targets(conn, handling_union)
                           if u.code == code), None)
            if target is None:
                errors["hand_to"] = p.t("request.need_union")
        status = 422
        if not req.is_open:  # closed meanwhile: said above the forms, whatever was filled in
            errors = {"form": _wrong_state(p, req, the_action)}
            status = 409
        if not errors:
            try:
                with conn.begin_nested():
                    changed = requestwork.act(
                        conn, s.officer, s.actor, request_id, the_action, day, deadlines,
                        text=text or None, to_worker=to_worker,
                        to_union_id=target.id if target else None, outcome=outcome)
                if changed is None:
                    return not_found(request, s, settings, union_name(conn, s, p.lang))
                page = f"/console/requests/{request_id}"
                if target is None:
                    done = "update" if to_worker else the_action.value
                    return back_to(request, page, done=done)
                if not s.officer.jurisdiction.holds(conn, changed.union_id):
                    return back_to(request, "/console/requests", done="hand_over_out")
                return back_to(request, page, done="hand_over", to=target.name)
            except NoSuchUnion:
                errors["hand_to"] = p.t("request.need_union")
            except WrongState as exc:  # changed meanwhile: said as it stands now
                now = core.get(conn, request_id) or req
                errors["form"], status = _wrong_state(p, now, the_action, str(exc)), 409
        shown = requestwork.read(conn, s.officer, s.actor, request_id, day, deadlines)
        if shown is None:
            return not_found(request, s, settings, union_name(conn, s, p.lang))
        return _request_page(request, conn, settings, s, shown, status=status, errors=errors,
                             kept=dict(form) | {"form": the_action.value})


def _wrong_state(p: Page, req: RequestRecord, action: Handling, message: str = "") -> str:
    if "already with that union" in message:
        return p.t("request.same_union")
    if "acknowledged already" in message:
        return p.t("request.already_ack")
    return p.t("request.wrong_state", outcome=p.w("outcome", req.outcome or ""),
               action=p.w("request_action", action.value))
