"""Who may use yizhan from another site: frame an HTML page (YIZHAN_EMBED_ORIGINS, through
`Content-Security-Policy: frame-ancestors`) or read public GET answers from a script
(YIZHAN_CORS_ORIGINS, through CORS). `https://*.example.com` names every subdomain."""

from __future__ import annotations

import re

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from starlette.types import Receive, Scope, Send

from yizhan.settings import Settings


def embedding_headers(settings: Settings) -> dict[str, str]:
    """Who may show an HTML page in an iframe: yizhan itself and YIZHAN_EMBED_ORIGINS."""
    ancestors = " ".join(["'self'", *settings.embed_origins])
    return {"Content-Security-Policy": f"frame-ancestors {ancestors}"}


def allow_cross_origin_reads(app: FastAPI, settings: Settings) -> None:
    """CORS for GET from YIZHAN_CORS_ORIGINS only. No request header is allowed, so a script
    elsewhere cannot send an officer's token: officer endpoints stay closed to other sites."""
    if not settings.cors_origins:
        return
    exact = [o for o in settings.cors_origins if "*." not in o]
    wildcards = [re.escape(o).replace(r"\*\.", r"[A-Za-z0-9\-]+\.")
                 for o in settings.cors_origins if "*." in o]
    app.add_middleware(_ReadOnlyCors, allow_origins=exact,
                       allow_origin_regex="|".join(wildcards) or None,
                       allow_methods=["GET"], allow_headers=[], max_age=3600)


class _ReadOnlyCors(CORSMiddleware):
    """CORS headers on GET, HEAD and their preflights only. Starlette answers every "simple"
    request, POST included, so a partner's script could otherwise read a login's token."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] not in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        await super().__call__(scope, receive, send)
