"""Bounded waits and clear refusals: readiness, a slow query, an exhausted pool, an oversized
body, a production start without real secrets, and a worker's threads and collector."""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Iterator, Mapping
from typing import Any

import pytest
from anyio import to_thread
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from api.app import MAX_BODY_BYTES, create_app
from tests.conftest import SECRET_KEY
from yizhan.settings import Settings


def app_with(database_url: str, **settings: Any) -> TestClient:
    return TestClient(create_app(Settings(database_url=database_url, secret_key=SECRET_KEY,
                                          **settings)))


def test_health_and_readiness(client: TestClient, engine: Engine) -> None:
    assert client.get("/health").json() == {"status": "ok"}
    ready = client.get("/ready")
    assert ready.status_code == 200 and ready.json()["status"] == "ready"
    with engine.begin() as conn:
        head = conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
        conn.execute(text("UPDATE alembic_version SET version_num = '0001'"))
    try:
        behind = client.get("/ready")
        assert behind.status_code == 503 and "yizhan db migrate" in behind.json()["message"]
    finally:
        with engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": head})
    assert client.get("/ready").status_code == 200


def test_a_query_past_the_statement_timeout_is_a_503(database_url: str, engine: Engine) -> None:
    with app_with(database_url, statement_timeout_ms=300) as client:
        locker = engine.connect()
        locker.execute(text("LOCK TABLE stations IN ACCESS EXCLUSIVE MODE"))  # the query waits
        try:
            started = time.monotonic()
            answer = client.get("/stations")
            waited = time.monotonic() - started
        finally:
            locker.rollback()
            locker.close()
        assert answer.status_code == 503 and answer.headers["retry-after"] == "5"
        assert "took too long" in answer.json()["message"] and waited < 5
        assert client.get("/stations").status_code == 200  # and the next one is served


def test_an_exhausted_pool_is_a_503_after_a_bounded_wait(database_url: str) -> None:
    with app_with(database_url, pool_size=1, pool_timeout_s=0.5) as client:
        assert isinstance(client.app, FastAPI)
        engine = client.app.state.read_engine
        held = [engine.connect()]  # the whole pool
        try:
            started = time.monotonic()
            answer = client.get("/stations")
            waited = time.monotonic() - started
        finally:
            for conn in held:
                conn.close()
        assert answer.status_code == 503 and answer.headers["retry-after"] == "5"
        assert 0.4 < waited < 5
        assert client.get("/stations").status_code == 200


def test_an_oversized_body_is_a_json_413_and_nothing_is_written(
        client: TestClient, admin: dict[str, str], engine: Engine) -> None:
    body = b'{"name": "' + b"x" * (MAX_BODY_BYTES + 10) + b'", "lon": 121.4, "lat": 31.2}'
    answer = client.post("/stations", content=body, headers={
        **admin, "Content-Type": "application/json"})
    assert answer.status_code == 413 and "at most 1,048,576" in answer.json()["message"]

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it arrives
        yield body[:1000]
        yield body[1000:]
    streamed = client.post("/stations", content=chunks(), headers={
        **admin, "Content-Type": "application/json"})
    assert streamed.status_code == 413 and "more than 1,048,576" in streamed.json()["message"]
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM stations")).scalar_one() == 0


def test_production_refuses_to_start_without_real_secrets(
        database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("YIZHAN_DATABASE_URL", raising=False)  # the suite's, which Settings() reads
    with pytest.raises(ValueError, match="YIZHAN_SECRET_KEY, 32 characters"):
        create_app(Settings(production=True, database_url=database_url))
    with pytest.raises(ValueError, match="YIZHAN_SECRET_KEY"):
        create_app(Settings(production=True, database_url=database_url, secret_key="short"))
    with pytest.raises(ValueError, match="YIZHAN_DATABASE_URL"):
        create_app(Settings(production=True, secret_key="k" * 40))
    with pytest.raises(ValueError, match="YIZHAN_PUBLIC_URL"):
        create_app(Settings(production=True, database_url=database_url, secret_key="k" * 40))
    create_app(Settings(production=True, database_url=database_url, secret_key="k" * 40,
                        public_url="https://yizhan.example.org"))


def test_requests_in_flight_while_the_pool_is_held_all_get_answers(database_url: str) -> None:
    """Many callers at once on a tiny pool: each gets 200 or a 503 with Retry-After, none hangs."""
    with app_with(database_url, pool_size=1, pool_timeout_s=0.3) as client:
        answers: list[int] = []

        def call() -> None:
            answers.append(client.get("/stations/nearest?lat=31.2&lon=121.4").status_code)
        threads = [threading.Thread(target=call) for _ in range(12)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(20)
        assert len(answers) == 12 and set(answers) <= {200, 503}


def test_batches_and_areas_past_their_limits_are_refused_with_the_limit_named(
        client: TestClient) -> None:
    import math

    import shapely

    from geo.areas import MAX_VERTICES, AreaError, clean_area

    points = [{"lon": 121.0 + i * 1e-5, "lat": 31.0} for i in range(10_001)]
    answer = client.post("/unions/match", json={"points": points})
    assert answer.status_code == 422 and "10000" in answer.json()["message"]
    n = MAX_VERTICES + 1  # a file through `yizhan import unions` can be this big; the API body not
    ring = [(121 + 0.1 * math.cos(2 * math.pi * i / n), 31 + 0.1 * math.sin(2 * math.pi * i / n))
            for i in range(n)]
    with pytest.raises(AreaError, match=f"at most {MAX_VERTICES} are allowed"):
        clean_area(shapely.Polygon(ring))


def serve_arguments(monkeypatch: pytest.MonkeyPatch, env: Mapping[str, str | None]) -> dict[str, Any]:
    """What `yizhan serve` would start uvicorn with, in this environment."""
    import uvicorn
    from typer.testing import CliRunner

    from yizhan.cli import app as cli

    started: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: started.update(kwargs))
    assert CliRunner().invoke(cli, ["serve"], env={"YIZHAN_SECRET_KEY": "k" * 40, **env}).exit_code == 0
    return started


def test_serve_passes_the_trusted_proxies_and_refuses_production_without_secrets(
        database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from yizhan.cli import app as cli

    env = {"YIZHAN_DATABASE_URL": database_url, "YIZHAN_FORWARDED_ALLOW_IPS": "10.0.0.1"}
    started = serve_arguments(monkeypatch, env)
    assert started["forwarded_allow_ips"] == "10.0.0.1" and started["proxy_headers"] is True
    refused = CliRunner().invoke(cli, ["serve"], env={**env, "YIZHAN_PRODUCTION": "true",
                                                      "YIZHAN_SECRET_KEY": "short"})
    assert refused.exit_code == 1 and "YIZHAN_SECRET_KEY, 32 characters" in refused.output
    with pytest.raises(ValueError, match=r"'proxy\.example' is not an IP address or network"):
        Settings(forwarded_allow_ips="10.0.0.1, proxy.example")


def test_by_default_no_proxy_is_believed_so_no_client_claims_other_addresses(
        database_url: str, client: TestClient, admin: dict[str, str], engine: Engine,
        monkeypatch: pytest.MonkeyPatch) -> None:
    import httpx

    from tests.live import serving

    station = client.post("/stations", headers=admin, json={"name": "x", "lon": 121.4,
                                                            "lat": 31.2}).json()["id"]
    for proxies, codes in ((None, [201] * 10 + [429]), ("127.0.0.1", [201] * 11)):
        started = serve_arguments(monkeypatch, {"YIZHAN_DATABASE_URL": database_url,
                                                "YIZHAN_FORWARDED_ALLOW_IPS": proxies})
        with engine.begin() as conn:
            conn.execute(text("TRUNCATE rate_limit_hits"))
        app = create_app(Settings(database_url=database_url, secret_key=SECRET_KEY))
        with serving(app, proxy_headers=started["proxy_headers"],
                     forwarded_allow_ips=started["forwarded_allow_ips"]) as url:
            answers = [httpx.post(f"{url}/stations/{station}/reports", json={"kind": "broken"},
                                  headers={"X-Forwarded-For": f"203.0.113.{i}"}, timeout=10)
                       for i in range(11)]  # each claiming another address
        assert [a.status_code for a in answers] == codes, proxies


def test_a_server_that_accepts_and_never_answers_fails_a_new_connection_within_the_bound() -> None:
    import socket
    import time

    from sqlalchemy.exc import OperationalError

    from geo.db import make_engine

    with socket.socket() as silent:  # the kernel accepts; nothing behind it ever speaks
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        engine = make_engine(f"postgresql://nobody@127.0.0.1:{port}/none", pool_size=1,
                             pool_timeout_s=1)
        started = time.monotonic()
        with pytest.raises(OperationalError, match="timeout"):
            engine.connect()
        assert time.monotonic() - started < 5
        engine.dispose()


def test_a_server_frozen_mid_query_is_a_503_within_the_bound_and_the_next_request_is_served(
        database_url: str, caplog: pytest.LogCaptureFixture) -> None:
    from sqlalchemy import make_url

    from geo.db import ANSWER_GRACE_S
    from tests.faults import FreezableProxy

    real = make_url(database_url)
    with FreezableProxy((real.host or "127.0.0.1", real.port or 5432)) as proxy:
        via_proxy = real.set(host="127.0.0.1", port=proxy.port).render_as_string(False)
        with app_with(via_proxy, statement_timeout_ms=300) as client:
            assert client.get("/stations").status_code == 200
            proxy.frozen.set()
            started = time.monotonic()
            answer = client.get("/stations")
            waited = time.monotonic() - started
            proxy.frozen.clear()
            assert answer.status_code == 503 and answer.headers["retry-after"] == "5"
            assert "unavailable" in answer.json()["message"]
            assert "database unavailable on /stations: the database server did not answer " \
                   "within 2.3 s" in caplog.text  # the log says why
            assert 0.3 + ANSWER_GRACE_S - 0.1 < waited < 0.3 + ANSWER_GRACE_S + 3
            assert client.get("/stations").status_code == 200  # a fresh connection, not the dead one


def test_without_a_statement_timeout_a_long_query_is_never_cut_short(database_url: str) -> None:
    from geo.db import ANSWER_GRACE_S, make_engine

    engine = make_engine(database_url, pool_size=1)  # bulk work: imports, re-matching
    with engine.connect() as conn:
        assert conn.execute(text("SELECT pg_sleep(:s), 1"), {"s": ANSWER_GRACE_S + 0.5}).one()[1] == 1
    engine.dispose()


def seed_hits(engine: Engine, key: str, minutes_ago: list[int]) -> None:
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM rate_limit_hits WHERE key = :key"), {"key": key})
        for minutes in minutes_ago:
            conn.execute(text("INSERT INTO rate_limit_hits VALUES "
                              "(:key, now() - make_interval(mins => :m), 1)"),
                         {"key": key, "m": minutes})


def test_a_limit_holds_over_any_window_and_refusals_do_not_extend_the_wait(engine: Engine) -> None:
    from officers import ratelimit

    key = "test:sliding"
    seed_hits(engine, key, [70, 50, 40, 30])  # whichever clock hours those were
    with engine.begin() as conn:
        assert ratelimit.hit(conn, key, 4, 3600) is None  # 70 minutes ago is out of the hour
    for _ in range(3):
        with engine.begin() as conn:
            retry = ratelimit.hit(conn, key, 4, 3600)
        # one more fits when the hit of 50 minutes ago leaves the hour
        assert retry is not None and 10 * 60 - 5 <= retry <= 10 * 60 + 1, retry
    with engine.connect() as conn:
        kept = conn.execute(text("SELECT count(*) FROM rate_limit_hits WHERE key = :key AND "
                                 "window_start > now() - interval '1 hour'"), {"key": key})
        assert kept.scalar_one() == 4


def test_requests_at_once_cannot_all_take_the_last_places(database_url: str, engine: Engine) -> None:
    from geo.db import make_engine
    from officers import ratelimit

    key = "test:at-once"
    seed_hits(engine, key, [])
    engine = make_engine(database_url, pool_size=8)
    start = threading.Barrier(8)
    accepted: list[bool] = []

    def one() -> None:
        with engine.begin() as conn:
            start.wait()
            accepted.append(ratelimit.hit(conn, key, 3, 600) is None)
    threads = [threading.Thread(target=one) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    engine.dispose()
    assert sorted(accepted) == [False] * 5 + [True] * 3


def test_a_transaction_left_idle_is_ended_by_the_server(database_url: str, empty_db: Engine) -> None:
    """A request stuck between two statements of its transaction (once, half an hour of
    computing an area's cells) holds no locks for longer than the setting."""
    from sqlalchemy.exc import DBAPIError

    app = create_app(Settings(database_url=database_url, secret_key=SECRET_KEY,
                              idle_in_transaction_timeout_ms=300))
    with TestClient(app):
        with app.state.engine.connect() as conn:
            assert conn.execute(text("SHOW idle_in_transaction_session_timeout")).scalar() == "300ms"
            time.sleep(1.0)  # idle inside the transaction the SHOW began
            with pytest.raises(DBAPIError, match="idle-in-transaction timeout"):
                conn.execute(text("SELECT 1"))
        with app.state.engine.connect() as conn:  # the pool hands out a working connection
            assert conn.execute(text("SELECT 1")).scalar() == 1


def test_a_worker_runs_its_request_threads_and_keeps_startup_objects_from_the_collector(
        database_url: str) -> None:
    async def threads() -> float:
        return to_thread.current_default_thread_limiter().total_tokens

    with app_with(database_url, request_threads=3) as client:
        assert client.portal is not None
        assert client.portal.call(threads) == 3
        assert gc.get_freeze_count() > 10_000
        assert client.get("/stations").status_code == 200
    assert gc.get_freeze_count() == 0  # given back to the collector with the app
