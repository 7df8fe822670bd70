"""Engines, migrations and small SQL helpers. Nothing here runs at import time."""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote, urlencode

import psycopg
from alembic import command
from alembic.config import Config
from psycopg.abc import PQGen
from sqlalchemy import Connection, Engine, create_engine, event, func, make_url
from sqlalchemy.sql.elements import ColumnElement

MIGRATIONS = Path(__file__).parent / "migrations"
# How long past its statement timeout a query may go unanswered before the server is taken
# for frozen: the server's own cancellation normally answers well within this.
ANSWER_GRACE_S = 2.0


R = TypeVar("R")


def record_of(cls: type[R], row: Any) -> R:
    """A slotted record dataclass from a result row that has a column for each of its fields
    (and maybe more). `row._mapping` builds a new mapping at each access, so it is read once."""
    mapping = row._mapping
    # typing knows no __slots__ on a class; record classes are slotted dataclasses
    return cls(*[mapping[name] for name in cls.__slots__])  # type: ignore[attr-defined]


def normalise_url(url: str) -> str:
    """Accept plain `postgresql://` URLs too; yizhan always talks psycopg 3."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def libpq_url(url: str) -> str:
    """The same database as a plain libpq URL, for psycopg.connect and PostgreSQL's tools.
    SQLAlchemy's form of several hosts (`?host=h1:p1&host=h2:p2`, for failover) becomes
    libpq's (`h1:p1,h2:p2`)."""
    parsed = make_url(url).set(drivername="postgresql")
    hosts = parsed.query.get("host")
    if not hosts:
        return parsed.render_as_string(hide_password=False)
    hosts = (hosts,) if isinstance(hosts, str) else hosts
    query = urlencode({k: v for k, v in parsed.query.items() if k != "host"}, doseq=True)
    user = quote(parsed.username or "", safe="")
    if parsed.password is not None:
        user += ":" + quote(str(parsed.password), safe="")
    return (f"postgresql://{user}{'@' if user else ''}{','.join(hosts)}/"
            f"{quote(parsed.database or '', safe='')}{'?' if query else ''}{query}")


class BoundedConnection(psycopg.Connection[Any]):
    """A connection that stops waiting for a server that has gone silent mid-query.

    The statement timeout is enforced by the server, so a frozen server (a stopped process, a
    stalled disk, a suspended host) would hold the query, and the request, for ever; the kernel
    still acknowledges packets, so TCP keepalives and tcp_user_timeout do not notice."""

    answer_within_s: float | None = None

    def wait(self, gen: PQGen[Any], interval: float = 0.1, timeout: float | None = None) -> Any:
        try:
            return super().wait(gen, interval, timeout or self.answer_within_s)
        except psycopg.errors._WaitTimeout:
            self.pgconn.finish()  # its state is unknown: never hand it out again
            raise psycopg.OperationalError(
                f"the database server did not answer within {self.answer_within_s:g} s; "
                "the connection was closed") from None


def make_engine(url: str, pool_size: int = 10, *, autocommit: bool = False,
                statement_timeout_ms: int = 0, pool_timeout_s: float = 10,
                prepared_statements: bool = True, idle_in_transaction_ms: int = 0) -> Engine:
    """An engine with its own pool. `autocommit` suits read-only work: no BEGIN, and no ROLLBACK
    round trip when a connection goes back to the pool; `engine.begin()` is then not atomic.
    A statement running longer than `statement_timeout_ms` (0: no limit) is cancelled, a server
    silent for `ANSWER_GRACE_S` beyond that loses the connection, and a request waits at most
    `pool_timeout_s` for a connection: the API answers 503 for each. A connection idle inside a
    transaction for `idle_in_transaction_ms` (0: no limit) is closed by the server, its
    transaction rolled back, so that a request stuck between statements holds no locks. Without
    `prepared_statements` (behind a transaction-mode pooler that does not track them, as
    PgBouncer before 1.21), psycopg never prepares a statement on the server."""
    # JIT compiles for hundreds of milliseconds whenever PostGIS cost estimates run high,
    # which spatial joins always do; for these short queries it never pays.
    options = (f"-c jit=off -c statement_timeout={statement_timeout_ms} "
               f"-c idle_in_transaction_session_timeout={idle_in_transaction_ms}")
    engine = create_engine(
        normalise_url(url),
        isolation_level="AUTOCOMMIT" if autocommit else None,
        # A server that accepts the connection and then says nothing (a frozen host) would
        # otherwise hold a new connection, and the request waiting for it, for ever.
        connect_args={"options": options, "connect_timeout": max(1, math.ceil(pool_timeout_s)),
                      **({} if prepared_statements else {"prepare_threshold": None})},
        # No overflow: under load, overflow connections are opened and closed again request after
        # request, each costing the server a fork and an authentication.
        pool_size=pool_size,
        max_overflow=0,
        # No pre-ping: it costs a round trip per request. A connection found dead raises, the
        # API answers 503, and SQLAlchemy discards the whole stale pool so the next one works.
        pool_pre_ping=False,
        pool_timeout=pool_timeout_s,
    )
    if statement_timeout_ms:
        bound = statement_timeout_ms / 1000 + ANSWER_GRACE_S

        @event.listens_for(engine, "do_connect")
        def _bounded(dialect: Any, record: Any, cargs: Any, cparams: dict[str, Any]) -> Any:
            connection = BoundedConnection.connect(*cargs, **cparams)
            connection.answer_within_s = bound
            return connection
    return engine


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
    return config


def migrate(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


@cache
def code_head() -> str:
    """The newest migration the code has (read from the migrations folder once)."""
    from alembic.script import ScriptDirectory

    return str(ScriptDirectory(str(MIGRATIONS)).get_current_head())


def schema_is_current(engine: Engine) -> tuple[bool, str | None, str]:
    """Whether the database's migration is the code's newest: (current, found, wanted)."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        found = MigrationContext.configure(conn).get_current_revision()
    return found == code_head(), found, code_head()


# (name, definition) of the indexes of the tables %s (regclass[]) that back no constraint.
SECONDARY_INDEXES = """
    SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
    FROM pg_index i
    WHERE i.indrelid = ANY(%s::regclass[])
      AND NOT EXISTS (SELECT FROM pg_constraint c WHERE c.conindid = i.indexrelid)
    ORDER BY 1"""
CHANGED_ENOUGH = 0.1  # of a table's rows written: autovacuum's own default for analysing


def estimated_rows(conn: Connection, table: str) -> int:
    """The planner's count of a table's rows (0 for a table never analysed)."""
    return max(0, int(conn.exec_driver_sql(
        "SELECT reltuples FROM pg_class WHERE oid = CAST(%s AS regclass)", (table,)).scalar_one()))


@contextmanager
def indexes_built_after(conn: Connection, table: str, enabled: bool = True) -> Iterator[None]:
    """In a transaction: `table`'s secondary indexes dropped for the statements inside and
    built again after, each in one sorted pass, as a restore does; far cheaper than keeping them
    row by row when the statements write more rows than the table holds. Until the transaction
    ends, other sessions cannot read the table; a rollback brings the indexes back."""
    if not enabled:
        yield
        return
    indexes = conn.exec_driver_sql(SECONDARY_INDEXES, ([table],)).all()
    for name, _ in indexes:
        conn.exec_driver_sql(f"DROP INDEX {name}")
    yield
    for _, definition in indexes:
        conn.exec_driver_sql(definition)


def analyze_if_changed(engine: Engine, table: str, written: int, rows_before: int) -> None:
    """`analyze` a table a load wrote a good part of (CHANGED_ENOUGH); a smaller change is left
    to autovacuum, as the planner's figures stay near enough."""
    if written > CHANGED_ENOUGH * rows_before:
        analyze(engine, table)


def analyze(engine: Engine, *tables: str) -> None:
    """Refresh the planner's statistics after a bulk load. Until autovacuum gets to it, the
    planner sees the tables as they were (empty, or someone else's data) and can choose plans
    that are thousands of times slower."""
    with engine.connect() as conn:
        conn.exec_driver_sql(f"ANALYZE {', '.join(tables)}")
        conn.commit()


def wgs84_box(west: float, south: float, east: float, north: float) -> ColumnElement[Any]:
    """A WGS84 search box as SQL. A box with no width or height is the point or line it is:
    ST_MakeEnvelope would make a degenerate polygon, which intersects nothing in its inside."""
    corners = func.ST_MakeLine(func.ST_MakePoint(west, south), func.ST_MakePoint(east, north))
    return func.ST_SetSRID(func.ST_Envelope(corners), 4326)
