"""Requests that cannot be used as sent: each gets a 4xx that names what was wrong, where, and
what is allowed."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

JSON = {"Content-Type": "application/json"}


@pytest.mark.parametrize(("body", "where"), [
    (b'{"points": [\n  {"id": 1, "lat": 31.2,, "lon": 121.4}]}', "line 2, column 25"),
    ('{"points": [{"id": "王小明"}]'.encode("gbk"), "line 1, column 21"),  # not UTF-8
    (b"[" * 100_000, "too deeply"),
    (b'{"points": [{"id": ' + b"9" * 5000 + b"}]}", "digits"),
])
def test_a_body_that_is_not_json_is_a_422_saying_where_and_what_is_expected(
        client: TestClient, body: bytes, where: str) -> None:
    answer = client.post("/unions/match", content=body, headers=JSON)
    assert answer.status_code == 422, answer.text
    message = answer.json()["message"]
    assert where in message and "a JSON object is expected" in message, message
    assert answer.json()["detail"][0]["type"] == "json_invalid"
