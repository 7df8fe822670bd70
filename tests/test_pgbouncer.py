"""yizhan behind PgBouncer in transaction mode (Debian's package): the API's transactions pass
through it, the statement timeout comes from the role (PgBouncer drops startup options), and
with prepared statements off, statements repeated on pooled connections keep working."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import make_url

from api.app import create_app
from geo.db import make_engine
from tests.conftest import through_pgbouncer
from tests.test_applications import apply
from yizhan.pgbouncer import PgBouncer
from yizhan.settings import Settings


@pytest.fixture
def bouncer(pgbouncer: PgBouncer | None) -> PgBouncer:
    if pgbouncer is None:
        pytest.skip("PgBouncer is started in front of the project's own cluster only")
    return pgbouncer


def test_the_statement_timeout_is_the_roles_behind_pgbouncer(bouncer: PgBouncer,
                                                              database_url: str) -> None:
    database = make_url(database_url).database or ""
    # The engine sends statement_timeout=0 as a startup option; PgBouncer drops it.
    engine = make_engine(bouncer.url(database), pool_size=1, prepared_statements=False)
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SHOW statement_timeout").scalar_one() == "10s"
            assert conn.exec_driver_sql("SHOW jit").scalar_one() == "off"
    finally:
        engine.dispose()


def test_applications_pass_through_pgbouncer(settings: Settings, bouncer: PgBouncer,
                                             empty_db: object, tree: dict[str, int]) -> None:
    database = make_url(settings.resolved_database_url()).database or ""
    before = bouncer.transactions(database)
    with TestClient(create_app(through_pgbouncer(settings, bouncer))) as client:
        for phone in range(13900000001, 13900000007):
            answer = apply(client, phone=str(phone))
            assert answer.status_code == 201, answer.text
        for _ in range(20):  # well past psycopg's threshold for preparing a statement
            assert client.get("/unions/match", params={"lat": 31.15, "lon": 121.15}).status_code == 200
    assert bouncer.transactions(database) - before >= 26
