"""Loading a synthetic country (seed/synthetic.py) into a database of its own, fast.

Cities are generated and written by a pool of worker processes, each city in one transaction
of COPY statements. The secondary indexes are dropped before and built once after, as
pg_restore does; then the planner's statistics are refreshed and every workplace is matched to
its union. A failure, Ctrl-C or a SIGTERM drops the database it was loading, so nothing
half-written is left. Each database it makes carries a comment (MARK) that says so, and whether
the load finished: only such a database is ever replaced.
"""

from __future__ import annotations

import multiprocessing
import signal
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import psycopg
import shapely
from psycopg import sql
from sqlalchemy import make_url

from geo.db import SECONDARY_INDEXES, libpq_url, make_engine, migrate
from geo.match_sql import store_cells
from seed.synthetic import CityPlan, city_stations, city_unions, city_workplaces

TABLES = ("unions", "union_cell_blocks", "stations", "workplaces")
MARK = "yizhan seed synthetic"
LOADING, COMPLETE = f"{MARK}: loading", f"{MARK}: complete"
# The statements' own settings for building indexes and matching a whole table.
BUILD = "SET maintenance_work_mem = '1GB'; SET max_parallel_maintenance_workers = 2"


@dataclass
class CityCounts:
    unions: int = 0
    cells: int = 0
    stations: int = 0
    workplaces: int = 0
    generate_s: float = 0.0  # areas, coverage, points (Python)
    copy_s: float = 0.0

    def add(self, other: CityCounts) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class LoadReport:
    database: str
    url: str
    cities: int
    counts: CityCounts = field(default_factory=CityCounts)
    write_s: float = 0.0  # wall time of the workers' generating and copying
    index_s: float = 0.0
    analyze_s: float = 0.0
    match_s: float = 0.0
    matched: dict[str, int] = field(default_factory=dict)

    def lines(self) -> list[str]:
        c = self.counts
        rows = c.unions + c.cells + c.stations + c.workplaces
        return [
            f"{self.cities} cities: {c.unions:,} area unions ({c.cells:,} H3 cells), "
            f"{c.stations:,} stations, {c.workplaces:,} workplaces",
            f"written in {self.write_s:,.1f} s: {rows / self.write_s:,.0f} rows/s, "
            f"{c.unions / self.write_s:,.0f} areas/s with their coverage",
            f"indexes built in {self.index_s:,.1f} s, statistics in {self.analyze_s:,.1f} s",
            f"workplaces matched in {self.match_s:,.1f} s "
            f"({c.workplaces / max(self.match_s, 1e-9):,.0f} /s): "
            + ", ".join(f"{status} {n:,}" for status, n in sorted(self.matched.items())),
        ]


def _copy(conn: psycopg.Connection, statement: str, rows: Iterable[tuple[object, ...]]) -> int:
    count = 0
    with conn.cursor() as cur, cur.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


def load_city(url: str, city: CityPlan) -> CityCounts:
    """Generate one city and write it in one transaction (run in a worker process)."""
    counts = CityCounts()
    start = time.perf_counter()
    unions = city_unions(city)
    stations = list(city_stations(city))
    workplaces = list(city_workplaces(city))
    counts.generate_s = time.perf_counter() - start
    start = time.perf_counter()
    with psycopg.connect(libpq_url(url)) as conn:
        counts.unions = _copy(
            conn, "COPY unions (id, code, name, level, parent_id, path, area, area_m2, "
            "coverage_res) FROM STDIN",
            ((u.id, u.code, u.name, u.level.value, u.parent_id, u.path,
              shapely.to_wkb(u.area, hex=True, include_srid=True), u.area_m2, u.coverage_res)
             for u in unions))
        conn.execute("CREATE TEMPORARY TABLE city_cells (cell bigint, union_id integer, "
                     "interior boolean) ON COMMIT DROP")
        counts.cells = _copy(
            conn, "COPY city_cells (cell, union_id, interior) FROM STDIN",
            ((cell, u.id, interior) for u in unions
             for cells, interior in ((u.interior, True), (u.border, False)) for cell in cells))
        conn.execute(store_cells("SELECT cell, union_id, interior FROM city_cells"))
        counts.stations = _copy(
            conn, "COPY stations (id, external_id, name, location, h3_r10, amenities, "
            "opening_hours, status, operator) FROM STDIN", stations)
        counts.workplaces = _copy(
            conn, "COPY workplaces (id, external_id, name, location, h3_cells) FROM STDIN",
            workplaces)
    counts.copy_s = time.perf_counter() - start
    return counts


# The coverage's primary key is built after the cells are written, as the secondary indexes
# are: grown by the cities' writes in turn it ended about two thirds full (a unique key found
# broken then fails the load).
CELL_KEY = "pk_union_cell_blocks"


def _drop_cell_key(conn: psycopg.Connection) -> str:
    """Drop the coverage cells' primary key; returns its definition, to add it again."""
    row = conn.execute("SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = %s",
                       (CELL_KEY,)).fetchone()
    assert row is not None  # the migrations make it
    conn.execute(f"ALTER TABLE union_cell_blocks DROP CONSTRAINT {CELL_KEY}")
    return str(row[0])


def _load_city(job: tuple[str, CityPlan]) -> tuple[CityPlan, CityCounts]:
    url, city = job
    return city, load_city(url, city)


def _secondary_indexes(conn: psycopg.Connection) -> list[tuple[str, str]]:
    """(name, definition) of the four tables' indexes that back no constraint."""
    return conn.execute(SECONDARY_INDEXES, (list(TABLES),)).fetchall()


def state(server_url: str, name: str) -> str | None:
    """The comment of database `name` (LOADING or COMPLETE if this module made it, something
    else or "" if not), None if there is no such database."""
    with psycopg.connect(libpq_url(server_url), autocommit=True) as conn:
        row = conn.execute("SELECT coalesce(shobj_description(oid, 'pg_database'), '') "
                           "FROM pg_database WHERE datname = %s", (name,)).fetchone()
    return row[0] if row else None


def _mark(conn: psycopg.Connection, name: str, mark: str) -> None:
    conn.execute(sql.SQL("COMMENT ON DATABASE {} IS {}").format(sql.Identifier(name),
                                                                 sql.Literal(mark)))


def create_database(server_url: str, name: str, replace: bool) -> str:
    """The URL of a new, migrated database `name` on the server of `server_url`. An existing
    one is dropped first if `replace` and this module made it; never yizhan's own."""
    found = state(server_url, name)
    if found is not None and not replace:
        raise FileExistsError(f"database {name!r} exists already; use --replace to load it "
                              "anew, or give another --database")
    if name == make_url(server_url).database or (found is not None and not found.startswith(MARK)):
        raise FileExistsError(f"database {name!r} was not made by `yizhan seed synthetic`, and "
                              "--replace drops only those; give another --database")
    with psycopg.connect(libpq_url(server_url), autocommit=True) as conn:
        if found is not None:
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        _mark(conn, name, LOADING)
    url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
    migrate(url)
    return url


def drop_database(server_url: str, name: str) -> None:
    with psycopg.connect(libpq_url(server_url), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def load(server_url: str, database: str, cities: list[CityPlan], *, workers: int = 2,
         replace: bool = False, progress: Callable[[str], None] = print) -> LoadReport:
    """Create `database` beside the one at `server_url` and load `cities` into it (see
    `seed.synthetic.plan`). Returns the database's URL in the report."""
    from geo.rematch import rematch_all_parallel

    url = create_database(server_url, database, replace)
    report = LoadReport(database, url, len(cities))
    progress(f"loading {len(cities)} {'city' if len(cities) == 1 else 'cities'} into {database}")
    in_main = threading.current_thread() is threading.main_thread()  # where signals are handled
    stop_on_sigterm = signal.signal(signal.SIGTERM, _interrupt) if in_main else None
    try:
        with psycopg.connect(libpq_url(url), autocommit=True) as conn:
            indexes = _secondary_indexes(conn)
            for name, _ in indexes:
                conn.execute(f"DROP INDEX {name}")
            cell_key = _drop_cell_key(conn)
        start = time.perf_counter()
        total = sum(c.workplaces for c in cities)
        context = multiprocessing.get_context("spawn")  # no inherited connections or threads
        with context.Pool(workers, initializer=_leave_signals_to_the_parent) as pool:
            for done, (city, counts) in enumerate(
                    pool.imap_unordered(_load_city, [(url, c) for c in cities]), start=1):
                report.counts.add(counts)
                elapsed = time.perf_counter() - start
                left = elapsed / report.counts.workplaces * (total - report.counts.workplaces)
                progress(f"[{done}/{len(cities)}] {city.code}: {counts.unions:,} unions, "
                         f"{counts.stations:,} stations, {counts.workplaces:,} workplaces; "
                         f"{elapsed:,.0f} s so far, about {left:,.0f} s to go")
        report.write_s = time.perf_counter() - start
        with psycopg.connect(libpq_url(url), autocommit=True) as conn:
            start = time.perf_counter()
            conn.execute(BUILD)
            for name, definition in indexes:
                progress(f"building {name}")
                conn.execute(definition)
            progress(f"building {CELL_KEY}")
            conn.execute(f"ALTER TABLE union_cell_blocks ADD CONSTRAINT {CELL_KEY} {cell_key}")
            for table in ("unions", "stations", "workplaces"):
                conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                             f"(SELECT max(id) FROM {table}))")
            report.index_s = time.perf_counter() - start
            start = time.perf_counter()
            conn.execute(f"VACUUM ANALYZE {', '.join(TABLES)}")
            report.analyze_s = time.perf_counter() - start
        progress("matching every workplace to its union")
        engine = make_engine(url, pool_size=workers)
        start = time.perf_counter()
        rematch_all_parallel(engine, workers)
        report.match_s = time.perf_counter() - start
        with engine.connect() as conn:
            report.matched = dict(conn.exec_driver_sql(
                "SELECT match_status, count(*) FROM workplaces GROUP BY 1").all())
        engine.dispose()
        with psycopg.connect(libpq_url(url), autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE workplaces")
            _mark(conn, database, COMPLETE)
    except BaseException:
        drop_database(server_url, database)
        raise
    finally:
        if in_main:
            signal.signal(signal.SIGTERM, stop_on_sigterm)
    return report


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt(signum)  # the caller exits with 128 + signum, as a shell would


def _leave_signals_to_the_parent() -> None:
    """In a worker: Ctrl-C reaches the whole process group, and the parent stops the pool."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
