"""Officer login (OAuth2 password flow) and the officer's own account."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel, ConfigDict, Field

from api import officer_login
from api.auth import ActorDep, OfficerDep
from api.client_limits import refuse_cross_site
from api.deps import EngineDep, ReadEngineDep, SecretKeyDep, SettingsDep
from api.errors import ApiError
from api.geojson import json_response
from api.routers.unions import brief
from geo import unions
from officers import tokens
from officers.accounts import AccountError, LoginRefused, OfficerRecord

router = APIRouter(prefix="/auth", tags=["officers"])


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


@router.post("/token", response_model=TokenOut,
             dependencies=[Depends(refuse_cross_site), Depends(form_fields)])
def login(request: Request, engine: EngineDep, settings: SettingsDep, secret: SecretKeyDep,
          form: Annotated[OAuth2PasswordRequestForm, Depends()]) -> Response:
    """Exchange an officer's username and password (form fields) for a bearer token. Tries
    are counted per username and address, so that nobody can spend another's; a post from
    another site's page is refused before it counts."""
    try:
        officer = officer_login.log_in(request, engine, secret, form.username, form.password)
    except LoginRefused as refused:
        if refused.retry_after_s is not None:
            raise ApiError(429, str(refused), {"Retry-After": str(refused.retry_after_s)}) from None
        raise ApiError(401, str(refused), {"WWW-Authenticate": "Bearer"}) from None
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
    try:
        officer_login.change_password(request, engine, secret, officer, actor,
                                      body.current_password, body.new_password)
    except LoginRefused as refused:
        if refused.retry_after_s is not None:
            raise ApiError(429, str(refused), {"Retry-After": str(refused.retry_after_s)}) from None
        raise ApiError(403, "current_password is wrong") from None
    except AccountError as exc:
        raise ApiError(422, f"body field 'new_password': {exc}") from None
    return Response(status_code=204)
