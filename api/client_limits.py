"""Rate limits per client address on the endpoints anyone can call."""

from __future__ import annotations

from fastapi import Request
from sqlalchemy import Connection, Engine

from api.errors import ApiError
from membership import identity
from officers import ratelimit


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
