"""Applications arriving while the database is killed and restarted: what was served, the
errors by kind, the applications accepted against those stored (they must be equal, with no
duplicate), and how long the service took to recover by itself.

    .venv/bin/python -m bench.restart [--seconds 20] [--workers 16]

Runs on a scratch PostgreSQL cluster of its own (started, killed, restarted and removed here),
with the API served by uvicorn in this process. Each simulated phone sends its application with
an Idempotency-Key and, on a 503 or a broken connection, sends the same request again, as the
join form does."""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import shapely
from sqlalchemy import text

from api.app import create_app
from geo import unions
from geo.areas import clean_area
from geo.db import make_engine, migrate
from geo.unions import UnionData
from geo.vocab import UnionLevel
from tests.live import free_port, serving
from yizhan.cluster import DATABASE, LocalCluster
from yizhan.pgbouncer import PgBouncer, pooled_role
from yizhan.settings import Settings

PLACE = {"name": "重启测试站点", "lon": 121.5, "lat": 31.5}


@dataclass
class Report:
    answers: Counter[str] = field(default_factory=Counter)
    accepted: dict[str, int] = field(default_factory=dict)  # Idempotency-Key -> application id
    given_up: int = 0  # phones that never got an answer within the run
    killed_at: float = 0.0
    back_at: float = 0.0
    first_after: float | None = None  # the first application accepted after the restart
    stored: set[int] = field(default_factory=set)
    pooled_transactions: int | None = None  # passed on by PgBouncer, when it was in between
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def recovery_s(self) -> float | None:
        return None if self.first_after is None else self.first_after - self.back_at

    def lines(self) -> list[str]:
        kinds = ", ".join(f"{k}: {n}" for k, n in sorted(self.answers.items()))
        return [f"answers by kind: {kinds}",
                f"applications accepted: {len(self.accepted)}, stored: {len(self.stored)}, "
                f"accepted and stored the same: {set(self.accepted.values()) == self.stored}",
                f"database down for {self.back_at - self.killed_at:.2f} s; first application "
                f"accepted {self.recovery_s:.2f} s after it was back" if self.recovery_s is not None
                else "no application was accepted after the restart",
                f"phones that gave up: {self.given_up}"]


def _apply(client: httpx.Client, worker: int, n: int, report: Report, until: float) -> None:
    key = f"restart-{worker}-{n}"
    body = {"name": "测试", "phone": f"139{worker:02d}{n:06d}", "occupation_group": "courier",
            "workplace": PLACE, "consent": True}
    headers = {"Idempotency-Key": key, "X-Forwarded-For": f"10.{worker}.{n // 200}.{n % 200 + 1}"}
    while time.monotonic() < until:
        try:
            answer = client.post("/applications", json=body, headers=headers)
        except httpx.TransportError as exc:
            kind = f"connection error ({type(exc).__name__})"
        else:
            kind = str(answer.status_code)
            if answer.status_code in (200, 201):
                with report.lock:
                    report.answers[kind] += 1
                    report.accepted[key] = answer.json()["id"]
                    if report.back_at and report.first_after is None:
                        report.first_after = time.monotonic()
                return
            if answer.status_code != 503:
                with report.lock:
                    report.answers[kind] += 1
                return
        with report.lock:
            report.answers[kind] += 1
        time.sleep(0.2)  # Retry-After says 5; a phone on the form retries sooner
    with report.lock:
        report.given_up += 1


def run(base: str, kill: Callable[[], None], restart: Callable[[], None], seconds: float,
        workers: int) -> Report:
    report = Report()
    stop = time.monotonic() + seconds

    def worker(w: int) -> None:
        with httpx.Client(base_url=base, timeout=10) as client:
            n = 0
            while time.monotonic() < stop:
                _apply(client, w, n, report, stop + 30)  # a pending phone keeps trying a while
                n += 1
    threads = [threading.Thread(target=worker, args=(w,)) for w in range(workers)]
    for t in threads:
        t.start()
    time.sleep(seconds / 3)
    report.killed_at = time.monotonic()
    kill()
    time.sleep(1.0)  # down for a moment: requests in flight and arriving meet no database
    restart()
    report.back_at = time.monotonic()
    for t in threads:
        t.join()
    return report


def scratch(root: Path) -> tuple[LocalCluster, str]:
    """A cluster of its own with the schema and one city union that takes every application."""
    cluster = LocalCluster(root, free_port())
    cluster.up()
    url = cluster.url()
    prepare(url)
    return cluster, url


def prepare(url: str) -> None:
    """The schema and one city union that takes every application."""
    migrate(url)
    engine = make_engine(url, 1)
    with engine.begin() as conn:
        unions.save(conn, UnionData("RESTART", "重启测试工会", UnionLevel.CITY, None,
                                    clean_area(shapely.box(121, 31, 122, 32)),
                                    contact_phone="12351"))
    engine.dispose()


def stored_ids(url: str) -> set[int]:
    engine = make_engine(url, 1)
    with engine.connect() as conn:
        ids = set(conn.execute(text("SELECT id FROM applications")).scalars())
    engine.dispose()
    return ids


def measure(root: Path, seconds: float, workers: int, pgbouncer: bool = False) -> Report:
    """With `pgbouncer`, the API reaches the database through PgBouncer in transaction mode,
    which stays up while the database behind it is killed and restarted."""
    cluster, url = scratch(root)
    bouncer = PgBouncer(cluster) if pgbouncer else None
    try:
        api_url = url
        if bouncer is not None:
            pooled_role(url, statement_timeout_ms=5000)
            bouncer.start()
            api_url = bouncer.url(DATABASE)
        app = create_app(Settings(database_url=api_url, secret_key="restart-" * 5, pool_size=4,
                                  pool_timeout_s=2, statement_timeout_ms=5000,
                                  prepared_statements=bouncer is None))
        with serving(app) as base:
            report = run(base, cluster.kill, cluster.up, seconds, workers)
        report.stored = stored_ids(url)
        if bouncer is not None:
            report.pooled_transactions = bouncer.transactions(DATABASE)
        return report
    finally:
        if bouncer is not None:
            bouncer.stop()
        cluster.remove()  # its folder may lie outside `root` (see LocalCluster.root)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--workers", type=int, default=16)
    parser.add_argument("--pgbouncer", action="store_true",
                        help="Through PgBouncer in transaction mode.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as root:
        report = measure(Path(root) / "state", args.seconds, args.workers, args.pgbouncer)
    print(f"{args.workers} phones applying for {args.seconds:g} s"
          f"{' through PgBouncer' if args.pgbouncer else ''}; the database killed "
          f"(pg_ctl stop -m immediate) a third of the way in and started again a second later")
    for line in report.lines():
        print(line)


if __name__ == "__main__":
    main()
