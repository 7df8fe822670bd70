"""Insert or update rows by their external id, leaving rows equal to what is stored alone.

A few rows go as one INSERT … VALUES. A batch goes through COPY into a temporary table and one
INSERT … SELECT: a multi-row VALUES has a bind parameter per value, and compiling those cost
SQLAlchemy more than the database's whole work (1,300 rows/s for stations).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Row, Table, func, or_, text
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
        statement = pg_insert(table).values(rows)
        statement = statement.on_conflict_do_update(
            index_elements=[table.c.external_id],
            set_={**{c: statement.excluded[c] for c in update}, "updated_at": func.now()},
            where=or_(*(table.c[c].is_distinct_from(statement.excluded[c]) for c in update)),
        ).returning(text(returning))
        return list(conn.execute(statement))
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
    changed = " OR ".join(f"{table.name}.{c} IS DISTINCT FROM EXCLUDED.{c}" for c in update)
    return list(conn.exec_driver_sql(
        f"INSERT INTO {table.name} ({names}) SELECT {names} FROM {stage} "
        f"ON CONFLICT (external_id) DO UPDATE SET "
        f"{', '.join(f'{c} = EXCLUDED.{c}' for c in update)}, updated_at = now() "
        f"WHERE {changed} RETURNING {returning}"))
