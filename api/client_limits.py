"""Rate limits per client address on the endpoints anyone can call."""

from __future__ import annotations

from fastapi import Request
from sqlalchemy import Engine

from api.errors import ApiError
from membership import identity
from officers import ratelimit


def limit_client(request: Request, engine: Engine, secret: str, what: str, limit: int,
                 window_s: int, message: str) -> None:
    """Count this request against the client's address (kept only as a keyed hash); 429 with
    Retry-After beyond `limit` per `window_s`. The count is committed on its own."""
    host = request.client.host if request.client else "unknown"
    key = f"{what}:{identity.keyed_hash(secret, 'client', host).hex()[:32]}"
    with engine.begin() as conn:
        retry = ratelimit.hit(conn, key, limit, window_s)
    if retry is not None:
        raise ApiError(429, f"{message}: at most {limit} in {window_s // 60} minutes from one "
                            f"address; try again in {retry} s", {"Retry-After": str(retry)})
