"""Rendering a console page: Jinja2 templates, the page's language, and the headers every page
carries (a strict Content-Security-Policy with no inline script or style, nothing cached)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, select_autoescape

from api.console import messages
from api.console.session import Session, lang_of
from membership.deadline import working_days_late, working_days_left

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
HEADERS = {"Content-Security-Policy": CSP, "Cache-Control": "no-store",
           "Referrer-Policy": "same-origin", "X-Content-Type-Options": "nosniff"}
ENV = Environment(loader=PackageLoader("api.console", "templates"),
                  autoescape=select_autoescape(default=True),
                  trim_blocks=True, lstrip_blocks=True,
                  # a value a page lacks (an erased name, say) is never printed as "None"
                  finalize=lambda value: "—" if value is None else value)


class Page:
    """What every template gets as `p`: the words in the page's language and its links."""

    def __init__(self, request: Request, session: Session | None, zone: ZoneInfo) -> None:
        self.lang = lang_of(request)
        self.session = session
        self.zone = zone
        self.path = request.url.path

    def t(self, key: str, **values: Any) -> str:
        return messages.text(self.lang, key, **values)

    def w(self, vocabulary: str, value: str) -> str:
        return messages.word(self.lang, vocabulary, value)

    def actor(self, name: str) -> str:
        """Who did it, as the audit log names them: an officer by username, the others in words."""
        if name.startswith("cli:"):
            return self.t("cli", name=name[4:])
        return messages.word(self.lang, "actor", name)

    def reason(self, why: str) -> str:
        """Why a membership began: joined, a transfer (and its route), held one level up."""
        if why == "joined":
            return self.t("reason.joined")
        if why.startswith("transfer:"):
            return f"{self.t('member.transfer')}: {self.w('route', why.split(':', 1)[1])}"
        return self.w("route", why)

    def url(self, path: str, **params: Any) -> str:
        """A console link in this page's language; None and empty parameters are left out."""
        path, _, given = path.partition("?")
        query = dict(parse_qsl(given))
        query |= {k: v for k, v in params.items() if v not in (None, "", False)}
        if self.lang == "en":
            query["lang"] = "en"
        return path + (f"?{urlencode(query)}" if query else "")

    def other_lang(self, request_query: dict[str, str]) -> str:
        query = {k: v for k, v in request_query.items() if k != "lang"}
        if self.lang == "zh":
            query["lang"] = "en"
        return self.path + (f"?{urlencode(query)}" if query else "")

    def when(self, at: datetime | None) -> str:
        return at.astimezone(self.zone).strftime("%Y-%m-%d %H:%M") if at else ""

    def due(self, today: date, deadline: date) -> tuple[str, str]:
        """Days left in words, and a class: overdue, soon (3 working days or fewer) or ok."""
        left = working_days_left(today, deadline)
        if left < 0:
            return self.t("due.over1" if left == -1 else "due.over", n=-left), "overdue"
        if left == 0:
            return self.t("due.today"), "soon"
        return self.t("due.left1" if left == 1 else "due.left", n=left), \
            "soon" if left <= 3 else "ok"

    def contact_due(self, today: date, deadline: date, contacted_at: datetime | None
                    ) -> tuple[str, str]:
        """An application's contact deadline in words: the days left, or once the applicant was
        contacted, whether that was in time."""
        if contacted_at is None:
            return self.due(today, deadline)
        late = working_days_late(deadline, contacted_at.astimezone(self.zone).date())
        if late == 0:
            return self.t("due.contacted"), "ok"
        return self.t("due.contacted_late1" if late == 1 else "due.contacted_late", n=late), "late"


def render(request: Request, session: Session | None, zone: ZoneInfo, template: str,
           status: int = 200, **context: Any) -> HTMLResponse:
    p = Page(request, session, zone)
    html = ENV.get_template(template).render(p=p, query=dict(request.query_params), **context)
    return HTMLResponse(html, status_code=status, headers=HEADERS)
