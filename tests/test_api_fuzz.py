"""The whole OpenAPI document exercised by schemathesis, with an admin's token so that officer
operations run too: no generated input may give a 500, and every answer must match the schema
its operation declares. A fixed seed and a fixed budget, so that CI runs the same cases."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error, response_schema_conformance
from schemathesis.config import SchemathesisConfig
from sqlalchemy import Engine

from api.app import create_app
from tests.conftest import SECRET_KEY
from tests.live import serving
from yizhan.settings import Settings

EXAMPLES = 20  # per operation, valid and invalid inputs both


# The document, read from the app itself (building the app connects to nothing); the calls go
# to a live server on the test database.
schema = schemathesis.openapi.from_dict(
    create_app(Settings(database_url="postgresql://unused/x", secret_key=SECRET_KEY)).openapi(),
    config=SchemathesisConfig.from_dict({
        "seed": 2026, "generation": {"mode": "all", "max-examples": EXAMPLES}}))


@pytest.fixture(scope="module")
def api_url(database_url: str, engine: Engine) -> Iterator[str]:
    from tests.union_data import clear

    app = create_app(Settings(database_url=database_url, secret_key=SECRET_KEY))
    with serving(app) as url:
        yield url
    clear(engine)
    with engine.begin() as conn:
        conn.exec_driver_sql("TRUNCATE stations, rate_limit_hits RESTART IDENTITY CASCADE")


@schema.parametrize()
@settings(deadline=None, suppress_health_check=list(HealthCheck))
def test_no_input_gives_a_500_and_answers_match_their_schemas(
        case: schemathesis.Case[Any], api_url: str, admin: dict[str, str]) -> None:
    case.call_and_validate(base_url=api_url, headers=admin,
                           checks=[not_a_server_error, response_schema_conformance])


def test_a_nul_character_is_refused_not_a_500(client: TestClient, admin: dict[str, str]) -> None:
    """Found by schemathesis: PostgreSQL text cannot hold NUL, and the driver's refusal was a 500."""
    for answer in (client.get("/officer/audit", params={"action": "x\x00"}, headers=admin),
                   client.post("/stations", headers=admin,
                               json={"name": "站\x00点", "lon": 121.47, "lat": 31.23})):
        assert answer.status_code == 422, answer.text
        assert "NUL" in answer.json()["message"]
    ogc = client.get("/ogc/collections/stations/items", params={"amenity": "toilet\x00"})
    assert ogc.status_code == 400
