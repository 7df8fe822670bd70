"""Fixed-window rate limits counted in PostgreSQL, so every API worker and replica shares them."""

from __future__ import annotations

import random

from sqlalchemy import Connection, text

_HIT = text("""
WITH w AS (SELECT to_timestamp(floor(extract(epoch FROM now()) / :window) * :window) AS start),
gone AS (DELETE FROM rate_limit_hits h USING w WHERE h.key = :key AND h.window_start < w.start)
INSERT INTO rate_limit_hits AS h (key, window_start, hits)
SELECT :key, w.start, 1 FROM w
ON CONFLICT (key, window_start) DO UPDATE SET hits = h.hits + 1
RETURNING h.hits, ceil(extract(epoch FROM h.window_start) + :window - extract(epoch FROM now()))
""")


_PURGE = text("DELETE FROM rate_limit_hits WHERE window_start < now() - interval '1 day'")
PURGE_EVERY = 1000  # hits, on average: keys that never come back are swept now and then


def hit(conn: Connection, key: str, limit: int, window_s: int) -> int | None:
    """Count one request for `key`; None if it is within `limit` per `window_s` seconds (at most
    a day), else the seconds until the window ends. Commit for the count to hold even if the
    request fails."""
    if random.randrange(PURGE_EVERY) == 0:
        conn.execute(_PURGE)
    hits, left = conn.execute(_HIT, {"key": key, "window": window_s}).one()
    return None if hits <= limit else max(1, int(left))
