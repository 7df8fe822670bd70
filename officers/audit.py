"""The audit log: every write, and every read of personal data, with who, when, what and from
where. Written in the same transaction as the change it records."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, func, select

from geo.jurisdiction import Jurisdiction
from geo.models import Union
from officers.tables import AuditEntry

A = AuditEntry.__table__
U = Union.__table__


@dataclass(frozen=True)
class Actor:
    """Who acts, and from where."""

    name: str  # an officer's username, or "applicant", "public", "cli"
    officer_id: int | None = None
    ip: str | None = None
    user_agent: str | None = None


def record(conn: Connection, actor: Actor, action: str, object_type: str,
           object_id: int | None, union_id: int | None = None,
           detail: dict[str, Any] | None = None) -> None:
    """`union_id` is the union the object belongs to: officers of its subtree see the entry."""
    path = select(U.c.path).where(U.c.id == union_id).scalar_subquery()
    conn.execute(A.insert().values(
        officer_id=actor.officer_id, actor=actor.name, action=action, object_type=object_type,
        object_id=object_id, union_id=union_id, union_path=path, ip=actor.ip,
        user_agent=(actor.user_agent or "")[:300] or None, detail=detail))


def search(conn: Connection, within: Jurisdiction, *, action: str | None = None,
           object_type: str | None = None, object_id: int | None = None,
           actor: str | None = None, since: datetime | None = None, until: datetime | None = None,
           limit: int = 100, offset: int = 0) -> tuple[int, list[dict[str, Any]]]:
    """Newest first. Officers see the entries about their subtree; admins see all."""
    conditions: list[ColumnElement[bool]] = []
    if not within.everything:
        conditions.append(A.c.union_path.op("<@")(func.text2ltree(within.path)))
    for column, value in ((A.c.action, action), (A.c.object_type, object_type),
                          (A.c.object_id, object_id), (A.c.actor, actor)):
        if value is not None:
            conditions.append(column == value)
    if since is not None:
        conditions.append(A.c.at >= since)
    if until is not None:
        conditions.append(A.c.at < until)
    total = conn.execute(select(func.count()).select_from(A).where(*conditions)).scalar_one()
    rows = conn.execute(
        select(A.c.id, A.c.at, A.c.actor, A.c.officer_id, A.c.action, A.c.object_type,
               A.c.object_id, A.c.union_id, A.c.ip, A.c.user_agent,
               A.c.detail)
        .where(*conditions).order_by(A.c.id.desc()).limit(limit).offset(offset))
    return total, [dict(r._mapping) for r in rows]
