"""Station visits: a tap on the public station page (or from an app), batches from operators'
counting devices and apps with a key an officer made, and the officers' keys and figures."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Path, Query, Request, Response
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field
from sqlalchemy import Connection

from api.auth import ActorDep, OfficerDep, client_of
from api.client_limits import client_address, limit_client, refuse_cross_site
from api.deps import EngineDep, ReadEngineDep, SecretKeyDep, SettingsDep
from api.errors import ApiError
from api.geojson import geojson_response, json_response
from api.routers.applications import PRIVATE, today
from geo import unions
from membership.vocab import OccupationGroup
from officers import audit
from officers.accounts import OfficerRecord
from officers.audit import Actor
from visits import circle, core, siting, stats
from visits.circle import Mode, Reach
from visits.core import KeyRecord, NewVisit, VisitRefused
from yizhan.settings import Settings

router = APIRouter(tags=["visits"])
TAPS_PER_WINDOW, TAP_WINDOW_S = 60, 3600
StationId = Annotated[int, Path(ge=1, le=2**63 - 1, description="Station id")]


class Tap(BaseModel):
    model_config = ConfigDict(extra="forbid")
    occupation_group: OccupationGroup | None = Field(
        default=None, description="The visitor's occupation group, if they say")


def tap(request: Request, engine: EngineDep, settings: Settings, secret: str, station_id: int,
        group: OccupationGroup | None) -> bool:
    """Count a tap against the address's budget, then the visit (once per device and window).
    The page and the API both come here."""
    limit_client(request, engine, secret, "visit", TAPS_PER_WINDOW, TAP_WINDOW_S,
                 "too many check-ins")
    now = datetime.now(UTC)
    core.ensure_partitions(engine, [now.date()])
    _, agent = client_of(request)
    device = f"{client_address(request, secret)}\0{agent or ''}"
    try:
        with engine.begin() as conn:
            return core.record_tap(conn, secret, station_id, group and group.value, device, now,
                                   timedelta(minutes=settings.visit_window_minutes))
    except VisitRefused as exc:
        raise ApiError(exc.status, str(exc)) from None


@router.post("/stations/{station_id}/visits", status_code=201,
             dependencies=[Depends(refuse_cross_site)])
def post_tap(request: Request, engine: EngineDep, settings: SettingsDep, secret: SecretKeyDep,
             station_id: StationId, body: Tap | None = None) -> Response:
    """"I'm here" (签到) at a station. No name or phone; repeated taps from one device within
    the visit window count once (201 when counted, 200 with counted=false when not). At most 60
    an hour from one address."""
    counted = tap(request, engine, settings, secret, station_id,
                  body.occupation_group if body else None)
    return json_response({"station_id": station_id, "counted": counted,
                          "window_minutes": settings.visit_window_minutes},
                         201 if counted else 200, PRIVATE)


class BatchVisit(BaseModel):
    model_config = ConfigDict(extra="forbid")
    station_id: int = Field(ge=1, le=2**63 - 1)
    visited_at: AwareDatetime = Field(description="When, with its time zone offset")
    occupation_group: OccupationGroup | None = None


class Batch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    batch_id: str = Field(min_length=1, max_length=100, description=(
        "Your id of this batch: sending the same batch again changes nothing"))
    visits: list[BatchVisit] = Field(max_length=core.MAX_BATCH)


def operator_key(engine: EngineDep, secret: SecretKeyDep,
                 key: Annotated[str | None, Header(alias="X-Operator-Key", description=(
                     "The station operator's key from the union's workbench"))] = None
                 ) -> KeyRecord:
    if not key:
        raise ApiError(401, "this needs a station operator's key in the X-Operator-Key header; "
                            "a union officer makes one in the workbench")
    with engine.connect() as conn:
        record = core.active_key(conn, secret, key)
    if record is None:
        raise ApiError(401, "this operator key is unknown or was revoked; ask the union officer "
                            "for a new one")
    return record


@router.post("/visits", status_code=201)
def post_batch(engine: EngineDep, body: Batch,
               key: Annotated[KeyRecord, Depends(operator_key)]) -> Response:
    """A batch of visits from a station's counting device or a partner app, with the operator's
    key: taken whole or not at all, once per batch_id (201; 200 with replayed=true when the same
    batch comes again). Visits at most 7 days old and not in the future."""
    now = datetime.now(UTC)
    visits = [NewVisit(v.station_id, v.visited_at, v.occupation_group and v.occupation_group.value)
              for v in body.visits]
    try:
        core.check_batch(visits, now)
        core.ensure_partitions(engine, core.days_of(visits))
        with engine.begin() as conn:
            taken, replayed = core.record_batch(conn, key, body.batch_id, visits, now)
            if not replayed:
                audit.record(conn, Actor(f"operator-key:{key.id}"), "create", "visit_batch",
                             None, key.union_id, {"batch_id": body.batch_id, "visits": taken})
    except VisitRefused as exc:
        raise ApiError(exc.status, str(exc)) from None
    return json_response({"batch_id": body.batch_id, "visits": taken, "replayed": replayed},
                         200 if replayed else 201)


# Officers -----------------------------------------------------------------------------------

class NewKey(BaseModel):
    model_config = ConfigDict(extra="forbid")
    operator: str = Field(min_length=1, max_length=200, description=(
        "The operator as the stations name it (the stations' operator field)"))
    union_id: int | None = Field(default=None, ge=1, le=2**63 - 1, description=(
        "The union whose area the key covers; default your own"))


def key_out(k: KeyRecord) -> dict[str, object]:
    return {"id": k.id, "operator": k.operator, "union_id": k.union_id, "hint": k.hint,
            "created_by": k.created_by, "created_at": k.created_at, "revoked_at": k.revoked_at}


@router.get("/officer/operator-keys")
def list_keys(engine: ReadEngineDep, officer: OfficerDep) -> Response:
    """The operators' keys of your jurisdiction (never the keys themselves)."""
    with engine.connect() as conn:
        return json_response({"keys": [key_out(k) for k in core.keys(conn, officer.jurisdiction)]},
                             headers=PRIVATE)


@router.post("/officer/operator-keys", status_code=201)
def create_key(engine: EngineDep, secret: SecretKeyDep, officer: OfficerDep, actor: ActorDep,
               body: NewKey) -> Response:
    """A key for a station operator's counting device or app; shown this once."""
    union_id = body.union_id or officer.union_id
    if union_id is None:
        raise ApiError(422, "give union_id: the union whose area the key covers")
    with engine.begin() as conn:
        if not _known(conn, officer, union_id):
            raise ApiError(404, f"no union with id {union_id} in your jurisdiction")
        record, key = core.create_key(conn, secret, body.operator, union_id, officer.username)
        audit.record(conn, actor, "create", "operator_key", record.id, union_id,
                     {"operator": record.operator})
    return json_response(key_out(record) | {"key": key}, 201, PRIVATE)


@router.delete("/officer/operator-keys/{key_id}")
def revoke_key(engine: EngineDep, officer: OfficerDep, actor: ActorDep,
               key_id: Annotated[int, Path(ge=1, le=2**63 - 1)]) -> Response:
    """Revoke a key: its batches are refused from now on."""
    with engine.begin() as conn:
        record = core.revoke_key(conn, key_id, officer.jurisdiction, officer.username,
                                 datetime.now(UTC))
        if record is None:
            raise ApiError(404, f"no operator key with id {key_id} in your jurisdiction")
        audit.record(conn, actor, "revoke", "operator_key", key_id, record.union_id)
    return json_response(key_out(record), headers=PRIVATE)


@router.get("/officer/visits")
def get_visits(engine: ReadEngineDep, settings: SettingsDep, officer: OfficerDep,
               since: Annotated[date | None, Query(alias="from", description=(
                   "First day (local time); default 28 days ago"))] = None,
               until: Annotated[date | None, Query(alias="to", description=(
                   "Last day (local time); default today"))] = None,
               format: Annotated[str, Query(pattern="^(json|csv)$", description=(
                   "json, or csv for a file of visits per station, day and group"))] = "json",
               ) -> Response:
    """Visits at the stations of your jurisdiction: per station, per day, per hour of the
    week, per occupation group, the busiest and idle stations, a trend and H3 cells."""
    try:
        span = stats.Span.of(since, until, settings.timezone)
    except ValueError as exc:
        raise ApiError(422, str(exc)) from None
    with engine.connect() as conn:
        if format == "csv":
            return Response(stats.csv_rows(conn, officer.jurisdiction, span),
                            media_type="text/csv; charset=utf-8", headers=PRIVATE | {
                                "Content-Disposition": 'attachment; filename="visits.csv"'})
        return json_response(stats.summary(conn, officer.jurisdiction, span), headers=PRIVATE)


# The service circle and siting -------------------------------------------------------------

Minutes = Annotated[float, Query(gt=0, le=60, allow_inf_nan=False, description=(
    "Minutes of travel, up to 60 (default 15)"))]
UnionParam = Annotated[int | None, Query(ge=1, le=2**63 - 1, description=(
    "The union; default your own (an admin must give one)"))]


def union_of(conn: Connection, officer: OfficerRecord, union_id: int | None) -> int:
    chosen = union_id or officer.union_id
    if chosen is None:
        raise ApiError(422, "give union_id: the union whose figures you want")
    if not _known(conn, officer, chosen):
        raise ApiError(404, f"no union with id {chosen} in your jurisdiction")
    return chosen


def _known(conn: Connection, officer: OfficerRecord, union_id: int) -> bool:
    """The union exists and lies in the officer's jurisdiction (an admin's holds any id)."""
    return unions.get(conn, union_id) is not None and officer.jurisdiction.holds(conn, union_id)


def reach_of(settings: Settings, mode: Mode, minutes: float) -> Reach:
    return circle.reach(mode, minutes, settings.ebike_kmh, settings.detour_factor)


@router.get("/officer/service-circle")
def get_service_circle(engine: ReadEngineDep, settings: SettingsDep, officer: OfficerDep,
                       union_id: UnionParam = None, mode: Mode = Mode.WALK,
                       minutes: Minutes = 15) -> Response:
    """The share of the union's workplaces, and of its active members by their workplace, with
    an operational station within reach (speed × minutes ÷ the detour factor, geodesic), also
    by a station open at 12:00 on the next working day, at 22:00 and at 03:00; the same for
    each union one level down."""
    r = reach_of(settings, mode, minutes)
    with engine.connect() as conn:
        chosen = union_of(conn, officer, union_id)
        day = circle.working_day(today(settings), settings.timezone, settings.holiday_country)
        body = circle.service_circle(conn, chosen, r, day, settings.timezone,
                                     settings.holiday_country)
    return json_response(body)


@router.get("/officer/service-circle.geojson")
def get_out_of_reach(engine: ReadEngineDep, settings: SettingsDep, officer: OfficerDep,
                     union_id: UnionParam = None, mode: Mode = Mode.WALK,
                     minutes: Minutes = 15) -> Response:
    """The union's workplaces with no operational station within reach, as GeoJSON points."""
    r = reach_of(settings, mode, minutes)
    with engine.connect() as conn:
        rows = circle.out_of_reach(conn, union_of(conn, officer, union_id), r)
    return geojson_response({"type": "FeatureCollection", "reach_m": round(r.metres, 1),
                             "features": [{"type": "Feature", "id": w["id"], "geometry": {
                                 "type": "Point", "coordinates": [w["lon"], w["lat"]]},
                                 "properties": {"name": w["name"]}} for w in rows]})


@router.get("/officer/siting")
def get_siting(engine: ReadEngineDep, settings: SettingsDep, officer: OfficerDep,
               n: Annotated[int, Query(ge=1, le=siting.MAX_N, description=(
                   f"How many sites, 1 to {siting.MAX_N}"))] = 10,
               union_id: UnionParam = None, mode: Mode = Mode.WALK,
               minutes: Minutes = 15) -> Response:
    """Where the next n stations should go: among the centres of the H3 cells (res 9) of the
    union's area, the sites that bring the most of its workplaces newly within reach (each
    weighing 1 plus its active members, a member their group's relative visit rate), one after
    the other; each with what it adds and the coverage after it."""
    r = reach_of(settings, mode, minutes)
    with engine.connect() as conn:
        chosen = union_of(conn, officer, union_id)
        try:
            candidates = siting.cell_candidates(conn, chosen)
        except ValueError as exc:
            raise ApiError(422, str(exc)) from None
        since = datetime.now(UTC) - timedelta(days=siting.RATE_DAYS)
        body = siting.suggest(siting.instance(conn, chosen, candidates, r.metres, since), n)
    return json_response({"union_id": chosen, "n": n, "mode": mode.value, "minutes": minutes,
                          "reach_m": round(r.metres, 1), "detour_factor": r.detour} | body)
