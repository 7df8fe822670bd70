"""Join applications: submitted by a worker, routed to a union, worked by its officers. Every
change is an ApplicationEvent; the status link's token is derived from the secret key."""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import ARRAY, BigInteger, ColumnElement, Connection, any_, cast, false, func, select, text
from sqlalchemy.exc import IntegrityError

from geo.crs import Crs
from geo.jurisdiction import EVERYWHERE, Jurisdiction
from membership import identity, members
from membership.deadline import contact_deadline, is_overdue
from membership.routing import WorkplaceGiven, route_to
from membership.tables import Application, ApplicationEvent, IdempotencyKey
from membership.vocab import OPEN_STATUSES, ApplicationStatus, OccupationGroup, RouteReason

A = Application.__table__
E = ApplicationEvent.__table__
K = IdempotencyKey.__table__
PRIVACY_NOTICE = "2026-11"  # the version of the privacy notice an applicant consents to


class ApplicationRefused(ValueError):
    """The application cannot be taken as sent (an unknown station)."""


class IdempotencyConflict(Exception):
    """An Idempotency-Key came back with a different request."""


class WrongState(Exception):
    """The action does not apply to the application's status."""


def _consented(given: bool) -> bool:
    if not given:
        raise ValueError("must be true: an application is taken only with the applicant's "
                         "consent to the privacy notice")
    return given


class NewApplication(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, Field(min_length=1, max_length=100, pattern=r"\S")]
    phone: Annotated[str, Field(max_length=32), AfterValidator(identity.mobile_number)] = Field(
        description="Mainland China mobile number, e.g. 13812345678 or +86 138 1234 5678")
    id_number: Annotated[str, Field(max_length=32), AfterValidator(identity.id_number)] | None = Field(
        default=None, description="Resident ID card number (optional); only a keyed hash and a "
                                  "masked form are kept")
    occupation_group: OccupationGroup
    workplace_id: int | None = Field(
        default=None, ge=1, le=2**63 - 1, json_schema_extra={"deprecated": True},
        description="Not taken from applicants (stored workplaces are the officers'): give "
                    "`workplace`")
    workplace: WorkplaceGiven | None = Field(
        default=None, description="Name, address and point of the workplace, in `crs`")
    crs: Crs = Crs.WGS84
    station_id: int | None = Field(default=None, ge=1, le=2**63 - 1,
                                   description="The station whose join code was scanned")
    consent: Annotated[bool, AfterValidator(_consented)] = Field(
        description="The applicant agrees to the privacy notice; must be true")

    @model_validator(mode="after")
    def _complete(self) -> NewApplication:
        if not self.consent:
            raise ValueError("consent must be true: an application is taken only with the "
                             "applicant's consent to the privacy notice")
        if self.workplace_id is not None:  # it would tell anyone which workplaces are stored
            raise ValueError("workplace_id is not taken from applicants: give the workplace as "
                             "workplace {name, address, lon, lat}; the union links it to a "
                             "workplace it knows")
        if self.workplace is None:
            raise ValueError("give the workplace as workplace {name, address, lon, lat}")
        return self


@dataclass(frozen=True)
class ApplicationRecord:
    id: int
    name: str | None  # None, with phone and workplace_name, once erased
    phone: str | None
    id_hash: bytes | None
    id_masked: str | None
    occupation_group: str
    workplace_id: int | None
    workplace_name: str | None
    workplace_address: str | None
    lon: float
    lat: float
    station_id: int | None
    union_id: int
    route_reason: str
    route_distance_m: float | None
    status: str
    deadline: date
    deadline_estimated: bool
    member_id: int | None
    merged_into_id: int | None
    existing_member_id: int | None
    created_at: datetime
    updated_at: datetime
    token_salt: bytes
    contacted_at: datetime | None = None  # when the union first marked the applicant contacted

    def overdue(self, today: date) -> bool:
        """Not yet contacted and past the contact deadline (once contacted, the deadline is met
        or was missed; it no longer counts down)."""
        return self.status == ApplicationStatus.SUBMITTED.value and is_overdue(self.deadline, today)

    @property
    def public_status(self) -> str:
        return ApplicationStatus(self.status).public.value

    def public_overdue(self, today: date) -> bool:
        """Overdue as the applicant's link shows it: a merged application like a submitted one."""
        return (self.public_status == ApplicationStatus.SUBMITTED.value
                and is_overdue(self.deadline, today))


_COLUMNS: list[ColumnElement[Any]] = [A.c[n] for n in ApplicationRecord.__dataclass_fields__
                                      if n not in ("lon", "lat", "contacted_at")]
_COLUMNS += [func.ST_X(A.c.workplace_location).label("lon"),
             func.ST_Y(A.c.workplace_location).label("lat"),
             select(func.min(E.c.at)).where(E.c.application_id == A.c.id,
                                            E.c.action == "contacted")
             .scalar_subquery().label("contacted_at")]



def overdue_at(today: date) -> ColumnElement[bool]:
    """ApplicationRecord.overdue, in SQL."""
    return (A.c.status == ApplicationStatus.SUBMITTED.value) & (A.c.deadline < today)

def _record(row: Any) -> ApplicationRecord:
    return ApplicationRecord(**{n: row._mapping[n] for n in ApplicationRecord.__dataclass_fields__})


def get(conn: Connection, application_id: int, *, lock: bool = False,
        within: Jurisdiction = EVERYWHERE) -> ApplicationRecord | None:
    """The application, if it is `within` the jurisdiction; `lock` holds it for a change in this
    transaction."""
    query = select(*_COLUMNS).where(A.c.id == application_id, within.union(A.c.union_id))
    row = conn.execute(query.with_for_update() if lock else query).first()
    return _record(row) if row else None


def request_hash(data: NewApplication) -> bytes:
    return hashlib.sha256(json.dumps(data.model_dump(mode="json"), sort_keys=True).encode()).digest()


def submit(conn: Connection, secret: str, data: NewApplication, today: date,
           idempotency_key: str | None = None) -> tuple[int, bool]:
    """Store and route an application; returns (id, replayed). With an Idempotency-Key, a retry
    of the same request returns the first application instead of a second one."""
    id_hash = identity.keyed_hash(secret, "id-number", data.id_number) if data.id_number else None
    if idempotency_key is not None:
        conn.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:k, 7))"),
                     {"k": idempotency_key})  # retries of one key wait for each other
        seen = conn.execute(select(K.c.request_hash, K.c.application_id)
                            .where(K.c.key == idempotency_key)).first()
        if seen is not None:
            if seen.request_hash != request_hash(data):
                raise IdempotencyConflict("this Idempotency-Key was used for a different "
                                          "request; use a new key for a new application")
            return seen.application_id, True
    # Nothing here may depend on who else is in the database: a member or a person with an open
    # application is answered as anyone else (an employer could test its staff list); only the
    # officers see the match.
    route, workplace = route_to(conn, data.workplace_id, data.workplace, data.crs)
    if data.station_id is not None and conn.execute(
            text("SELECT 1 FROM stations WHERE id = :id"), {"id": data.station_id}).first() is None:
        raise ApplicationRefused(f"station_id {data.station_id}: no such station")
    deadline, estimated = contact_deadline(today)
    values = {
        "name": data.name.strip(), "phone": data.phone, "id_hash": id_hash,
        "id_masked": identity.mask_id(data.id_number) if data.id_number else None,
        "occupation_group": data.occupation_group.value, **workplace,
        "station_id": data.station_id, "union_id": route.union_id,
        "route_reason": route.reason.value, "route_distance_m": route.distance_m,
        "deadline": deadline, "deadline_estimated": estimated, "consent_notice": PRIVACY_NOTICE,
        "token_salt": secrets.token_bytes(16),
        "existing_member_id": _member_with(conn, data.phone, id_hash),
    }
    application_id = _insert_or_merge(conn, values)
    _event(conn, application_id, "applicant", "submitted", ApplicationStatus.SUBMITTED,
           to_union=route.union_id, reason=route.reason.value)
    if idempotency_key is not None:
        conn.execute(K.insert().values(key=idempotency_key, request_hash=request_hash(data),
                                       application_id=application_id))
    return application_id, False


def _member_with(conn: Connection, phone: str, id_hash: bytes | None) -> int | None:
    """The member who has this phone or ID number already (a new job would be a transfer)."""
    return conn.execute(text("SELECT id FROM members WHERE phone = :phone OR id_hash = :id_hash "
                             "ORDER BY id LIMIT 1"),
                        {"phone": phone, "id_hash": id_hash}).scalar()


def _open_with(conn: Connection, phone: str, id_hash: bytes | None) -> ApplicationRecord | None:
    """The person's open application, held for the merge."""
    row = conn.execute(select(*_COLUMNS).where(
        A.c.status.in_(OPEN_STATUSES),
        (A.c.phone == phone) | ((A.c.id_hash == id_hash) if id_hash else false()))
        .order_by(A.c.id).limit(1).with_for_update()).first()
    return _record(row) if row else None


def _insert_or_merge(conn: Connection, values: dict[str, Any]) -> int:
    """Insert the application; if the person has an open one (by phone or ID number), insert
    it merged into that one, which records the merge in its history: one open application per
    person, and the same answer to the applicant either way."""
    for _ in range(2):  # a second try only after a concurrent application took the place
        first = _open_with(conn, values["phone"], values["id_hash"])
        merged = {} if first is None else {"status": ApplicationStatus.MERGED.value,
                                           "merged_into_id": first.id}
        try:
            with conn.begin_nested():
                new_id: int = conn.execute(A.insert().values(values | merged)
                                           .returning(A.c.id)).scalar_one()
        except IntegrityError:
            continue
        if first is not None:
            _event(conn, first.id, "applicant", "resubmitted", ApplicationStatus(first.status),
                   reason=f"application {new_id}")
        return new_id
    raise RuntimeError("an open application with this phone or ID number changed twice at once")


def _event(conn: Connection, application_id: int, actor: str, action: str,
           status: ApplicationStatus, *, from_union: int | None = None,
           to_union: int | None = None, reason: str | None = None) -> None:
    conn.execute(E.insert().values(application_id=application_id, actor=actor, action=action,
                                   status=status.value, from_union_id=from_union,
                                   to_union_id=to_union, reason=reason))


def events(conn: Connection, application_id: int) -> list[dict[str, Any]]:
    rows = conn.execute(select(E.c.at, E.c.actor, E.c.action, E.c.status, E.c.from_union_id,
                               E.c.to_union_id, E.c.reason)
                        .where(E.c.application_id == application_id).order_by(E.c.id))
    return [dict(r._mapping) for r in rows]


def merged_into(conn: Connection, ids: list[int]) -> dict[int, list[int]]:
    """For each application of `ids`, the later ones merged into it."""
    rows = conn.execute(select(A.c.merged_into_id, A.c.id)
                        .where(A.c.merged_into_id == any_(cast(ids, ARRAY(BigInteger))))
                        .order_by(A.c.id))
    merged: dict[int, list[int]] = {}
    for first, later in rows:
        merged.setdefault(first, []).append(later)
    return merged


def search(conn: Connection, today: date, *, within: Jurisdiction = EVERYWHERE,
           union_id: int | None = None, status: ApplicationStatus | None = None,
           overdue: bool | None = None, group: OccupationGroup | None = None,
           submitted_from: datetime | None = None, submitted_to: datetime | None = None,
           open_only: bool = False, by_deadline: bool = False, limit: int = 100,
           offset: int = 0) -> tuple[int, list[ApplicationRecord]]:
    """By id; `by_deadline`: the nearest contact deadline first (the officers' queue)."""
    conditions = [within.union(A.c.union_id)]
    if open_only:
        conditions.append(A.c.status.in_(OPEN_STATUSES))
    if submitted_from is not None:
        conditions.append(A.c.created_at >= submitted_from)
    if submitted_to is not None:
        conditions.append(A.c.created_at < submitted_to)
    if union_id is not None:
        conditions.append(A.c.union_id == union_id)
    if status is not None:
        conditions.append(A.c.status == status.value)
    if group is not None:
        conditions.append(A.c.occupation_group == group.value)
    if overdue is not None:
        conditions.append(overdue_at(today) if overdue else ~overdue_at(today))
    total = conn.execute(select(func.count()).select_from(A).where(*conditions)).scalar_one()
    order = (A.c.deadline, A.c.id) if by_deadline else (A.c.id,)
    rows = conn.execute(select(*_COLUMNS).where(*conditions).order_by(*order)
                        .limit(limit).offset(offset))
    return total, [_record(r) for r in rows]


# Handling --------------------------------------------------------------------------------------

def _must_be_open(app: ApplicationRecord, action: str) -> None:
    if not ApplicationStatus(app.status).is_open:
        raise WrongState(f"the application is {app.status}; it can no longer be {action}")


def _set(conn: Connection, application_id: int, **values: Any) -> None:
    conn.execute(A.update().where(A.c.id == application_id).values(**values, updated_at=func.now()))


def contact(conn: Connection, app: ApplicationRecord, actor: str, note: str | None) -> None:
    _must_be_open(app, "marked contacted")
    _set(conn, app.id, status=ApplicationStatus.CONTACTED.value)
    _event(conn, app.id, actor, "contacted", ApplicationStatus.CONTACTED, reason=note)


def reject(conn: Connection, app: ApplicationRecord, actor: str, reason: str) -> None:
    _must_be_open(app, "rejected")
    _set(conn, app.id, status=ApplicationStatus.REJECTED.value)
    _event(conn, app.id, actor, "rejected", ApplicationStatus.REJECTED, reason=reason)


def forward(conn: Connection, app: ApplicationRecord, actor: str, to_union_id: int,
            reason: str) -> None:
    """Send the application to another union; the deadline stays what it was."""
    _must_be_open(app, "forwarded")
    if to_union_id == app.union_id:
        raise WrongState("the application is already with that union")
    _set(conn, app.id, union_id=to_union_id, route_reason=RouteReason.FORWARDED.value,
         route_distance_m=None)
    _event(conn, app.id, actor, "forwarded", ApplicationStatus(app.status),
           from_union=app.union_id, to_union=to_union_id, reason=reason)


def approve(conn: Connection, app: ApplicationRecord, actor: str, note: str | None) -> int:
    """Approve and enrol: returns the new member's id."""
    _must_be_open(app, "approved")
    member_id = members.enrol(conn, app)
    _set(conn, app.id, status=ApplicationStatus.APPROVED.value, member_id=member_id)
    _event(conn, app.id, actor, "approved", ApplicationStatus.APPROVED, reason=note)
    return member_id

