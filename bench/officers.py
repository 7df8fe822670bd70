"""What an officer's jurisdiction costs, and how fast the gap map is, on the generated province
of bench.unions (3,361 nested areas) with workplaces and stations spread over it.

    .venv/bin/python -m bench.officers [--workplaces 200000] [--stations 3000]

For a grid, a street, a district and an admin it prints, in one run:
- a page of the jurisdiction's workplaces (with its total), the subtree condition inside the
  query as yizhan runs it, beside the same query sent the subtree's union ids computed
  beforehand (what a check outside the query would cost at best);
- the gap map (workplaces with no operational station within 1 km, by H3 cell) as yizhan runs
  it (NOT EXISTS with ST_DWithin on geography), beside the same answer found through each
  workplace's nearest station (a KNN LATERAL, then its geodesic distance).
"""

from __future__ import annotations

import argparse
import os
import random
import secrets
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import psycopg
from sqlalchemy import ARRAY, BigInteger, ColumnElement, Connection, any_, literal, make_url, text

from bench.unions import PROVINCE, bulk, load_workplaces, province
from geo import workplaces
from geo.db import libpq_url, make_engine, migrate
from geo.jurisdiction import EVERYWHERE, Jurisdiction
from geo.unions import save
from officers.dashboard import gaps
from yizhan.cluster import LocalCluster
from yizhan.settings import Settings

WALK_M, RES = 1000.0, 8
KNN_GAPS = text("""
SELECT w.h3_cells[:slot] AS cell, count(*)
FROM workplaces w
CROSS JOIN LATERAL (
    SELECT s.location FROM stations s WHERE s.status = 'operational'
    ORDER BY s.location <-> w.location LIMIT 1) s
WHERE w.id = ANY(:ids) AND ST_Distance(geography(s.location), geography(w.location)) > :walk
GROUP BY 1
""")  # exact only when the nearest in degrees is the nearest in metres: a baseline, not a tool


@dataclass(frozen=True)
class GivenIds(Jurisdiction):
    """The same queries, with the subtree's union ids computed beforehand and sent along."""

    ids: tuple[int, ...] = ()

    def union(self, union_id: ColumnElement[Any]) -> ColumnElement[bool]:
        return union_id == any_(literal(list(self.ids), ARRAY(BigInteger)))


def best_ms(run: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def subtree_ids(conn: Connection, path: str | None) -> list[int]:
    if path is None:
        return list(conn.execute(text("SELECT id FROM unions")).scalars())
    return list(conn.execute(text("SELECT id FROM unions WHERE path <@ text2ltree(:p)"),
                             {"p": path}).scalars())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workplaces", type=int, default=200_000)
    parser.add_argument("--stations", type=int, default=3_000)
    args = parser.parse_args()
    settings = Settings()
    if not settings.database_url:
        LocalCluster.from_settings(settings).up()
    server_url = make_url(settings.resolved_database_url())
    admin = libpq_url(server_url.render_as_string(False))
    db = f"yizhan_bench_{os.getpid()}_{secrets.token_hex(3)}"
    with psycopg.connect(admin, autocommit=True) as raw:
        raw.execute(f'CREATE DATABASE "{db}"')
    url = server_url.set(database=db).render_as_string(hide_password=False)
    rng = random.Random(2026)
    x1, y1, x2, y2 = PROVINCE
    try:
        migrate(url)
        engine = make_engine(url, pool_size=1)
        with engine.begin() as conn:
            for data in province(rng):
                save(conn, data)
        points = [(rng.uniform(x1, x2), rng.uniform(y1, y2)) for _ in range(args.workplaces)]
        with psycopg.connect(libpq_url(url), autocommit=True) as raw:
            load_workplaces(raw, points)
            raw.execute(
                "INSERT INTO stations (external_id, name, location, h3_r10) SELECT 's' || g, 's', "
                "ST_SetSRID(ST_MakePoint(%s + random() * %s, %s + random() * %s), 4326), 0 "
                "FROM generate_series(1, %s) g", (x1, x2 - x1, y1, y2 - y1, args.stations))
            raw.execute("VACUUM ANALYZE stations")
        bulk(url)
        with psycopg.connect(libpq_url(url), autocommit=True) as raw:
            raw.execute("VACUUM ANALYZE workplaces")
        with engine.connect() as conn:
            paths = {level: conn.execute(text(
                "SELECT ltree2text(path) FROM unions WHERE level = :l ORDER BY code LIMIT 1"),
                {"l": level}).scalar_one() for level in ("grid", "street", "district")}
            rows = []
            for name, path in [*paths.items(), ("admin", None)]:
                within = EVERYWHERE if path is None else Jurisdiction(path)
                ids = subtree_ids(conn, path)
                count = workplaces.search(conn, within=within, limit=1)[0]

                def listed(within: Jurisdiction = within) -> object:
                    return workplaces.search(conn, within=within, limit=100)

                def listed_by_ids(ids: list[int] = ids) -> object:
                    return workplaces.search(conn, within=GivenIds("given", tuple(ids)), limit=100)

                def gap_map(within: Jurisdiction = within) -> object:
                    return gaps(conn, within, WALK_M, RES)

                def knn_gaps(ids: list[int] = ids) -> object:
                    scoped = list(conn.execute(text(
                        "SELECT id FROM workplaces WHERE matched_union_id = ANY(:ids) "
                        "OR own_union_id = ANY(:ids)"), {"ids": ids}).scalars())
                    return conn.execute(KNN_GAPS, {"slot": RES - 6, "ids": scoped,
                                                   "walk": WALK_M}).all()

                repeat = 3 if name == "admin" else 7
                rows.append((name, count, best_ms(listed, repeat), best_ms(listed_by_ids, repeat),
                             best_ms(gap_map, repeat), best_ms(knn_gaps, repeat)))
        engine.dispose()
    finally:
        with psycopg.connect(admin, autocommit=True) as raw:
            raw.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
    print(f"\n{args.workplaces:,} workplaces, {args.stations:,} stations, 3,361 areas; "
          "median milliseconds\n")
    print(f"{'jurisdiction':12} {'workplaces':>10} | {'list page':>9} {'ids given':>9} {'ratio':>6}"
          f" | {'gap map':>9} {'KNN':>9} {'ratio':>6}")
    for name, count, page, page_ids, gap, knn in rows:
        print(f"{name:12} {count:>10,} | {page:9.1f} {page_ids:9.1f} {page / page_ids:6.2f}"
              f" | {gap:9.1f} {knn:9.1f} {gap / knn:6.2f}")


if __name__ == "__main__":
    main()
