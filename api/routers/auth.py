"""Officer login (OAuth2 password flow) and the officer's own account."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel, ConfigDict, Field

from api.auth import ActorDep, OfficerDep, public_actor
from api.client_limits import client_address, limit_client
from api.deps import EngineDep, ReadEngineDep, SecretKeyDep, SettingsDep
from api.errors import ApiError
from api.geojson import json_response
from api.routers.unions import brief
from geo import unions
from officers import accounts, audit, tokens
from officers.accounts import AccountError, LoginRefused, OfficerRecord
from officers.audit import Actor

router = APIRouter(prefix="/auth", tags=["officers"])
LOGINS_PER_WINDOW, LOGIN_WINDOW_S = 30, 600


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int = Field(description="Seconds until the token expires")


async def form_fields(request: Request) -> None:
    """/auth/token takes form fields, as OAuth2 has it: a JSON body is told so, not that
    `username` is missing (a dependency: it runs before the form is validated)."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind not in ("application/x-www-form-urlencoded", "multipart/form-data"):
        raise ApiError(415, f"send form fields username and password (Content-Type: "
                            f"application/x-www-form-urlencoded, as OAuth2 has it), not "
                            f"{kind or 'a body without a Content-Type'}; e.g. curl -d "
                            "username=… -d password=… /auth/token")


@router.post("/token", response_model=TokenOut, dependencies=[Depends(form_fields)])
def login(request: Request, engine: EngineDep, settings: SettingsDep, secret: SecretKeyDep,
          form: Annotated[OAuth2PasswordRequestForm, Depends()],
          client: Annotated[Actor, Depends(public_actor("login"))]) -> Response:
    """Exchange an officer's username and password (form fields) for a bearer token."""
    limit_client(request, engine, secret, "login", LOGINS_PER_WINDOW, LOGIN_WINDOW_S,
                 "too many login attempts")
    refused: LoginRefused | None = None
    with engine.begin() as conn:  # a failed try is counted even though the login is refused
        try:
            officer = accounts.authenticate(conn, form.username, form.password,
                                            client_address(request, secret))
            audit.record(conn, Actor(officer.username, officer.id, client.ip, client.user_agent),
                         "login", "officer", officer.id, officer.union_id)
        except LoginRefused as exc:
            refused = exc
            known = accounts.by_username(conn, form.username)
            if known is not None:  # tries on unknown names are only counted per address
                audit.record(conn, Actor(known.username, known.id, client.ip, client.user_agent),
                             "login_refused", "officer", known.id, known.union_id,
                             {"reason": str(exc)})
    if refused is not None:
        if refused.retry_after_s is not None:
            raise ApiError(429, str(refused), {"Retry-After": str(refused.retry_after_s)})
        raise ApiError(401, str(refused), {"WWW-Authenticate": "Bearer"})
    token = tokens.issue(secret, officer.id, officer.token_version, settings.token_minutes)
    return json_response({"access_token": token, "token_type": "bearer",
                          "expires_in": settings.token_minutes * 60})


def officer_out(conn: Any, officer: OfficerRecord) -> dict[str, Any]:
    union = unions.get(conn, officer.union_id) if officer.union_id is not None else None
    return {"id": officer.id, "username": officer.username, "display_name": officer.display_name,
            "role": officer.role, "union": brief(union) if union else None,
            "jurisdiction": "everything" if officer.jurisdiction.everything
            else "the union and every union below it"}


@router.get("/me")
def me(engine: ReadEngineDep, officer: OfficerDep) -> Response:
    """The logged-in officer and their jurisdiction."""
    with engine.connect() as conn:
        return json_response(officer_out(conn, officer))


class PasswordChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    current_password: Annotated[str, Field(max_length=200)]
    new_password: Annotated[str, Field(max_length=200)]


@router.post("/password", status_code=204)
def change_password(request: Request, engine: EngineDep, secret: SecretKeyDep,
                    officer: OfficerDep, actor: ActorDep, body: PasswordChange) -> Response:
    """Change your own password. Every token issued before stops working, this one too: log in
    again with the new password."""
    refused: LoginRefused | None = None
    with engine.begin() as conn:  # counted as a login: guessing here is slowed just the same
        try:
            accounts.authenticate(conn, officer.username, body.current_password,
                                  client_address(request, secret))
        except LoginRefused as exc:
            refused = exc
            audit.record(conn, actor, "password_change_refused", "officer", officer.id,
                         officer.union_id, {"reason": str(exc)})
    if refused is not None and refused.retry_after_s is not None:
        raise ApiError(429, str(refused), {"Retry-After": str(refused.retry_after_s)})
    if refused is not None:
        raise ApiError(403, "current_password is wrong")
    if body.new_password == body.current_password:
        raise ApiError(422, "body field 'new_password': must differ from the current password")
    with engine.begin() as conn:
        try:
            accounts.set_password(conn, officer.username, body.new_password)
        except AccountError as exc:
            raise ApiError(422, f"body field 'new_password': {exc}") from None
        audit.record(conn, actor, "password_change", "officer", officer.id, officer.union_id)
    return Response(status_code=204)
