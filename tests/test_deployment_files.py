"""docker-compose.yml and the Dockerfile, checked by reading them (no Docker engine runs here)."""

from __future__ import annotations

from pathlib import Path

import yaml
from fastapi.testclient import TestClient
from sqlalchemy import make_url

ROOT = Path(__file__).resolve().parents[1]


def test_compose_has_postgis_seed_and_api_wired_by_health() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert set(services) == {"db", "seed", "api"}
    assert services["db"]["image"].startswith("postgis/postgis:")
    assert "pg_isready" in " ".join(services["db"]["healthcheck"]["test"])
    assert services["seed"]["depends_on"]["db"]["condition"] == "service_healthy"
    assert services["seed"]["restart"] == "no"
    assert "yizhan db migrate" in " ".join(services["seed"]["command"])
    assert "yizhan seed demo" in " ".join(services["seed"]["command"])
    api = services["api"]
    assert api["depends_on"] == {"db": {"condition": "service_healthy"},
                                 "seed": {"condition": "service_completed_successfully"}}
    assert api["command"][:2] == ["yizhan", "serve"] and "0.0.0.0" in api["command"]
    assert "/health" in " ".join(api["healthcheck"]["test"])
    for name in ("seed", "api"):
        url = make_url(services[name]["environment"]["YIZHAN_DATABASE_URL"].replace(
            "${YIZHAN_DB_PASSWORD:-yizhan}", "pw"))
        assert url.host == "db" and url.database == services["db"]["environment"]["POSTGRES_DB"]
    assert "pgdata" in compose["volumes"]
    # Published directly: unless told of a proxy in front, it believes no X-Forwarded-For.
    assert api["environment"]["YIZHAN_FORWARDED_ALLOW_IPS"] == "${YIZHAN_FORWARDED_ALLOW_IPS:-}"
    assert "FORWARDED" not in (ROOT / "Dockerfile").read_text()


def test_dockerfile_installs_every_package() -> None:
    """Every package pyproject.toml installs is copied into the image (the list used to be
    written out here too, and missed three packages when they were added)."""
    import tomllib

    dockerfile = (ROOT / "Dockerfile").read_text()
    include = tomllib.loads((ROOT / "pyproject.toml").read_text())[
        "tool"]["setuptools"]["packages"]["find"]["include"]
    packages = [p.removesuffix("*") for p in include]
    assert len(packages) >= 8
    for package in packages:
        assert f"COPY {package} ./{package}" in dockerfile, package
    assert "pip install" in dockerfile and "USER yizhan" in dockerfile


def test_health_answers(client: TestClient) -> None:
    assert client.get("/health").json() == {"status": "ok"}


def test_root_points_to_the_docs_and_the_map(client: TestClient) -> None:
    index = client.get("/").json()
    assert index["docs"] == "/docs"
    assert client.get(index["map"]).status_code == 200
    assert client.get(index["nearest"]).status_code == 200
