"""Rate limits per client address on the endpoints anyone can call, and the refusal of posts
that another site's page makes a browser send (which would spend the address's budget)."""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import Request
from sqlalchemy import Connection, Engine

from api.errors import ApiError
from membership import identity
from officers import ratelimit
from yizhan.settings import Settings


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def refuse_cross_site(request: Request) -> None:
    """403 for a post another site's page made the browser send (a hidden form, a no-cors
    fetch): browsers say so in Sec-Fetch-Site and Origin. Programs send neither and pass.
    Checked before anything is counted, so a foreign page cannot use up a budget."""
    settings: Settings = request.app.state.settings
    site = request.headers.get("sec-fetch-site", "").lower()
    origin = request.headers.get("origin")
    own = {_origin(str(request.base_url))} | (
        {_origin(settings.public_url)} if settings.public_url else set())
    if site in ("cross-site", "same-site") or (origin is not None and origin.lower() not in own):
        raise ApiError(403, "this must be sent from yizhan's own pages or by a program, not "
                            f"from another site's page (Origin: {origin or 'unknown'}); open "
                            "yizhan's page and send it from there")


def client_address(request: Request, secret: str) -> str:
    """The client's address as a keyed hash: enough to count by, useless to anyone who reads it."""
    host = request.client.host if request.client else "unknown"
    return identity.keyed_hash(secret, "client", host).hex()[:32]


def count_client(conn: Connection, request: Request, secret: str, what: str, limit: int,
                 window_s: int, message: str) -> None:
    """Count this request against the client's address (kept only as a keyed hash) in `conn`'s
    transaction, so that it holds only if that commits; 429 with Retry-After beyond `limit` per
    `window_s`."""
    retry = ratelimit.hit(conn, f"{what}:{client_address(request, secret)}", limit, window_s)
    if retry is not None:
        raise ApiError(429, f"{message}: at most {limit} in {window_s // 60} minutes from one "
                            f"address; try again in {retry} s", {"Retry-After": str(retry)})


def limit_client(request: Request, engine: Engine, secret: str, what: str, limit: int,
                 window_s: int, message: str) -> None:
    """The same, committed on its own: the request counts whatever becomes of it."""
    with engine.begin() as conn:
        count_client(conn, request, secret, what, limit, window_s, message)
