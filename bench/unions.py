"""Union matching: yizhan's H3 path beside plain PostGIS (ST_Covers with a GiST index), on a
generated province and on the real district polygons, measured in one run.

    .venv/bin/python -m bench.unions [--points 1000000] [--requests 2000] [--districts FILE]

Prints points per second for the single-point endpoint, the batch endpoint and the in-database
bulk re-match of workplaces, each with its plain-PostGIS baseline on the same points, and the
rate at which areas are stored with their coverage.
"""

from __future__ import annotations

import argparse
import os
import random
import secrets
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import psycopg
from shapely.geometry import Polygon
from sqlalchemy import make_url

from bench.nearest import serve
from geo.areas import clean_area, parse_crs
from geo.coverage import own_cells
from geo.db import libpq_url, make_engine, migrate
from geo.unions import UnionData, save
from geo.vocab import UnionLevel
from seed.synthetic import cuts, lattice, ring
from seed.union_import import FieldMap, import_unions
from yizhan.cluster import LocalCluster
from yizhan.settings import Settings

REALDATA = Path(__file__).resolve().parents[2] / "shared" / "realdata"
# A province: 10 districts of 5 streets of 6 communities of 10 grids. Areas are ranges of cells
# of one jittered lattice, so neighbours share their wiggly borders exactly and a grid's ring has
# dozens of vertices, a district's hundreds.
SPLITS = [(UnionLevel.DISTRICT, 2, 5), (UnionLevel.STREET, 1, 5),
          (UnionLevel.COMMUNITY, 2, 3), (UnionLevel.GRID, 5, 2)]
PROVINCE = (120.0, 30.0, 120.8, 30.5)  # about 77 km by 55 km
LATTICE = (240, 300)  # cells across and up; each grid spans about 12 by 2 cells (1.6 km by 0.4 km)


def province(rng: random.Random) -> list[UnionData]:
    points = lattice(PROVINCE, LATTICE, rng)
    full = (0, 0, *LATTICE)
    unions = [UnionData("P", "省", UnionLevel.CITY, None, clean_area(Polygon(ring(points, *full))))]
    parents = [("P", full)]
    for level, nx, ny in SPLITS:
        children = []
        for code, (i1, j1, i2, j2) in parents:
            xs, ys = cuts(i1, i2, nx, rng), cuts(j1, j2, ny, rng)
            for a in range(nx):
                for b in range(ny):
                    child = (xs[a], ys[b], xs[a + 1], ys[b + 1])
                    child_code = f"{code}-{a}{b}"
                    unions.append(UnionData(child_code, child_code, level, code,
                                            clean_area(Polygon(ring(points, *child)))))
                    children.append((child_code, child))
        parents = children
    return unions


def rate(label: str, count: int, seconds: float) -> tuple[str, float]:
    return label, count / seconds


def timed(run: Callable[[], object]) -> float:
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def scenario(url: str, name: str, points: list[tuple[float, float]], requests: int
             ) -> list[tuple[str, float]]:
    results = []
    sample = points[:requests]
    with psycopg.connect(libpq_url(url), autocommit=True) as conn:
        def plain_single() -> None:
            for lon, lat in sample:
                conn.execute("SELECT id FROM unions WHERE ST_Covers(area, "
                             "ST_SetSRID(ST_MakePoint(%s, %s), 4326))", (lon, lat)).fetchall()
        results.append(rate(f"{name}: plain ST_Covers, one point per query", len(sample),
                            timed(plain_single)))
    # Five 10,000-point batches in a row: past the per-address budget a minute that guards the API.
    base, server = serve(url, YIZHAN_MATCH_POINTS_PER_MINUTE="1000000")
    try:
        with httpx.Client(base_url=base, timeout=600) as client:
            def single() -> None:
                for lon, lat in sample:
                    client.get("/unions/match", params={"lat": lat, "lon": lon}).raise_for_status()
            results.append(rate(f"{name}: GET /unions/match (HTTP, 1 client)", len(sample),
                                timed(single)))
            batch = points[:50_000]

            def batches() -> None:
                for start in range(0, len(batch), 10_000):
                    body = {"points": [{"id": i, "lat": lat, "lon": lon} for i, (lon, lat)
                                       in enumerate(batch[start:start + 10_000])]}
                    client.post("/unions/match", json=body).raise_for_status()
            results.append(rate(f"{name}: POST /unions/match, 10,000 a request", len(batch),
                                timed(batches)))
    finally:
        server.terminate()
        server.wait(10)
    with psycopg.connect(libpq_url(url), autocommit=True) as conn:
        def plain_batch() -> None:
            for start in range(0, len(batch), 10_000):
                chunk = batch[start:start + 10_000]
                conn.execute(
                    "SELECT p.i, u.id FROM unnest(%s::float8[], %s::float8[]) WITH ORDINALITY "
                    "AS p(lon, lat, i) JOIN unions u ON ST_Covers(u.area, "
                    "ST_SetSRID(ST_MakePoint(p.lon, p.lat), 4326))",
                    ([x for x, _ in chunk], [y for _, y in chunk])).fetchall()
        results.append(rate(f"{name}: plain ST_Covers join, 10,000 a query", len(batch),
                            timed(plain_batch)))
        load_workplaces(conn, points)
        for label, run in (("yizhan, H3", lambda: bulk(url)), ("plain PostGIS", lambda: plain_bulk(conn))):
            forget_matches(conn)
            results.append(rate(f"{name}: bulk match of new workplaces, {label}", len(points),
                                timed(run)))
            results.append(rate(f"{name}: bulk re-match, nothing changed, {label}", len(points),
                                timed(run)))
    return results


def load_workplaces(conn: psycopg.Connection, points: list[tuple[float, float]]) -> None:
    conn.execute("DELETE FROM workplaces")
    with conn.cursor() as cur, cur.copy(
        "COPY workplaces (external_id, name, location, h3_cells) FROM STDIN"
    ) as copy:
        for i, (lon, lat) in enumerate(points):
            copy.write_row((f"w{i}", f"w{i}", f"SRID=4326;POINT({lon} {lat})",
                            own_cells(lon, lat)))
    conn.execute("VACUUM ANALYZE workplaces")


def forget_matches(conn: psycopg.Connection) -> None:
    conn.execute("UPDATE workplaces SET matched_union_id = NULL, match_status = NULL, "
                 "match_method = NULL, match_distance_m = NULL, matched_at = NULL")
    conn.execute("VACUUM ANALYZE workplaces")


def bulk(url: str) -> None:
    """yizhan's in-database re-match, covering unions only (plain PostGIS has no fallback)."""
    from geo.rematch import rematch_all

    engine = make_engine(url, pool_size=1)
    with engine.begin() as conn:
        rematch_all(conn, fallback=False)
    engine.dispose()


def plain_bulk(conn: psycopg.Connection) -> None:
    """The same answer and the same writes, found by ST_Covers through the GiST index alone."""
    conn.execute("SET work_mem = '256MB'")  # as yizhan's bulk run has
    conn.execute("""
        WITH best AS (
            SELECT DISTINCT ON (w.id) w.id, u.id AS union_id
            FROM workplaces w JOIN unions u ON ST_Covers(u.area, w.location)
            ORDER BY w.id, u.level_rank DESC, u.area_m2, u.code
        ), result AS (
            SELECT w.id, b.union_id, CASE WHEN b.union_id IS NULL THEN 'not_covered'
                                          ELSE 'matched' END AS status,
                   CASE WHEN b.union_id IS NOT NULL THEN 'exact' END AS method,
                   CASE WHEN b.union_id IS NOT NULL THEN 0 END AS distance_m
            FROM workplaces w LEFT JOIN best b ON b.id = w.id
        )
        UPDATE workplaces w
        SET matched_union_id = r.union_id, match_status = r.status, match_method = r.method,
            match_distance_m = r.distance_m, matched_at = now()
        FROM result r
        WHERE w.id = r.id AND (w.matched_union_id, w.match_status, w.match_method,
                               w.match_distance_m)
            IS DISTINCT FROM (r.union_id, r.status, r.method, r.distance_m)""")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=2_000)
    parser.add_argument("--districts", type=Path,
                        default=REALDATA / "datav_districts_sh_xy_sz_gz_gcj02.geojson")
    args = parser.parse_args()
    settings = Settings()
    if not settings.database_url:
        LocalCluster.from_settings(settings).up()
    server_url = make_url(settings.resolved_database_url())
    rows: list[tuple[str, float]] = []
    rng = random.Random(2026)
    for name in ("province", "districts"):
        if name == "districts" and not args.districts.exists():
            print(f"{args.districts} is not here; skipping the real districts")
            continue
        db = f"yizhan_bench_{os.getpid()}_{secrets.token_hex(3)}"
        admin = libpq_url(server_url.render_as_string(False))
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{db}"')
        url = server_url.set(database=db).render_as_string(hide_password=False)
        try:
            migrate(url)
            engine = make_engine(url, pool_size=1)
            start = time.perf_counter()
            if name == "province":
                areas = province(rng)
                with engine.begin() as conn:
                    for data in areas:
                        save(conn, data)
                count = len(areas)

                boxes = [PROVINCE]
            else:
                import_unions(engine, args.districts, parse_crs("gcj02"),
                              FieldMap("adcode", "name"), UnionLevel.DISTRICT)
                count = 50
                with engine.connect() as conn:
                    boxes = [tuple(b) for b in conn.exec_driver_sql(
                        "SELECT ST_XMin(area), ST_YMin(area), ST_XMax(area), ST_YMax(area) "
                        "FROM unions").all()]
            rows.append(rate(f"{name}: areas stored with their H3 coverage", count,
                             time.perf_counter() - start))
            engine.dispose()
            points = []  # where workplaces are: spread over the areas, not the empty bbox
            for _ in range(args.points):
                x1, y1, x2, y2 = rng.choice(boxes)
                points.append((rng.uniform(x1, x2), rng.uniform(y1, y2)))
            rows += scenario(url, name, points, args.requests)
        finally:
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
    print(f"\n{args.points:,} points per bulk run; {args.requests:,} single requests\n")
    for label, per_second in rows:
        print(f"{label:62} {per_second:12,.0f} /s")


if __name__ == "__main__":
    main()
