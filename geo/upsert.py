"""Insert or update rows by their external id, leaving rows equal to what is stored alone.

A few rows go as one INSERT … VALUES. A batch goes through COPY into a temporary table and one
INSERT … SELECT: a multi-row VALUES has a bind parameter per value, and compiling those cost
SQLAlchemy more than the database's whole work (1,300 rows/s for stations).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Row, Table, column, func, or_, select, text
from sqlalchemy import table as sql_table
from sqlalchemy.dialects.postgresql import Insert
from sqlalchemy.dialects.postgresql import insert as pg_insert

COPY_FROM = 50  # rows; fewer go as VALUES


def upsert(conn: Connection, table: Table, rows: list[dict[str, Any]], update: list[str],
           returning: str) -> list[Row[Any]]:
    """Rows (all with the same keys, `external_id` among them) inserted, or their `update`
    columns set where they differ; returns `returning` (SQL) of each row written. Call inside
    a transaction."""
    if not rows:
        return []
    if len(rows) < COPY_FROM:
        return list(conn.execute(_on_conflict(pg_insert(table).values(rows), table, update,
                                              returning)))
    columns = list(rows[0])
    names = ", ".join(columns)
    stage = f"stage_{table.name}_{abs(hash(tuple(columns))) % 10**8}"
    conn.exec_driver_sql(f"CREATE TEMP TABLE IF NOT EXISTS {stage} ON COMMIT DROP AS "
                         f"SELECT {names} FROM {table.name} WITH NO DATA")
    conn.exec_driver_sql(f"TRUNCATE {stage}")
    raw = conn.connection.driver_connection
    assert raw is not None
    with raw.cursor() as cursor, cursor.copy(f"COPY {stage} ({names}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([row[c] for c in columns])
    staged = select(*(column(c) for c in columns)).select_from(sql_table(stage))
    return list(conn.execute(_on_conflict(pg_insert(table).from_select(columns, staged), table,
                                          update, returning)))


def _on_conflict(statement: Insert, table: Table, update: list[str], returning: str) -> Any:
    """The rule both ways share: by external id, written only where a column differs."""
    return statement.on_conflict_do_update(
        index_elements=[table.c.external_id],
        set_={**{c: statement.excluded[c] for c in update}, "updated_at": func.now()},
        where=or_(*(table.c[c].is_distinct_from(statement.excluded[c]) for c in update)),
    ).returning(text(returning))
