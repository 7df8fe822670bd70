"""The console's cookies: HttpOnly, SameSite=Strict, path /console, and Secure when served over
https; the login returns only to a console page (never to another site)."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from api.app import create_app
from officers import accounts
from officers.vocab import Role
from yizhan.settings import Settings

PASSWORD = "session-pass-1"


@pytest.fixture
def account(engine: Engine) -> str:
    with engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM rate_limit_hits")
        if accounts.by_username(conn, "session-admin") is None:
            accounts.create(conn, "session-admin", "管理员", Role.ADMIN, None, PASSWORD)
    return "session-admin"


def log_in(client: TestClient, username: str, back: str) -> tuple[str, str]:
    form = client.get("/console/login")
    token = re.search(r'name="csrf" value="([^"]+)"', form.text)
    assert token is not None
    answer = client.post("/console/login", follow_redirects=False, data={
        "csrf": token[1], "username": username, "password": PASSWORD, "back": back})
    assert answer.status_code == 303, answer.text
    return form.headers["set-cookie"], answer.headers["set-cookie"]


@pytest.mark.parametrize("scheme", ["https", "http"])
def test_cookies(settings: Settings, account: str, scheme: str) -> None:
    with TestClient(create_app(settings), base_url=f"{scheme}://testserver") as client:
        login_cookie, session_cookie = log_in(client, account, "/console/below")
    for cookie in (login_cookie, session_cookie):
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/console" in cookie
        assert ("Secure" in cookie) == (scheme == "https")
    assert session_cookie.startswith("yz_console=")


@pytest.mark.parametrize("back", ["https://evil.example/console", "//evil.example/console",
                                  "/console/../x", "/elsewhere", "/console\\\\evil"])
def test_the_login_returns_only_to_a_console_page(settings: Settings, account: str,
                                                  back: str) -> None:
    with TestClient(create_app(settings)) as client:
        form = client.get("/console/login")
        token = re.search(r'name="csrf" value="([^"]+)"', form.text)
        assert token is not None
        answer = client.post("/console/login", follow_redirects=False, data={
            "csrf": token[1], "username": account, "password": PASSWORD, "back": back})
    assert answer.headers["location"] == "/console"
