"""yizhan behind PgBouncer in transaction mode (Debian's package): the API's transactions pass
through it, the statement timeout comes from the role (PgBouncer drops startup options), and
with prepared statements off, statements repeated on pooled connections keep working."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import make_url

from api.app import create_app
from geo.db import make_engine
from tests.conftest import through_pgbouncer
from tests.test_applications import apply
from yizhan.pgbouncer import PgBouncer
from yizhan.settings import Settings


def test_the_statement_timeout_is_the_roles_behind_pgbouncer(pgbouncer: PgBouncer,
                                                              database_url: str) -> None:
    database = make_url(database_url).database or ""
    # The engine sends statement_timeout=0 as a startup option; PgBouncer drops it.
    engine = make_engine(pgbouncer.url(database), pool_size=1, prepared_statements=False)
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SHOW statement_timeout").scalar_one() == "10s"
            assert conn.exec_driver_sql("SHOW jit").scalar_one() == "off"
    finally:
        engine.dispose()


def test_applications_pass_through_pgbouncer(settings: Settings, pgbouncer: PgBouncer,
                                             empty_db: object, tree: dict[str, int]) -> None:
    database = make_url(settings.resolved_database_url()).database or ""
    before = pgbouncer.transactions(database)
    with TestClient(create_app(through_pgbouncer(settings, pgbouncer))) as client:
        for phone in range(13900000001, 13900000007):
            answer = apply(client, phone=str(phone))
            assert answer.status_code == 201, answer.text
        for _ in range(20):  # well past psycopg's threshold for preparing a statement
            assert client.get("/unions/match", params={"lat": 31.15, "lon": 121.15}).status_code == 200
    assert pgbouncer.transactions(database) - before >= 26
