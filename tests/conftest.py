"""Tests run against a throwaway database in the project's own PostGIS (or YIZHAN_DATABASE_URL's
server), created for the session and dropped after it."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator

import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, make_url, text

from api.app import create_app
from api.schemas import UnionFeature
from geo.db import libpq_url, make_engine, migrate
from officers import accounts, tokens
from tests.union_data import TREE, clear
from yizhan.cluster import LocalCluster
from yizhan.pgbouncer import PgBouncer, pooled_role
from yizhan.settings import Settings

# Starlette's TestClient sends `Host: testserver`; the service answers only the hosts it trusts.
os.environ.setdefault("YIZHAN_TRUSTED_HOSTS", "localhost,127.0.0.1,::1,testserver")
SECRET_KEY = "test-secret-key"
ADMIN_PASSWORD = "test-admin-password"


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    settings = Settings()
    if not settings.database_url:
        LocalCluster.from_settings(settings).up()
    server_url = make_url(settings.resolved_database_url())
    name = f"yizhan_test_{os.getpid()}_{secrets.token_hex(3)}"
    with psycopg.connect(libpq_url(str(server_url.render_as_string(False))), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = server_url.set(database=name).render_as_string(hide_password=False)
    try:
        migrate(url)
        yield url
    finally:
        with psycopg.connect(libpq_url(server_url.render_as_string(False)), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def pgbouncer(database_url: str) -> Iterator[PgBouncer | None]:
    """PgBouncer in transaction mode in front of the test database's server, the statement
    timeout set on the role for the test database (PgBouncer drops startup options). None when
    the tests run on YIZHAN_DATABASE_URL's server, which this machine may not reach as root."""
    settings = Settings()
    if settings.database_url:
        yield None
        return
    pooled_role(database_url, statement_timeout_ms=settings.statement_timeout_ms)
    bouncer = PgBouncer(LocalCluster.from_settings(settings))
    bouncer.start()
    yield bouncer
    bouncer.stop()


def through_pgbouncer(settings: Settings, pgbouncer: PgBouncer | None) -> Settings:
    """The API's settings with the database reached through PgBouncer (Debian's 1.18 does not
    track prepared statements); as they are without one."""
    if pgbouncer is None:
        return settings
    database = make_url(settings.resolved_database_url()).database or ""
    return settings.model_copy(update={"database_url": pgbouncer.url(database),
                                       "prepared_statements": False})


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url, pool_size=4)
    yield engine
    engine.dispose()


@pytest.fixture
def empty_db(engine: Engine) -> Engine:
    """The test database with no stations (ids start again at 1)."""
    with engine.begin() as conn:
        conn.execute(text("TRUNCATE stations, rate_limit_hits RESTART IDENTITY CASCADE"))  # and applications
    return engine


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, secret_key=SECRET_KEY)


@pytest.fixture
def client(settings: Settings, empty_db: Engine) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as client:
        yield client


def bearer(engine: Engine, username: str) -> dict[str, str]:
    """Headers with a fresh token for an existing officer (as POST /auth/token would issue)."""
    with engine.connect() as conn:
        officer = accounts.by_username(conn, username)
    assert officer is not None, username
    return {"Authorization": "Bearer " + tokens.issue(SECRET_KEY, officer.id, officer.token_version, 30)}


@pytest.fixture(scope="session")
def admin_account(engine: Engine) -> str:
    with engine.begin() as conn:
        accounts.ensure_admin(conn, "test-admin", ADMIN_PASSWORD)
    return "test-admin"


@pytest.fixture
def admin(engine: Engine, admin_account: str) -> dict[str, str]:
    return bearer(engine, admin_account)


@pytest.fixture
def tree(client: TestClient, admin: dict[str, str], engine: Engine) -> Iterator[dict[str, int]]:
    """A small tree of area unions made through the API: city C; districts D1 and D2 sharing an
    edge; street S1 in D1 with a hole; community K1 in the east half of S1."""
    clear(engine)
    ids = {}
    for code, level, parent, area in TREE:
        response = client.post("/unions", headers=admin, json={
            "code": code, "name": f"{code} 工会", "level": level, "parent_code": parent,
            "area": area, "contact_phone": "12351"})
        assert response.status_code == 201, response.text
        UnionFeature.model_validate(response.json())
        ids[code] = response.json()["id"]
    yield ids
    clear(engine)


