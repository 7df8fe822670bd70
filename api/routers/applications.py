"""Join applications: a worker applies (public); the applicant follows it with the secret status
link; the officers of the routed union's jurisdiction work it. Every read of personal data and
every change is audited."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Body, Depends, Header, Path, Query, Request, Response
from fastapi.responses import HTMLResponse
from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from sqlalchemy import Connection, Engine

from api.auth import ActorDep, OfficerDep, client_of, optional_officer, public_actor
from api.client_limits import count_client, limit_client, refuse_cross_site
from api.deps import (
    EngineDep,
    PageLimit,
    PageOffset,
    SecretKeyDep,
    SettingsDep,
    point_echo,
    public_base,
)
from api.errors import ApiError, NotFound
from api.geojson import json_response
from api.html import NO_SCRIPTS, Lang, prefers_html
from api.routers.unions import brief
from api.status_page import status_page
from geo import unions
from geo.station_data import Text500
from membership import applications, identity
from membership.applications import (
    ApplicationRecord,
    ApplicationRefused,
    IdempotencyConflict,
    NewApplication,
    WrongState,
)
from membership.routing import NotRoutable
from membership.vocab import ApplicationStatus, OccupationGroup
from officers import audit, casework
from officers.accounts import OfficerRecord
from officers.audit import Actor
from officers.casework import Action, NoSuchUnion
from yizhan.settings import Settings

router = APIRouter(prefix="/applications", tags=["applications"])
# Accepted applications per address; and, looser, tries of any outcome that reach the database,
# so that refusals (which can tell whether a phone number is a member's) stay bounded too.
APPLICATIONS_PER_WINDOW, ATTEMPTS_PER_WINDOW, APPLY_WINDOW_S = 10, 30, 3600
ApplicationId = Annotated[int, Path(ge=1, le=2**63 - 1, description="Application id")]
# The status link carries its token in the URL: no cache keeps the answer, no link passes the URL
# on; and one URL answers a page or JSON.
PRIVATE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "Vary": "Accept"}
IDEMPOTENCY_KEY = re.compile(r"[ -~]{8,200}")
IDEMPOTENCY_KEY_RULE = "8 to 200 printable ASCII characters (letters, digits, punctuation, spaces)"


def _idempotency_key(key: str) -> str:
    if not IDEMPOTENCY_KEY.fullmatch(key):
        raise ValueError(f"give {IDEMPOTENCY_KEY_RULE}, such as a UUID; this one has {len(key)} "
                         "characters" + ("" if key.isascii() and key.isprintable() else
                                         ", not all of them printable ASCII"))
    return key


IdempotencyKeyHeader = Annotated[Annotated[str, AfterValidator(_idempotency_key)] | None, Header(
    alias="Idempotency-Key", json_schema_extra={"pattern": f"^{IDEMPOTENCY_KEY.pattern}$"},
    description=f"Any unique string per application, {IDEMPOTENCY_KEY_RULE}: a UUID; a retry "
                "with the same key and body returns the first answer instead of applying twice")]


def today(settings: Settings) -> date:
    return datetime.now(ZoneInfo(settings.timezone)).date()


def _union_contact(conn: Connection, union_id: int) -> dict[str, Any]:
    u = unions.get(conn, union_id)
    assert u is not None
    above = None if u.contact_phone else unions.reachable_above(conn, u)
    ask = None if above is None else {**brief(above), "contact_address": above.contact_address,
                                      "contact_phone": above.contact_phone}
    return {**brief(u), "contact_address": u.contact_address, "contact_phone": u.contact_phone,
            "ask_instead": ask}


def _common(conn: Connection, app: ApplicationRecord, day: date, *,
            public: bool = False) -> dict[str, Any]:
    """What both views show; the applicant's (`public`) never whether the application was
    merged into someone's earlier one."""
    return {"id": app.id, "status": app.public_status if public else app.status,
            "union": _union_contact(conn, app.union_id),
            "route": {"reason": app.route_reason, "distance_m": app.route_distance_m},
            "deadline": app.deadline, "deadline_estimated": app.deadline_estimated,
            "overdue": app.public_overdue(day) if public else app.overdue(day),
            "submitted_at": app.created_at}


def _status_url(request: Request, settings: Settings, app: ApplicationRecord) -> str:
    base = public_base(request, settings)
    token = identity.status_token(settings.secret_key or "", app.id, app.token_salt)
    return f"{base}/applications/{app.id}?token={token}"


@router.post("", status_code=201, dependencies=[Depends(refuse_cross_site)])
def apply(request: Request, engine: EngineDep, settings: SettingsDep, secret: SecretKeyDep,
          body: NewApplication,
          applicant: Annotated[Actor, Depends(public_actor("applicant"))],
          idempotency_key: IdempotencyKeyHeader = None) -> Response:
    """Apply to join the union that covers your workplace. Your employer is never told. Every
    application is taken the same way, whoever else is in the database: a second one of a person
    with an open application is merged into it, and one from a member is flagged for the
    officers. At most 10 applications an hour from one address, and 30 tries whatever their
    outcome."""
    limit_client(request, engine, secret, "apply-attempt", ATTEMPTS_PER_WINDOW, APPLY_WINDOW_S,
                 "too many application attempts")
    day = today(settings)
    try:
        with engine.begin() as conn:
            application_id, replayed = applications.submit(conn, secret, body, day,
                                                           idempotency_key)
            if not replayed:  # over the limit, the application is rolled back with the count
                count_client(conn, request, secret, "apply", APPLICATIONS_PER_WINDOW,
                             APPLY_WINDOW_S, "too many applications")
            app = applications.get(conn, application_id)
            assert app is not None
            if not replayed:
                audit.record(conn, applicant, "submit", "application", app.id, app.union_id)
            answer = {**_common(conn, app, day, public=True),
                      "status_url": _status_url(request, settings, app)}
    except (ApplicationRefused, NotRoutable) as exc:
        raise ApiError(422, str(exc)) from None
    except IdempotencyConflict as exc:
        raise ApiError(409, str(exc)) from None
    response = json_response(answer, 200 if replayed else 201)
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return response


@router.get("/{application_id}", responses={200: {"content": {"text/html": {}}, "description":
    "The application; to a browser (HTML ranked above JSON in Accept) with the status link's "
    "token, a page for the applicant"}})
def read(request: Request, engine: EngineDep, settings: SettingsDep, application_id: ApplicationId,
         officer: Annotated[OfficerRecord | None, Depends(optional_officer)],
         applicant: Annotated[Actor, Depends(public_actor("applicant"))],
         token: Annotated[str | None, Query(max_length=64, description="From the status link")]
         = None, lang: Lang = "zh") -> Response:
    """With the status link's token: the applicant's own view, as a page when a browser asks.
    With an officer's login: the full record, with its history, if the application lies in the
    officer's jurisdiction. Nothing of it is cached or sent on as a referrer (the token is in the
    URL)."""
    if officer is None and token is None:
        raise ApiError(401, "give the token from your status link (?token=…), or log in as an "
                            "officer", {"WWW-Authenticate": "Bearer", **PRIVATE})
    day = today(settings)
    with engine.begin() as conn:
        if officer is not None:
            app = applications.get(conn, application_id, within=officer.jurisdiction)
        else:
            app = applications.get(conn, application_id)
            if app is not None and not identity.token_matches(
                    settings.secret_key or "", app.id, app.token_salt, token or ""):
                app = None  # a wrong token learns nothing
        if app is None:
            raise NotFound("application", application_id, PRIVATE)
        who = applicant if officer is None else Actor(officer.username, officer.id,
                                                      *client_of(request))
        audit.record(conn, who, "read", "application", app.id, app.union_id)
        history = applications.events(conn, app.id)
        body = _common(conn, app, day, public=officer is None)
        if officer is not None:
            body |= _details(app, applications.merged_into(conn, [app.id]), masked=False) | {
                "events": history}
        else:
            body |= {"name": app.name, "phone": identity.mask_phone(app.phone),
                     "workplace": {"name": app.workplace_name},
                     "events": [{"at": e["at"], "action": e["action"],
                                 "status": e["status"],
                                 "reason": e["reason"] if e["action"] == "rejected" else None}
                                for e in history]}
    if officer is None and prefers_html(request):
        return HTMLResponse(status_page(body, ZoneInfo(settings.timezone), token, lang), headers={
            **PRIVATE, "Content-Security-Policy": f"{NO_SCRIPTS}; form-action 'self'; "
                                                  "frame-ancestors 'none'"})
    return json_response(body, headers=PRIVATE)


def _details(app: ApplicationRecord, merged: dict[int, list[int]], *,
             masked: bool) -> dict[str, Any]:
    """The officer's view. `merged`: the later applications merged into each one."""
    return {"name": app.name,
            "phone": identity.mask_phone(app.phone) if masked else app.phone,
            "id_number": app.id_masked, "occupation_group": app.occupation_group,
            "workplace": {"id": app.workplace_id, "name": app.workplace_name,
                          "address": app.workplace_address, **point_echo(app.lon, app.lat)},
            "station_id": app.station_id, "member_id": app.member_id,
            "duplicates": {"merged_into": app.merged_into_id,
                           "merged": merged.get(app.id, []),
                           "already_member": app.existing_member_id is not None}}


@router.get("")
def list_applications(
    engine: EngineDep, settings: SettingsDep, officer: OfficerDep, actor: ActorDep,
    union_id: Annotated[int | None, Query(ge=1, le=2**63 - 1)] = None,
    status: ApplicationStatus | None = None,
    overdue: Annotated[bool | None, Query(description="Open and past the contact deadline")]
    = None,
    group: OccupationGroup | None = None,
    submitted_from: Annotated[date | None, Query(description="Submitted on or after this day "
                                                             "(local time)")] = None,
    submitted_to: Annotated[date | None, Query(description="Submitted on or before this day "
                                                           "(local time)")] = None,
    limit: PageLimit = 100, offset: PageOffset = 0,
) -> Response:
    """The queue of the officer's jurisdiction: phone numbers masked; the full record is on the
    detail view."""
    if submitted_from and submitted_to and submitted_from > submitted_to:
        raise ApiError(422, "query parameter 'submitted_from' must not be after 'submitted_to'")
    day = today(settings)
    zone = ZoneInfo(settings.timezone)

    def start(d: date | None) -> datetime | None:
        return datetime.combine(d, time(), zone) if d else None

    with engine.begin() as conn:
        total, rows = casework.queue(
            conn, officer, actor, day, union_id=union_id, status=status,
            overdue=overdue, group=group, submitted_from=start(submitted_from),
            submitted_to=start(submitted_to + timedelta(days=1) if submitted_to else None),
            limit=limit, offset=offset)
        merged = applications.merged_into(conn, [a.id for a in rows])
        items = [_common(conn, a, day) | _details(a, merged, masked=True) for a in rows]
    return json_response({"total": total, "limit": limit, "offset": offset,
                          "applications": items})


class Note(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: Text500 | None = None


OptionalNote = Annotated[Note | None, Body(description="An optional note for the history")]


class Reason(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: Text500 = Field(description="Why; the applicant sees it on a rejection")


class Forward(BaseModel):
    model_config = ConfigDict(extra="forbid")
    to_union_code: Annotated[str, Field(min_length=1, max_length=100,
                                        description="The union that should handle it")]
    reason: Text500 = Field(description="Why it goes there; kept in the history")


def _act(engine: Engine, settings: Settings, officer: OfficerRecord, actor: Actor,
         application_id: int, action: Action, note: str | None = None,
         to_union_code: str | None = None) -> Response:
    day = today(settings)
    try:
        with engine.begin() as conn:
            app = casework.act(conn, officer, actor, application_id, action, note=note,
                               to_union_code=to_union_code)
            if app is None:
                raise NotFound("application", application_id)
            body = _common(conn, app, day) | _details(
                app, applications.merged_into(conn, [app.id]), masked=False) | {
                "events": applications.events(conn, app.id)}
    except WrongState as exc:
        raise ApiError(409, str(exc)) from None
    except NoSuchUnion as exc:
        raise ApiError(422, str(exc)) from None
    return json_response(body)


@router.post("/{application_id}/contact")
def mark_contacted(engine: EngineDep, settings: SettingsDep, officer: OfficerDep,
                   actor: ActorDep, application_id: ApplicationId,
                   body: OptionalNote = None) -> Response:
    """The union has contacted the applicant."""
    return _act(engine, settings, officer, actor, application_id, Action.CONTACT,
                body.note if body else None)


@router.post("/{application_id}/approve")
def approve(engine: EngineDep, settings: SettingsDep, officer: OfficerDep, actor: ActorDep,
            application_id: ApplicationId, body: OptionalNote = None) -> Response:
    """Approve: the applicant becomes a member with a member number."""
    return _act(engine, settings, officer, actor, application_id, Action.APPROVE,
                body.note if body else None)


@router.post("/{application_id}/reject")
def reject(engine: EngineDep, settings: SettingsDep, officer: OfficerDep, actor: ActorDep,
           application_id: ApplicationId, body: Reason) -> Response:
    return _act(engine, settings, officer, actor, application_id, Action.REJECT, body.reason)


@router.post("/{application_id}/forward")
def forward(engine: EngineDep, settings: SettingsDep, officer: OfficerDep, actor: ActorDep,
            application_id: ApplicationId, body: Forward) -> Response:
    """Send to another union (anywhere: that is the point), with a reason; the contact deadline
    does not change. It then leaves this officer's queue unless that union is in it too."""
    return _act(engine, settings, officer, actor, application_id, Action.FORWARD, body.reason,
                body.to_union_code)
