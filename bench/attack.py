"""The batch attack of issue 23 against a real uvicorn: loops posting 10,000 points near
(-89.99, 179.99) to POST /unions/match, no login, while a probe asks GET /stations/nearest every
50 ms. The probe's p50/p99 under attack are printed beside the same probe with no attack, in the
same run and against the same server: from one address (the points budget answers most batches
429) and from many addresses with no budget (only the lane of costly requests protects). The
demo data set is loaded into a database of its own.

    .venv/bin/python -m bench.attack [--loops 12] [--seconds 20] [--addresses 12]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import statistics
import threading
import time
from collections import Counter

import httpx
import psycopg
from sqlalchemy import make_url

from bench.nearest import serve
from geo.db import libpq_url, make_engine, migrate
from geo.unions import match_best
from seed.demo import load_demo
from yizhan.cluster import LocalCluster
from yizhan.settings import Settings

BATCH = 10_000
PROBE = "/stations/nearest?lat=31.2304&lon=121.4737&k=3"


def pole_points(n: int, seed: int) -> list[tuple[float, float]]:
    rng = random.Random(seed)
    return [(179.99 + rng.uniform(-0.005, 0.005), -89.99 + rng.uniform(-0.005, 0.005))
            for _ in range(n)]


def city_points(n: int, seed: int) -> list[tuple[float, float]]:
    rng = random.Random(seed)
    return [(121.47 + rng.gauss(0, 0.05), 31.23 + rng.gauss(0, 0.04)) for _ in range(n)]


def run(base: str, seconds: float, loops: int, addresses: list[str]
        ) -> tuple[list[float], Counter[int], Counter[int]]:
    """`loops` attackers (none for a baseline) from `addresses` in turn, and the probe:
    (probe latencies in ms, probe statuses, attack statuses)."""
    stop = time.monotonic() + seconds
    latencies: list[float] = []
    probed: Counter[int] = Counter()
    attacked: Counter[int] = Counter()

    def attacker(k: int) -> None:
        transport = httpx.HTTPTransport(local_address=addresses[k % len(addresses)])
        body = json.dumps({"points": [{"id": i, "lon": lon, "lat": lat} for i, (lon, lat)
                                      in enumerate(pole_points(BATCH, k))]}).encode()
        headers = {"Content-Type": "application/json"}
        with httpx.Client(base_url=base, transport=transport, timeout=300) as http:
            while time.monotonic() < stop:  # encoded once: the client's work stays small
                attacked[http.post("/unions/match", content=body, headers=headers).status_code] += 1

    def probe() -> None:
        with httpx.Client(base_url=base, timeout=300) as http:
            while time.monotonic() < stop:
                start = time.perf_counter()
                status = http.get(PROBE).status_code
                latencies.append((time.perf_counter() - start) * 1000)
                probed[status] += 1
                time.sleep(0.05)

    threads = [threading.Thread(target=attacker, args=(k,)) for k in range(loops)]
    threads.append(threading.Thread(target=probe))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, probed, attacked


def row(label: str, latencies: list[float], probed: Counter[int], attacked: Counter[int],
        baseline: float) -> str:
    p50 = statistics.median(latencies)
    p99 = statistics.quantiles(latencies, n=100)[98] if len(latencies) > 1 else latencies[0]
    def shown(c: Counter[int]) -> str:
        return " ".join(f"{k}×{v}" for k, v in sorted(c.items())) or "-"
    return (f"{label:34} {p50:8.1f} {p99:8.1f} {p50 / baseline:7.2f}x  {shown(probed):14} "
            f"{shown(attacked)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--loops", type=int, default=12, help="attackers at once")
    parser.add_argument("--seconds", type=float, default=20, help="length of each phase")
    parser.add_argument("--addresses", type=int, default=12,
                        help="loopback addresses of the many-address attack")
    args = parser.parse_args()

    settings = Settings()
    if not settings.database_url:
        LocalCluster.from_settings(settings).up()
    server_url = make_url(settings.resolved_database_url())
    name = f"yizhan_bench_{os.getpid()}_{secrets.token_hex(3)}"
    with psycopg.connect(libpq_url(server_url.render_as_string(False)), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = server_url.set(database=name).render_as_string(hide_password=False)
    lines = []
    try:
        migrate(url)
        engine = make_engine(url, pool_size=1)
        with engine.begin() as conn:
            load_demo(conn)
        with engine.connect() as conn:
            for label, points in (("10,000 points near (-89.99, 179.99)", pole_points(BATCH, 0)),
                                  ("10,000 points around Shanghai", city_points(BATCH, 0))):
                match_best(conn, points[:100])
                start = time.perf_counter()
                match_best(conn, points)
                lines.append(f"one batch, core match_best, {label}: "
                             f"{(time.perf_counter() - start) * 1000:,.0f} ms")
        engine.dispose()
        env = {"YIZHAN_SECRET_KEY": secrets.token_urlsafe(32)}
        many = [f"127.0.0.{k}" for k in range(2, 2 + args.addresses)]
        results = []
        for label, addresses, budget in (("one address, budget", ["127.0.0.1"], "20000"),
                                         (f"{args.addresses} addresses, no budget", many,
                                          str(10**9))):
            base, server = serve(url, 1, YIZHAN_MATCH_POINTS_PER_MINUTE=budget, **env)
            try:
                baseline = run(base, args.seconds, 0, ["127.0.0.1"])
                attack = run(base, args.seconds, args.loops, addresses)
            finally:
                server.terminate()
                server.wait(30)
            results.append((label, baseline, attack))
    finally:
        with psycopg.connect(libpq_url(server_url.render_as_string(False)), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    print()
    for line in lines:
        print(line)
    print(f"\nprobe: GET {PROBE} every 50 ms for {args.seconds:g} s; attack: {args.loops} loops "
          f"of POST /unions/match with {BATCH:,} points near (-89.99, 179.99)\n")
    print(f"{'':34} {'p50 ms':>8} {'p99 ms':>8} {'ratio':>8}  {'probe':14} attack")
    for label, (base_lat, base_probed, _), (lat, probed, attacked) in results:
        reference = statistics.median(base_lat)
        print(row(f"{label}: no attack", base_lat, base_probed, Counter(), reference))
        print(row(f"{label}: attack", lat, probed, attacked, reference))


if __name__ == "__main__":
    main()
