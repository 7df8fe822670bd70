"""An officer's work on members, each step audited: listing, reading and transferring (to the
union of a new workplace, or one level up between jobs). The JSON API and the console both
call these."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from geo.crs import Crs
from membership import members
from membership.members import MemberRecord
from membership.routing import WorkplaceGiven, route_to
from membership.vocab import MemberStatus
from officers import audit
from officers.accounts import OfficerRecord
from officers.audit import Actor


def listing(conn: Connection, officer: OfficerRecord, actor: Actor, *, union_id: int | None = None,
            status: MemberStatus | None = None, text: str | None = None, limit: int = 100,
            offset: int = 0) -> tuple[int, list[MemberRecord]]:
    total, rows = members.search(conn, officer.jurisdiction, union_id=union_id, status=status,
                                 text=text, limit=limit, offset=offset)
    if rows:
        audit.record(conn, actor, "list", "member", None, officer.union_id,
                     {"ids": [m.id for m in rows]})
    return total, rows


def read(conn: Connection, officer: OfficerRecord, actor: Actor, member_id: int
         ) -> tuple[MemberRecord, list[dict[str, Any]]] | None:
    m = members.get(conn, member_id, within=officer.jurisdiction)
    if m is None:
        return None
    audit.record(conn, actor, "read", "member", m.id, m.union_id)
    return m, members.history(conn, m.id)


def transfer(conn: Connection, officer: OfficerRecord, actor: Actor, member_id: int, *,
             left_job: bool = False, workplace_id: int | None = None,
             workplace: WorkplaceGiven | None = None, crs: Crs = Crs.WGS84
             ) -> MemberRecord | None:
    """Move the membership (None if the member is not in the jurisdiction); NotRoutable if no
    union takes the new workplace: nothing is written."""
    m = members.get(conn, member_id, lock=True, within=officer.jurisdiction)
    if m is None:
        return None
    audit.record(conn, actor, "transfer", "member", m.id, m.union_id, {"left_job": left_job})
    if left_job:
        members.left_job(conn, m)
    else:
        # a stored workplace only if the officer could list it: any other id is a missing one
        route, columns = route_to(conn, workplace_id, workplace, crs, officer.jurisdiction)
        members.transfer(conn, m, route, columns)
    moved = members.get(conn, member_id)
    assert moved is not None
    if moved.union_id != m.union_id:  # the receiving union's officers see the move too
        audit.record(conn, actor, "transfer_in", "member", m.id, moved.union_id,
                     {"from_union_id": m.union_id})
    return moved
