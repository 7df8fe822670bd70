"""Sliding-window rate limits and budgets counted in PostgreSQL, so every API worker and replica
shares them.

A limit means what its message says: at most `limit` in any `window_s` seconds. Each accepted
request is kept as a row (`window_start` is when it came); a refused one is not kept, so it
neither extends the wait nor grows the table. A fixed clock window would let twice the limit
through around its edge. The limits are small (tens an hour), so the rows are few."""

from __future__ import annotations

import math
import random

from sqlalchemy import Connection, text

# Requests for one key wait for each other here, so two at once cannot both take the last place.
_LOCK = text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))")
_RECENT = text("""
SELECT extract(epoch FROM h.window_start + make_interval(secs => :window) - now()) AS expires_in,
       h.hits
FROM rate_limit_hits h
WHERE h.key = :key AND h.window_start > now() - make_interval(secs => :window)
ORDER BY h.window_start
""")
_KEEP = text("""
INSERT INTO rate_limit_hits AS h (key, window_start, hits) VALUES (:key, now(), 1)
ON CONFLICT (key, window_start) DO UPDATE SET hits = h.hits + 1
""")
_PURGE = text("DELETE FROM rate_limit_hits WHERE window_start < now() - interval '1 day'")
PURGE_EVERY = 1000  # hits, on average: keys that never come back are swept now and then


def hit(conn: Connection, key: str, limit: int, window_s: int) -> int | None:
    """Count one request for `key`: None if fewer than `limit` were accepted in the last
    `window_s` seconds (at most a day), and it is kept; else the seconds until one more would be
    accepted. The count holds when the transaction commits."""
    if random.randrange(PURGE_EVERY) == 0:
        conn.execute(_PURGE)
    conn.execute(_LOCK, {"key": key})
    expiries = [float(row.expires_in) for row in conn.execute(_RECENT, {"key": key, "window": window_s})
                for _ in range(row.hits)]
    if len(expiries) < limit:
        conn.execute(_KEEP, {"key": key})
        return None
    # One more fits once all but limit - 1 of those in the window have left it.
    return max(1, math.ceil(expiries[len(expiries) - limit]))


# A cost is kept at the second after it came, rounded up: a key spends at most 60 rows a minute
# however it splits its requests, and a cost leaves the window no earlier than it should.
_SPEND = text("""
INSERT INTO rate_limit_hits AS h (key, window_start, hits)
VALUES (:key, date_trunc('second', now()) + interval '1 second', :cost)
ON CONFLICT (key, window_start) DO UPDATE SET hits = h.hits + :cost
""")


def room(conn: Connection, key: str, budget: int, window_s: int) -> int | None:
    """None if `key` has any of its `budget` left in the last `window_s` seconds, else the
    seconds until some comes back. Counts nothing."""
    return spend(conn, key, 1, budget, window_s, keep=False)


def spend(conn: Connection, key: str, cost: int, budget: int, window_s: int,
          keep: bool = True) -> int | None:
    """Spend `cost` units (points, say) of `key`'s `budget` per `window_s` seconds: None if the
    units spent in the last `window_s` seconds leave room for it, and it is kept; else the
    seconds until they would (a cost above the whole budget never fits: the caller refuses it
    first). The spending holds when the transaction commits."""
    if cost > budget:
        raise ValueError(f"a cost of {cost} can never fit a budget of {budget}")
    if random.randrange(PURGE_EVERY) == 0:
        conn.execute(_PURGE)
    conn.execute(_LOCK, {"key": key})
    spent = conn.execute(_RECENT, {"key": key, "window": window_s}).all()
    over = sum(row.hits for row in spent) + cost - budget
    if over <= 0:
        if keep:
            conn.execute(_SPEND, {"key": key, "cost": cost})
        return None
    for row in spent:  # oldest first: room comes back as they leave the window
        over -= row.hits
        if over <= 0:
            return max(1, math.ceil(float(row.expires_in)))
    raise AssertionError("unreachable: the spent units exceed what is needed")
