"""What the console's page modules share: the router, the page's time zone and today, and the
responses for a missing login, a stale form and a missing item."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import Connection

from api.console import session as sessions
from api.console.messages import text
from api.console.render import Page, render
from api.console.session import LoginNeeded, PageSession, Session, StaleForm, lang_of
from api.deps import ReadEngineDep, SettingsDep
from geo import unions
from membership import identity
from yizhan.settings import Settings

router = APIRouter(prefix="/console", include_in_schema=False)


def zone(settings: Settings) -> ZoneInfo:
    return ZoneInfo(settings.timezone)


def today(settings: Settings) -> date:
    return datetime.now(zone(settings)).date()


def storable(item_id: int) -> bool:
    """An id a row can have (a BIGINT identity); any other number is no item of the console."""
    return 1 <= item_id <= 2**63 - 1


def union_name(conn: Connection, s: Session, lang: str) -> str:
    if s.officer.union_id is None:
        return text(lang, "everything")
    union = unions.get(conn, s.officer.union_id)
    return union.name if union else ""


def show(request: Request, s: Session | None, settings: Settings, template: str,
         status: int = 200, **context: Any) -> HTMLResponse:
    context.setdefault("union_name", "")
    context.setdefault("masked", identity.mask_phone)
    return render(request, s, zone(settings), template, status, **context)


def back_to(request: Request, path: str, **params: Any) -> RedirectResponse:
    """See other: after a form is handled, its page is loaded again (so a reload sends nothing)."""
    page = Page(request, None, ZoneInfo("UTC"))
    return RedirectResponse(page.url(path, **params), status_code=303)


def not_found(request: Request, s: Session, settings: Settings, union: str) -> HTMLResponse:
    lang = lang_of(request)
    return show(request, s, settings, "message.html", 404, union_name=union,
                heading=text(lang, "not_found"), text=text(lang, "not_found.text"))


def no_such_page(request: Request, engine: ReadEngineDep, settings: SettingsDep,
                 s: PageSession) -> HTMLResponse:
    with engine.connect() as conn:
        return not_found(request, s, settings, union_name(conn, s, lang_of(request)))


def login_page(request: Request, settings: Settings, *, status: int = 200, back: str = "",
               kept: dict[str, str] | None = None, username: str = "", error: str | None = None,
               notice: str | None = None) -> HTMLResponse:
    token = sessions.login_token(request)
    response = show(request, None, settings, "login.html", status, csrf=token, back=back,
                    kept=json.dumps(kept, ensure_ascii=False) if kept else "",
                    username=username, error=error, notice=notice,
                    minutes=settings.token_minutes)
    sessions.set_login_token(response, request, token)
    return response


async def login_needed(request: Request, exc: Exception) -> Response:
    """A page opened without a session goes to the login form and comes back; a form sent
    without one shows the login form with the form's fields kept."""
    assert isinstance(exc, LoginNeeded)
    settings: Settings = request.app.state.settings
    page = Page(request, None, ZoneInfo("UTC"))
    if request.method == "GET":
        return RedirectResponse(page.url(
            "/console/login", why=exc.reason if exc.reason != "needed" else None,
            back=exc.back if exc.back != sessions.PATH else None), status_code=303)
    return login_page(request, settings, back=exc.back, kept=exc.kept,
                      notice=page.t(f"login.{exc.reason}"))


async def stale_form(request: Request, exc: Exception) -> Response:
    settings: Settings = request.app.state.settings
    page = Page(request, None, ZoneInfo("UTC"))
    return show(request, None, settings, "message.html", 403, heading=page.t("stale.heading"),
                text=page.t("login.stale_form"))


HANDLERS: dict[type[Exception], Any] = {LoginNeeded: login_needed, StaleForm: stale_form}
