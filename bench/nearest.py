"""Nearest-station lookup over 100,000 stations: yizhan's exact query and HTTP endpoint beside
the raw PostGIS KNN query (`ORDER BY location <-> point LIMIT k`), measured in one run.

    .venv/bin/python -m bench.nearest [--stations 100000] [--queries 2000] [--k 5]
"""

from __future__ import annotations

import argparse
import os
import random
import secrets
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime

import httpx
import psycopg
from sqlalchemy import make_url

from geo.db import libpq_url, make_engine, migrate
from geo.h3index import point_cell
from geo.nearest import nearest
from geo.vocab import Amenity
from yizhan.cluster import LocalCluster
from yizhan.settings import Settings

# Where riders and stations crowd: a few city centres, stations spread around each.
CITIES = [(121.47, 31.23), (116.40, 39.90), (113.26, 23.13), (114.06, 22.54), (120.16, 30.27),
          (104.07, 30.57), (108.94, 34.34), (108.71, 34.33), (120.62, 31.30), (106.55, 29.56)]
AMENITIES = [a.value for a in Amenity]
HOURS = [None, None, "24/7", "Mo-Su 07:00-22:00", "Mo-Fr 09:00-17:00; PH off"]


def random_point(rng: random.Random, spread: float) -> tuple[float, float]:
    lon, lat = rng.choice(CITIES)
    return lon + rng.gauss(0, spread), lat + rng.gauss(0, spread * 0.8)


def load_stations(url: str, n: int, rng: random.Random) -> float:
    start = time.perf_counter()
    with psycopg.connect(libpq_url(url)) as conn, conn.cursor() as cur, cur.copy(
        "COPY stations (external_id, name, location, h3_r10, amenities, opening_hours, status) "
        "FROM STDIN"
    ) as copy:
        for i in range(n):
            lon, lat = random_point(rng, 0.12)
            amenities = sorted(rng.sample(AMENITIES, rng.randint(1, 6)))
            status = "operational" if rng.random() < 0.9 else "temporarily_closed"
            copy.write_row((f"bench-{i}", f"station {i}", f"SRID=4326;POINT({lon} {lat})",
                            point_cell(lon, lat), amenities, rng.choice(HOURS), status))
    with psycopg.connect(libpq_url(url), autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE stations")
    return n / (time.perf_counter() - start)


def timed(label: str, queries: list[tuple[float, float]], run: Callable[[float, float], object]
          ) -> tuple[str, list[float]]:
    for lon, lat in queries[:50]:  # warm caches and prepared statements
        run(lon, lat)
    samples = []
    for lon, lat in queries:
        start = time.perf_counter_ns()
        run(lon, lat)
        samples.append((time.perf_counter_ns() - start) / 1e6)
    return label, samples


def serve(database_url: str, workers: int = 1, code: str | None = None,
          **settings: str) -> tuple[str, subprocess.Popen[bytes]]:
    """The API in its own process, as deployed, so client and server do not share a GIL.
    `code` is another checkout's directory to serve instead of this one's; `settings` are more
    environment variables (YIZHAN_...) for it."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "api.app:create_app", "--factory", "--port", str(port),
         "--log-level", "warning", "--no-access-log", "--workers", str(workers)],
        env={**os.environ, "YIZHAN_DATABASE_URL": database_url, **settings,
             **({"PYTHONPATH": code} if code else {})},
        cwd=code,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(f"{base}/health").raise_for_status()
            return base, process
        except httpx.HTTPError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("the API did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--stations", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=2_000)
    parser.add_argument("--k", type=int, default=5)
    args = parser.parse_args()

    settings = Settings()
    if not settings.database_url:
        LocalCluster.from_settings(settings).up()
    server_url = make_url(settings.resolved_database_url())
    name = f"yizhan_bench_{os.getpid()}_{secrets.token_hex(3)}"
    with psycopg.connect(libpq_url(server_url.render_as_string(False)), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = server_url.set(database=name).render_as_string(hide_password=False)
    try:
        migrate(url)
        rng = random.Random(2026)
        rate = load_stations(url, args.stations, rng)
        queries = [random_point(rng, 0.1) for _ in range(args.queries)]
        results = run_all(url, queries, args.k)
    finally:
        with psycopg.connect(libpq_url(server_url.render_as_string(False)), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    print(f"\n{args.stations:,} stations loaded by COPY at {rate:,.0f} rows/s; "
          f"{args.queries:,} queries, k={args.k}, sequential, one connection each\n")
    baseline = statistics.median(results[0][1])
    print(f"{'':58} {'p50 ms':>8} {'p99 ms':>8} {'p50 ratio':>10}")
    for label, samples in results:
        p50 = statistics.median(samples)
        p99 = statistics.quantiles(samples, n=100)[98]
        print(f"{label:58} {p50:8.3f} {p99:8.3f} {p50 / baseline:9.2f}x")


def run_all(url: str, queries: list[tuple[float, float]], k: int) -> list[tuple[str, list[float]]]:
    at = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)
    raw_sql = ("SELECT id FROM stations ORDER BY location <-> "
               "ST_SetSRID(ST_MakePoint(%s, %s), 4326) LIMIT %s")
    results = []
    with psycopg.connect(libpq_url(url), prepare_threshold=0) as raw:
        results.append(timed("raw PostGIS KNN (psycopg, planar, no filter)", queries,
                             lambda lon, lat: raw.execute(raw_sql, (lon, lat, k)).fetchall()))
    engine = make_engine(url, pool_size=2)
    with engine.connect() as conn:
        results.append(timed("yizhan exact geodesic nearest (core, SQLAlchemy)", queries,
                             lambda lon, lat: nearest(conn, lon, lat, k, at=at)))
        two = [Amenity.DRINKING_WATER, Amenity.TOILET]
        results.append(timed("yizhan exact nearest + amenity=drinking_water&toilet", queries,
                             lambda lon, lat: nearest(conn, lon, lat, k, at=at, amenities=two)))
        results.append(timed("yizhan exact nearest + open_now", queries,
                             lambda lon, lat: nearest(conn, lon, lat, k, at=at, open_now=True)))
        results.append(timed("yizhan exact nearest + open_24_7", queries,
                             lambda lon, lat: nearest(conn, lon, lat, k, at=at, open_24_7=True)))
    engine.dispose()
    base, server = serve(url)
    with httpx.Client(base_url=base) as client:
        def http(lon: float, lat: float) -> None:
            response = client.get("/stations/nearest", params={"lat": lat, "lon": lon, "k": k})
            response.raise_for_status()
        results.append(timed("yizhan GET /stations/nearest (HTTP, uvicorn, 1 client)", queries,
                             http))
        results.append(timed("GET /health (the HTTP floor: no database, same client)", queries,
                             lambda lon, lat: client.get("/health").raise_for_status()))
    server.terminate()
    server.wait(10)
    return results


if __name__ == "__main__":
    main()
