"""Throw-away PostgreSQL clusters beside the project's own, for the tests that need a server of
their own: a primary with a streaming standby (`pg_basebackup -R`), which a test may lag, stop,
or promote."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from geo.db import make_engine, migrate
from geo.replica import write_position
from yizhan.cluster import LocalCluster, free_port


@dataclass(frozen=True)
class Pair:
    primary: LocalCluster
    standby: LocalCluster

    def wait_for_replay(self, engine: Engine, timeout_s: float = 30) -> None:
        """Until the standby has replayed everything the primary has written so far."""
        import time

        import psycopg

        from geo.db import libpq_url
        from geo.replica import parse_lsn

        target = write_position(engine)
        deadline = time.monotonic() + timeout_s
        with psycopg.connect(libpq_url(self.standby.url()), autocommit=True) as conn:
            while True:
                replayed = parse_lsn(conn.execute(
                    "SELECT pg_last_wal_replay_lsn()::text").fetchone()[0])  # type: ignore[index]
                if replayed is not None and replayed >= target:
                    return
                assert time.monotonic() < deadline, "the standby did not catch up"
                time.sleep(0.05)


@contextmanager
def primary_and_standby(root: Path) -> Iterator[Pair]:
    """A migrated primary and its hot standby, removed after."""
    primary = LocalCluster(root / "primary", free_port(), sized_to_machine=False)
    standby: LocalCluster | None = None
    try:
        primary.up()
        migrate(primary.url())
        standby = primary.make_standby(root / "standby", free_port())
        yield Pair(primary, standby)
    finally:
        if standby is not None:
            standby.remove()
        primary.remove()


def engine_of(cluster: LocalCluster) -> Engine:
    return make_engine(cluster.url(), pool_size=2)
