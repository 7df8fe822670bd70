"""Workplaces' matched area unions kept current by set-based re-matching in SQL: after a
workplace moved, after a union's area changed or went, or for every workplace at once."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, text

from geo.match_sql import FALLBACK_M, NEAREST_LATERAL, best_match_ctes

# Degrees that surely exceed FALLBACK_M in any direction below latitude 66°.
REACH_DEG = 0.05


# The rules of geo.unions.match_many in one statement over many workplaces (best_match_ctes),
# then, for workplaces no area covers, the nearest union within the fallback distance. Only
# rows whose match changed are written.


RESULT_CTE = """
result AS (
    SELECT t.id, coalesce(b.union_id, n.id) AS union_id,
           CASE WHEN b.gap THEN 'gap_fallback' WHEN b.id IS NOT NULL THEN 'matched'
                WHEN n.id IS NOT NULL THEN 'nearest_fallback' ELSE 'not_covered' END AS status,
           CASE WHEN b.interior THEN 'h3_interior' WHEN b.id IS NOT NULL THEN 'exact'
                WHEN n.id IS NOT NULL THEN 'nearest' END AS method,
           CASE WHEN b.id IS NOT NULL THEN 0 ELSE n.d END AS distance_m
    FROM target t LEFT JOIN best b ON b.id = t.id """ + NEAREST_LATERAL + """
)"""
_REMATCH = """
WITH {ctes},""" + RESULT_CTE + """
UPDATE workplaces w
SET matched_union_id = r.union_id, match_status = r.status, match_method = r.method,
    match_distance_m = r.distance_m, matched_at = now()
FROM result r
WHERE w.id = r.id AND (w.matched_union_id, w.match_status, w.match_method, w.match_distance_m)
    IS DISTINCT FROM (r.union_id, r.status, r.method, r.distance_m)
"""


# For a run over every workplace: sorts and hashes in memory, and the cell lookups as one hash
# join (the planner cannot see the sizes of the statement's CTEs and would probe the index once
# per cell, four times slower).
_WHOLE_TABLE = {"work_mem": "256MB", "enable_nestloop": "off"}


_SET = text("SELECT set_config(name, value, true) FROM unnest(CAST(:names AS text[]), "
             "CAST(:values AS text[])) AS s(name, value)")


@contextmanager
def _settings(conn: Connection, settings: dict[str, str]) -> Iterator[None]:
    """Planner settings for the statements inside, then the earlier ones again."""
    if not settings:
        yield
        return
    rows = conn.execute(text("SELECT name, current_setting(name) FROM unnest("
                             "CAST(:names AS text[])) AS name"), {"names": list(settings)})
    before = {name: value for name, value in rows}
    conn.execute(_SET, {"names": list(settings), "values": list(settings.values())})
    yield  # on an error the transaction is rolled back, and the settings with it
    conn.execute(_SET, {"names": list(before), "values": list(before.values())})


@contextmanager
def planned_for_whole_table(conn: Connection) -> Iterator[None]:
    """The planner settings a pass over every workplace runs with, for statements of one's own
    (the benchmark's match of every workplace without writing it)."""
    with _settings(conn, _WHOLE_TABLE):
        yield


# A pass over every workplace finds the covering unions with the whole-table settings first, into
# a table of the session; the nearest-union fallback then runs with the planner's own: without
# nested loops it measured every union against each uncovered workplace, nine tenths of a whole
# re-match at city scale.
_BEST_INTO = """
DROP TABLE IF EXISTS pg_temp.rematch_best;
CREATE TEMPORARY TABLE rematch_best AS
WITH {ctes} SELECT id, union_id, interior, on_border, gap FROM best;
ANALYZE pg_temp.rematch_best"""
_FROM_BEST_INTO = """
target AS MATERIALIZED ({target}),
best AS (SELECT * FROM pg_temp.rematch_best)"""


def _rematch(conn: Connection, target_sql: str, params: dict[str, Any],
             fallback: bool = True, *, whole_table: bool = False) -> int:
    """Returns how many workplaces' matches changed."""
    target = f"SELECT id, location, h3_cells FROM workplaces {target_sql}"
    run = {**params, "fallback_m": FALLBACK_M if fallback else 0.0}
    if not whole_table:
        return conn.execute(text(_REMATCH.format(ctes=best_match_ctes(target))), run).rowcount
    with _settings(conn, _WHOLE_TABLE):
        for statement in _BEST_INTO.format(ctes=best_match_ctes(target)).split(";"):
            conn.execute(text(statement), params)
    changed = conn.execute(text(_REMATCH.format(ctes=_FROM_BEST_INTO.format(target=target))),
                           run).rowcount
    conn.execute(text("DROP TABLE pg_temp.rematch_best"))
    return changed


def rematch_ids(conn: Connection, ids: list[int]) -> int:
    return _rematch(conn, "WHERE id = ANY(CAST(:ids AS bigint[]))", {"ids": ids})


def rematch_all(conn: Connection, *, fallback: bool = True) -> int:
    """Every workplace, in one transaction; `fallback=False` leaves uncovered ones unmatched (for
    measuring)."""
    return _rematch(conn, "", {}, fallback, whole_table=True)


def rematch_all_parallel(engine: Engine, workers: int) -> int:
    """Every workplace, split by id into `workers` slices that run at once, each on its own
    connection and so on its own server core (one UPDATE never uses more than one). Each slice
    commits by itself: if one fails, the others' rows are still matched right for the unions
    as they are, and a rerun finishes the job."""
    with engine.connect() as conn:
        low, high = conn.execute(text("SELECT min(id), max(id) FROM workplaces")).one()
    if low is None:
        return 0
    step = (high - low) // workers + 1
    bounds = [(start, start + step - 1) for start in range(low, high + 1, step)]

    def one(bound: tuple[int, int]) -> int:
        with engine.begin() as conn:
            return _rematch(conn, "WHERE id BETWEEN :low AND :high",
                            {"low": bound[0], "high": bound[1]}, whole_table=True)
    with ThreadPoolExecutor(workers) as pool:
        return sum(pool.map(one, bounds))


def rematch_around(conn: Connection, union_id: int, old_area_wkb: str | None) -> int:
    """After a union's area changed or went: every workplace matched to it, and every workplace
    near enough to the old or the new area to be covered by it or fall back to it (a bbox grown
    by REACH_DEG, index-backed; a superset is harmless)."""
    return _rematch(conn, f"""
        WHERE matched_union_id = :union_id
           OR location && ST_Expand((SELECT area FROM unions WHERE id = :union_id), {REACH_DEG})
           OR location && ST_Expand(ST_GeomFromEWKB(decode(CAST(:old AS text), 'hex')),
                                    {REACH_DEG})""", {"union_id": union_id, "old": old_area_wkb})
