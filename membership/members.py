"""Members and the history of their memberships: enrolled on approval, moved by transfers, held
one level up between jobs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Connection, func, or_, select

from geo.crs import wgs84_ewkt
from geo.jurisdiction import EVERYWHERE, Jurisdiction
from membership.routing import Route, parent_or_self
from membership.tables import Member, Membership
from membership.vocab import MemberStatus, RouteReason

M = Member.__table__
H = Membership.__table__


class Approved(Protocol):
    """What enrolling takes of an approved application (membership.applications.ApplicationRecord).
    Personal fields are None only once erased, which an open application never is."""

    @property
    def id(self) -> int: ...
    @property
    def name(self) -> str | None: ...
    @property
    def phone(self) -> str | None: ...
    @property
    def id_hash(self) -> bytes | None: ...
    @property
    def id_masked(self) -> str | None: ...
    @property
    def occupation_group(self) -> str: ...
    @property
    def union_id(self) -> int: ...
    @property
    def workplace_id(self) -> int | None: ...
    @property
    def workplace_name(self) -> str | None: ...
    @property
    def workplace_address(self) -> str | None: ...
    @property
    def lon(self) -> float: ...
    @property
    def lat(self) -> float: ...


@dataclass(frozen=True)
class MemberRecord:
    id: int
    member_no: str
    name: str
    phone: str
    id_masked: str | None
    occupation_group: str
    union_id: int
    status: str
    workplace_id: int | None
    workplace_name: str | None
    workplace_address: str | None
    joined_at: datetime
    updated_at: datetime


_COLUMNS = [M.c[n] for n in MemberRecord.__dataclass_fields__]


def get(conn: Connection, member_id: int, *, lock: bool = False,
        within: Jurisdiction = EVERYWHERE) -> MemberRecord | None:
    query = select(*_COLUMNS).where(M.c.id == member_id, within.union(M.c.union_id))
    row = conn.execute(query.with_for_update() if lock else query).first()
    return MemberRecord(**row._mapping) if row else None


def search(conn: Connection, within: Jurisdiction, *, union_id: int | None = None,
           status: MemberStatus | None = None, text: str | None = None, limit: int = 100,
           offset: int = 0) -> tuple[int, list[MemberRecord]]:
    """`text` finds a member number or a phone number exactly (the phone as +86… or its 11
    digits), or a part of a name."""
    conditions = [within.union(M.c.union_id)]
    if text:
        digits = text.removeprefix("+86")
        conditions.append(or_(M.c.member_no == text.upper(), M.c.phone == f"+86{digits}",
                              M.c.name.contains(text, autoescape=True)))
    if union_id is not None:
        conditions.append(M.c.union_id == union_id)
    if status is not None:
        conditions.append(M.c.status == status.value)
    total = conn.execute(select(func.count()).select_from(M).where(*conditions)).scalar_one()
    rows = conn.execute(select(*_COLUMNS).where(*conditions).order_by(M.c.id).limit(limit)
                        .offset(offset))
    return total, [MemberRecord(**r._mapping) for r in rows]


def history(conn: Connection, member_id: int) -> list[dict[str, Any]]:
    rows = conn.execute(select(H.c.union_id, H.c.reason, H.c.started_at, H.c.ended_at)
                        .where(H.c.member_id == member_id).order_by(H.c.id))
    return [dict(r._mapping) for r in rows]


def enrol(conn: Connection, app: Approved) -> int:
    member_id = conn.execute(M.insert().values(
        member_no=f"pending-{app.id}", name=app.name, phone=app.phone,
        id_hash=app.id_hash,
        id_masked=app.id_masked, occupation_group=app.occupation_group, union_id=app.union_id,
        workplace_id=app.workplace_id, workplace_name=app.workplace_name,
        workplace_address=app.workplace_address, workplace_location=wgs84_ewkt(app.lon, app.lat),
    ).returning(Member.id)).scalar_one()
    conn.execute(M.update().where(M.c.id == member_id).values(member_no=f"M{member_id:010d}"))
    _open(conn, member_id, app.union_id, "joined")
    return member_id


def _open(conn: Connection, member_id: int, union_id: int, reason: str) -> None:
    conn.execute(H.update().where(H.c.member_id == member_id, H.c.ended_at.is_(None))
                 .values(ended_at=func.now()))
    conn.execute(H.insert().values(member_id=member_id, union_id=union_id, reason=reason))


def transfer(conn: Connection, member: MemberRecord, route: Route,
             workplace: dict[str, Any]) -> bool:
    """Move a member to the union of a new workplace; returns whether the union changed."""
    moved = route.union_id != member.union_id
    conn.execute(M.update().where(M.c.id == member.id).values(
        union_id=route.union_id, status=MemberStatus.ACTIVE.value, updated_at=func.now(),
        **workplace))
    if moved or member.status != MemberStatus.ACTIVE.value:
        _open(conn, member.id, route.union_id, f"transfer:{route.reason.value}")
    return moved


def left_job(conn: Connection, member: MemberRecord) -> int:
    """A member without a new job is held by the union one level above their old one (once:
    leaving again while between jobs changes nothing)."""
    if member.status == MemberStatus.BETWEEN_JOBS.value:
        return member.union_id
    holder = parent_or_self(conn, member.union_id)
    conn.execute(M.update().where(M.c.id == member.id).values(
        union_id=holder, status=MemberStatus.BETWEEN_JOBS.value, workplace_id=None,
        workplace_name=None, workplace_address=None, workplace_location=None,
        updated_at=func.now()))
    _open(conn, member.id, holder, RouteReason.HELD_BY_PARENT.value)
    return holder
