"""The pages a rider opens on a phone (the join form, the status link): one shell and style, the
choice between HTML and JSON by the Accept header, and errors as a page for a browser."""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import escape
from importlib.resources import files
from typing import Annotated, Literal

from fastapi import Query, Request

from api.messages import Words

Lang = Annotated[Literal["zh", "en"], Query(description="The page's language")]
STYLE = (files("api") / "pages" / "style.css").read_text("utf-8")
# For a page without scripts: nothing loads from anywhere and only its own inline style applies
# (and its empty icon, which spares a phone the request for /favicon.ico).
NO_SCRIPTS = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
Q_VALUE = re.compile(r"\s*q\s*=\s*(0(\.\d{0,3})?|1(\.0{0,3})?)\s*", re.IGNORECASE)


def quality(accept: str, media_type: str) -> float:
    """How much `accept` wants `media_type`: the q of its most specific matching range, 0 when
    none matches (RFC 9110, section 12.5.1). A malformed q counts as 1."""
    kind = media_type.split("/")[0]
    ranks = {media_type: 2, f"{kind}/*": 1, "*/*": 0}
    best_rank, best_q = -1, 0.0
    for part in accept.split(","):
        media_range, *parameters = part.split(";")
        rank = ranks.get(media_range.strip().lower(), -1)
        if rank < 0 or rank < best_rank:
            continue
        q = 1.0
        for parameter in parameters:
            if found := Q_VALUE.fullmatch(parameter):
                q = float(found.group(1))
        best_q = q if rank > best_rank else max(best_q, q)
        best_rank = rank
    return best_q


def frame_ancestors(embed_origins: list[str]) -> str:
    """Who may show an HTML page in an iframe: yizhan itself and YIZHAN_EMBED_ORIGINS."""
    return "frame-ancestors " + " ".join(["'self'", *embed_origins])


def prefers_html(request: Request) -> bool:
    """Whether the client ranks HTML above JSON, as a browser does; no Accept header, `*/*` or
    a tie means JSON."""
    accept = request.headers.get("accept", "")
    return quality(accept, "text/html") > quality(accept, "application/json")


def page(title: str, body: str, lang: str = "zh", head: str = "") -> str:
    """A complete page around `body` (HTML, already escaped) with the shared style; `lang` is
    "en" or Chinese (anything else); `head` is more for its head (a style sheet)."""
    return (f'<!doctype html>\n<html lang="{"en" if lang == "en" else "zh-CN"}">\n<head>\n'
            '<meta charset="utf-8">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            '<link rel="icon" href="data:,">\n'
            f"<title>{escape(title)}</title>\n<style>\n{STYLE}</style>\n{head}</head>\n<body>\n"
            f"{body}\n</body>\n</html>\n")


HEADINGS: dict[int, Words] = {
    401: ("需要状态链接", "Status link needed"), 404: ("未找到", "Not found"),
    429: ("请稍后再试", "Please try again later"), 503: ("暂时无法使用", "Not available just now")}
WRONG: Words = ("链接有误", "Something in the link is wrong")
REQUEST_LINK: Words = (
    "请打开您提交求助后得到的完整链接：链接被截断或改动后查不到。如链接丢失，请联系工会。",
    "Open the whole link you were given when you asked: a link cut short or changed finds "
    "nothing. If you have lost it, contact the union.")
# What a rider can do after an error on a page, by route; a route under /maps/ is a page too.
PAGES: dict[str, Words] = {
    "/join": ('<a href="/join">打开申请表（不带站点）</a>',
              '<a href="/join?lang=en">Open the join form without a station</a>'),
    "/request": ('<a href="/request">重新打开求助表</a>',
                 '<a href="/request?lang=en">Open the request form again</a>'),
    "/requests/{request_id}": REQUEST_LINK,
    "/request/{request_id}/feedback": REQUEST_LINK,
    "/applications/{application_id}":
        ("请打开您提交申请后得到的完整链接：链接被截断或改动后查不到申请。如链接丢失，请联系工会。",
         "Open the whole link you were given when you applied: a link cut short or changed finds "
         "nothing. If you have lost it, contact the union."),
}
PAGES["/applications/{application_id}/withdraw"] = PAGES["/applications/{application_id}"]
MAP_HINT: Words = ("请检查链接中的参数，或打开<a href=\"/maps/nearest?lat=31.2335&amp;lon=121.4751\">"
                   "附近站点地图</a>。",
                   'Check the parameters in the link, or open the <a href="/maps/nearest?lat=31.2335'
                   '&amp;lon=121.4751&amp;lang=en">map of nearby stations</a>.')


PAGES["/s/{station_id}"] = PAGES["/s/{station_id}/visit"] = MAP_HINT


@dataclass(frozen=True)
class PageRoute:
    """An HTML route's error page: its language (the one `lang` asks for) and hint."""
    language: int  # 0 Chinese, 1 English
    hint: Words | None


def page_route(request: Request) -> PageRoute | None:
    """Whether `request` is for an HTML page, and how its errors are worded; None for the API."""
    path = getattr(request.scope.get("route"), "path", "")
    language = 1 if request.query_params.get("lang") == "en" else 0
    if path in PAGES:
        return PageRoute(language, PAGES[path])
    if path.startswith("/maps/"):
        return PageRoute(language, MAP_HINT)
    return None


def error_page(status: int, lines: list[Words], route: PageRoute) -> str:
    """A small page for a browser: what was wrong, in the page's language, and the hint."""
    i = route.language
    title = HEADINGS.get(status, WRONG)[i]
    said = "".join(f'<p class="status rejected">{escape(line[i])}</p>\n' for line in lines)
    hint = f"<p>{route.hint[i]}</p>" if route.hint and status in (401, 404, 422) else ""
    return page(title, f"<h1>{escape(title)}</h1>\n{said}{hint}", "en" if i == 1 else "zh")
