"""Who may use yizhan from another site: frame an HTML page (YIZHAN_EMBED_ORIGINS, through
`Content-Security-Policy: frame-ancestors`) or read public GET answers from a script
(YIZHAN_CORS_ORIGINS, through CORS). `https://*.example.com` names every subdomain."""

from __future__ import annotations

import re
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.middleware.cors import CORSMiddleware
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Receive, Scope, Send

from api.auth import current_officer
from api.html import frame_ancestors
from yizhan.settings import Settings


def embedding_headers(settings: Settings) -> dict[str, str]:
    """Who may show an HTML page in an iframe: yizhan itself and YIZHAN_EMBED_ORIGINS."""
    return {"Content-Security-Policy": frame_ancestors(settings.embed_origins)}


def allow_cross_origin_reads(app: FastAPI, settings: Settings, routes: list[BaseRoute]) -> None:
    """CORS for GET from YIZHAN_CORS_ORIGINS only, on the endpoints that need no officer's login
    (`routes` says which do). No request header is allowed either, so a script elsewhere cannot
    send an officer's token."""
    if not settings.cors_origins:
        return
    exact = [o for o in settings.cors_origins if "*." not in o]
    wildcards = [re.escape(o).replace(r"\*\.", r"[A-Za-z0-9\-]+\.")
                 for o in settings.cors_origins if "*." in o]
    app.add_middleware(_ReadOnlyCors, routes=routes, allow_origins=exact,
                       allow_origin_regex="|".join(wildcards) or None,
                       allow_methods=["GET"], allow_headers=[], max_age=3600)


def _needs_officer(dependant: Dependant) -> bool:
    return dependant.call is current_officer or any(map(_needs_officer, dependant.dependencies))


class _ReadOnlyCors(CORSMiddleware):
    """CORS headers on GET, HEAD and their preflights only, and only for public endpoints.
    Starlette answers every "simple" request, POST included, so a partner's script could
    otherwise read a login's token; and an officer endpoint's answer is nobody else's."""

    def __init__(self, app: ASGIApp, /, routes: list[BaseRoute], **cors: Any) -> None:
        super().__init__(app, **cors)
        self.gets = [(route, _needs_officer(route.dependant)) for route in routes
                     if isinstance(route, APIRoute) and "GET" in (route.methods or ())]

    def _for_officers(self, scope: Scope) -> bool:
        """Whether the GET route of this path (that of a HEAD or a preflight too) needs a login."""
        probe = {**scope, "method": "GET"}
        return next((officers for route, officers in self.gets
                     if route.matches(probe)[0] is Match.FULL), False)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and (scope["method"] not in ("GET", "HEAD", "OPTIONS")
                                        or self._for_officers(scope)):
            await self.app(scope, receive, send)
            return
        await super().__call__(scope, receive, send)
