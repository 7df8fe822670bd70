"""What the officers' console costs, beside the JSON endpoints it stands on, on the generated
province of bench.unions (3,361 nested areas) with workplaces, stations, 10,000 applications,
50,000 members and 10,000 workers' requests spread over it.

    .venv/bin/python -m bench.console [--workplaces 100000] [--stations 3000]
        [--applications 10000] [--members 50000] [--requests 10000]

For a grid, a street, a district and an admin it prints, in one run and one process, the median
server time (the whole request through the app, in process) of:
- the queue (/console/applications?status=open) beside GET /applications?status=submitted;
- the requests queue (/console/requests) beside GET /requests?limit=50;
- the home page (/console, with its overdue requests and counts) beside GET /officer/dashboard;
- the level below (/console/below) beside GET /officer/below;
and the gzipped weight of each page as a phone receives it (its stylesheet and, on the pages
with a map or the hours preview, the script, are counted once: they are cached afterwards).
"""

from __future__ import annotations

import argparse
import gzip
import os
import random
import secrets
import statistics
import time
from datetime import UTC, datetime, timedelta

import psycopg
from fastapi.testclient import TestClient
from sqlalchemy import make_url, text

from api.app import create_app
from api.console.session import COOKIE
from bench.unions import PROVINCE, bulk, load_workplaces, province
from geo.db import libpq_url, make_engine, migrate
from geo.h3index import point_cell
from geo.unions import save
from maps.assets import STATIC_DIR
from membership.vocab import OccupationGroup
from membership.worker_requests.vocab import Category, Outcome
from officers import accounts, tokens
from officers.vocab import Role
from yizhan.cluster import LocalCluster
from yizhan.settings import Settings

SECRET = "bench-console-secret"
PAIRS = [("queue", "/console/applications?status=open", "/applications?status=submitted&limit=50"),
         ("requests", "/console/requests", "/requests?limit=50"),
         ("home", "/console", "/officer/dashboard"),
         ("level below", "/console/below", "/officer/below")]
GROUPS = [g.value for g in OccupationGroup]
CATEGORIES = [c.value for c in Category]
OUTCOMES = [o.value for o in Outcome]


def median_ms(client: TestClient, path: str, repeat: int, **kwargs: object) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        response = client.get(path, **kwargs)
        times.append(time.perf_counter() - start)
        assert response.status_code == 200, (path, response.status_code, response.text[:300])
    return statistics.median(times) * 1000


def gzipped(body: bytes) -> int:
    return len(gzip.compress(body, 6))


def people(conn: psycopg.Connection, applications: int, members: int, requests: int,
           rng: random.Random) -> None:
    """Applications, members and requests at random workplaces, with those workplaces' unions;
    a third of the requests past their deadline (escalated on the first read)."""
    places = conn.execute("SELECT id, name, location, matched_union_id, ST_X(location), "
                          "ST_Y(location) FROM workplaces "
                          "WHERE matched_union_id IS NOT NULL").fetchall()
    with conn.cursor() as cur, cur.copy(
            "COPY applications (name, phone, occupation_group, workplace_id, workplace_name, "
            "workplace_location, union_id, route_reason, status, deadline, deadline_estimated, "
            "consent_notice, token_salt, created_at) FROM STDIN") as copy:
        for i in range(applications):
            w = rng.choice(places)
            submitted = datetime.now(UTC) - timedelta(days=rng.uniform(0, 84))
            status = rng.choices(["submitted", "contacted", "approved", "rejected"],
                                 [3, 2, 4, 1])[0]
            copy.write_row((f"申请人{i}", f"+8613{i:09d}", rng.choice(GROUPS), w[0], w[1], w[2],
                            w[3], "area", status, (submitted + timedelta(days=21)).date(), False,
                            "bench", secrets.token_bytes(16), submitted))
    with conn.cursor() as cur, cur.copy(
            "COPY members (member_no, name, phone, occupation_group, union_id, status, "
            "workplace_id, workplace_name, workplace_location) FROM STDIN") as copy:
        for i in range(members):
            w = rng.choice(places)
            copy.write_row((f"B{i:010d}", f"会员{i}", f"+8615{i:09d}", rng.choice(GROUPS), w[3],
                            "between_jobs" if rng.random() < 0.05 else "active", w[0], w[1],
                            w[2]))
    with conn.cursor() as cur, cur.copy(
            "COPY worker_requests (category, description, name, phone, workplace_id, "
            "workplace_name, workplace_location, h3_cell, union_id, route_reason, status, "
            "outcome, closed_at, deadline, current_deadline, current_deadline_estimated, "
            "token_salt, created_at) FROM STDIN") as copy:
        for i in range(requests):
            w = rng.choice(places)
            submitted = datetime.now(UTC) - timedelta(days=rng.uniform(0, 30))
            status = rng.choices(["submitted", "acknowledged", "closed"], [2, 3, 5])[0]
            closed = status == "closed"
            due = (submitted + timedelta(days=rng.choice([5, 7, 14]))).date()
            copy.write_row((rng.choice(CATEGORIES), "拖欠工资", None if i % 4 == 0 else f"求助人{i}",
                            None if i % 4 == 0 else f"+8617{i:09d}", w[0], w[1], w[2],
                            point_cell(w[4], w[5]), w[3], "area", status,
                            rng.choice(OUTCOMES) if closed else None,
                            datetime.now(UTC) if closed else None, due, due, False,
                            secrets.token_bytes(16), submitted))
    for table in ("applications", "members", "worker_requests"):
        conn.execute(f"VACUUM ANALYZE {table}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workplaces", type=int, default=100_000)
    parser.add_argument("--stations", type=int, default=3_000)
    parser.add_argument("--applications", type=int, default=10_000)
    parser.add_argument("--members", type=int, default=50_000)
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="keep the database (its name is "
                                                            "printed) to look into a plan")
    args = parser.parse_args()
    settings = Settings()
    if not settings.database_url:
        LocalCluster.from_settings(settings).up()
    server_url = make_url(settings.resolved_database_url())
    admin = libpq_url(server_url.render_as_string(False))
    db = f"yizhan_bench_{os.getpid()}_{secrets.token_hex(3)}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{db}"')
    url = server_url.set(database=db).render_as_string(hide_password=False)
    rng = random.Random(2026)
    x1, y1, x2, y2 = PROVINCE
    rows = []
    try:
        migrate(url)
        engine = make_engine(url, pool_size=1)
        with engine.begin() as conn:
            for data in province(rng):
                save(conn, data)
        points = [(rng.uniform(x1, x2), rng.uniform(y1, y2)) for _ in range(args.workplaces)]
        with psycopg.connect(libpq_url(url), autocommit=True) as conn:
            load_workplaces(conn, points)
            conn.execute(
                "INSERT INTO stations (external_id, name, location, h3_r10) SELECT 's' || g, "
                "'驿站' || g, ST_SetSRID(ST_MakePoint(%s + random() * %s, %s + random() * %s), "
                "4326), 0 FROM generate_series(1, %s) g",
                (x1, x2 - x1, y1, y2 - y1, args.stations))
            conn.execute("VACUUM ANALYZE stations")
        bulk(url)
        with psycopg.connect(libpq_url(url), autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE workplaces")
            people(conn, args.applications, args.members, args.requests, rng)
        officers = {}
        with engine.begin() as conn:
            for level in ("grid", "street", "district"):
                code = conn.execute(text("SELECT code FROM unions WHERE level = :l ORDER BY code "
                                         "LIMIT 1"), {"l": level}).scalar_one()
                officers[level] = accounts.create(conn, f"bench-{level}", level, Role.OFFICER,
                                                  code, "bench-password-1")
            officers["admin"] = accounts.create(conn, "bench-admin", "admin", Role.ADMIN, None,
                                                "bench-password-1")
        engine.dispose()
        app = create_app(Settings(database_url=url, secret_key=SECRET, pool_size=2))
        with TestClient(app, base_url="http://localhost") as client:  # a host it trusts
            for name, officer in officers.items():
                token = tokens.issue(SECRET, officer.id, officer.token_version, 60)
                bearer = {"Authorization": f"Bearer {token}"}
                client.cookies.set(COOKIE, token, path="/console")
                line: list[object] = [name]
                for _, page, endpoint in PAIRS:
                    median_ms(client, page, 1)  # warm up
                    line += [median_ms(client, page, args.repeat),
                             median_ms(client, endpoint, args.repeat, headers=bearer)]
                    line.append(gzipped(client.get(page).content))
                rows.append(line)
                client.cookies.clear()
    finally:
        if args.keep:
            print(f"kept the database {db}")
        else:
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
    css = gzipped((STATIC_DIR / "yizhan" / "console.css").read_bytes())
    js = gzipped((STATIC_DIR / "yizhan" / "console.js").read_bytes())
    print(f"\n{args.workplaces:,} workplaces, {args.stations:,} stations, {args.applications:,} "
          f"applications, {args.members:,} members, {args.requests:,} requests, 3,361 areas; "
          f"median ms of {args.repeat}; page weights gzipped")
    print(f"stylesheet {css:,} B and script {js:,} B gzipped, once per phone (cached after)\n")
    head = f"{'jurisdiction':12}"
    for label, _, _ in PAIRS:
        head += f" | {label + ' page':>16} {'JSON':>7} {'ratio':>5} {'gz B':>6}"
    print(head)
    for who, *numbers in rows:
        out = f"{who!s:12}"
        for i in range(0, len(numbers), 3):
            page_ms, json_ms, weight = (float(str(v)) for v in numbers[i:i + 3])
            out += f" | {page_ms:16.1f} {json_ms:7.1f} {page_ms / json_ms:5.2f} {int(weight):6,}"
        print(out)


if __name__ == "__main__":
    main()
