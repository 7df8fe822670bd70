"""Workers' requests (维权 and 诉求): a worker submits one (public, with or without a phone); the
worker follows it with the secret status link; the officers of the routed union's jurisdiction
handle it, and the unions above see it once it is escalated. Every read of personal data and
every change is audited; an anonymous worker's address is never kept."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Body, Depends, Path, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Connection, Engine

from api.auth import ActorDep, OfficerDep, optional_officer, public_actor
from api.client_limits import count_client, limit_client, refuse_cross_site
from api.deps import EngineDep, PageLimit, PageOffset, SecretKeyDep, SettingsDep, public_base
from api.errors import ApiError, NotFound
from api.geojson import geojson_response, json_response
from api.html import Lang
from api.request_pages import worker_response
from api.routers.applications import PRIVATE, IdempotencyKeyHeader, today
from api.routers.officer import GapRes
from api.routers.unions import brief
from geo import unions
from geo.station_data import Text500
from membership import identity
from membership.routing import NotRoutable
from membership.worker_requests import core, handling, stats
from membership.worker_requests.core import (
    IdempotencyConflict,
    NewRequest,
    RequestRecord,
    RequestRefused,
)
from membership.worker_requests.escalation import escalate_due
from membership.worker_requests.handling import FeedbackRefused, WrongState
from membership.worker_requests.vocab import WORKER_ACTIONS, Category, Outcome, RequestStatus
from officers import audit, requestwork
from officers.accounts import OfficerRecord
from officers.audit import Actor
from officers.requestwork import Handling
from yizhan.settings import Settings

router = APIRouter(prefix="/requests", tags=["requests"])
# Accepted requests per address, and (looser) tries of any outcome, as for applications.
REQUESTS_PER_WINDOW, ATTEMPTS_PER_WINDOW, WINDOW_S = 10, 30, 3600
RequestId = Annotated[int, Path(ge=1, le=2**63 - 1, description="Request id")]
Token = Annotated[str | None, Query(max_length=64, description="From the status link")]


def worker_actor(request: Request, settings: Settings, anonymous: bool) -> Actor:
    """The worker, for the audit log: an anonymous worker without address or browser, so that
    nothing kept can lead back to them."""
    if anonymous:
        return Actor("worker")
    return public_actor("worker")(request, settings.secret_key or "")


def union_contact(conn: Connection, union_id: int) -> dict[str, Any]:
    u = unions.get(conn, union_id)
    assert u is not None
    return {**brief(u), "contact_address": u.contact_address, "contact_phone": u.contact_phone}


def status_url(request: Request, settings: Settings, req: RequestRecord) -> str:
    token = core.status_token(settings.secret_key or "", req)
    return f"{public_base(request, settings)}/requests/{req.id}?token={token}"


def common(conn: Connection, req: RequestRecord, day: date) -> dict[str, Any]:
    """What both the worker and the officers see."""
    return {
        "id": req.id, "category": req.category, "status": req.status,
        "description": req.description, "submitted_at": req.created_at,
        "anonymous": req.anonymous, "may_name_to_employer": req.may_name_to_employer,
        "union": union_contact(conn, req.union_id),
        "route": {"reason": req.route_reason, "distance_m": req.route_distance_m},
        "escalation": None if req.escalated_union_id is None else {
            "level": req.escalation_level, "union": union_contact(conn, req.escalated_union_id)},
        "deadline": req.deadline, "current_deadline": req.current_deadline,
        "deadline_estimated": req.current_deadline_estimated, "overdue": req.overdue(day),
        "outcome": req.outcome, "closed_at": req.closed_at,
        "feedback": None if req.rating is None else {
            "solved": req.worker_solved, "rating": req.rating, "rated_at": req.rated_at},
    }


def _event_for_worker(e: dict[str, Any]) -> dict[str, Any]:
    shown = e["action"] in ("update", "closed")  # the union's words to the worker
    return {"at": e["at"], "action": e["action"],
            "from_union": e["from_union_name"], "to_union": e["to_union_name"],
            "deadline": e["deadline"], "text": e["text"] if shown else None}


def worker_view(conn: Connection, req: RequestRecord, day: date) -> dict[str, Any]:
    """The worker's own view: no full phone, no officer's note, no point."""
    return common(conn, req, day) | {
        "contact": None if req.anonymous else {
            "name": req.name, "phone": identity.mask_phone(req.phone or "")},
        "workplace": {"name": req.workplace_name},
        "can_rate": not req.is_open and req.rating is None,
        "events": [_event_for_worker(e) for e in core.events(conn, req.id, WORKER_ACTIONS)],
    }


def details(req: RequestRecord, *, masked: bool) -> dict[str, Any]:
    """For officers: the contact (masked in lists) and where the worker works."""
    phone = req.phone and (identity.mask_phone(req.phone) if masked else req.phone)
    return {"contact": None if req.anonymous else {"name": req.name, "phone": phone},
            "member_id": req.member_id,
            "workplace": {"id": req.workplace_id, "name": req.workplace_name,
                          "address": req.workplace_address, "lon": req.lon, "lat": req.lat},
            "station_id": req.station_id, "near_station": req.near_station}


def officer_view(conn: Connection, req: RequestRecord, day: date) -> dict[str, Any]:
    return common(conn, req, day) | details(req, masked=False) | {
        "events": core.events(conn, req.id)}


def take(request: Request, engine: Engine, settings: Settings, secret: str, body: NewRequest,
         idempotency_key: str | None) -> tuple[RequestRecord, bool, str]:
    """Store a worker's request, counted against the address; the new record, whether it was a
    replay, and its status link. The page and the API both come here."""
    limit_client(request, engine, secret, "request-attempt", ATTEMPTS_PER_WINDOW, WINDOW_S,
                 "too many request attempts")
    day = today(settings)
    with engine.begin() as conn:
        request_id, replayed = core.submit(conn, body, day, settings.deadlines(), idempotency_key)
        if not replayed:  # over the limit, the request is rolled back with the count
            count_client(conn, request, secret, "request", REQUESTS_PER_WINDOW, WINDOW_S,
                         "too many requests for help")
        req = core.get(conn, request_id)
        assert req is not None
        if not replayed:
            audit.record(conn, worker_actor(request, settings, req.anonymous), "submit", "request", req.id,
                         req.union_id)
        return req, replayed, status_url(request, settings, req)


@router.post("", status_code=201, dependencies=[Depends(refuse_cross_site)])
def submit(request: Request, engine: EngineDep, settings: SettingsDep, secret: SecretKeyDep,
           body: NewRequest, idempotency_key: IdempotencyKeyHeader = None) -> Response:
    """Ask the union for help (a dispute) or raise a need. It goes to the union that covers
    where you work (or holds your membership); your employer is not told who asked unless you
    allow it. Leave out name and phone to ask anonymously: the status link is then the only way
    back to you. At most 10 requests an hour from one address, and 30 tries."""
    day = today(settings)
    try:
        req, replayed, url = take(request, engine, settings, secret, body, idempotency_key)
    except (RequestRefused, NotRoutable) as exc:
        raise ApiError(422, str(exc)) from None
    except IdempotencyConflict as exc:
        raise ApiError(409, str(exc)) from None
    with engine.connect() as conn:
        answer = worker_view(conn, req, day) | {"status_url": url}
    response = json_response(answer, 200 if replayed else 201, PRIVATE)  # it holds the link
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return response


def _day_start(d: date | None, zone: ZoneInfo) -> datetime | None:
    return datetime.combine(d, time(), zone) if d else None


@router.get("")
def queue(
    engine: EngineDep, settings: SettingsDep, officer: OfficerDep, actor: ActorDep,
    union_id: Annotated[int | None, Query(ge=1, le=2**63 - 1, description=(
        "A union's own queue: what it handles and what was escalated to it"))] = None,
    status: RequestStatus | None = None, category: Category | None = None,
    overdue: Annotated[bool | None, Query(description="Open and past the handling union's "
                                                      "deadline")] = None,
    escalated: Annotated[bool | None, Query(description="Open and escalated")] = None,
    submitted_from: Annotated[date | None, Query(description="Submitted on or after this day "
                                                             "(local time)")] = None,
    submitted_to: Annotated[date | None, Query(description="Submitted on or before this day "
                                                           "(local time)")] = None,
    limit: PageLimit = 100, offset: PageOffset = 0,
) -> Response:
    """The requests of your jurisdiction, open ones first by deadline; the escalated ones carry
    `escalation`. Phones masked; the full record is on the detail view."""
    if submitted_from and submitted_to and submitted_from > submitted_to:
        raise ApiError(422, "query parameter 'submitted_from' must not be after 'submitted_to'")
    day, zone = today(settings), ZoneInfo(settings.timezone)
    with engine.begin() as conn:
        total, rows = requestwork.queue(
            conn, officer, actor, day, settings.deadlines(), union_id=union_id, status=status,
            category=category, overdue=overdue, escalated=escalated,
            submitted_from=_day_start(submitted_from, zone),
            submitted_to=_day_start(submitted_to + timedelta(days=1) if submitted_to else None,
                                    zone), limit=limit, offset=offset)
        items = [common(conn, r, day) | details(r, masked=True) for r in rows]
    return json_response({"total": total, "limit": limit, "offset": offset, "requests": items})


@router.get("/counts")
def counts(engine: EngineDep, settings: SettingsDep, officer: OfficerDep,
           below: Annotated[bool, Query(description="Also the same figures for each union one "
                                                    "level below yours")] = False) -> Response:
    """Open, overdue, escalated, closed and solved requests of your jurisdiction per category,
    with the share of closed ones solved; `below` adds them per union one level down."""
    day = today(settings)
    with engine.begin() as conn:
        escalate_due(conn, day, settings.deadlines(), within=officer.jurisdiction)
        body: dict[str, Any] = stats.counts(conn, officer.jurisdiction, day)
        if below:
            if officer.union_id is None:
                raise ApiError(422, "query parameter 'below': an admin has no union to look "
                                    "below; leave it out")
            body["below"] = stats.counts_below(conn, officer.union_id, day)
    return json_response({"deadlines": settings.deadlines(), **body})


@router.get("/cells.geojson")
def cells(engine: EngineDep, officer: OfficerDep, res: GapRes = 8,
          category: Category | None = None,
          open_only: Annotated[bool, Query(description="Only open requests")] = False
          ) -> Response:
    """Your jurisdiction's requests counted by the H3 cell of the workplace: where needs
    cluster. Counts only."""
    with engine.connect() as conn:
        found = stats.cells(conn, officer.jurisdiction, res, category=category,
                            open_only=open_only)
    return geojson_response(stats.cells_geojson(found, res, category))


def read_for_worker(engine: Engine, settings: Settings, request: Request, request_id: int,
                    token: str) -> dict[str, Any]:
    """The worker's view of their request, escalations due recorded first; 404 for a wrong
    token as for no request, so that a guess learns nothing."""
    day = today(settings)
    with engine.begin() as conn:
        req = core.get(conn, request_id)
        if req is None or not core.token_matches(settings.secret_key or "", req, token):
            raise NotFound("request", request_id, PRIVATE)
        escalate_due(conn, day, settings.deadlines(), request_ids=[req.id])
        req = core.get(conn, request_id)
        assert req is not None
        audit.record(conn, worker_actor(request, settings, req.anonymous), "read", "request", req.id,
                     req.union_id)
        return worker_view(conn, req, day)


@router.get("/{request_id}", responses={200: {"content": {"text/html": {}}, "description":
    "The request; to a browser (HTML ranked above JSON in Accept) with the status link's token, "
    "a page for the worker"}})
def read(request: Request, engine: EngineDep, settings: SettingsDep, request_id: RequestId,
         officer: Annotated[OfficerRecord | None, Depends(optional_officer)],
         token: Token = None, lang: Lang = "zh") -> Response:
    """With the status link's token: the worker's own view, as a page when a browser asks.
    With an officer's login: the full record and its history, if the request is in the
    officer's jurisdiction. Never cached nor sent on as a referrer."""
    if officer is None and token is None:
        raise ApiError(401, "give the token from your status link (?token=…), or log in as an "
                            "officer", {"WWW-Authenticate": "Bearer", **PRIVATE})
    if officer is None:
        view = read_for_worker(engine, settings, request, request_id, token or "")
        return worker_response(request, ZoneInfo(settings.timezone), view, token or "", lang)
    day = today(settings)
    ip, agent = request.client.host if request.client else None, request.headers.get("user-agent")
    with engine.begin() as conn:
        req = requestwork.read(conn, officer, Actor(officer.username, officer.id, ip, agent),
                               request_id, day, settings.deadlines())
        if req is None:
            raise NotFound("request", request_id, PRIVATE)
        body = officer_view(conn, req, day)
    return json_response(body, headers=PRIVATE)


class Feedback(BaseModel):
    model_config = ConfigDict(extra="forbid")
    solved: bool = Field(description="Whether your problem was solved")
    rating: int = Field(ge=1, le=5, description="How the union handled it, 1 (badly) to 5 (well)")


def give_feedback(engine: Engine, settings: Settings, request: Request, request_id: int,
                  token: str, body: Feedback) -> dict[str, Any]:
    day = today(settings)
    with engine.begin() as conn:
        req = core.get(conn, request_id, lock=True)
        if req is None or not core.token_matches(settings.secret_key or "", req, token):
            raise NotFound("request", request_id, PRIVATE)
        handling.feedback(conn, req, body.solved, body.rating)
        audit.record(conn, worker_actor(request, settings, req.anonymous), "rate", "request", req.id,
                     req.union_id)
        req = core.get(conn, request_id)
        assert req is not None
        return worker_view(conn, req, day)


@router.post("/{request_id}/feedback")
def feedback(request: Request, engine: EngineDep, settings: SettingsDep, request_id: RequestId,
             body: Feedback,
             token: Annotated[str, Query(max_length=64, description="From the status link")]
             ) -> Response:
    """After the union closes your request: whether it was solved, and a rating of 1 to 5.
    Once."""
    try:
        view = give_feedback(engine, settings, request, request_id, token, body)
    except FeedbackRefused as exc:
        raise ApiError(409, str(exc), PRIVATE) from None
    return json_response(view, headers=PRIVATE)


# Handling ----------------------------------------------------------------------------------

class Note(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: Text500 | None = None


class AddNote(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: Text500
    to_worker: bool = Field(default=False, description="An update the worker reads on the "
                                                       "status link; else a note for officers")


class HandOver(BaseModel):
    model_config = ConfigDict(extra="forbid")
    to_union_code: Annotated[str, Field(min_length=1, max_length=100,
                                        description="The union that should handle it")]
    reason: Text500 = Field(description="Why it goes there; kept in the history")


class Close(BaseModel):
    model_config = ConfigDict(extra="forbid")
    outcome: Outcome
    text: Text500 = Field(description="What the union did; the worker reads it")


def _act(engine: Engine, settings: Settings, officer: OfficerRecord, actor: Actor,
         request_id: int, action: Handling, **given: Any) -> Response:
    day = today(settings)
    try:
        with engine.begin() as conn:
            req = requestwork.act(conn, officer, actor, request_id, action, day,
                                  settings.deadlines(), **given)
            if req is None:
                raise NotFound("request", request_id)
            body = officer_view(conn, req, day)
    except WrongState as exc:
        raise ApiError(409, str(exc)) from None
    return json_response(body)


OptionalNote = Annotated[Note | None, Body(description="An optional note for the history")]


@router.post("/{request_id}/acknowledge")
def acknowledge(engine: EngineDep, settings: SettingsDep, officer: OfficerDep, actor: ActorDep,
                request_id: RequestId, body: OptionalNote = None) -> Response:
    """You have taken the request up; the worker sees that someone has it."""
    return _act(engine, settings, officer, actor, request_id, Handling.ACKNOWLEDGE,
                text=body.note if body else None)


@router.post("/{request_id}/notes")
def add_note(engine: EngineDep, settings: SettingsDep, officer: OfficerDep, actor: ActorDep,
             request_id: RequestId, body: AddNote) -> Response:
    """A note for the officers, or with `to_worker` an update the worker reads."""
    return _act(engine, settings, officer, actor, request_id, Handling.NOTE, text=body.text,
                to_worker=body.to_worker)


@router.post("/{request_id}/hand-over")
def hand_over(engine: EngineDep, settings: SettingsDep, officer: OfficerDep, actor: ActorDep,
              request_id: RequestId, body: HandOver) -> Response:
    """Give the request to another union (anywhere), with a reason. The deadline stays; past
    it, the request escalates above the new union at once."""
    with engine.connect() as conn:
        target = unions.by_code(conn, body.to_union_code)
    if target is None:
        raise ApiError(422, f"to_union_code {body.to_union_code!r}: no such union")
    return _act(engine, settings, officer, actor, request_id, Handling.HAND_OVER,
                text=body.reason, to_union_id=target.id)


@router.post("/{request_id}/close")
def close(engine: EngineDep, settings: SettingsDep, officer: OfficerDep, actor: ActorDep,
          request_id: RequestId, body: Close) -> Response:
    """Close with an outcome and what the union did; the worker can then rate it."""
    return _act(engine, settings, officer, actor, request_id, Handling.CLOSE, text=body.text,
                outcome=body.outcome)
