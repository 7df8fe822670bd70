"""Workers' requests: submitted with a name and phone or anonymously, routed like applications,
read and listed within a jurisdiction. Every change is a RequestEvent; the status link's token
is derived from the secret key, as an application's is."""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import ColumnElement, Connection, func, or_, select, text

from geo.crs import Crs, to_wgs84, wgs84_ewkt
from geo.h3index import point_cell
from geo.jurisdiction import EVERYWHERE, Jurisdiction
from geo.models import Union
from geo.station_data import Text200, Text500
from membership import identity
from membership.deadline import is_overdue, working_days_after
from membership.routing import Route, route_point, route_to
from membership.tables import Member
from membership.vocab import RouteReason
from membership.worker_requests.tables import (
    MAX_DESCRIPTION,
    RequestEvent,
    RequestIdempotencyKey,
    WorkerRequest,
)
from membership.worker_requests.vocab import (
    OPEN_REQUEST_STATUSES,
    Category,
    RequestAction,
    RequestStatus,
)

R = WorkerRequest.__table__
E = RequestEvent.__table__
K = RequestIdempotencyKey.__table__
M = Member.__table__
U = Union.__table__
TOKEN_PURPOSE = "request-status-link"


class RequestRefused(ValueError):
    """The request cannot be taken as sent (an unknown station)."""


class IdempotencyConflict(Exception):
    """An Idempotency-Key came back with a different request."""


def _description(value: str) -> str:
    value = value.strip()
    if not value:
        raise ValueError(f"describe what happened or what you need: 1 to {MAX_DESCRIPTION} "
                         "characters, not only spaces")
    if len(value) > MAX_DESCRIPTION:
        raise ValueError(f"at most {MAX_DESCRIPTION} characters (this one has {len(value)}); "
                         "say the main points, the union will ask for more")
    return value


Description = Annotated[str, AfterValidator(_description)]


class RequestPlace(BaseModel):
    """Where the worker works, when it is not a stored workplace: a point, and if the worker
    wants, the workplace's name and address."""

    model_config = ConfigDict(extra="forbid")
    name: Text200 | None = None
    address: Text500 | None = None
    lon: float = Field(ge=-180, le=180, allow_inf_nan=False)
    lat: float = Field(ge=-90, le=90, allow_inf_nan=False)


class NewRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    category: Category
    description: Description = Field(description=f"What happened, or what is needed: 1 to "
                                                 f"{MAX_DESCRIPTION} characters")
    workplace_id: int | None = Field(default=None, ge=1, le=2**63 - 1,
                                     description="A stored workplace; or give `workplace`, or "
                                                 "`station_id` with `near_station`")
    workplace: RequestPlace | None = Field(default=None, description="Where you work, in `crs`")
    crs: Crs = Crs.WGS84
    station_id: int | None = Field(default=None, ge=1, le=2**63 - 1, description=(
        "The station whose page or code led here; it is where you work only with `near_station`"))
    near_station: bool = Field(default=False, description="You work near `station_id`: route "
                                                          "by the station's position")
    name: Annotated[str, Field(min_length=1, max_length=100, pattern=r"\S")] | None = None
    phone: Annotated[str, Field(max_length=32), AfterValidator(identity.mobile_number)] | None = (
        Field(default=None, description="Mainland China mobile number; leave it out (and the "
                                        "name) for an anonymous request"))
    member_no: Annotated[str, Field(min_length=1, max_length=20)] | None = Field(
        default=None, description="Your member number, with the phone of your membership: the "
                                  "request then goes to the union that holds your membership")
    may_name_to_employer: bool = Field(default=False, description=(
        "Whether the union may tell your employer who asked; without it, it never does"))

    @model_validator(mode="after")
    def _complete(self) -> NewRequest:
        if self.near_station and self.station_id is None:
            raise ValueError("near_station needs station_id: the station you work near")
        places = (self.workplace_id is not None) + (self.workplace is not None) + self.near_station
        if places != 1:
            raise ValueError("say where you work exactly once: workplace_id (a stored workplace), "
                             "workplace {lon, lat, name, address} in crs, or station_id with "
                             "near_station true")
        if self.phone is None and (self.name is not None or self.member_no is not None):
            raise ValueError("a name or member number without a phone gives the union no way to "
                             "reach you: give a phone too, or leave all of them out for an "
                             "anonymous request")
        if self.phone is None and self.may_name_to_employer:
            raise ValueError("an anonymous request names nobody: may_name_to_employer needs a "
                             "name and phone")
        return self

    @property
    def anonymous(self) -> bool:
        return self.phone is None


@dataclass(frozen=True)
class RequestRecord:
    id: int
    category: str
    description: str
    name: str | None
    phone: str | None
    may_name_to_employer: bool
    member_id: int | None
    workplace_id: int | None
    workplace_name: str | None
    workplace_address: str | None
    lon: float
    lat: float
    h3_cell: int
    station_id: int | None
    near_station: bool
    union_id: int
    route_reason: str
    route_distance_m: float | None
    status: str
    deadline: date
    escalated_union_id: int | None
    escalation_level: int
    current_deadline: date
    current_deadline_estimated: bool
    outcome: str | None
    closed_at: datetime | None
    worker_solved: bool | None
    rating: int | None
    rated_at: datetime | None
    token_salt: bytes
    created_at: datetime
    updated_at: datetime

    @property
    def is_open(self) -> bool:
        return RequestStatus(self.status).is_open

    @property
    def anonymous(self) -> bool:
        return self.phone is None

    def overdue(self, today: date) -> bool:
        """Open and past the handling union's deadline (escalated or not)."""
        return self.is_open and is_overdue(self.deadline, today)

    @property
    def holder_id(self) -> int:
        """The union that answers for it now: the handling union, or the one it escalated to."""
        return self.escalated_union_id or self.union_id


_COLUMNS: list[ColumnElement[Any]] = [R.c[n] for n in RequestRecord.__dataclass_fields__
                                      if n not in ("lon", "lat")]
_COLUMNS += [func.ST_X(R.c.workplace_location).label("lon"),
             func.ST_Y(R.c.workplace_location).label("lat")]


def _record(row: Any) -> RequestRecord:
    mapping = row._mapping
    return RequestRecord(**{n: mapping[n] for n in RequestRecord.__dataclass_fields__})


def status_token(secret: str, request: RequestRecord) -> str:
    return identity.status_token(secret, request.id, request.token_salt, TOKEN_PURPOSE)


def token_matches(secret: str, request: RequestRecord, given: str) -> bool:
    return identity.token_matches(secret, request.id, request.token_salt, given, TOKEN_PURPOSE)


def get(conn: Connection, request_id: int, *, lock: bool = False,
        within: Jurisdiction = EVERYWHERE) -> RequestRecord | None:
    """The request, if it is `within` the jurisdiction (its handling union is in the subtree;
    the unions it escalated to are that union's ancestors, so they see it too)."""
    query = select(*_COLUMNS).where(R.c.id == request_id, within.union(R.c.union_id))
    row = conn.execute(query.with_for_update() if lock else query).first()
    return _record(row) if row else None


def request_hash(data: NewRequest) -> bytes:
    return hashlib.sha256(json.dumps(data.model_dump(mode="json"), sort_keys=True).encode()).digest()


def _place(conn: Connection, data: NewRequest) -> tuple[Route, dict[str, Any], float, float]:
    """The route by where the worker works (as for applications), the columns that record it,
    and its WGS84 point."""
    if data.workplace_id is not None:
        route, columns = route_to(conn, data.workplace_id, None, data.crs)
        lon, lat = conn.execute(text("SELECT ST_X(location), ST_Y(location) FROM workplaces "
                                     "WHERE id = :id"), {"id": data.workplace_id}).one()
        return route, columns, lon, lat
    if data.workplace is not None:
        lon, lat = to_wgs84(data.workplace.lon, data.workplace.lat, data.crs)
        name, address = data.workplace.name, data.workplace.address
    else:
        station = conn.execute(text("SELECT ST_X(location), ST_Y(location) FROM stations "
                                    "WHERE id = :id"), {"id": data.station_id}).first()
        if station is None:
            raise RequestRefused(f"station_id {data.station_id}: no such station")
        (lon, lat), name, address = station, None, None
    columns = {"workplace_id": None, "workplace_name": name, "workplace_address": address,
               "workplace_location": wgs84_ewkt(lon, lat)}
    return route_point(conn, lon, lat), columns, lon, lat


def _membership(conn: Connection, data: NewRequest) -> tuple[int, int] | None:
    """(member id, union) when the member number and the phone are one member's. Anything else
    routes by the workplace like anyone's request, with no word about it: the answer must not
    tell someone who knows only a phone number whether its owner is a member."""
    if data.member_no is None or data.phone is None:
        return None
    row = conn.execute(select(M.c.id, M.c.union_id).where(
        M.c.member_no == data.member_no.strip().upper(), M.c.phone == data.phone)).first()
    return (row.id, row.union_id) if row else None


def submit(conn: Connection, data: NewRequest, today: date, deadlines: Mapping[Category, int],
           idempotency_key: str | None = None) -> tuple[int, bool]:
    """Store and route a request; returns (id, replayed). With an Idempotency-Key, a retry of
    the same request returns the first one instead of making a second. Nothing in the answer
    depends on who else is in the database: requests from one phone are never refused."""
    if idempotency_key is not None:
        conn.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:k, 8))"),
                     {"k": idempotency_key})  # retries of one key wait for each other
        seen = conn.execute(select(K.c.request_hash, K.c.request_id)
                            .where(K.c.key == idempotency_key)).first()
        if seen is not None:
            if seen.request_hash != request_hash(data):
                raise IdempotencyConflict("this Idempotency-Key was used for a different "
                                          "request; use a new key for a new request")
            return seen.request_id, True
    route, place, lon, lat = _place(conn, data)
    if data.station_id is not None and not data.near_station and conn.execute(
            text("SELECT 1 FROM stations WHERE id = :id"), {"id": data.station_id}).first() is None:
        raise RequestRefused(f"station_id {data.station_id}: no such station")
    member = _membership(conn, data)
    if member is not None:
        route = Route(member[1], RouteReason.MEMBERSHIP)
    deadline, estimated = working_days_after(today, deadlines[data.category])
    request_id = conn.execute(R.insert().values(
        category=data.category.value, description=data.description,
        name=data.name.strip() if data.name else None, phone=data.phone,
        may_name_to_employer=data.may_name_to_employer,
        member_id=member[0] if member else None, **place, h3_cell=point_cell(lon, lat),
        station_id=data.station_id, near_station=data.near_station, union_id=route.union_id,
        route_reason=route.reason.value, route_distance_m=route.distance_m, deadline=deadline,
        current_deadline=deadline, current_deadline_estimated=estimated,
        token_salt=secrets.token_bytes(16),
    ).returning(R.c.id)).scalar_one()
    event(conn, request_id, "worker", RequestAction.SUBMITTED, to_union=route.union_id,
          text_=route.reason.value)
    if idempotency_key is not None:
        conn.execute(K.insert().values(key=idempotency_key, request_hash=request_hash(data),
                                       request_id=request_id))
    return request_id, False


def event(conn: Connection, request_id: int, actor: str, action: RequestAction, *,
          from_union: int | None = None, to_union: int | None = None,
          deadline: date | None = None, text_: str | None = None) -> None:
    conn.execute(E.insert().values(request_id=request_id, actor=actor, action=action.value,
                                   from_union_id=from_union, to_union_id=to_union,
                                   deadline=deadline, text=text_))


_FROM_U, _TO_U = U.alias("from_union"), U.alias("to_union")


def events(conn: Connection, request_id: int,
           actions: list[RequestAction] | None = None) -> list[dict[str, Any]]:
    """The history, oldest first, with the unions it went from and to by name."""
    query = (select(E.c.at, E.c.actor, E.c.action, E.c.from_union_id,
                    _FROM_U.c.name.label("from_union_name"), E.c.to_union_id,
                    _TO_U.c.name.label("to_union_name"), E.c.deadline, E.c.text)
             .select_from(E.outerjoin(_FROM_U, _FROM_U.c.id == E.c.from_union_id)
                          .outerjoin(_TO_U, _TO_U.c.id == E.c.to_union_id))
             .where(E.c.request_id == request_id).order_by(E.c.id))
    if actions is not None:
        query = query.where(E.c.action.in_([a.value for a in actions]))
    return [dict(r._mapping) for r in conn.execute(query)]


def search(conn: Connection, today: date, *, within: Jurisdiction = EVERYWHERE,
           union_id: int | None = None, status: RequestStatus | None = None,
           category: Category | None = None, overdue: bool | None = None,
           escalated: bool | None = None, submitted_from: datetime | None = None,
           submitted_to: datetime | None = None, open_only: bool = False, limit: int = 100,
           offset: int = 0) -> tuple[int, list[RequestRecord]]:
    """The queue: open ones first by the handling union's deadline (so the overdue, escalated
    or not, come first), closed ones last. `union_id` is a union's own queue:
    what it handles, and what was escalated to it."""
    conditions = [within.union(R.c.union_id)]
    if union_id is not None:
        conditions.append(or_(R.c.union_id == union_id, R.c.escalated_union_id == union_id))
    if status is not None:
        conditions.append(R.c.status == status.value)
    if category is not None:
        conditions.append(R.c.category == category.value)
    is_open = R.c.status.in_(OPEN_REQUEST_STATUSES)
    if open_only:
        conditions.append(is_open)
    if overdue is not None:
        late = is_open & (R.c.deadline < today)
        conditions.append(late if overdue else ~late)
    if escalated is not None:
        up = is_open & (R.c.escalation_level > 0)
        conditions.append(up if escalated else ~up)
    if submitted_from is not None:
        conditions.append(R.c.created_at >= submitted_from)
    if submitted_to is not None:
        conditions.append(R.c.created_at < submitted_to)
    total = conn.execute(select(func.count()).select_from(R).where(*conditions)).scalar_one()
    rows = conn.execute(select(*_COLUMNS).where(*conditions)
                        .order_by(is_open.desc(), R.c.deadline, R.c.id)
                        .limit(limit).offset(offset))
    return total, [_record(r) for r in rows]
