"""`yizhan db backup` and `yizhan db restore`, run as an operator runs them: a round trip gives
back every table's rows exactly, and a database holding data is only replaced when told."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, make_url

from geo.db import libpq_url
from seed.demo import load_demo
from seed.synthetic_load import drop_database
from tests.test_import_cli import invoke

Contents = dict[str, tuple[int, str | None]]


def contents(url: str) -> Contents:
    """Each table's row count and a checksum of its rows, and each sequence's position."""
    with psycopg.connect(libpq_url(url), autocommit=True) as conn:
        tables = [name for (name,) in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")]
        found: Contents = {}
        for table in tables:
            found[table] = conn.execute(  # type: ignore[assignment]
                f'SELECT count(*), md5(string_agg(t::text, E\'\\n\' ORDER BY t::text)) FROM "{table}" t'
            ).fetchone()
        for name, position in conn.execute(
                "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public'"):
            found[f"sequence {name}"] = (position or 0, None)
        return found


@pytest.fixture
def other_database(database_url: str) -> Iterator[str]:
    """A new, empty database on the same server."""
    name = f"yizhan_test_restore_{secrets.token_hex(3)}"
    with psycopg.connect(libpq_url(database_url), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield make_url(database_url).set(database=name).render_as_string(hide_password=False)
    drop_database(database_url, name)


@pytest.fixture
def filled(database_url: str, client: TestClient, admin: dict[str, str], engine: Engine) -> str:
    """The test database with the demo data and an officer's audited edit."""
    with engine.begin() as conn:
        load_demo(conn)
    created = client.post("/stations", headers=admin, json={"name": "备份驿站", "lon": 121.47, "lat": 31.23})
    assert created.status_code == 201, created.text
    return database_url


def test_a_backup_restores_every_row_of_every_table(filled: str, other_database: str,
                                                     tmp_path: Path) -> None:
    archive = tmp_path / "yizhan.dump"
    code, out = invoke(filled, "db", "backup", str(archive))
    assert code == 0, out
    assert f"backup written to {archive}" in out
    original = contents(filled)
    assert original["stations"][0] > 1 and original["unions"][0] > 1 and original["audit_log"][0] >= 1

    code, out = invoke(other_database, "db", "restore", str(archive))
    assert code == 0, out
    assert contents(other_database) == original

    # A new row after the restore takes a new id, as it would have on the original.
    with psycopg.connect(libpq_url(other_database)) as conn:
        (new_id,) = conn.execute(  # type: ignore[misc]
            "INSERT INTO stations (external_id, name, location, h3_r10) VALUES "
            "('after', '恢复后', 'SRID=4326;POINT(121 31)', 0) RETURNING id").fetchone()
    assert new_id > original["stations"][0]


def test_a_database_holding_data_is_replaced_only_when_told(filled: str, other_database: str,
                                                            tmp_path: Path) -> None:
    archive = tmp_path / "yizhan.dump"
    assert invoke(filled, "db", "backup", str(archive))[0] == 0
    assert invoke(other_database, "db", "restore", str(archive))[0] == 0
    with psycopg.connect(libpq_url(other_database)) as conn:
        conn.execute("DELETE FROM stations WHERE name = '备份驿站'")
    changed = contents(other_database)

    code, out = invoke(other_database, "db", "restore", str(archive))
    assert code == 1
    assert "holds data" in out and "--force" in out
    assert contents(other_database) == changed

    code, out = invoke(other_database, "db", "restore", "--force", str(archive))
    assert code == 0, out
    assert contents(other_database) == contents(filled)

    # The backup does not overwrite a file either, unless told.
    code, out = invoke(filled, "db", "backup", str(archive))
    assert code == 1 and "already exists" in out and "--force" in out
    assert invoke(filled, "db", "backup", "--force", str(archive))[0] == 0


def test_a_file_that_is_no_backup_changes_nothing(filled: str, tmp_path: Path) -> None:
    before = contents(filled)
    bad = tmp_path / "notes.txt"
    bad.write_text("not a backup")
    code, out = invoke(filled, "db", "restore", "--force", str(bad))
    assert code == 1 and "is not a backup written by `yizhan db backup`" in out
    code, out = invoke(filled, "db", "restore", "--force", str(tmp_path / "missing.dump"))
    assert code == 1 and "does not exist" in out
    assert contents(filled) == before


def test_a_restore_that_fails_half_way_leaves_the_database_as_it_was(
        filled: str, other_database: str, tmp_path: Path) -> None:
    archive = tmp_path / "yizhan.dump"
    assert invoke(filled, "db", "backup", str(archive))[0] == 0
    assert invoke(other_database, "db", "restore", str(archive))[0] == 0
    before = contents(other_database)
    truncated = tmp_path / "truncated.dump"
    data = archive.read_bytes()
    truncated.write_bytes(data[: len(data) * 3 // 4])  # the table of contents is whole, data not
    code, out = invoke(other_database, "db", "restore", "--force", str(truncated))
    assert code == 1 and "undone" in out, out
    assert contents(other_database) == before
