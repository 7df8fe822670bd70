"""No personal data in the logs: an application's name, phone and ID number, and its status
link's token, appear in no log line of the app or of uvicorn's access log, through a whole
application's life (submitted, read by its applicant, read and approved by an officer, and a
refused duplicate)."""

from __future__ import annotations

import logging

import httpx
import pytest
from sqlalchemy import Engine

from api.app import create_app
from tests.conftest import SECRET_KEY
from tests.live import serving
from tests.test_applications import ID_NUMBER, PHONE, body
from yizhan.settings import Settings


def test_personal_data_never_reaches_a_log(database_url: str, engine: Engine, tree: dict[str, int],
                                           admin: dict[str, str],
                                           caplog: pytest.LogCaptureFixture) -> None:
    app = create_app(Settings(database_url=database_url, secret_key=SECRET_KEY))
    with caplog.at_level(logging.DEBUG), serving(app, access_log=True) as base, \
            httpx.Client(base_url=base) as http:
        made = http.post("/applications", json=body(id_number=ID_NUMBER))
        assert made.status_code == 201, made.text
        link = made.json()["status_url"]
        token = link.split("token=", 1)[1]
        assert http.get(link.split(base, 1)[1]).status_code == 200
        assert http.post("/applications", json=body(id_number=ID_NUMBER)).status_code == 201
        app_id = made.json()["id"]
        assert http.get(f"/applications/{app_id}", headers=admin).json()["phone"].endswith("5678")
        assert http.get("/applications", headers=admin).status_code == 200
        assert http.post(f"/applications/{app_id}/approve", headers=admin).status_code == 200
    lines = [record.getMessage() for record in caplog.records  # the server's, not this client's
             if not record.name.startswith(("httpx", "httpcore"))]
    assert any("POST /applications" in line for line in lines)  # the access log was captured
    secrets = {"phone": PHONE, "phone digits": PHONE[3:], "ID number": ID_NUMBER,
               "ID digits": ID_NUMBER[6:14], "name": "王小明", "token": token}
    for what, value in secrets.items():
        leaked = [line for line in lines if value in line]
        assert not leaked, f"{what} in the logs: {leaked[:2]}"
