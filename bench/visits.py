"""Station visits under load, and siting on a province, each measured in one run.

    .venv/bin/python -m bench.visits load [--rates 25,50,100,200] [--seconds 4]
    .venv/bin/python -m bench.visits siting [--workplaces 200000] [--stations 3000] [--n 10,50]

`load` starts `yizhan serve` (uvicorn, one worker, port 8183) on a fresh database and posts, at
each rate in turn: taps (POST /stations/{id}/visits, a different device each), batches of 100
visits (POST /visits with an operator key) carrying ten times the rate in visits, and as the
baseline applications (POST /applications) at the same rate. Each request comes from its own
address (X-Forwarded-For, which uvicorn trusts from 127.0.0.1), so that the per-address limits
do not decide the result.
It prints per rate the rate achieved, p50 and p99, failures, and the rows counted afterwards
(none lost: raw visits and counts equal the visits answered 201).

`siting` builds the generated province of bench.unions (3,361 areas, about 77 km by 55 km),
spreads workplaces and stations over it, takes every H3 res-9 cell centre of the province as a
candidate, and prints the time of the greedy choice (lazy, then swaps) for each n beside the
exact optimum by scipy's milp (with a time limit), and their ratio; then the same on generated
random instances small enough to solve exactly.
"""

from __future__ import annotations

import argparse
import os
import random
import secrets
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from functools import partial
from typing import TypeVar

import httpx
import psycopg
from sqlalchemy import make_url, text

from bench.unions import PROVINCE, bulk, load_workplaces, province
from geo.db import libpq_url, make_engine, migrate
from geo.unions import save
from visits import circle, siting
from yizhan.cluster import LocalCluster
from yizhan.settings import Settings

PORT = 8183
SECRET = "bench-visits-secret"


def fresh_database() -> tuple[str, str, str]:
    settings = Settings()
    if not settings.database_url:
        LocalCluster.from_settings(settings).up()
    server_url = make_url(settings.resolved_database_url())
    admin = libpq_url(server_url.render_as_string(False))
    db = f"yizhan_bench_{os.getpid()}_{secrets.token_hex(3)}"
    with psycopg.connect(admin, autocommit=True) as raw:
        raw.execute(f'CREATE DATABASE "{db}"')
    url = server_url.set(database=db).render_as_string(hide_password=False)
    migrate(url)
    return url, admin, db


def drop(admin: str, db: str) -> None:
    with psycopg.connect(admin, autocommit=True) as raw:
        raw.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')


def serve(url: str) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "api.app:create_app", "--factory", "--port", str(PORT),
         "--log-level", "warning", "--no-access-log"],
        env={**os.environ, "YIZHAN_DATABASE_URL": url, "YIZHAN_SECRET_KEY": SECRET})
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{PORT}/health").raise_for_status()
            return process
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("the API did not start")


def at_rate(rate: float, seconds: float, send: Callable[[int], int]
            ) -> tuple[float, list[float], int, int]:
    """Send rate × seconds requests evenly spaced; (achieved rate, latencies in ms, answered
    2xx, failed)."""
    total = int(rate * seconds)
    latencies: list[float] = []
    ok = failed = 0
    lock = threading.Lock()

    def one(k: int) -> None:
        nonlocal ok, failed
        delay = start + k / rate - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        t0 = time.perf_counter()
        try:
            status = send(k)
        except httpx.HTTPError:
            status = 0
        ms = (time.perf_counter() - t0) * 1000
        with lock:
            latencies.append(ms)
            if 200 <= status < 300:
                ok += 1
            else:
                failed += 1

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=64) as pool:
        list(pool.map(one, range(total)))
    elapsed = time.perf_counter() - start
    return total / elapsed, latencies, ok, failed


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


def load(rates: list[int], seconds: float) -> None:
    url, admin, db = fresh_database()
    process = None
    try:
        with psycopg.connect(libpq_url(url), autocommit=True) as raw:
            raw.execute("INSERT INTO unions (code, name, level, path, area) VALUES ('B', 'B', "
                        "'city', '1', ST_Multi(ST_MakeEnvelope(120, 30, 121, 31, 4326)))")
            raw.execute("UPDATE unions SET path = text2ltree(id::text)")
            raw.execute("INSERT INTO stations (external_id, name, location, h3_r10, operator) "
                        "SELECT 's' || g, 's', ST_SetSRID(ST_MakePoint(120 + random() * 0.9, "
                        "30 + random() * 0.9), 4326), 0, 'op' FROM generate_series(1, 1000) g")
        from visits import core
        engine = make_engine(url, pool_size=1)
        with engine.begin() as conn:
            union_id = conn.execute(text("SELECT id FROM unions")).scalar_one()
            _, key = core.create_key(conn, SECRET, "op", union_id, "bench")
        engine.dispose()
        process = serve(url)
        base = f"http://127.0.0.1:{PORT}"
        client = httpx.Client(base_url=base, timeout=30,
                              limits=httpx.Limits(max_connections=64))
        counter = iter(range(10**9))

        def address(k: int) -> dict[str, str]:
            n = next(counter)
            return {"X-Forwarded-For": f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}",
                    "User-Agent": f"bench {n}"}

        def tap(k: int) -> int:
            return client.post(f"/stations/{k % 1000 + 1}/visits", headers=address(k),
                               json={"occupation_group": "courier"}).status_code

        def batch(k: int) -> int:
            now = datetime.now(UTC).isoformat()
            return client.post("/visits", headers={"X-Operator-Key": key}, json={
                "batch_id": f"b{next(counter)}", "visits": [
                    {"station_id": (k + i) % 1000 + 1, "visited_at": now} for i in range(100)]
            }).status_code

        def apply(k: int) -> int:
            return client.post("/applications", headers=address(k), json={
                "name": "骑手", "phone": f"139{k % 10**8:08d}", "occupation_group": "courier",
                "workplace": {"name": "站点", "lon": 120.5, "lat": 30.5},
                "consent": True}).status_code

        print(f"{'endpoint':<28}{'asked/s':>8}{'got/s':>8}{'p50 ms':>9}{'p99 ms':>9}"
              f"{'ok':>7}{'failed':>7}")
        answered = {"tap": 0, "batch": 0}
        for rate in rates:
            # Batches carry ten times the taps' rate in visits (a tenth of it in requests).
            for name, send, per in (("tap", tap, 1), ("batch", batch, 100),
                                    ("applications (baseline)", apply, 1)):
                asked = rate / 10 if per > 1 else rate
                got, lat, ok, failed = at_rate(asked, seconds, send)
                if name in answered:
                    answered[name] += ok * per
                label = f"{name}{' (visits/s)' if per > 1 else ''}"
                print(f"{label:<28}{asked * per:>8.0f}{got * per:>8.0f}{pct(lat, .5):>9.1f}"
                      f"{pct(lat, .99):>9.1f}{ok:>7}{failed:>7}")
        with psycopg.connect(libpq_url(url)) as raw:
            rows = raw.execute("SELECT count(*) FROM visits").fetchone()
            counts = raw.execute("SELECT sum(visits) FROM visit_counts").fetchone()
        expected = answered["tap"] + answered["batch"]
        print(f"visits answered 201: {expected}; raw rows: {rows[0] if rows else 0}; "
              f"hourly counts sum: {counts[0] if counts else 0}")
    finally:
        if process:
            process.terminate()
            process.wait()
        drop(admin, db)


T = TypeVar("T")


def timed(run: Callable[[], T]) -> tuple[float, T]:
    start = time.perf_counter()
    result = run()
    return time.perf_counter() - start, result


def generated(rng: random.Random, candidates: int, points: int, per: int
              ) -> tuple[list[frozenset[int]], list[float]]:
    """Candidates on a line of clusters: each covers `per` points near its position."""
    sets = []
    for _ in range(candidates):
        centre = rng.randrange(points)
        sets.append(frozenset(min(points - 1, max(0, centre + rng.randint(-per, per)))
                              for _ in range(per)))
    return sets, [float(rng.randint(1, 5)) for _ in range(points)]


def siting_bench(workplaces: int, stations: int, ns: list[int], time_limit: float,
                 generated_too: bool = True, milp: bool = True) -> None:
    rng = random.Random(2026)
    if generated_too:
        generated_bench(rng, time_limit)
    province_bench(workplaces, stations, ns, time_limit, milp)


def generated_bench(rng: random.Random, time_limit: float) -> None:
    print("generated instances (exhaustive-size to medium): greedy / optimum")
    ratios = []
    for k in range(20):
        sets, weights = generated(rng, 30 + k * 10, 400, 25)
        for n in (3, 5, 10):
            picks, _ = siting.choose(sets, weights, n, 0)
            lazy = [i for i, _ in siting.greedy(sets, weights, n)]
            best, _, proven = siting.exact(sets, weights, n, time_limit)
            if proven and best:
                ratios.append((siting.value(sets, weights, lazy) / best,
                               siting.value(sets, weights, [i for i, _ in picks]) / best))
    print(f"  {len(ratios)} instances: lazy greedy min {min(r[0] for r in ratios):.4f}, mean "
          f"{statistics.mean(r[0] for r in ratios):.4f}; with swaps min "
          f"{min(r[1] for r in ratios):.4f}, mean {statistics.mean(r[1] for r in ratios):.4f}")


def province_bench(workplaces: int, stations: int, ns: list[int], time_limit: float,
                   milp: bool = True) -> None:
    rng = random.Random(2026)  # the province of bench.officers: the same cuts
    url, admin, db = fresh_database()
    x1, y1, x2, y2 = PROVINCE
    try:
        engine = make_engine(url, pool_size=1)
        with engine.begin() as conn:
            for data in province(rng):
                save(conn, data)
        points = [(rng.uniform(x1, x2), rng.uniform(y1, y2)) for _ in range(workplaces)]
        with psycopg.connect(libpq_url(url), autocommit=True) as raw:
            load_workplaces(raw, points)
            raw.execute("SELECT setseed(0.2026)")  # the same stations in every run
            raw.execute(
                "INSERT INTO stations (external_id, name, location, h3_r10) SELECT 's' || g, 's', "
                "ST_SetSRID(ST_MakePoint(%s + random() * %s, %s + random() * %s), 4326), 0 "
                "FROM generate_series(1, %s) g", (x1, x2 - x1, y1, y2 - y1, stations))
            raw.execute("VACUUM ANALYZE stations")
        bulk(url)
        with psycopg.connect(libpq_url(url), autocommit=True) as raw:
            raw.execute("VACUUM ANALYZE workplaces")
        r = circle.reach(circle.Mode.WALK, 15, 15, 1.3)
        with engine.connect() as conn:
            root = conn.execute(text("SELECT id FROM unions WHERE code = 'P'")).scalar_one()
            t_cells, cands = timed(lambda: siting.cell_candidates(conn, root))
            t_inst, inst = timed(lambda: siting.instance(conn, root, cands, r.metres))
        engine.dispose()
        pairs = sum(len(s) for s in inst.sets)
        print(f"province: {len(inst.candidates)} candidate cells ({t_cells:.1f} s), "
              f"{len(inst.weights)} of {workplaces} workplaces out of reach of {stations} "
              f"stations, {pairs} candidate-workplace pairs within {r.metres:.0f} m "
              f"({t_inst:.1f} s)")
        for n in ns:
            t_lazy, first = timed(partial(siting.greedy, inst.sets, inst.weights, n))
            t_swap, swapped = timed(partial(siting.choose, inst.sets, inst.weights, n, 0))
            t_exact, found = timed(partial(siting.exact, inst.sets, inst.weights, n,
                                           time_limit)) if milp else (0.0, (0.0, [], False))
            best, _, proven = found
            v_lazy = siting.value(inst.sets, inst.weights, [i for i, _ in first])
            v_swap = siting.value(inst.sets, inst.weights, [i for i, _ in swapped[0]])
            head = (f"  n={n}: lazy greedy {t_lazy * 1000:.0f} ms, value {v_lazy:g}; with swaps "
                    f"{t_swap * 1000:.0f} ms, value {v_swap:g}; milp {t_exact:.1f} s: ")
            if not milp:
                print(head.removesuffix("milp 0.0 s: ") + "milp not run")
            elif proven:
                print(head + f"optimum {best:g}; ratios {v_lazy / best:.4f} / {v_swap / best:.4f}")
            elif best:
                print(head + f"best found {best:g}, not proven optimal within {time_limit:g} s "
                      f"(ratios at least {v_lazy / best:.4f} / {v_swap / best:.4f} of it)")
            else:
                print(head + f"no solution within {time_limit:g} s")
            t_lp, (bound, _, solved) = timed(partial(siting.exact, inst.sets, inst.weights, n,
                                                     time_limit, True))
            if solved:
                print(f"    linear relaxation {t_lp:.1f} s: the optimum is at most {bound:g}, so "
                      f"greedy reaches at least {v_lazy / bound:.4f} of it, with swaps "
                      f"{v_swap / bound:.4f}")
    finally:
        drop(admin, db)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("part", choices=["load", "siting"])
    parser.add_argument("--rates", default="25,50,100,200")
    parser.add_argument("--seconds", type=float, default=4)
    parser.add_argument("--workplaces", type=int, default=200_000)
    parser.add_argument("--stations", type=int, default=3_000)
    parser.add_argument("--n", default="10,50")
    parser.add_argument("--time-limit", type=float, default=120)
    parser.add_argument("--province-only", action="store_true")
    parser.add_argument("--no-milp", action="store_true",
                        help="on the province, only the linear relaxation's bound")
    args = parser.parse_args()
    if args.part == "load":
        load([int(r) for r in args.rates.split(",")], args.seconds)
    else:
        siting_bench(args.workplaces, args.stations, [int(n) for n in args.n.split(",")],
                     args.time_limit, not args.province_only, not args.no_milp)


if __name__ == "__main__":
    main()
