"""Logging in and changing one's password, for the token endpoint and the console alike: the
per-address limit, the slow-down and lock-out of officers.accounts, and the audit entries."""

from __future__ import annotations

from fastapi import Request
from sqlalchemy import Engine

from api.auth import client_of
from api.client_limits import client_address, limit_client
from membership import identity
from officers import accounts, audit
from officers.accounts import AccountError, LoginRefused, OfficerRecord
from officers.audit import Actor

LOGINS_PER_WINDOW, LOGIN_WINDOW_S = 30, 600


class SamePassword(AccountError):
    """The new password is the current one."""


def log_in(request: Request, engine: Engine, secret: str, username: str,
           password: str) -> OfficerRecord:
    """The officer, audited; LoginRefused (its retry_after_s set when slowed down or locked), or
    ApiError 429 past LOGINS_PER_WINDOW tries for one username from one address. Tries are
    counted per username and address, so that nobody can spend another's."""
    name = identity.keyed_hash(secret, "username", username.strip().lower()).hex()[:16]
    limit_client(request, engine, secret, f"login:{name}", LOGINS_PER_WINDOW, LOGIN_WINDOW_S,
                 "too many login attempts for this username")
    ip, agent = client_of(request)  # the tries on an officer's account are audited in clear
    refused: LoginRefused | None = None
    with engine.begin() as conn:  # a failed try is counted even though the login is refused
        try:
            officer = accounts.authenticate(conn, username, password,
                                            client_address(request, secret))
            audit.record(conn, Actor(officer.username, officer.id, ip, agent),
                         "login", "officer", officer.id, officer.union_id)
        except LoginRefused as exc:
            refused = exc
            known = accounts.by_username(conn, username)
            if known is not None:  # tries on unknown names are only counted per address
                audit.record(conn, Actor(known.username, known.id, ip, agent),
                             "login_refused", "officer", known.id, known.union_id,
                             {"reason": str(exc)})
    if refused is not None:
        raise refused
    return officer


def change_password(request: Request, engine: Engine, secret: str, officer: OfficerRecord,
                    actor: Actor, current: str, new: str) -> None:
    """Check the current password as a login would (slowed down alike), then set the new one,
    which ends every session and token of the account. LoginRefused for a wrong current
    password; SamePassword, AccountError (too weak) for the new one: nothing is changed."""
    refused: LoginRefused | None = None
    with engine.begin() as conn:  # counted as a login: guessing here is slowed just the same
        try:
            accounts.authenticate(conn, officer.username, current,
                                  client_address(request, secret))
        except LoginRefused as exc:
            refused = exc
            audit.record(conn, actor, "password_change_refused", "officer", officer.id,
                         officer.union_id, {"reason": str(exc)})
    if refused is not None:
        raise refused
    if new == current:
        raise SamePassword("must differ from the current password")
    with engine.begin() as conn:
        accounts.set_password(conn, officer.username, new)
        audit.record(conn, actor, "password_change", "officer", officer.id, officer.union_id)
