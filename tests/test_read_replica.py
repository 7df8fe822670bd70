"""YIZHAN_READ_DATABASE_URL pointing at a real streaming standby of a primary of the test's own
(`pg_basebackup -R`): reads come from it, except where it would show a client less than that
client wrote, when it lags too far, or when it is down."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from api.app import create_app
from api.read_your_writes import COOKIE, HEADER
from officers import accounts
from tests.clusters import Pair, engine_of, primary_and_standby
from tests.conftest import ADMIN_PASSWORD, SECRET_KEY, bearer
from yizhan.settings import Settings

DELAY = "8s"  # the standby's deliberate lag: long enough for a few requests on a busy machine


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pair]:
    with primary_and_standby(Path(tmp_path_factory.mktemp("replica"))) as pair:
        yield pair


@pytest.fixture(scope="module")
def primary(pair: Pair) -> Iterator[Engine]:
    engine = engine_of(pair.primary)
    with engine.begin() as conn:
        accounts.ensure_admin(conn, "test-admin", ADMIN_PASSWORD)
    yield engine
    engine.dispose()


@pytest.fixture
def officer(primary: Engine) -> dict[str, str]:
    return bearer(primary, "test-admin")


def app_client(pair: Pair, **settings: Any) -> TestClient:
    return TestClient(create_app(Settings(
        database_url=pair.primary.url(), read_database_url=pair.standby.url(),
        secret_key=SECRET_KEY, **settings)))


@pytest.fixture
def standby_in_step(pair: Pair, primary: Engine) -> Iterator[None]:
    """The standby without delay and caught up, before and after the test."""
    pair.standby.reconfigure(recovery_min_apply_delay="0")
    pair.wait_for_replay(primary)
    yield
    pair.standby.reconfigure(recovery_min_apply_delay="0")
    if not pair.standby.running():
        pair.standby.up()
    pair.wait_for_replay(primary)


def wait_for(client: TestClient, condition: str, timeout_s: float = 20) -> dict[str, Any]:
    """/ready's replica report once its state is `condition`."""
    deadline = time.monotonic() + timeout_s
    while True:
        report: dict[str, Any] = client.get("/ready").json()["replica"]
        if report["state"] == condition:
            return report
        assert time.monotonic() < deadline, f"the replica never became {condition}: {report}"
        time.sleep(0.1)


def anonymous(client: TestClient, url: str, **params: Any) -> Any:
    """A GET by someone who has written nothing (no cookie)."""
    saved = list(client.cookies.jar)
    client.cookies.clear()
    try:
        response = client.get(url, params=params)
        assert response.status_code == 200, response.text
        return response.json()
    finally:
        for cookie in saved:
            client.cookies.jar.set_cookie(cookie)


def names(collection: dict[str, Any]) -> set[str]:
    return {feature["properties"]["name"] for feature in collection["features"]}


def reads(client: TestClient, target: str, reason: str) -> float:
    for line in client.get("/metrics").text.splitlines():
        if line.startswith(f'yizhan_replica_reads_total{{reason="{reason}",target="{target}"}}'):
            return float(line.split()[-1])
    return 0.0


def test_an_edit_is_listed_at_once_while_the_public_reads_the_lagging_replica(
        pair: Pair, primary: Engine, officer: dict[str, str], standby_in_step: None) -> None:
    with app_client(pair, replica_max_lag_s=60) as client:
        created = client.post("/stations", headers=officer, json={
            "name": "人民广场驿站", "lon": 121.47, "lat": 31.23})
        assert created.status_code == 201, created.text
        station = created.json()["id"]
        assert created.headers[HEADER] == client.cookies[COOKIE]
        pair.wait_for_replay(primary)
        wait_for(client, "streaming")
        near = {"lat": 31.23, "lon": 121.47, "k": 5}
        assert "人民广场驿站" in names(anonymous(client, "/stations/nearest", **near))

        pair.standby.reconfigure(recovery_min_apply_delay=DELAY)
        edited = client.patch(f"/stations/{station}", headers=officer, json={"name": "人民广场驿站（新）"})
        assert edited.status_code == 200, edited.text
        # The officer sees the edit at once, in the list and the station itself...
        listed = client.get("/stations", headers=officer)
        assert "人民广场驿站（新）" in names(listed.json()), listed.json()
        assert client.get(f"/stations/{station}").json()["properties"]["name"] == "人民广场驿站（新）"
        # ...while a rider who wrote nothing is answered by the replica, which has not replayed it.
        assert names(anonymous(client, "/stations/nearest", **near)) == {"人民广场驿站"}
        assert reads(client, "primary", "own_write_not_replayed") >= 2
        assert reads(client, "standby", "replayed") >= 1

        # Once the replica has replayed the edit, the officer's reads go back to it.
        pair.standby.reconfigure(recovery_min_apply_delay="0")
        pair.wait_for_replay(primary)
        time.sleep(1.2)  # the watcher's next look
        before = reads(client, "standby", "replayed")
        assert client.get(f"/stations/{station}").json()["properties"]["name"] == "人民广场驿站（新）"
        assert reads(client, "standby", "replayed") == before + 1


def test_a_replica_further_behind_than_the_limit_is_not_read(
        pair: Pair, primary: Engine, standby_in_step: None) -> None:
    with app_client(pair, replica_max_lag_s=1) as client:
        wait_for(client, "streaming")
        pair.standby.reconfigure(recovery_min_apply_delay="30s")
        with primary.begin() as conn:  # a write that no client of the API made
            conn.execute(text(
                "INSERT INTO stations (external_id, name, location, h3_r10) VALUES "
                "('lagged', '延迟驿站', 'SRID=4326;POINT(100.01 20.01)', 0)"))
        report = wait_for(client, "lagging")
        assert report["lag_s"] > 1 and report["max_lag_s"] == 1
        near = anonymous(client, "/stations/nearest", lat=20.01, lon=100.01, k=1)
        assert names(near) == {"延迟驿站"}
        metrics = client.get("/metrics").text
        assert reads(client, "primary", "standby_lagging") >= 1
        lag = next(line for line in metrics.splitlines()
                   if line.startswith("yizhan_replica_lag_seconds "))
        assert float(lag.split()[1]) > 1


def test_a_revoked_token_is_refused_at_once_while_the_replica_lags(
        pair: Pair, primary: Engine, officer: dict[str, str], standby_in_step: None) -> None:
    with app_client(pair, replica_max_lag_s=60) as client:
        wait_for(client, "streaming")
        assert client.get("/auth/me", headers=officer).status_code == 200
        pair.standby.reconfigure(recovery_min_apply_delay=DELAY)
        with primary.begin() as conn:  # what a password reset does
            conn.execute(text("UPDATE officers SET token_version = token_version + 1 "
                              "WHERE username = 'test-admin'"))
        client.cookies.clear()
        assert client.get("/auth/me", headers=officer).status_code == 401


def test_a_replica_that_is_down_does_not_take_the_api_down(
        pair: Pair, officer: dict[str, str], standby_in_step: None) -> None:
    with app_client(pair) as client:
        wait_for(client, "streaming")
        pair.standby.kill()
        listed = client.get("/stations", headers=officer)  # may find the pool's connections dead
        if listed.status_code == 503:
            listed = client.get("/stations", headers=officer)
        assert listed.status_code == 200, listed.text
        report = wait_for(client, "down")
        assert "primary" in report["message"]
        ready = client.get("/ready")
        assert ready.status_code == 200 and ready.json()["status"] == "ready"
        assert client.get("/stations/nearest", params={"lat": 31.23, "lon": 121.47}).status_code == 200
        assert "yizhan_replica_up 0.0" in client.get("/metrics").text
        pair.standby.up()
        wait_for(client, "streaming")
        assert "yizhan_replica_up 1.0" in client.get("/metrics").text


def test_without_a_replica_no_write_position_is_handed_out(client: TestClient,
                                                          admin: dict[str, str]) -> None:
    created = client.post("/stations", headers=admin, json={"name": "单库驿站", "lon": 121.4, "lat": 31.2})
    assert created.status_code == 201
    assert HEADER not in created.headers and COOKIE not in client.cookies
    assert "replica" not in client.get("/ready").json()


def test_a_promoted_replica_is_no_longer_read_from(pair: Pair, primary: Engine) -> None:
    """Last in this module: it ends the pair's replication."""
    with app_client(pair) as client:
        wait_for(client, "streaming")
        pair.standby.promote()
        report = wait_for(client, "down")
        assert "promoted" in report["message"]
        with primary.begin() as conn:  # written on the old primary only
            conn.execute(text(
                "INSERT INTO stations (external_id, name, location, h3_r10) VALUES "
                "('after-promotion', '提升后驿站', 'SRID=4326;POINT(100.02 20.02)', 0)"))
        near = anonymous(client, "/stations/nearest", lat=20.02, lon=100.02, k=1)
        assert names(near) == {"提升后驿站"}
