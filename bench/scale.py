"""yizhan at city, province and national scale, each figure beside a baseline measured in the
same run on the same data (the synthetic country of `yizhan seed synthetic`).

    .venv/bin/python -m bench.scale [--scales city,province,nation] [--seconds 15]
                                    [--concurrency 32] [--queries 2000]

A scale's database (yizhan_synthetic_<scale>) is loaded first if it does not exist. Needs wrk and
pgbench (`make bench-scale` installs wrk; pgbench comes with PostgreSQL). Figures:

- nearest station, k = 5: p50/p99 in process (the server's own time), with and without amenity
  filters, beside the raw PostGIS KNN query through psycopg; HTTP requests/s at `--concurrency`
  (wrk against uvicorn with two workers) beside the raw KNN at the same concurrency through
  psycopg (two processes, a thread and a connection per client), and pgbench's C client for scale;
  for both, the CPU milliseconds a request costs the client (or the API) and PostgreSQL;
- sizes: `union_cell_blocks` with its indexes beside the areas it indexes, per union, workplace and cell;
- union match: one point, its statement through psycopg and in process, beside plain
  ST_Covers; `GET /unions/match` at `--concurrency` beside plain ST_Covers through psycopg at the
  same concurrency; 10,000 points a request over HTTP beside a plain ST_Covers join; matching
  every workplace in the database, yizhan's H3 path beside plain ST_Covers with GiST (the answer
  only, no writes), and a whole re-match on one connection and in two id slices at once
  (`rematch_all_parallel`);
- imports: rows/s of `yizhan import stations` and `yizhan import workplaces` (20,000 rows each,
  removed again); areas/s of building H3 coverage for stored areas, beside H3's own polygon fill;
- memory: resident size of an API worker after the load;
- sizes of the tables.
"""

from __future__ import annotations

import argparse
import csv
import math
import os
import random
import re
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from datetime import UTC, datetime
from functools import partial
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import h3
import httpx
import psycopg
import shapely
from sqlalchemy import make_url, text

from bench.nearest import serve, timed
from geo.areas import CleanArea
from geo.coverage import MAX_RES, MIN_RES, coverage, own_cells, resolution_for
from geo.crs import Crs
from geo.db import libpq_url, make_engine
from geo.match_sql import best_match_ctes
from geo.nearest import nearest
from geo.rematch import planned_for_whole_table, rematch_all, rematch_all_parallel
from geo.unions import ONE_POINT_HITS, match, rebuild_coverage
from geo.vocab import Amenity
from seed.station_import import import_file
from seed.synthetic import SCALES, plan
from seed.synthetic_load import COMPLETE, load, state
from seed.workplace_import import import_workplaces
from yizhan.cluster import LocalCluster
from yizhan.settings import Settings

AT = datetime(2026, 11, 23, 4, 0, tzinfo=UTC)  # a weekday lunch hour in Beijing
RAW_KNN = ("SELECT id FROM stations ORDER BY location <-> ST_SetSRID(ST_MakePoint(%s, %s), 4326) "
           "LIMIT 5")
PLAIN_COVERS = "SELECT id FROM unions WHERE ST_Covers(area, ST_SetSRID(ST_MakePoint(%s, %s), 4326))"
PLAIN_COVERS_LEVELS = ("SELECT id, level FROM unions WHERE ST_Covers(area, "
                       "ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326))")
PLAIN_ALL = """
SELECT count(*) FROM (
    SELECT DISTINCT ON (w.id) w.id, u.id
    FROM workplaces w JOIN unions u ON ST_Covers(u.area, w.location)
    ORDER BY w.id, u.level_rank DESC, u.area_m2, u.code) best"""
Row = tuple[str, str, str]  # figure, value, against the baseline


def found(pattern: str, output: str) -> re.Match[str]:
    """`pattern` in a tool's output, which must have it."""
    match = re.search(pattern, output)
    if match is None:
        raise RuntimeError(f"no {pattern!r} in this output:\n{output}")
    return match


class Printed(list[Row]):
    """Rows that are printed as they are added, so a long run shows its figures as it goes."""

    def append(self, row: Row) -> None:
        print(f"  {row[0]:58} {row[1]:>40} {row[2]:>14}", flush=True)
        super().append(row)

    def extend(self, rows: Iterable[Row]) -> None:
        for row in rows:
            self.append(row)


def percentiles(samples: list[float]) -> tuple[float, float]:
    return statistics.median(samples), statistics.quantiles(samples, n=100)[98]


def database(scale: str, server: str) -> str:
    """The scale's database, loaded first unless a load of it finished (a load cut short is
    loaded anew)."""
    name = f"yizhan_synthetic_{scale}"
    found = state(server, name)
    if found != COMPLETE:
        print(f"loading {name} first (yizhan seed synthetic --scale {scale})")
        load(server, name, plan(SCALES[scale]), replace=True)
    return make_url(server).set(database=name).render_as_string(hide_password=False)


def rider_points(url: str, n: int, rng: random.Random) -> list[tuple[float, float]]:
    """Where riders ask from: at workplaces, moved by up to about 300 m."""
    with psycopg.connect(libpq_url(url)) as conn:
        row = conn.execute("SELECT max(id) FROM workplaces").fetchone()
        assert row is not None  # an aggregate answers one row
        top = row[0]
        rows = conn.execute("SELECT ST_X(location), ST_Y(location) FROM workplaces WHERE id = ANY(%s)",
                            ([rng.randint(1, top) for _ in range(n)],)).fetchall()
    return [(x + rng.uniform(-0.003, 0.003), y + rng.uniform(-0.003, 0.003)) for x, y in rows]


def pgbench_knn(url: str, points: list[tuple[float, float]], seconds: int, clients: int) -> float:
    """Transactions/s of the raw KNN query at `clients` concurrent connections."""
    with tempfile.TemporaryDirectory() as tmp, psycopg.connect(libpq_url(url)) as conn:
        conn.execute("DROP TABLE IF EXISTS bench_points")
        conn.execute("CREATE TABLE bench_points (i int PRIMARY KEY, p geometry(Point, 4326))")
        with conn.cursor().copy("COPY bench_points FROM STDIN") as copy:
            for i, (lon, lat) in enumerate(points):
                copy.write_row((i, f"SRID=4326;POINT({lon} {lat})"))
        conn.commit()
        script = Path(tmp) / "knn.sql"
        script.write_text(f"\\set i random(0, {len(points) - 1})\n"
                          "SELECT id FROM stations ORDER BY location <-> "
                          "(SELECT p FROM bench_points WHERE i = :i) LIMIT 5;\n")
        target = make_url(url)
        out = subprocess.run(
            [pgbench(), "-n", "-M", "prepared", "-c", str(clients), "-j", "2", "-T", str(seconds),
             "-f", str(script), "-h", target.host or "127.0.0.1", "-p", str(target.port or 5432),
             "-U", target.username or "postgres", target.database or ""],
            capture_output=True, text=True, check=True,
            env={"PGPASSWORD": target.password or "", "PATH": "/usr/bin:/bin"}).stdout
        conn.execute("DROP TABLE bench_points")
        conn.commit()
    return float(found(r"tps = ([\d.]+)", out).group(1))


def cpu_s(pids: list[int]) -> float:
    """CPU seconds (user and system) the processes have used so far; NaN when one cannot be read
    (a database on another machine)."""
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return math.nan
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def backends(url: str) -> list[int]:
    """The server processes of every other connection to the database."""
    with psycopg.connect(libpq_url(url)) as conn:
        return [pid for pid, in conn.execute("SELECT pid FROM pg_stat_activity WHERE datname = "
                                              "current_database() AND pid <> pg_backend_pid()")]


def psycopg_rate(url: str, query: str, points: list[tuple[float, float]], seconds: int,
                 clients: int, processes: int = 2) -> tuple[float, float, float, float, float]:
    """Queries/s of a raw query taking (lon, lat) from Python, the client's and the server's
    CPU milliseconds a query, and the p50 and p99 milliseconds of a query: `processes` processes
    (as many as the API's workers) sharing `clients` threads, each thread with its own psycopg
    connection."""
    with ProcessPoolExecutor(processes, mp_context=get_context("spawn")) as pool:
        shares = [clients // processes + (i < clients % processes) for i in range(processes)]
        done = list(pool.map(_query_process, [(url, query, points, seconds, n) for n in shares]))
    count = sum(n for n, _, _, _ in done)
    client, server = sum(c for _, c, _, _ in done), sum(s for _, _, s, _ in done)
    p50, p99 = percentiles([ms for *_, times in done for ms in times])
    return count / seconds, client / count * 1000, server / count * 1000, p50, p99


def _query_process(job: tuple[str, str, list[tuple[float, float]], int, int]
                   ) -> tuple[int, float, float, list[float]]:
    url, query, points, seconds, threads = job

    def client(offset: int) -> tuple[int, float, float, list[float]]:
        with psycopg.connect(libpq_url(url), prepare_threshold=0, autocommit=True) as conn:
            backend = [conn.info.backend_pid]
            count, deadline, times = 0, time.monotonic() + seconds, []
            mine, theirs = time.thread_time(), cpu_s(backend)
            while time.monotonic() < deadline:
                start = time.perf_counter()
                conn.execute(query, points[(offset + count) % len(points)]).fetchall()
                times.append((time.perf_counter() - start) * 1000)
                count += 1
            return count, time.thread_time() - mine, cpu_s(backend) - theirs, times
    with ThreadPoolExecutor(threads) as pool:
        done = list(pool.map(client, range(0, threads * 97, 97)))
    return (sum(n for n, _, _, _ in done), sum(c for _, c, _, _ in done),
            sum(s for _, _, s, _ in done), [ms for *_, times in done for ms in times])


def pgbench() -> str:
    found = shutil.which("pgbench") or next(
        (str(p) for p in sorted(Path("/usr/lib/postgresql").glob("*/bin/pgbench"))), None)
    if not found:
        raise SystemExit("pgbench is missing (it comes with PostgreSQL's server package)")
    return found


def wrk(base: str, path_of: Callable[[float, float], str], points: list[tuple[float, float]],
        seconds: int, connections: int) -> tuple[float, float, float, int]:
    """Requests/s, p50 and p99 milliseconds of GETs over `points` at `connections`, and how
    many requests got no answer within wrk's 2 s."""
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: run `make bench-scale` (it installs wrk) or "
                         "apt-get install wrk")
    paths = ",".join(f'"{path_of(lon, lat)}"' for lon, lat in points)
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as script:
        script.write(f"local paths = {{{paths}}}\nlocal i = 0\n"
                     "request = function()\n  i = i % #paths + 1\n"
                     "  return wrk.format('GET', paths[i])\nend\n"
                     "done = function(summary, latency, requests)\n"
                     "  io.write(string.format('errors %d %d\\n', summary.errors.status, "
                     "summary.errors.connect + summary.errors.read + summary.errors.timeout))\n"
                     "end\n")
        script.flush()
        out = subprocess.run(["wrk", "-t", "2", "-c", str(connections), "-d", f"{seconds}s",
                              "--latency", "-s", script.name, base], capture_output=True,
                             text=True, check=True).stdout
    status_errors, socket_errors = map(int, found(r"errors (\d+) (\d+)", out).groups())
    if status_errors:
        raise RuntimeError(f"wrk saw {status_errors} answers that were not 2xx:\n{out}")

    def ms(label: str) -> float:
        value, unit = found(rf"{label}\s+([\d.]+)(us|ms|s)", out).groups()
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
    rps = float(found(r"Requests/sec:\s+([\d.]+)", out).group(1))
    return rps, ms("50%"), ms("99%"), socket_errors


def children(pid: int) -> list[int]:
    return [*map(int, subprocess.run(["pgrep", "-P", str(pid)], capture_output=True,
                                     text=True).stdout.split())]


def rss_mb(pid: int) -> float:
    """Resident size of the largest of the process and its children (uvicorn's workers)."""
    pids = [pid, *children(pid)]

    def one(p: int) -> float:
        status = Path(f"/proc/{p}/status").read_text()
        return int(found(r"VmRSS:\s+(\d+)", status).group(1)) / 1024
    return max(one(p) for p in pids)


def http_rate(rows: Printed, label: str, base: str, server: int, url: str,
              path_of: Callable[[float, float], str], points: list[tuple[float, float]],
              args: argparse.Namespace, baseline: float) -> tuple[float, float, float]:
    """Requests/s, p50 and p99 ms of GETs at `--concurrency` against the API at `base` (process
    `server` and its workers), printed with the ratio to `baseline` and the CPU a request cost."""
    wrk(base, path_of, points, 2, args.concurrency)  # opens the pools' connections
    api, db = [server, *children(server)], backends(url)
    api_cpu, db_cpu = cpu_s(api), cpu_s(db)
    rps, p50, p99, lost = wrk(base, path_of, points, args.seconds, args.concurrency)
    served = rps * args.seconds
    rows.append((f"GET {label} at concurrency {args.concurrency}, wrk",
                 f"{rps:,.0f} /s (p50 {p50:.1f}, p99 {p99:.1f} ms)"
                 + (f", {lost} timed out" if lost else ""), f"{rps / baseline:.2f}×"))
    rows.append(("  its CPU a request: API / PostgreSQL",
                 f"{(cpu_s(api) - api_cpu) / served * 1000:.3f} / "
                 f"{(cpu_s(db) - db_cpu) / served * 1000:.3f} ms", ""))
    return rps, p50, p99


def run_scale(scale: str, url: str, args: argparse.Namespace) -> list[Row]:
    rng = random.Random(2026)
    points = rider_points(url, args.queries, rng)
    rows = Printed()
    with psycopg.connect(libpq_url(url)) as raw:
        counts = raw.execute(
            "SELECT (SELECT count(*) FROM unions), "
            "(SELECT sum(bit_count(cells::bit(64))) FROM union_cell_blocks), "
            "(SELECT count(*) FROM stations), (SELECT count(*) FROM workplaces), "
            "pg_database_size(current_database())").fetchone()
        assert counts is not None
    rows.append(("data", f"{counts[0]:,} unions, {counts[1]:,} H3 cells, {counts[2]:,} stations, "
                 f"{counts[3]:,} workplaces; {counts[4] / 2**30:.1f} GiB", ""))
    rows.extend(sizes(url, counts[0], counts[1], counts[3]))

    with psycopg.connect(libpq_url(url), prepare_threshold=0) as raw:
        _, raw_knn = timed("", points, lambda lon, lat: raw.execute(RAW_KNN, (lon, lat)).fetchall())
        _, plain_one = timed("", points, lambda lon, lat: raw.execute(PLAIN_COVERS, (lon, lat)).fetchall())
    engine = make_engine(url, pool_size=2, autocommit=True)
    two = [Amenity.DRINKING_WATER, Amenity.TOILET]
    with engine.connect() as conn:
        _, plain_near = timed("", points, lambda lon, lat: nearest(conn, lon, lat, 5, at=AT))
        _, filtered = timed("", points, lambda lon, lat: nearest(conn, lon, lat, 5, at=AT,
                                                                  amenities=two))
        _, one_match = timed("", points, lambda lon, lat: match(conn, lon, lat))
    base_p50, base_p99 = percentiles(raw_knn)
    rows.append(("raw KNN k=5, psycopg (baseline)", f"{base_p50:.3f} / {base_p99:.3f} ms", "1.00×"))
    for label, samples in (("nearest k=5, in process", plain_near),
                           ("nearest k=5 + drinking_water & toilet", filtered)):
        p50, p99 = percentiles(samples)
        rows.append((label, f"{p50:.3f} / {p99:.3f} ms", f"{p50 / base_p50:.2f}×"))
    plain_p50, plain_p99 = percentiles(plain_one)
    rows.extend(one_point_database_time(url, points))
    rows.append(("plain ST_Covers, one point (baseline)", f"{plain_p50:.3f} / {plain_p99:.3f} ms",
                 "1.00×"))
    p50, p99 = percentiles(one_match)
    rows.append(("union match, one point, in process", f"{p50:.3f} / {p99:.3f} ms",
                 f"{p50 / plain_p50:.2f}×"))

    knn_tps, knn_client_ms, knn_server_ms, p50, p99 = psycopg_rate(
        url, RAW_KNN, points, args.seconds, args.concurrency)
    rows.append((f"raw KNN at concurrency {args.concurrency}, psycopg (baseline)",
                 f"{knn_tps:,.0f} /s (p50 {p50:.1f}, p99 {p99:.1f} ms)", "1.00×"))
    rows.append(("  its CPU a query: Python client / PostgreSQL",
                 f"{knn_client_ms:.3f} / {knn_server_ms:.3f} ms", ""))
    c_tps = pgbench_knn(url, points, args.seconds, args.concurrency)
    rows.append((f"raw KNN at concurrency {args.concurrency}, pgbench (C, for scale)",
                 f"{c_tps:,.0f} /s", f"{c_tps / knn_tps:.2f}×"))
    covers_tps, covers_client_ms, covers_server_ms, p50, p99 = psycopg_rate(
        url, PLAIN_COVERS, points, args.seconds, args.concurrency)
    rows.append((f"plain ST_Covers at concurrency {args.concurrency}, psycopg (baseline)",
                 f"{covers_tps:,.0f} /s (p50 {p50:.1f}, p99 {p99:.1f} ms)", "1.00×"))
    rows.append(("  its CPU a query: Python client / PostgreSQL",
                 f"{covers_client_ms:.3f} / {covers_server_ms:.3f} ms", ""))
    # A minute per statement: a 10,000-point batch on a cold national cache can pass the default
    # 10 s, which is the API's answer to "ask for less", not a figure.
    for path, of, baseline in (("/stations/nearest", "&k=5", knn_tps),
                               ("/unions/match", "", covers_tps)):
        def path_of(lon: float, lat: float, p: str = path, o: str = of) -> str:
            return f"{p}?lat={lat:.6f}&lon={lon:.6f}{o}"
        if args.before:
            base, server = serve(url, workers=2, code=str(args.before),
                                 YIZHAN_STATEMENT_TIMEOUT_MS="60000")
            try:
                before_rps, *_ = http_rate(rows, f"{path}, the code in {args.before.name}", base,
                                           server.pid, url, path_of, points, args, baseline)
            finally:
                server.terminate()
                server.wait(20)
        base, server = serve(url, workers=2, YIZHAN_STATEMENT_TIMEOUT_MS="60000")
        try:
            # Each endpoint beside the exact query that answers it, through psycopg at the same
            # concurrency: the database's own limit for that answer.
            rps, *_ = http_rate(rows, path, base, server.pid, url, path_of, points, args, baseline)
            if args.before:
                rows.append((f"  against the code in {args.before.name}", "",
                             f"{rps / before_rps:.2f}×"))
        finally:
            server.terminate()
            server.wait(20)
    base, server = serve(url, workers=2, YIZHAN_STATEMENT_TIMEOUT_MS="60000")
    try:
        batch = [(lon, lat) for lon, lat in points[:2000]] * 5
        with httpx.Client(base_url=base, timeout=600) as client:
            body = {"points": [{"id": i, "lon": lon, "lat": lat} for i, (lon, lat) in enumerate(batch)]}
            start = time.perf_counter()
            client.post("/unions/match", json=body).raise_for_status()
            batch_rate = len(batch) / (time.perf_counter() - start)
        rows.append(("API worker resident size", f"{rss_mb(server.pid):,.0f} MB", ""))
    finally:
        server.terminate()
        server.wait(20)
    with psycopg.connect(libpq_url(url)) as raw:
        start = time.perf_counter()
        raw.execute("SELECT count(*) FROM unnest(%s::float8[], %s::float8[]) AS p(lon, lat) "
                     "JOIN unions u ON ST_Covers(u.area, ST_SetSRID(ST_MakePoint(p.lon, p.lat), "
                     "4326))", ([x for x, _ in batch], [y for _, y in batch])).fetchall()
        plain_batch = len(batch) / (time.perf_counter() - start)
    rows.append(("plain ST_Covers join, 10,000 points (baseline)", f"{plain_batch:,.0f} points/s",
                 "1.00×"))
    rows.append(("POST /unions/match, 10,000 points", f"{batch_rate:,.0f} points/s",
                 f"{batch_rate / plain_batch:.2f}×"))
    if not args.no_bulk:
        rows.extend(whole_table(url, counts[3]))
        rows.extend(imports(url, points, rng))
        rows.extend(coverage_building(url))
    engine.dispose()
    return rows


def sizes(url: str, unions: int, cells: int, workplaces: int) -> list[Row]:
    """`union_cell_blocks` with its indexes beside the areas it indexes (`unions` with its indexes and
    TOAST), and per union, workplace and cell: what a national server needs is projected from
    these."""
    with psycopg.connect(libpq_url(url)) as conn:
        row = conn.execute("SELECT pg_total_relation_size('unions'), "
                           "pg_total_relation_size('union_cell_blocks'), "
                           "(SELECT count(*) FROM union_cell_blocks)").fetchone()
        assert row is not None
    areas, coverage_bytes, blocks = row
    return [("areas: unions with indexes and TOAST (baseline)", f"{areas / 2**20:,.1f} MiB", "1.00×"),
            ("H3 coverage: union_cell_blocks with its indexes",
             f"{coverage_bytes / 2**20:,.1f} MiB in {blocks:,} rows", f"{coverage_bytes / areas:.2f}×"),
            ("  … per union / per workplace / per cell",
             f"{coverage_bytes / unions:,.0f} / {coverage_bytes / workplaces:,.0f} / "
             f"{coverage_bytes / max(cells, 1):,.0f} bytes", "")]


def one_point_database_time(url: str, points: list[tuple[float, float]]) -> list[Row]:
    """One point's match as the database answers it, without SQLAlchemy or Python's records:
    the very statement `match` sends, prepared, through psycopg, beside plain ST_Covers with
    GiST giving the same answer (every covering union with its level). Both pay one round trip,
    so the difference is the database's."""
    hits = str(ONE_POINT_HITS).replace(":lon", "%(lon)s").replace(":lat", "%(lat)s")
    for res in range(MIN_RES, MAX_RES + 1):
        hits = hits.replace(f":cell_{res}", f"%(cell_{res})s")

    def params(lon: float, lat: float) -> dict[str, Any]:
        return {"lon": lon, "lat": lat, **{f"cell_{res}": cell for res, cell in
                                           zip(range(MIN_RES, MAX_RES + 1), own_cells(lon, lat),
                                               strict=True)}}
    with psycopg.connect(libpq_url(url), prepare_threshold=0, autocommit=True) as conn:
        _, plain = timed("", points, lambda lon, lat: conn.execute(
            PLAIN_COVERS_LEVELS, {"lon": lon, "lat": lat}).fetchall())
        _, ours = timed("", points, lambda lon, lat: conn.execute(hits, params(lon, lat)).fetchall())
    plain_p50, plain_p99 = percentiles(plain)
    p50, p99 = percentiles(ours)
    return [("plain ST_Covers with levels, one point, psycopg (baseline)",
             f"{plain_p50:.3f} / {plain_p99:.3f} ms", "1.00×"),
            ("union match, one point, its statement through psycopg", f"{p50:.3f} / {p99:.3f} ms",
             f"{p50 / plain_p50:.2f}×")]


def coverage_building(url: str, sample: int = 300) -> list[Row]:
    """Areas/s of building the H3 coverage of stored areas (every level, drawn at random): H3's
    own polygon fill at the same resolution (baseline), yizhan's interior and border cells, and
    the same stored through `rebuild_coverage` (rolled back)."""
    engine = make_engine(url, pool_size=1)
    with engine.connect() as conn:
        areas = [(union_id, shapely.from_wkb(wkb), m2) for union_id, wkb, m2 in conn.execute(text(
            "SELECT id, ST_AsBinary(area), area_m2 FROM unions TABLESAMPLE SYSTEM (5) REPEATABLE (7) "
            "WHERE area IS NOT NULL LIMIT :n"), {"n": sample})]

        def rate(build: Callable[[int, Any, float], object]) -> float:
            start = time.perf_counter()
            for union_id, area, m2 in areas:
                build(union_id, area, m2)
            return len(areas) / (time.perf_counter() - start)

        fill = rate(lambda _, area, m2: h3.h3shape_to_cells_experimental(
            h3.geo_to_h3shape(area), resolution_for(m2), contain="overlap"))
        ours = rate(lambda _, area, m2: coverage(area, area_m2=m2))
        stored = rate(lambda union_id, area, m2: rebuild_coverage(
            conn, union_id, CleanArea(area, m2, False)))
        conn.rollback()
    engine.dispose()
    return [(f"H3 polygon fill of {len(areas)} stored areas, cells overlapping (baseline)",
             f"{fill:,.0f} areas/s", "1.00×"),
            ("coverage: interior and border cells", f"{ours:,.0f} areas/s", f"{ours / fill:.2f}×"),
            ("… stored as a union's cells (rebuild_coverage)", f"{stored:,.0f} areas/s",
             f"{stored / fill:.2f}×")]


def whole_table(url: str, workplaces: int) -> list[Row]:
    engine = make_engine(url, pool_size=1)
    with engine.connect() as conn:
        conn.exec_driver_sql("SET work_mem = '256MB'")
        start = time.perf_counter()
        conn.exec_driver_sql(PLAIN_ALL).scalar()
        plain = time.perf_counter() - start
        with planned_for_whole_table(conn):
            start = time.perf_counter()
            conn.execute(text(f"WITH {best_match_ctes('SELECT id, location, h3_cells FROM workplaces')}"
                              " SELECT count(*) FROM best")).scalar()
            ours = time.perf_counter() - start
        conn.rollback()
        start = time.perf_counter()
        changed = rematch_all(conn)
        whole = time.perf_counter() - start
        conn.rollback()
    engine.dispose()
    engine = make_engine(url, pool_size=2)
    start = time.perf_counter()
    changed_too = rematch_all_parallel(engine, 2)
    parallel = time.perf_counter() - start
    engine.dispose()
    return [("every workplace, plain ST_Covers + GiST (baseline)", f"{plain:,.1f} s "
             f"({workplaces / plain:,.0f} /s)", "1.00×"),
            ("every workplace, yizhan H3 path", f"{ours:,.1f} s ({workplaces / ours:,.0f} /s)",
             f"{plain / ours:.2f}× as fast"),
            ("re-match of every workplace, one connection", f"{whole:,.1f} s, "
             f"{changed:,} changed ({workplaces / whole:,.0f} /s)", f"{plain / whole:.2f}× as fast"),
            ("re-match of every workplace, two slices at once", f"{parallel:,.1f} s, "
             f"{changed_too:,} changed ({workplaces / parallel:,.0f} /s)",
             f"{plain / parallel:.2f}× as fast")]


def import_csv(path: Path, kind: str, n: int, points: list[tuple[float, float]],
               rng: random.Random) -> None:
    """A file for `yizhan import stations|workplaces`: external_id, name, lon, lat at `points`;
    every external id starts with 'bench-'."""
    with path.open("w", newline="") as f:
        out = csv.writer(f)
        out.writerow(["external_id", "name", "lon", "lat"])
        for i in range(n):
            lon, lat = rng.choice(points)
            out.writerow([f"bench-{kind}-{i}", f"{kind} {i}", f"{lon:.6f}", f"{lat:.6f}"])


def imports(url: str, points: list[tuple[float, float]], rng: random.Random) -> list[Row]:
    engine = make_engine(url, pool_size=1)
    rows: list[Row] = []
    n = 20_000
    with tempfile.TemporaryDirectory() as tmp:
        for kind in ("stations", "workplaces"):
            path = Path(tmp) / f"{kind}.csv"
            import_csv(path, kind, n, points, rng)
            run: Callable[[], Any] = (
                partial(import_file, engine, path, Crs.WGS84) if kind == "stations"
                else partial(import_workplaces, engine, path, Crs.WGS84))
            start = time.perf_counter()
            try:
                result = run()
                seconds = time.perf_counter() - start
            finally:
                with engine.begin() as conn:
                    conn.execute(text(f"DELETE FROM {kind} WHERE external_id LIKE 'bench-%'"))
            assert result.inserted == n, result.summary()
            rows.append((f"yizhan import {kind}, {n:,} rows", f"{n / seconds:,.0f} rows/s", ""))
    engine.dispose()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scales", default="city,province")
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--queries", type=int, default=2000)
    parser.add_argument("--before", type=Path, help="another checkout's directory (say `git "
                        "archive <commit> | tar -x -C DIR`): its API is measured over HTTP in the "
                        "same run, before this one's, and each HTTP row gets the ratio to it")
    parser.add_argument("--no-bulk", action="store_true",
                        help="skip the passes over every workplace and the imports (minutes at "
                             "national scale)")
    args = parser.parse_args()
    settings = Settings()
    if not settings.database_url:
        LocalCluster.from_settings(settings).up()
    server = settings.resolved_database_url()
    for scale in args.scales.split(","):
        if scale not in SCALES:
            raise SystemExit(f"unknown scale {scale!r}; use {', '.join(SCALES)}")
        print(f"\n{scale}", flush=True)
        run_scale(scale, database(scale, server), args)


if __name__ == "__main__":
    main()
