"""Public work is bounded by what it costs: one client, or many, sending the largest batch of
points to POST /unions/match as fast as they can (points near the south pole on the
antimeridian, which once cost a geodesic distance to every union each) does not take the
connections a rider's single look-up needs. Checked on a real server over real sockets, while a
probe of /stations/nearest keeps asking: every probe is answered 200. How long the probe waits
is measured by bench/attack.py, not asserted here."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from api.app import create_app
from seed.demo import load_demo
from tests.conftest import SECRET_KEY
from tests.live import serving
from tests.union_data import clear
from yizhan.settings import Settings

ATTACK_S = 6.0
ATTACKERS = 6
BATCH = 10_000
PROBE = "/stations/nearest?lat=31.2304&lon=121.4737&k=3"


def pole_points(n: int, seed: int) -> list[dict[str, object]]:
    rng = random.Random(seed)
    return [{"id": i, "lat": -89.99 + rng.uniform(-0.005, 0.005),
             "lon": 179.99 + rng.uniform(-0.005, 0.005)} for i in range(n)]


@pytest.fixture
def demo(empty_db: Engine) -> Iterator[Engine]:
    with empty_db.begin() as conn:
        load_demo(conn)
    yield empty_db
    clear(empty_db)


def attack(base: str, addresses: list[str]) -> tuple[list[int], list[int]]:
    """ATTACKERS loops of full batches from `addresses` (in turn) for ATTACK_S, while one probe
    asks for the nearest stations every 50 ms: (the attack's statuses, the probe's)."""
    stop = time.monotonic() + ATTACK_S
    attacked: list[int] = []
    probed: list[int] = []

    def attacker(k: int) -> None:
        transport = httpx.HTTPTransport(local_address=addresses[k % len(addresses)])
        with httpx.Client(base_url=base, transport=transport, timeout=120) as http:
            body = {"points": pole_points(BATCH, k)}
            while time.monotonic() < stop:
                attacked.append(http.post("/unions/match", json=body).status_code)

    def probe() -> None:
        with httpx.Client(base_url=base, timeout=120) as http:
            while time.monotonic() < stop:
                probed.append(http.get(PROBE).status_code)
                time.sleep(0.05)

    threads = [threading.Thread(target=attacker, args=(k,)) for k in range(ATTACKERS)]
    threads.append(threading.Thread(target=probe))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return attacked, probed


@pytest.mark.parametrize(("addresses", "budget"), [
    (["127.0.0.1"], 20_000),
    # As many addresses as it takes never to spend a budget: only the lane of costly requests
    # keeps connections for the probe.
    ([f"127.0.0.{k}" for k in range(2, 2 + ATTACKERS)], 10**9),
], ids=["one client", "many addresses"])
def test_single_lookups_are_answered_under_a_batch_attack(database_url: str, demo: Engine,
                                                          addresses: list[str], budget: int) -> None:
    # A small pool with a short wait, as a busy server has: a look-up that finds no connection
    # in time is a 503.
    settings = Settings(database_url=database_url, secret_key=SECRET_KEY, pool_size=3,
                        pool_timeout_s=0.5, statement_timeout_ms=60_000,
                        match_points_per_minute=budget)
    with serving(create_app(settings)) as base:
        attacked, probed = attack(base, addresses)
    assert probed and set(probed) == {200}, f"probe answers: {sorted(set(probed))}"
    assert attacked and set(attacked) <= {200, 429, 503}
    if len(addresses) == 1:
        assert 429 in attacked  # the budget, 2 full batches a minute, was spent


def test_points_a_minute_are_counted_per_address(database_url: str, empty_db: Engine) -> None:
    settings = Settings(database_url=database_url, secret_key=SECRET_KEY,
                        match_points_per_minute=25)
    with TestClient(create_app(settings)) as client:
        body = {"points": [{"id": i, "lon": 121.47, "lat": 31.23} for i in range(10)]}
        assert client.post("/unions/match", json=body).status_code == 200
        assert client.post("/unions/match", json=body).status_code == 200
        refused = client.post("/unions/match", json=body)
        assert refused.status_code == 429
        assert refused.json()["message"].startswith(
            "too many points to match: at most 25 points a minute from one address; try again in")
        assert 1 <= int(refused.headers["Retry-After"]) <= 61
        too_many = client.post("/unions/match", json={"points": body["points"] * 3})
        assert too_many.status_code == 422
        assert "at most 25 points a minute are matched for one address" in too_many.json()["message"]
        five = {"points": body["points"][:5]}
        assert client.post("/unions/match", json=five).status_code == 200  # what is left fits
        spent = client.post("/unions/match", json={"points": body["points"][:1]})
        assert spent.status_code == 429  # refused before its body is read
        assert spent.json()["message"].startswith("too many points to match: at most 25 points")
