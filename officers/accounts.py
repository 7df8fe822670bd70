"""Officer accounts: creation, login with slow-down and lock-out, disabling and resets."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, func, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert

from geo.jurisdiction import EVERYWHERE, Jurisdiction
from geo.models import Union
from officers import passwords
from officers.tables import USERNAME_PATTERN, LoginFailure, Officer
from officers.vocab import Role

OFF = Officer.__table__
F = LoginFailure.__table__
U = Union.__table__
FREE_FAILURES = 3  # consecutive failed logins before each further try must wait
MAX_WAIT_S = 60  # the wait doubles from 1 s up to this
LOCK_AFTER = 10  # consecutive failures that lock the account
LOCK_FOR = timedelta(minutes=30)


class AccountError(ValueError):
    """An account cannot be created or changed as asked."""


class LoginRefused(Exception):
    """`kind` says why in a word a page can translate: wrong (name or password), wait (slowed
    down after failures) or locked (after LOCK_AFTER failures)."""

    def __init__(self, message: str, retry_after_s: int | None = None,
                 kind: str = "wrong") -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s
        self.kind = kind


@dataclass(frozen=True)
class OfficerRecord:
    id: int
    username: str
    display_name: str
    role: str
    union_id: int | None
    union_path: str | None
    token_version: int
    disabled_at: datetime | None

    @property
    def jurisdiction(self) -> Jurisdiction:
        return EVERYWHERE if self.role == Role.ADMIN else Jurisdiction(self.union_path)


_COLUMNS = [OFF.c.id, OFF.c.username, OFF.c.display_name, OFF.c.role, OFF.c.union_id,
            func.ltree2text(U.c.path).label("union_path"), OFF.c.token_version, OFF.c.disabled_at]
_FROM = OFF.outerjoin(U, U.c.id == OFF.c.union_id)


def _record(row: Any) -> OfficerRecord:
    return OfficerRecord(**row._mapping)


def get(conn: Connection, officer_id: int) -> OfficerRecord | None:
    row = conn.execute(select(*_COLUMNS).select_from(_FROM).where(OFF.c.id == officer_id)).first()
    return _record(row) if row else None


def by_username(conn: Connection, username: str) -> OfficerRecord | None:
    row = conn.execute(select(*_COLUMNS).select_from(_FROM)
                       .where(OFF.c.username == username.lower())).first()
    return _record(row) if row else None


def listing(conn: Connection) -> list[OfficerRecord]:
    return [_record(r) for r in conn.execute(select(*_COLUMNS).select_from(_FROM)
                                             .order_by(OFF.c.username))]


def valid_username(username: str) -> str:
    name = username.strip().lower()
    if not re.fullmatch(USERNAME_PATTERN, name):
        raise AccountError(f"username {username!r}: 2 to 50 of a-z, 0-9, '.', '_', '-', "
                           "starting with a letter or digit")
    return name


def create(conn: Connection, username: str, display_name: str, role: Role,
           union_code: str | None, password: str) -> OfficerRecord:
    name = valid_username(username)
    union_id = None
    if union_code is not None:
        union_id = conn.execute(select(U.c.id).where(U.c.code == union_code)).scalar()
        if union_id is None:
            raise AccountError(f"union code {union_code!r}: no such union")
    elif role == Role.OFFICER:
        raise AccountError("an officer is bound to one union: give its code")
    if role == Role.ADMIN and union_id is not None:
        raise AccountError("an admin sees everything and is bound to no union: leave out the "
                           "union code")
    if by_username(conn, name) is not None:
        raise AccountError(f"username {name!r} is taken")
    try:
        hashed = passwords.hash_password(password)
    except passwords.WeakPassword as exc:
        raise AccountError(str(exc)) from None
    new_id = conn.execute(OFF.insert().values(
        username=name, display_name=display_name.strip()[:100] or name, role=role.value,
        union_id=union_id, password_hash=hashed).returning(OFF.c.id)).scalar_one()
    created = get(conn, new_id)
    assert created is not None
    return created


def authenticate(conn: Connection, username: str, password: str,
                 address: str = "") -> OfficerRecord:
    """The officer whose password this is. Failed tries are counted per username and client
    `address` (a keyed hash): after FREE_FAILURES each further try waits, after LOCK_AFTER the
    pair is locked for LOCK_FOR. A name that does not exist, a disabled account and a wrong
    password answer alike, so the answers tell nobody which names exist."""
    name = username.strip().lower()
    key = {"username": name, "address": address}
    failed = conn.execute(select(F.c.failures, F.c.last_failed_at, F.c.locked_until,
                                 func.now().label("now"))
                          .where(F.c.username == name, F.c.address == address)
                          .with_for_update()).first()
    if failed is not None:
        if failed.locked_until is not None and failed.locked_until > failed.now:
            raise LoginRefused(
                f"{LOCK_AFTER} failed logins in a row for this username from this address: "
                f"locked until {failed.locked_until:%Y-%m-%d %H:%M:%S %Z}; an admin can unlock "
                "it at once with `yizhan officers reset-password`",
                _seconds(failed.locked_until - failed.now), "locked")
        if failed.failures >= FREE_FAILURES:
            ready = failed.last_failed_at + _wait(failed.failures)
            if ready > failed.now:
                wait = _seconds(ready - failed.now)
                raise LoginRefused(f"{failed.failures} failed logins in a row: wait {wait} s "
                                   "before trying again", wait, "wait")
    row = conn.execute(select(OFF.c.id, OFF.c.password_hash, OFF.c.disabled_at)
                       .where(OFF.c.username == name)).first()
    if not passwords.verify(row.password_hash if row else None, password) or row is None \
            or row.disabled_at is not None:
        failures = (failed.failures if failed else 0) + 1
        values = {"failures": failures, "last_failed_at": func.now(),
                  "locked_until": func.now() + LOCK_FOR if failures >= LOCK_AFTER else None}
        statement = pg_insert(F).values(**key, **values)
        conn.execute(statement.on_conflict_do_update(index_elements=[F.c.username, F.c.address],
                                                     set_=values))
        raise LoginRefused("wrong username or password")
    conn.execute(F.delete().where(F.c.username == name, F.c.address == address))
    if passwords.needs_rehash(row.password_hash):
        conn.execute(OFF.update().where(OFF.c.id == row.id)
                     .values(password_hash=passwords.hash_password(password)))
    officer = get(conn, row.id)
    assert officer is not None
    return officer


def _wait(failures: int) -> timedelta:
    return timedelta(seconds=min(MAX_WAIT_S, 2 ** (failures - FREE_FAILURES)))


def _seconds(delta: timedelta) -> int:
    return max(1, int(delta.total_seconds() + 0.999))


def active(conn: Connection, officer_id: int, token_version: int) -> OfficerRecord | None:
    """The officer a token names, if the account is enabled and the token not revoked."""
    officer = get(conn, officer_id)
    if officer is None or officer.disabled_at is not None or officer.token_version != token_version:
        return None
    return officer


def _change(conn: Connection, username: str, **values: object) -> OfficerRecord:
    changed = conn.execute(OFF.update().where(OFF.c.username == username.strip().lower())
                           .values(**values, token_version=OFF.c.token_version + 1)
                           .returning(OFF.c.id)).scalar()
    if changed is None:
        raise AccountError(f"no officer {username!r}")
    officer = get(conn, changed)
    assert officer is not None
    return officer


def disable(conn: Connection, username: str) -> OfficerRecord:
    """Refuse the account's logins and its tokens from now on."""
    return _change(conn, username, disabled_at=func.now())


def enable(conn: Connection, username: str) -> OfficerRecord:
    return _change(conn, username, disabled_at=None)


def set_password(conn: Connection, username: str, password: str) -> OfficerRecord:
    """A new password; it unlocks the account and revokes every token issued before."""
    try:
        hashed = passwords.hash_password(password)
    except passwords.WeakPassword as exc:
        raise AccountError(str(exc)) from None
    officer = _change(conn, username, password_hash=hashed, password_changed_at=func.now())
    conn.execute(F.delete().where(F.c.username == officer.username))
    return officer


def ensure_admin(conn: Connection, username: str, password: str) -> bool:
    """Create an admin account unless one with that name exists; True if created."""
    conn.execute(text("SELECT pg_advisory_xact_lock(hashtextextended('officers.ensure_admin', 0))"))
    if by_username(conn, username) is not None:
        return False
    create(conn, username, "Administrator", Role.ADMIN, None, password)
    return True
