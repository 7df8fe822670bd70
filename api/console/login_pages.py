"""Logging in and out of the console, and changing one's password: the API's own login (its
per-address limit, slow-down, lock-out and audit) said in the page's words."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import Depends, Query, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from api import officer_login
from api.console import session as sessions
from api.console.common import back_to, login_page, router, show, union_name, zone
from api.console.render import Page
from api.console.session import PageSession, PostedForm, lang_of
from api.deps import EngineDep, ReadEngineDep, SecretKeyDep, SettingsDep
from api.errors import ApiError
from officers import tokens
from officers.accounts import AccountError, LoginRefused


def refusal(page: Page, refused: LoginRefused) -> str:
    """Why a login was refused, in plain words: wrong, wait how long, or locked until when."""
    seconds = refused.retry_after_s or 1
    if refused.kind == "locked":
        return page.t("login.locked", minutes=max(1, (seconds + 59) // 60))
    if refused.kind == "wait":
        failures = str(refused).split(" ", 1)[0]
        return page.t("login.wait", failures=failures, seconds=seconds) if failures.isdigit() \
            else page.t("login.wait_plain", seconds=seconds)
    return page.t("login.wrong")


@router.get("/login")
def login_form(request: Request, settings: SettingsDep,
               back: Annotated[str | None, Query(max_length=500)] = None,
               why: Annotated[str | None, Query(max_length=20)] = None,
               done: Annotated[str | None, Query(max_length=20)] = None) -> Response:
    page = Page(request, None, zone(settings))
    notice = None
    if why in ("expired", "ended", "needed"):
        notice = page.t(f"login.{why}")
    elif done == "password":
        notice = page.t("password.done")
    elif done == "logout":
        notice = page.t("logged_out")
    return login_page(request, settings, back=sessions.safe_back(back), notice=notice)


async def _login_fields(request: Request) -> FormData:
    return await request.form()


@router.post("/login")
def log_in(request: Request, engine: EngineDep, settings: SettingsDep, secret: SecretKeyDep,
           form: Annotated[FormData, Depends(_login_fields)]) -> Response:
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    page = Page(request, None, zone(settings))
    back = sessions.safe_back(fields.get("back"))
    try:
        kept = json.loads(fields.get("kept") or "{}")
    except ValueError:
        kept = {}
    kept = {str(k): str(v)[:sessions.MAX_FIELD] for k, v in kept.items()} \
        if isinstance(kept, dict) else {}
    username, password = fields.get("username", "").strip(), fields.get("password", "")

    def again(status: int, error: str) -> Response:
        return login_page(request, settings, status=status, back=back, kept=kept,
                          username=username[:50], error=error)

    if not sessions.login_token_ok(request, fields.get("csrf", "")):
        return again(403, page.t("login.stale_form"))
    if not username or not password:
        return again(422, page.t("login.required_both"))
    try:
        officer = officer_login.log_in(request, engine, secret, username[:50], password[:200])
    except LoginRefused as refused:
        return again(429 if refused.retry_after_s else 401, refusal(page, refused))
    except ApiError as exc:  # the per-address limit
        retry = (exc.headers or {}).get("Retry-After", "60")
        return again(exc.status, page.t("login.too_many", seconds=retry))
    token = tokens.issue(secret, officer.id, officer.token_version, settings.token_minutes)
    response = RedirectResponse(page.url(back), status_code=303)
    sessions.set_session(response, request, token, settings.token_minutes)
    if kept:
        sessions.stash(response, request, secret, officer.id, kept)
    return response


@router.post("/logout")
def log_out(request: Request, posted: PostedForm) -> Response:
    response = back_to(request, "/console/login", done="logout")
    sessions.end_session(response, request)
    return response


@router.get("/password")
def password_form(request: Request, engine: ReadEngineDep, settings: SettingsDep,
                  s: PageSession) -> Response:
    with engine.connect() as conn:
        union = union_name(conn, s, lang_of(request))
    return show(request, s, settings, "password.html", union_name=union, errors={})


@router.post("/password")
def change_password(request: Request, engine: EngineDep, settings: SettingsDep,
                    secret: SecretKeyDep, posted: PostedForm) -> Response:
    s = posted.session
    page = Page(request, s, zone(settings))
    current = posted.form.get("current_password", "")
    new = posted.form.get("new_password", "")
    errors: dict[str, str] = {}
    try:
        officer_login.change_password(request, engine, secret, s.officer, s.actor, current, new)
    except LoginRefused as refused:
        errors["current_password"] = refusal(page, refused) if refused.retry_after_s \
            else page.t("password.wrong")
    except officer_login.SamePassword:
        errors["new_password"] = page.t("password.same")
    except AccountError:
        errors["new_password"] = page.t("password.weak")
    if errors:
        with engine.connect() as conn:
            union = union_name(conn, s, page.lang)
        return show(request, s, settings, "password.html", 422, union_name=union, errors=errors)
    response = back_to(request, "/console/login", done="password")
    sessions.end_session(response, request)
    return response
