"""`yizhan db backup` and `yizhan db restore`: the whole database as one pg_dump archive
(custom format), restored in one transaction.

Why a dump and not a base backup with WAL: a dump restores into any PostGIS server of the same
or a newer major version, on any machine, and is one file an operator can copy, check
(`pg_restore --list`) and keep off site. Losing the machine is the standby's job (it has every
acknowledged write); a backup is for what a standby copies faithfully too: a bad import, a
mistaken delete, a broken upgrade.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from psycopg import sql
from sqlalchemy import make_url

from geo.db import libpq_url
from yizhan.cluster import _pg_bindir

# Tables that are there in every migrated database, whether or not it holds anything.
STRUCTURE = frozenset({"alembic_version", "spatial_ref_sys"})


class BackupError(RuntimeError):
    """A backup or restore that cannot be done; the message says why and what to do."""


@contextmanager
def _connection_env(url: str) -> Iterator[tuple[str, dict[str, str]]]:
    """A libpq URL without its password, and an environment carrying it: the password stays
    out of the process list."""
    parsed = make_url(url)
    env = {**os.environ}
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    yield libpq_url(parsed.set(password=None).render_as_string(hide_password=False)), env


def _tool(name: str) -> str:
    return str(_pg_bindir() / name)


def backup(url: str, file: Path, *, overwrite: bool = False) -> int:
    """Dump the database to `file` (written beside it first, so a failed dump leaves no file
    that looks whole); its size in bytes."""
    if file.exists() and not overwrite:
        raise BackupError(f"{file} already exists: give another file name, or --force to "
                          "replace it")
    partial = file.with_name(file.name + ".partial")
    with _connection_env(url) as (dsn, env):
        done = subprocess.run([_tool("pg_dump"), "--format=custom", f"--file={partial}",
                               f"--dbname={dsn}"], env=env, capture_output=True, text=True)
    if done.returncode != 0:
        partial.unlink(missing_ok=True)
        raise BackupError(f"pg_dump failed, no backup was written:\n{done.stderr.strip()}")
    partial.replace(file)
    return file.stat().st_size


def tables_with_rows(url: str) -> list[str]:
    """The database's own tables that hold at least one row."""
    with psycopg.connect(libpq_url(url), autocommit=True) as conn:
        tables = [name for (name,) in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")]
        return [name for name in tables if name not in STRUCTURE and conn.execute(
            sql.SQL("SELECT EXISTS (SELECT FROM {})").format(sql.Identifier(name))).fetchone()[0]]  # type: ignore[index]


def restore(url: str, file: Path, *, replace: bool = False) -> None:
    """Replace the database's contents with the archive's, all or nothing: the old schema is
    dropped and the archive loaded in one transaction, so a failure leaves the database as it
    was. A database holding data is only replaced when `replace` is given."""
    if not file.is_file():
        raise BackupError(f"{file} does not exist: give the file `yizhan db backup` wrote")
    listed = subprocess.run([_tool("pg_restore"), "--list", str(file)], capture_output=True,
                            text=True)
    if listed.returncode != 0:
        raise BackupError(f"{file} is not a backup written by `yizhan db backup` (a pg_dump "
                          f"custom-format archive): {listed.stderr.strip()}")
    if (holding := tables_with_rows(url)) and not replace:
        database = make_url(url).database
        raise BackupError(
            f"the database {database} holds data (in {', '.join(holding[:5])}"
            f"{', …' if len(holding) > 5 else ''}): restoring would replace all of it. Give "
            "--force to replace it, or restore into an empty database")
    with _connection_env(url) as (dsn, env), tempfile.TemporaryFile() as errors:
        dump = subprocess.Popen([_tool("pg_restore"), "--no-owner", "--no-privileges",
                                 "--file=-", str(file)], stdout=subprocess.PIPE, stderr=errors)
        load = subprocess.Popen(
            [_tool("psql"), "--quiet", "--no-psqlrc", "--single-transaction",
             "--set=ON_ERROR_STOP=1", "--set=client_min_messages=warning", f"--dbname={dsn}",
             "--file=-"], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=errors, env=env)
        assert dump.stdout is not None and load.stdin is not None
        try:
            load.stdin.write(b"DROP SCHEMA IF EXISTS public CASCADE;\nCREATE SCHEMA public;\n")
            shutil.copyfileobj(dump.stdout, load.stdin, 1 << 20)
        except BrokenPipeError:  # psql stopped at an error: its message says which
            pass
        finally:
            with contextlib.suppress(BrokenPipeError):
                load.stdin.close()
        dump.stdout.close()
        dumped, loaded = dump.wait(), load.wait()
        if dumped != 0 or loaded != 0:
            errors.seek(0)
            raise BackupError("the restore failed and was undone, the database is as it was:\n"
                              + errors.read().decode(errors="replace").strip())
    with psycopg.connect(libpq_url(url), autocommit=True) as conn:
        conn.execute("ANALYZE")  # a restore brings no planner statistics
