"""No link is built from a Host header the service is not configured for (QR codes, OGC links,
status links); every answer says nosniff; the docs and HTML error pages say who may frame them."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from api.app import create_app
from tests.conftest import SECRET_KEY
from yizhan.settings import LOCAL_HOSTS, Settings

STATION = {"name": "驿站", "lon": 121.4751, "lat": 31.2335}


@pytest.fixture
def local_client(database_url: str, empty_db: Engine) -> Iterator[TestClient]:
    """An app with the default trusted hosts, reached as http://localhost."""
    settings = Settings(database_url=database_url, secret_key=SECRET_KEY,
                        trusted_hosts=list(LOCAL_HOSTS))
    with TestClient(create_app(settings), base_url="http://localhost") as client:
        yield client


def _qr_of(text: str) -> bytes:
    """The join QR code that holds `text`, drawn as the service draws it."""
    import segno

    image = io.BytesIO()
    segno.make(text, error="m").save(image, kind="png", scale=8, border=2)
    return image.getvalue()


def test_a_forged_host_is_refused_before_it_becomes_a_link(
        local_client: TestClient, admin: dict[str, str]) -> None:
    station = local_client.post("/stations", json=STATION, headers=admin).json()
    evil = {"Host": "evil.example"}
    for path in (f"/stations/{station['id']}/join-qr.png", "/ogc/collections", "/ogc",
                 "/stations/nearest?lat=31.2&lon=121.4"):
        refused = local_client.get(path, headers=evil)
        assert refused.status_code == 400, path
        assert "evil.example" in refused.json()["message"]
        assert "YIZHAN_TRUSTED_HOSTS" in refused.json()["message"]
        assert refused.headers["x-content-type-options"] == "nosniff"
    assert local_client.post("/applications", headers=evil, json={}).status_code == 400
    for host in ("localhost:8000", "127.0.0.1", "[::1]:8000", "LOCALHOST"):
        assert local_client.get("/ogc", headers={"Host": host}).status_code == 200, host
    links = local_client.get("/ogc", headers={"Host": "localhost:8000"}).json()["links"]
    assert all(link["href"].startswith("http://localhost:8000/") for link in links)


def test_the_public_url_is_what_links_are_made_of(
        database_url: str, empty_db: Engine, admin: dict[str, str]) -> None:
    settings = Settings(database_url=database_url, secret_key=SECRET_KEY,
                        public_url="https://yizhan.example.org/", trusted_hosts=["localhost"])
    with TestClient(create_app(settings), base_url="http://localhost") as client:
        station = client.post("/stations", json=STATION, headers=admin).json()
        png = client.get(f"/stations/{station['id']}/join-qr.png")
        assert png.status_code == 200
        assert png.content == _qr_of(f"https://yizhan.example.org/join?station={station['id']}")
        # its own host is trusted without being listed
        ogc = client.get("/ogc", headers={"Host": "yizhan.example.org"})
        assert ogc.status_code == 200
        assert all(link["href"].startswith("https://yizhan.example.org/")
                   for link in ogc.json()["links"])
        assert client.get("/ogc", headers={"Host": "other.example.org"}).status_code == 400


def test_wildcards_and_settings_errors() -> None:
    from api.hardening import host_allowed

    assert host_allowed("a.example.org:443", ["*.example.org"])
    assert not host_allowed("example.org.evil.example", ["*.example.org"])
    assert not host_allowed("evilexample.org", ["*.example.org"])
    with pytest.raises(ValueError, match="give host names without scheme"):
        Settings(trusted_hosts="https://a.example")
    with pytest.raises(ValueError, match=r"give scheme://host"):
        Settings(public_url="yizhan.example.org")
    with pytest.raises(ValueError, match="YIZHAN_PUBLIC_URL"):
        Settings(production=True, database_url="postgresql://x/y",
                 secret_key="k" * 40).check_production()
    Settings(production=True, database_url="postgresql://x/y", secret_key="k" * 40,
             public_url="https://yizhan.example.org").check_production()


def test_every_answer_says_nosniff_and_pages_say_who_may_frame_them(
        local_client: TestClient) -> None:
    for path in ("/", "/docs", "/openapi.json", "/static/yizhan/officer.js", "/no-such-page",
                 "/stations/nearest?lat=95&lon=0", "/join", "/maps/nearest?lat=31.2&lon=121.4"):
        answer = local_client.get(path)
        assert answer.headers["x-content-type-options"] == "nosniff", path
    assert "frame-ancestors 'none'" in local_client.get("/docs").headers[
        "content-security-policy"]
    html = {"Accept": "text/html"}
    for path in ("/join?station=abc", "/applications/1?token=x" + "0" * 31):
        error = local_client.get(path, headers=html)
        assert error.status_code in (404, 422) and error.text.startswith("<!doctype html>"), path
        assert "frame-ancestors 'self'" in error.headers["content-security-policy"], path


def test_serve_says_which_hosts_it_answers_when_bound_to_every_address(
        database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn
    from typer.testing import CliRunner

    from yizhan.cli import app as cli

    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: None)
    env = {"YIZHAN_DATABASE_URL": database_url, "YIZHAN_SECRET_KEY": "k" * 40,
           "YIZHAN_TRUSTED_HOSTS": "localhost"}
    everywhere = CliRunner().invoke(cli, ["serve", "--host", "0.0.0.0"], env=env)
    assert everywhere.exit_code == 0, everywhere.output
    assert "answers only localhost; to reach it by another name or address, set " \
           "YIZHAN_TRUSTED_HOSTS" in everywhere.output
    local = CliRunner().invoke(cli, ["serve", "--host", "localhost"], env=env)
    assert "YIZHAN_TRUSTED_HOSTS" not in local.output
