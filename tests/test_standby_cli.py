"""`yizhan db standby`: a hot standby of the local cluster, to try YIZHAN_READ_DATABASE_URL."""

from __future__ import annotations

import time
from pathlib import Path

import psycopg
from typer.testing import CliRunner

from geo.db import libpq_url
from yizhan.cli import app
from yizhan.cluster import LocalCluster, free_port

runner = CliRunner()


def test_the_standby_streams_from_the_local_cluster(tmp_path: Path) -> None:
    env = {"YIZHAN_DATA_DIR": str(tmp_path), "YIZHAN_PG_PORT": str(free_port())}
    primary = LocalCluster(tmp_path, int(env["YIZHAN_PG_PORT"]))
    try:
        up = runner.invoke(app, ["db", "standby", "up"], env=env)
        assert up.exit_code == 0, up.output
        assert "standby streaming from" in up.output
        url = runner.invoke(app, ["db", "standby", "url"], env=env).output.strip()
        with psycopg.connect(libpq_url(primary.url()), autocommit=True) as conn:
            conn.execute("CREATE TABLE written_on_the_primary (x int)")
        with psycopg.connect(libpq_url(url), autocommit=True) as conn:
            assert conn.execute("SELECT pg_is_in_recovery()").fetchone() == (True,)
            deadline = time.monotonic() + 20
            while conn.execute("SELECT to_regclass('written_on_the_primary')").fetchone() == (None,):
                assert time.monotonic() < deadline, "the standby did not replay the write"
                time.sleep(0.05)
        down = runner.invoke(app, ["db", "standby", "down", "--remove"], env=env)
        assert down.exit_code == 0 and "removed" in down.output
    finally:
        LocalCluster(tmp_path / "standby").remove()
        primary.remove()
