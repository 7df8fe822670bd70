"""Failover drill: applications arriving while the primary is killed and its synchronous
standby promoted; the API finds the new primary by itself through a libpq multi-host URL with
`target_session_attrs=read-write`. Prints the seconds without a primary, the answers by status,
and the applications accepted against those on the promoted server (they must be equal, with no
duplicate).

    .venv/bin/python -m bench.failover [--seconds 20] [--workers 16]

Runs on a scratch primary and standby of its own (`pg_basebackup -R`), with
`synchronous_standby_names` naming the standby and `synchronous_commit = on`: a commit is
answered only once the standby has it on disk, so a promoted standby has every application that
was answered 201. The standby is promoted a second after the kill, as a failover manager
(Patroni, pg_auto_failover, or an operator's `pg_ctl promote`) would do after noticing."""

from __future__ import annotations

import argparse
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import psycopg

from api.app import create_app
from bench.restart import Report, prepare, run, stored_ids
from geo.db import libpq_url
from tests.live import serving
from yizhan.cluster import DATABASE, SUPERUSER, LocalCluster, free_port
from yizhan.settings import Settings

SYNCHRONOUS = {"synchronous_standby_names": "standby", "synchronous_commit": "on"}


@dataclass
class Drill:
    report: Report
    promoted_at: float = 0.0

    @property
    def without_primary_s(self) -> float:
        """From the kill until the standby took writes."""
        return self.promoted_at - self.report.killed_at

    def lines(self) -> list[str]:
        first = self.report.first_after
        return [f"no primary for {self.without_primary_s:.2f} s (killed, promoted 1 s later); "
                + (f"first application accepted {first - self.report.killed_at:.2f} s after the "
                   "kill" if first else "no application accepted after the promotion"),
                *self.report.lines()[:2], self.report.lines()[-1]]


def multi_host_url(*clusters: LocalCluster) -> str:
    """One URL naming every server; libpq tries them in turn and keeps the one taking writes."""
    first = clusters[0]
    hosts = "&".join(f"host=127.0.0.1:{c.port()}" for c in clusters)
    return (f"postgresql+psycopg://{SUPERUSER}:{quote(first.password(), safe='')}@/{DATABASE}?{hosts}"
            "&target_session_attrs=read-write")


def wait_until_synchronous(primary: LocalCluster, timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    with psycopg.connect(libpq_url(primary.url()), autocommit=True) as conn:
        while conn.execute("SELECT 1 FROM pg_stat_replication WHERE application_name = 'standby' "
                           "AND sync_state = 'sync'").fetchone() is None:
            if time.monotonic() > deadline:
                raise RuntimeError("the standby did not become synchronous")
            time.sleep(0.1)


def measure(root: Path, seconds: float, workers: int) -> Drill:
    primary = LocalCluster(root / "primary", free_port(), sized_to_machine=False)
    standby: LocalCluster | None = None
    try:
        primary.up()
        prepare(primary.url())
        standby = primary.make_standby(root / "standby", free_port())
        # Synchronous from now on (before, every commit would wait for a standby not there yet).
        primary.reconfigure(**SYNCHRONOUS)
        wait_until_synchronous(primary)
        app = create_app(Settings(database_url=multi_host_url(primary, standby),
                                  secret_key="failover" * 5, pool_size=4, pool_timeout_s=2,
                                  statement_timeout_ms=5000))
        drill = Drill(Report())
        promote = standby.promote

        def promoted() -> None:
            promote()
            drill.promoted_at = time.monotonic()
        with serving(app) as base:
            drill.report = run(base, primary.kill, promoted, seconds, workers)
        drill.report.stored = stored_ids(standby.url())
        return drill
    finally:
        if standby is not None:
            standby.remove()
        primary.remove()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--workers", type=int, default=16)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as root:
        drill = measure(Path(root), args.seconds, args.workers)
    print(f"{args.workers} phones applying for {args.seconds:g} s; the primary killed "
          "(pg_ctl stop -m immediate) a third of the way in, its synchronous standby promoted "
          "a second later")
    for line in drill.lines():
        print(line)


if __name__ == "__main__":
    main()
