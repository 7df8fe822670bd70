"""What following workers' requests costs, on the generated province of bench.unions (3,361
nested areas) with requests spread over its grids, a tenth of them past their deadline.

    .venv/bin/python -m bench.requests [--requests 100000]

It prints, in one run:
- `yizhan requests escalate` over everything: how long, for how many escalations recorded;
- for a street, a district and an admin: the officers' queue page as yizhan serves it (the
  escalations due recorded first, on every read) beside the same page with no escalation pass
  (the baseline: what a read costs if only the daily command escalated), once the command has
  run; and the counts per category and the H3 cells at resolution 8 of the jurisdiction.
"""

from __future__ import annotations

import argparse
import os
import random
import secrets
import time
from datetime import date, timedelta

import h3
import psycopg
from sqlalchemy import make_url, text

from bench.officers import best_ms
from bench.unions import PROVINCE, province
from geo.db import libpq_url, make_engine, migrate
from geo.jurisdiction import EVERYWHERE, Jurisdiction
from geo.unions import save
from membership.worker_requests import core, stats
from membership.worker_requests.escalation import escalate_due
from membership.worker_requests.vocab import DEFAULT_DEADLINES, Category
from yizhan.cluster import LocalCluster
from yizhan.settings import Settings

TODAY = date(2026, 12, 4)
INSERT = """
INSERT INTO worker_requests (category, description, workplace_location, h3_cell, union_id,
    route_reason, deadline, current_deadline, current_deadline_estimated, token_salt)
SELECT c, 'bench', ST_SetSRID(ST_MakePoint(x, y), 4326), cell, u, 'area', d, d, false, '\\x00'
FROM unnest(%s::text[], %s::float8[], %s::float8[], %s::bigint[], %s::bigint[], %s::date[])
    AS t(c, x, y, cell, u, d)
"""


def load(url: str, n: int, rng: random.Random) -> None:
    x1, y1, x2, y2 = PROVINCE
    with psycopg.connect(libpq_url(url), autocommit=True) as conn:
        grids = [r[0] for r in conn.execute("SELECT id FROM unions WHERE level = 'grid'")]
        columns: list[list[object]] = [[], [], [], [], [], []]
        for _ in range(n):
            x, y = rng.uniform(x1, x2), rng.uniform(y1, y2)
            late = rng.random() < 0.1  # a tenth past the handling union's deadline
            deadline = TODAY - timedelta(days=rng.randint(1, 20) if late else -rng.randint(0, 10))
            for column, value in zip(columns, (
                    rng.choice(list(Category)).value, x, y,
                    int(h3.str_to_int(h3.latlng_to_cell(y, x, 10))), rng.choice(grids), deadline),
                    strict=True):
                column.append(value)
        conn.execute(INSERT, columns)
        conn.execute("VACUUM ANALYZE worker_requests")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=100_000)
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
    deadlines = DEFAULT_DEADLINES
    try:
        migrate(url)
        engine = make_engine(url, pool_size=1)
        with engine.begin() as conn:
            for data in province(rng):
                save(conn, data)
        load(url, args.requests, rng)
        with engine.begin() as conn:
            start = time.perf_counter()
            done = escalate_due(conn, TODAY, deadlines)
            command_ms = (time.perf_counter() - start) * 1000
        rows = []
        with engine.connect() as conn:
            paths = {level: conn.execute(text(
                "SELECT ltree2text(path) FROM unions WHERE level = :l ORDER BY code LIMIT 1"),
                {"l": level}).scalar_one() for level in ("street", "district")}
            for name, path in [*paths.items(), ("admin", None)]:
                within = EVERYWHERE if path is None else Jurisdiction(path)
                total = core.search(conn, TODAY, within=within, limit=1)[0]

                def served(within: Jurisdiction = within) -> object:
                    escalate_due(conn, TODAY, deadlines, within=within)
                    return core.search(conn, TODAY, within=within, limit=100)

                def baseline(within: Jurisdiction = within) -> object:
                    return core.search(conn, TODAY, within=within, limit=100)

                def counted(within: Jurisdiction = within) -> object:
                    return stats.counts(conn, within, TODAY)

                def cells(within: Jurisdiction = within) -> object:
                    return stats.cells(conn, within, 8)

                repeat = 3 if name == "admin" else 7
                rows.append((name, total, best_ms(served, repeat), best_ms(baseline, repeat),
                             best_ms(counted, repeat), best_ms(cells, repeat)))
                conn.rollback()
        engine.dispose()
    finally:
        with psycopg.connect(admin, autocommit=True) as raw:
            raw.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
    print(f"\n{args.requests:,} requests over 3,361 areas, a tenth past their deadline")
    print(f"yizhan requests escalate: {len(done):,} escalations recorded in {command_ms:,.0f} ms "
          f"({command_ms / max(len(done), 1):.3f} ms each)\n")
    print(f"{'jurisdiction':12} {'requests':>9} | {'queue page':>10} {'no escal.':>9} {'ratio':>6}"
          f" | {'counts':>8} {'cells r8':>8}   (median ms)")
    for name, total, page, base, counted_ms, cells_ms in rows:
        print(f"{name:12} {total:>9,} | {page:10.1f} {base:9.1f} {page / base:6.2f}"
              f" | {counted_ms:8.1f} {cells_ms:8.1f}")


if __name__ == "__main__":
    main()
