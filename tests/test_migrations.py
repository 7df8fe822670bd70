"""The migrations make exactly the schema the models describe, and undo cleanly."""

from __future__ import annotations

import secrets
from typing import Any

import psycopg
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, make_url

import membership.tables
import membership.worker_requests.tables  # noqa: F401
import officers.tables  # noqa: F401
import visits.tables  # noqa: F401
from geo.db import alembic_config, libpq_url, make_engine, migrate
from geo.models import Base


def _postgis_own(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    return not (type_ == "table" and name == "spatial_ref_sys")


def test_migrations_match_models_and_round_trip(database_url: str) -> None:
    server = make_url(database_url)
    name = f"yizhan_migrations_{secrets.token_hex(3)}"
    admin = libpq_url(database_url)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = server.set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url, pool_size=1)
    try:
        migrate(url)
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={
                "compare_type": True, "compare_server_default": True,
                "include_object": _postgis_own})
            assert compare_metadata(context, Base.metadata) == []
        command.downgrade(alembic_config(url), "base")
        assert "stations" not in inspect(engine).get_table_names()
        migrate(url)
        assert "stations" in inspect(engine).get_table_names()
    finally:
        engine.dispose()
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_0008_keeps_no_anonymous_address_in_clear_and_every_application(database_url: str) -> None:
    server = make_url(database_url)
    name = f"yizhan_migrations_{secrets.token_hex(3)}"
    admin = libpq_url(database_url)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = server.set(database=name).render_as_string(hide_password=False)
    try:
        migrate(url, "0007")
        with psycopg.connect(libpq_url(url), autocommit=True) as conn:
            conn.execute("INSERT INTO audit_log (actor, action, object_type, ip, user_agent) "
                         "VALUES ('applicant', 'submit', 'application', '203.0.113.9', 'Phone'), "
                         "('public', 'create', 'station_report', '203.0.113.9', 'Phone'), "
                         "('li', 'read', 'application', '10.0.0.2', 'Desk')")
        migrate(url)
        with psycopg.connect(libpq_url(url)) as conn:
            rows = conn.execute("SELECT actor, ip, user_agent FROM audit_log ORDER BY id").fetchall()
        assert rows == [("applicant", None, None), ("public", None, None),
                        ("li", "10.0.0.2", "Desk")]  # officers' own entries stay as they were
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
