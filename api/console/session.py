"""The console's session: a cookie holding the same signed token the API issues, read with the
same checks (a disabled account, a changed or reset password ends it at once); a CSRF token per
session in every form; and, when a form is sent after the login expired, its fields kept through
the login form in a signed cookie until the form is shown again."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request
from starlette.datastructures import FormData
from starlette.responses import Response

from api.deps import ReadEngineDep, SecretKeyDep
from officers import accounts, tokens
from officers.accounts import OfficerRecord
from officers.audit import Actor

COOKIE = "yz_console"
LOGIN_COOKIE = "yz_console_login"  # the login form's own CSRF token (there is no session yet)
STASH_COOKIE = "yz_console_form"
PATH = "/console"
STASH_SECONDS = 900
MAX_FIELD = 2000  # characters of one kept field; the forms take at most 500


class LoginNeeded(Exception):
    """No session (`reason`: needed, expired or ended); `back` is where to return after logging
    in, `kept` the fields of the form that was being sent."""

    def __init__(self, reason: str, back: str, kept: dict[str, str] | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.back = back
        self.kept = kept or {}


class StaleForm(Exception):
    """A form whose CSRF token is not this session's."""


@dataclass(frozen=True)
class Session:
    officer: OfficerRecord
    csrf: str
    expires_at: datetime | None
    actor: Actor


def _key(secret: str, purpose: bytes) -> bytes:
    return hmac.new(secret.encode(), b"console-" + purpose, hashlib.sha256).digest()


def csrf_token(secret: str, session_token: str) -> str:
    """Bound to the session: a new login has a new one, and nobody can make one without the key."""
    return hmac.new(_key(secret, b"csrf"), session_token.encode(), hashlib.sha256).hexdigest()[:40]


def lang_of(request: Request) -> str:
    return "en" if request.query_params.get("lang") == "en" else "zh"


def safe_back(path: str | None) -> str:
    """A console path to return to; anything else (another site, a scheme) becomes home."""
    if not path or not path.startswith(PATH) or "//" in path or "\\" in path or ".." in path \
            or any(ord(c) < 33 for c in path):
        return PATH
    return path


def _read(request: Request, engine: ReadEngineDep, secret: str) -> tuple[Session | None, str]:
    token = request.cookies.get(COOKIE)
    if not token:
        return None, "needed"
    try:
        claims = tokens.read(secret, token)
    except tokens.BadToken as exc:
        return None, "expired" if "expired" in str(exc) else "needed"
    with engine.connect() as conn:
        officer = accounts.active(conn, claims.officer_id, claims.version)
    if officer is None:
        return None, "ended"
    host = request.client.host if request.client else None
    actor = Actor(officer.username, officer.id, host, request.headers.get("user-agent"))
    return Session(officer, csrf_token(secret, token), claims.expires_at, actor), ""


def page_session(request: Request, engine: ReadEngineDep, secret: SecretKeyDep) -> Session:
    """For a page (GET): the session, else LoginNeeded, which returns here after logging in."""
    session, reason = _read(request, engine, secret)
    if session is None:
        back = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise LoginNeeded(reason, back)
    return session


async def _form(request: Request) -> FormData:
    return await request.form()


@dataclass(frozen=True)
class Posted:
    session: Session
    form: dict[str, str]  # a field sent more than once: its last value
    lists: dict[str, list[str]]  # every value of each field (check boxes)


def posted(request: Request, engine: ReadEngineDep, secret: SecretKeyDep,
           form: Annotated[FormData, Depends(_form)]) -> Posted:
    """For a form sent (POST): the session and the fields, once its CSRF token is checked.
    Without a session, LoginNeeded keeps the fields and returns to the form's page (`back`)."""
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    session, reason = _read(request, engine, secret)
    if session is None:
        kept = {k: v[:MAX_FIELD] for k, v in fields.items()
                if k not in ("csrf", "back") and "password" not in k}
        raise LoginNeeded(reason, safe_back(fields.get("back")), kept)
    if not hmac.compare_digest(fields.get("csrf", ""), session.csrf):
        raise StaleForm()
    lists = {k: [v for v in form.getlist(k) if isinstance(v, str)] for k in form}
    return Posted(session, fields, lists)


PageSession = Annotated[Session, Depends(page_session)]
PostedForm = Annotated[Posted, Depends(posted)]


def secure(request: Request) -> bool:
    return request.url.scheme == "https"


def set_session(response: Response, request: Request, token: str, minutes: int) -> None:
    response.set_cookie(COOKIE, token, max_age=minutes * 60, path=PATH, httponly=True,
                        samesite="strict", secure=secure(request))


def end_session(response: Response, request: Request) -> None:
    response.delete_cookie(COOKIE, path=PATH, httponly=True, samesite="strict",
                           secure=secure(request))


def login_token(request: Request) -> str:
    """The login form's CSRF token: the one in its cookie, or a new one (double submit)."""
    return request.cookies.get(LOGIN_COOKIE) or secrets.token_urlsafe(24)


def set_login_token(response: Response, request: Request, token: str) -> None:
    response.set_cookie(LOGIN_COOKIE, token, path=PATH, httponly=True, samesite="strict",
                        secure=secure(request))


def login_token_ok(request: Request, sent: str) -> bool:
    kept = request.cookies.get(LOGIN_COOKIE, "")
    return bool(kept) and hmac.compare_digest(kept, sent)


# Kept fields -----------------------------------------------------------------------------------

def _sign(secret: str, payload: bytes) -> str:
    return hmac.new(_key(secret, b"stash"), payload, hashlib.sha256).hexdigest()[:32]


def stash(response: Response, request: Request, secret: str, officer_id: int,
          kept: dict[str, str]) -> None:
    """Keep a form's fields for the officer who logs in, until the form is shown again."""
    payload = base64.urlsafe_b64encode(json.dumps({"o": officer_id, "f": kept}).encode())
    response.set_cookie(STASH_COOKIE, f"{payload.decode()}.{_sign(secret, payload)}",
                        max_age=STASH_SECONDS, path=PATH, httponly=True, samesite="strict",
                        secure=secure(request))


def kept_fields(request: Request, secret: str, officer_id: int) -> dict[str, str]:
    """The fields kept for this officer, or none."""
    value = request.cookies.get(STASH_COOKIE, "")
    payload, _, signature = value.partition(".")
    if not payload or not hmac.compare_digest(_sign(secret, payload.encode()), signature):
        return {}
    try:
        data = json.loads(base64.urlsafe_b64decode(payload))
    except ValueError:
        return {}
    if data.get("o") != officer_id or not isinstance(data.get("f"), dict):
        return {}
    return {str(k): str(v) for k, v in data["f"].items()}


def forget_fields(response: Response, request: Request) -> None:
    if STASH_COOKIE in request.cookies:
        response.delete_cookie(STASH_COOKIE, path=PATH, httponly=True, samesite="strict",
                               secure=secure(request))

