"""The pages a rider opens on a phone (the join form, the status link): one shell and style, the
choice between HTML and JSON by the Accept header, and errors as a page for a browser."""

from __future__ import annotations

import re
from html import escape
from importlib.resources import files

from fastapi import Request

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


HEADINGS = {401: "需要状态链接 · Status link needed", 404: "未找到 · Not found",
            429: "请稍后再试 · Please try again later", 503: "暂时无法使用 · Not available just now"}
REQUEST_LINK = ("<p>请打开您提交求助后得到的完整链接：链接被截断或改动后查不到。如链接丢失，请联系工会。<br>"
                "Open the whole link you were given when you asked: a link cut short or changed "
                "finds nothing. If you have lost it, contact the union.</p>")
# Routes that a browser opens: their errors come as a page, and a mistake in the link (401, 404,
# 422) with what the rider can do about it.
PAGES = {
    "/join": '<p><a href="/join">打开申请表（不带站点）· Open the join form without a station</a></p>',
    "/request": '<p><a href="/request">重新打开求助表 · Open the request form again</a></p>',
    "/requests/{request_id}": REQUEST_LINK,
    "/request/{request_id}/feedback": REQUEST_LINK,
    "/applications/{application_id}":
        "<p>请打开您提交申请后得到的完整链接：链接被截断或改动后查不到申请。如链接丢失，请联系工会。<br>"
        "Open the whole link you were given when you applied: a link cut short or changed finds "
        "nothing. If you have lost it, contact the union.</p>",
}
PAGES["/applications/{application_id}/withdraw"] = PAGES["/applications/{application_id}"]


def page_hint(request: Request) -> str | None:
    """What a rider can do after an error on the page `request` is for, if it is one of PAGES."""
    return PAGES.get(getattr(request.scope.get("route"), "path", ""))


def error_page(status: int, message: str, hint: str) -> str:
    heading = HEADINGS.get(status, "链接有误 · Something in the link is wrong")
    return page(heading, f'<h1>{heading}</h1>\n<p class="status rejected">{escape(message)}</p>\n'
                         f"{hint if status in (401, 404, 422) else ''}")
