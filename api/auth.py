"""Officer authentication (OAuth2 password flow, bearer tokens) and who is acting, for the
audit log."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer

from api.client_limits import client_address
from api.deps import PrimaryReadEngineDep, SecretKeyDep, SettingsDep
from api.errors import ApiError
from membership import identity
from officers import accounts, tokens
from officers.accounts import OfficerRecord
from officers.audit import Actor
from officers.vocab import Role

_oauth2 = OAuth2PasswordBearer(tokenUrl="/auth/token", auto_error=False,
                               description="An officer's token from POST /auth/token")
_LOGIN = "log in as an officer with POST /auth/token (form fields username and password), " \
         "then send 'Authorization: Bearer <access_token>'"


def _unauthorised(message: str) -> ApiError:
    return ApiError(401, message, {"WWW-Authenticate": "Bearer"})


def optional_officer(engine: PrimaryReadEngineDep, secret: SecretKeyDep,
                     token: Annotated[str | None, Depends(_oauth2)]) -> OfficerRecord | None:
    """The officer of the bearer token; None without one; 401 for a bad or revoked one. Asked of
    the primary: a replica behind it could still take a token revoked a moment ago."""
    if token is None:
        return None
    try:
        claims = tokens.read(secret, token)
    except tokens.BadToken as exc:
        raise _unauthorised(f"{exc}: {_LOGIN}") from None
    with engine.connect() as conn:
        officer = accounts.active(conn, claims.officer_id, claims.version)
    if officer is None:
        raise _unauthorised(f"this token no longer works (the account was disabled, its "
                            f"password changed or reset, or it no longer exists): {_LOGIN}")
    return officer


@dataclass(frozen=True)
class Caller:
    """Who calls where a login is optional: the officer of a good token, else nobody, with the
    reason a token sent along did not count (public data is answered all the same)."""
    officer: OfficerRecord | None
    refused: ApiError | None = None


def lenient_officer(engine: PrimaryReadEngineDep, settings: SettingsDep,
                    token: Annotated[str | None, Depends(_oauth2)]) -> Caller:
    """Public data does not need the secret key: without one, nobody is an officer."""
    try:
        if token is not None and not settings.secret_key:
            raise _unauthorised("officer logins are disabled on this server: no secret key is "
                                "configured (YIZHAN_SECRET_KEY)")
        return Caller(optional_officer(engine, settings.secret_key or "", token))
    except ApiError as exc:
        return Caller(None, exc)


def current_officer(officer: Annotated[OfficerRecord | None, Depends(optional_officer)]
                    ) -> OfficerRecord:
    if officer is None:
        raise _unauthorised(f"this needs an officer's login: {_LOGIN}")
    return officer


OfficerDep = Annotated[OfficerRecord, Depends(current_officer)]


def admin_officer(officer: OfficerDep) -> OfficerRecord:
    if officer.role != Role.ADMIN:
        raise ApiError(403, "this needs an admin account; officers manage their own union's "
                            "area through the /officer, /stations, /applications, /members and "
                            "/workplaces endpoints")
    return officer


AdminDep = Annotated[OfficerRecord, Depends(admin_officer)]


def client_of(request: Request) -> tuple[str | None, str | None]:
    """The client's address and user agent, as an officer's actions are audited with them."""
    return (request.client.host if request.client else None), request.headers.get("user-agent")


def officer_actor(request: Request, officer: OfficerDep) -> Actor:
    ip, agent = client_of(request)
    return Actor(officer.username, officer.id, ip, agent)


def public_actor(name: str) -> Callable[[Request, str], Actor]:
    """A dependency naming an anonymous actor ("applicant", "public"): their address only as
    the keyed hash the rate limits count by, their user agent only as a keyed hash too, so that
    an officer can tell repeated visitors apart without learning who or where they are."""
    def actor(request: Request, secret: SecretKeyDep) -> Actor:
        agent = request.headers.get("user-agent")
        return Actor(name, None, client_address(request, secret), agent and identity.keyed_hash(
            secret, "user-agent", agent).hex()[:32])
    return actor


ActorDep = Annotated[Actor, Depends(officer_actor)]


def admin_actor(request: Request, officer: AdminDep) -> Actor:
    return officer_actor(request, officer)


AdminActorDep = Annotated[Actor, Depends(admin_actor)]
