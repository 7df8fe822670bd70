"""Insert or update rows by their external id, leaving rows equal to what is stored alone.

A few rows go as one INSERT … VALUES … ON CONFLICT. A batch goes through COPY into a temporary
table (a multi-row VALUES has a bind parameter per value, and compiling those cost SQLAlchemy
more than the database's whole work), then one UPDATE of the stored rows that differ and one
plain INSERT of the new ones: a third less of the server's work than INSERT … ON CONFLICT, which
inserts speculatively. If another transaction inserts one of the external ids meanwhile, the
batch goes again as INSERT … SELECT … ON CONFLICT.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Select, Table, column, func, or_, select, text
from sqlalchemy import table as sql_table
from sqlalchemy.dialects.postgresql import Insert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import IntegrityError

COPY_FROM = 50  # rows; fewer go as VALUES
Written = list[tuple[int, bool]]  # (id, inserted) of each row written


@dataclass(frozen=True)
class Joined:
    """More columns for each written row, from `source` (SQL naming a relation `x`) joined on
    the stage's row number `n`: `insert` maps columns to expressions over `x`; `update` over `x`
    and the stored row `t`."""

    source: str
    insert: dict[str, str] = field(default_factory=dict)
    update: dict[str, str] = field(default_factory=dict)


def upsert(conn: Connection, table: Table, rows: list[dict[str, Any]], update: list[str]
           ) -> Written:
    """Rows (all with the same keys, `external_id` among them) inserted, or their `update`
    columns set where they differ. Call inside a transaction."""
    if not rows:
        return []
    if len(rows) < COPY_FROM:
        written = conn.execute(_on_conflict(pg_insert(table).values(rows), table, update))
        return [(r[0], r[1]) for r in written]
    stage = stage_rows(conn, table, rows)
    return write_staged(conn, table, stage, list(rows[0]), update)[0]


def stage_rows(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> str:
    """COPY `rows` into a temporary table like `table` with their row number `n`; its name."""
    columns = list(rows[0])
    stage = f"stage_{table.name}_{abs(hash(tuple(columns))) % 10**8}"
    conn.exec_driver_sql(f"CREATE TEMP TABLE IF NOT EXISTS {stage} ON COMMIT DROP AS "
                         f"SELECT CAST(0 AS bigint) AS n, {', '.join(columns)} FROM {table.name} "
                         "WITH NO DATA")
    conn.exec_driver_sql(f"TRUNCATE {stage}")
    raw = conn.connection.driver_connection
    assert raw is not None
    arrays = [i for i, c in enumerate(columns, start=1) if isinstance(rows[0][c], list)]
    with raw.cursor() as cursor, cursor.copy(
            f"COPY {stage} (n, {', '.join(columns)}) FROM STDIN") as copy:
        for n, row in enumerate(rows):
            values = [n, *[row[c] for c in columns]]
            for i in arrays:
                values[i] = array_literal(values[i])
            copy.write_row(values)
    return stage


def array_literal(values: Any) -> Any:
    """A list of ints, floats or strings as PostgreSQL's array literal, which COPY and a text
    parameter read far faster than psycopg writes a list (it quotes element by element); anything
    else as it is. A float's repr reads back as the same float8."""
    if not isinstance(values, list):
        return values
    if not values:
        return "{}"
    if all(type(v) is int for v in values) or all(type(v) is float for v in values):
        return "{" + ",".join(map(repr, values)) + "}"
    if all(type(v) is str for v in values):
        return "{" + ",".join('"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
                              for v in values) + "}"
    return values


def write_staged(conn: Connection, table: Table, stage: str, columns: list[str],
                 update: list[str], joined: Joined | None = None) -> tuple[Written, list[int]]:
    """The staged rows written as `upsert` writes them; also the ids of those written without
    `joined`'s columns (none, unless another transaction changed rows meanwhile)."""
    try:
        with conn.begin_nested():
            return _update_then_insert(conn, table.name, stage, columns, update, joined)
    except IntegrityError as exc:
        if "external_id" not in str(exc.orig):
            raise
    staged: Select[*tuple[Any, ...]] = select(*(column(c) for c in columns)).select_from(sql_table(stage))
    written = [(r[0], r[1]) for r in conn.execute(_on_conflict(
        pg_insert(table).from_select(columns, staged), table, update))]
    return written, [i for i, _ in written] if joined else []


def differs(update: list[str]) -> str:
    """SQL: the stored row `t` differs from the staged row `s` in an `update` column."""
    return " OR ".join(f"t.{c} IS DISTINCT FROM s.{c}" for c in update) or "false"


def _update_then_insert(conn: Connection, name: str, stage: str, columns: list[str],
                        update: list[str], joined: Joined | None
                        ) -> tuple[Written, list[int]]:
    join, lacking = "", "false"
    extra_sets, extra_columns, extra_values = [], [], []
    if joined:
        join, lacking = f"LEFT JOIN {joined.source} ON x.n = s.n", "x.n IS NULL"
        extra_sets = [f"{c} = {e}" for c, e in joined.update.items()]
        extra_columns, extra_values = list(joined.insert), list(joined.insert.values())
    sets = [f"{c} = s.{c}" for c in update] + ["updated_at = now()"] + extra_sets
    updated = conn.exec_driver_sql(f"""
        UPDATE {name} t SET {", ".join(sets)}
        FROM {stage} s {join}
        WHERE t.external_id = s.external_id AND ({differs(update)})
        RETURNING t.id, {lacking}""").all()
    insert = f"""
        INSERT INTO {name} ({", ".join(columns + extra_columns)})
        SELECT {", ".join([f"s.{c}" for c in columns] + extra_values)}
        FROM {stage} s {join}
        WHERE NOT EXISTS (SELECT FROM {name} t WHERE t.external_id = s.external_id)"""
    if joined:  # RETURNING sees only the inserted row
        insert = (f"WITH i AS ({insert} RETURNING id, external_id) SELECT i.id, {lacking} "
                  f"FROM i JOIN {stage} s USING (external_id) {join}")
    else:
        insert += " RETURNING id, false"
    inserted = conn.exec_driver_sql(insert).all()
    written = [(i, False) for i, _ in updated] + [(i, True) for i, _ in inserted]
    return written, [i for i, missed in [*updated, *inserted] if missed]


def _on_conflict(statement: Insert, table: Table, update: list[str]) -> Any:
    """The rule both ways share: by external id, written only where a column differs."""
    return statement.on_conflict_do_update(
        index_elements=[table.c.external_id],
        set_={**{c: statement.excluded[c] for c in update}, "updated_at": func.now()},
        where=or_(*(table.c[c].is_distinct_from(statement.excluded[c]) for c in update)),
    ).returning(table.c.id, text("xmax = 0"))
