"""`yizhan db up | status | down | reset` on a cluster of its own, in a scratch folder."""

from __future__ import annotations

import os
import shutil
import socket
from pathlib import Path

import psycopg
import pytest
from typer.testing import CliRunner

from geo.db import libpq_url
from yizhan.cli import app
from yizhan.cluster import LocalCluster, memory_settings


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.skipif(bool(os.environ.get("YIZHAN_DATABASE_URL")), reason="external database")
def test_cluster_lifecycle(tmp_path: Path) -> None:
    env = {"YIZHAN_DATA_DIR": str(tmp_path / "state"), "YIZHAN_PG_PORT": str(_free_port())}
    cluster = LocalCluster(tmp_path / "state", int(env["YIZHAN_PG_PORT"]))
    runner = CliRunner()

    def yizhan(*args: str) -> tuple[int, str]:
        result = runner.invoke(app, list(args), env=env)
        return result.exit_code, result.output

    def libpq() -> str:
        return libpq_url(cluster.url())

    try:
        code, out = yizhan("db", "status")
        assert code == 3 and "not created" in out
        code, out = yizhan("db", "up")
        assert code == 0 and "PostgreSQL running" in out, out
        with psycopg.connect(libpq(), autocommit=True) as conn:
            for name, value in memory_settings().items():  # sized from this machine at start
                assert conn.execute("SELECT pg_size_bytes(current_setting(%s)) = pg_size_bytes(%s)",
                                    (name, value)).fetchone() == (True,), name
            conn.execute("CREATE EXTENSION postgis")
            conn.execute("CREATE TABLE kept (x int)")
            assert conn.execute("SELECT postgis_version()").fetchone()
        code, out = yizhan("db", "status")
        assert code == 0 and "state: running" in out and cluster.password() not in out
        assert yizhan("db", "down")[0] == 0 and not cluster.running()
        assert "state: stopped" in yizhan("db", "status")[1]
        assert yizhan("db", "up")[0] == 0
        with psycopg.connect(libpq()) as conn:
            assert conn.execute("SELECT count(*) FROM kept").fetchone() == (0,)
        code, out = yizhan("db", "reset", "--yes")
        assert code == 0, out
        with psycopg.connect(libpq()) as conn:
            assert conn.execute("SELECT to_regclass('kept')").fetchone() == (None,)
    finally:
        cluster.down()
        shutil.rmtree(cluster.root, ignore_errors=True)


@pytest.mark.parametrize(("ram_gib", "buffers", "cache", "maintenance"), [
    (1, "256MB", "768MB", "64MB"), (24, "6144MB", "18432MB", "1024MB"), (64, "8192MB", "49152MB", "1024MB"),
    (0.25, "128MB", "512MB", "64MB")])
def test_memory_is_a_quarter_of_the_ram_for_buffers_within_bounds(
        ram_gib: float, buffers: str, cache: str, maintenance: str) -> None:
    assert memory_settings(int(ram_gib * 2**30)) == {
        "shared_buffers": buffers, "effective_cache_size": cache, "maintenance_work_mem": maintenance}
