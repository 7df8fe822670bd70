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


def test_0013_keeps_every_coverage_cell_and_matching_by_them(database_url: str) -> None:
    """An existing database's coverage, written by the old code with its resolution column,
    answers the same after the cells are re-keyed by (cell, union) alone."""
    from shapely.geometry import MultiPolygon, box

    from geo.areas import geodesic_m2
    from geo.coverage import coverage
    from geo.unions import match

    server = make_url(database_url)
    name = f"yizhan_migrations_{secrets.token_hex(3)}"
    admin = libpq_url(database_url)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = server.set(database=name).render_as_string(hide_password=False)
    area = MultiPolygon([box(121.40, 31.20, 121.43, 31.23)])
    cells = coverage(area, area_m2=geodesic_m2(area))
    old = sorted([(c, True) for c in cells.interior] + [(c, False) for c in cells.border])
    engine = make_engine(url, pool_size=1)
    try:
        migrate(url, "0012")
        with psycopg.connect(libpq_url(url), autocommit=True) as conn:
            conn.execute("INSERT INTO unions (id, code, name, level, path, area, area_m2, "
                         "coverage_res) VALUES (7, 'g7', 'Grid 7', 'grid', '7', "
                         "ST_GeomFromText(%s, 4326), %s, %s)",
                         (area.wkt, geodesic_m2(area), cells.res))
            conn.execute("INSERT INTO union_cells (cell, res, union_id, interior) "
                         "SELECT c, %s, 7, i FROM unnest(%s::bigint[], %s::boolean[]) AS t(c, i)",
                         (cells.res, [c for c, _ in old], [i for _, i in old]))
        migrate(url)
        with psycopg.connect(libpq_url(url)) as conn:
            kept = conn.execute("SELECT cell, interior FROM union_cells WHERE union_id = 7 "
                                "ORDER BY cell").fetchall()
            columns = conn.execute("SELECT column_name, data_type FROM information_schema.columns "
                                   "WHERE table_name = 'union_cells' ORDER BY ordinal_position"
                                   ).fetchall()
        assert kept == old
        assert columns == [("cell", "bigint"), ("union_id", "integer"), ("interior", "boolean")]
        with engine.connect() as conn:
            inside, outside = match(conn, 121.415, 31.215), match(conn, 121.60, 31.215)
        assert (inside.status, inside.union and inside.union.code) == ("matched", "g7")
        assert outside.status == "not_covered"
    finally:
        engine.dispose()
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
