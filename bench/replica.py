"""What reading from a streaming replica costs a request, against the same app without one, on a
scratch primary and standby (`pg_basebackup -R`) of this machine:

- an officer's station edit (a write: with a replica, one more query for the primary's WAL
  position, handed back as a cookie);
- a rider's nearest-station query (with a replica: answered by the standby);
- the same query by a client that has just written (answered by the primary until the standby
  has replayed the write, which the watcher sees within `check_every_s`);
- how long after a write that client's reads go back to the standby.

    .venv/bin/python -m bench.replica [--requests 300]

In process (Starlette's TestClient, no HTTP server), so that the figures are the API's and the
databases'. Both apps are measured in turns, in the same process, and compared as ratios.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient

from api.app import create_app
from geo.replica import write_position
from officers import accounts, tokens
from tests.clusters import engine_of, primary_and_standby
from yizhan.settings import Settings

SECRET = "bench-replica-" * 3
NEAR = {"lat": 31.23, "lon": 121.47, "k": 5}


def p50_ms(call: Callable[[], object], n: int) -> float:
    times = []
    for _ in range(n):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    n = parser.parse_args().requests
    with tempfile.TemporaryDirectory() as root, primary_and_standby(Path(root)) as pair:
        engine = engine_of(pair.primary)
        with engine.begin() as conn:
            accounts.ensure_admin(conn, "bench-admin", "bench-admin-password")
            officer = accounts.by_username(conn, "bench-admin")
        assert officer is not None
        auth = {"Authorization": "Bearer " + tokens.issue(SECRET, officer.id,
                                                          officer.token_version, 30)}
        base = Settings(database_url=pair.primary.url(), secret_key=SECRET)
        plain = TestClient(create_app(base))
        replicated = TestClient(create_app(base.model_copy(
            update={"read_database_url": pair.standby.url()})))
        with plain, replicated:
            station = plain.post("/stations", headers=auth, json={
                "name": "基准驿站", "lon": 121.47, "lat": 31.23}).json()["id"]
            pair.wait_for_replay(engine)
            time.sleep(1)
            figures: dict[str, list[float]] = {}

            def edit(client: TestClient) -> Callable[[], object]:
                return lambda: client.patch(f"/stations/{station}", headers=auth,
                                            json={"opening_hours": "24/7"})

            def anonymous_nearest(client: TestClient) -> Callable[[], object]:
                def call() -> object:
                    client.cookies.clear()
                    return client.get("/stations/nearest", params=NEAR)
                return call

            def after_own_write(client: TestClient) -> float:
                edit(client)()
                started = time.perf_counter()
                client.get("/stations/nearest", params=NEAR)
                return (time.perf_counter() - started) * 1000
            for _ in range(3):  # in turns, so that the shared machine's moods hit both alike
                for name, call in (("edit, no replica", edit(plain)),
                                   ("edit, with replica", edit(replicated)),
                                   ("nearest, no replica", anonymous_nearest(plain)),
                                   ("nearest, from the replica", anonymous_nearest(replicated))):
                    figures.setdefault(name, []).append(p50_ms(call, n // 3))
                for name, client in (("nearest after an own write, no replica", plain),
                                     ("nearest after an own write, with replica", replicated)):
                    figures.setdefault(name, []).append(statistics.median(
                        after_own_write(client) for _ in range(n // 3)))

            primary_reads = replicated.app.state.read_engine  # type: ignore[attr-defined]
            figures["the WAL position query alone"] = [p50_ms(
                lambda: write_position(primary_reads), n)]
            back = []
            replica = replicated.app.state.replica  # type: ignore[attr-defined]
            for _ in range(20):
                edit(replicated)()
                written = time.perf_counter()
                while True:
                    before = replica.reads["standby", "replayed"]
                    replicated.get("/stations/nearest", params=NEAR)
                    if replica.reads["standby", "replayed"] > before:
                        break
                    time.sleep(0.01)
                back.append(time.perf_counter() - written)
        engine.dispose()

    print(f"p50 over {n} requests per row, in process, primary and standby on this machine")
    median = {name: statistics.median(values) for name, values in figures.items()}
    for name, value in median.items():
        print(f"  {name:<48} {value:7.2f} ms")
    print(f"edit with a replica / without: {median['edit, with replica'] / median['edit, no replica']:.2f}x")
    print(f"nearest from the replica / from the primary alone: "
          f"{median['nearest, from the replica'] / median['nearest, no replica']:.2f}x")
    print(f"a client's reads go back to the replica {statistics.median(back) * 1000:.0f} ms "
          f"after its write (p50 of {len(back)}; the watcher looks every 0.5 s)")


if __name__ == "__main__":
    main()
