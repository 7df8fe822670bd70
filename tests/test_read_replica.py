"""YIZHAN_READ_DATABASE_URL: read-only endpoints answer from the replica, writes go to the primary."""

from __future__ import annotations

import secrets

import psycopg
from fastapi.testclient import TestClient
from sqlalchemy import Engine, make_url

from api.app import create_app
from geo.db import libpq_url
from seed.synthetic_load import drop_database
from yizhan.settings import Settings

STATION = ("INSERT INTO stations (external_id, name, location, h3_r10) VALUES "
           "(%s, %s, 'SRID=4326;POINT(121.47 31.23)', 0)")


def test_reads_come_from_the_replica_and_writes_go_to_the_primary(
        settings: Settings, empty_db: Engine, admin: dict[str, str]) -> None:
    server = empty_db.url.render_as_string(hide_password=False)
    name = f"yizhan_test_replica_{secrets.token_hex(3)}"
    replica = make_url(server).set(database=name).render_as_string(hide_password=False)
    empty_db.dispose()  # a database with sessions on it cannot be copied
    with psycopg.connect(libpq_url(server), autocommit=True) as conn:  # the officers come along
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{empty_db.url.database}"')
    try:
        with psycopg.connect(libpq_url(replica)) as conn:
            conn.execute(STATION, ("on-replica", "副本驿站"))
        app = create_app(settings.model_copy(update={"read_database_url": replica}))
        with TestClient(app) as client:
            near = client.get("/stations/nearest", params={"lat": 31.23, "lon": 121.47, "k": 5})
            assert [f["properties"]["name"] for f in near.json()["features"]] == ["副本驿站"]
            created = client.post("/stations", headers=admin, json={
                "name": "主库驿站", "lon": 121.48, "lat": 31.24, "external_id": "on-primary"})
            assert created.status_code == 201, created.text
        with psycopg.connect(libpq_url(server)) as conn:
            assert conn.execute("SELECT external_id FROM stations").fetchall() == [("on-primary",)]
    finally:
        drop_database(server, name)
