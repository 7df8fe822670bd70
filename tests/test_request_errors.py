"""Requests that cannot be used as sent: each gets a 4xx that names what was wrong, where, and
what is allowed."""

from __future__ import annotations

from typing import Any

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


@pytest.mark.parametrize(("method", "path", "fields", "where"), [
    ("GET", "/officer/audit", {"params": {"action": "create\x00"}}, "query parameter 'action'"),
    ("POST", "/stations", {"json": {"name": "站\x00点", "lon": 121.47, "lat": 31.23}},
     "body field 'name'"),
    ("POST", "/applications", {"json": {"name": "王", "phone": "13812345678", "consent": True,
                                        "occupation_group": "courier",
                                        "workplace": {"name": "x\x1by", "lon": 121, "lat": 31}}},
     "body field 'workplace.name'"),
    ("POST", "/unions/match", {"json": {"points": [{"id": "a\x07", "lon": 121, "lat": 31}]}},
     "body field 'points.0.id'"),
    ("POST", "/auth/token", {"data": {"username": "admin\x00", "password": "x"}},
     "body field 'username'"),
])
def test_a_control_character_is_refused_naming_the_field(
        client: TestClient, admin: dict[str, str], method: str, path: str,
        fields: dict[str, Any], where: str) -> None:
    answer = client.request(method, path, headers=admin, **fields)
    assert answer.status_code == 422, answer.text
    message = answer.json()["message"]
    assert message.startswith(where) and "control characters are not allowed" in message, message


def test_tabs_and_line_breaks_are_text(client: TestClient, admin: dict[str, str]) -> None:
    answer = client.post("/stations", headers=admin, json={
        "name": "站点\t一", "address": "朝晖路 1 号\r\n2 楼", "lon": 121.47, "lat": 31.23})
    assert answer.status_code == 201, answer.text
    assert answer.json()["properties"]["address"] == "朝晖路 1 号\r\n2 楼"


SWAPPED_SHANGHAI = {"lon": 31.23, "lat": 121.47}


@pytest.mark.parametrize(("path", "body", "field"), [
    ("/unions/match", {"points": [{"id": 1, "lon": 121.47, "lat": 31.23},
                                  {"id": 2, **SWAPPED_SHANGHAI}]}, "points.1.lat"),
    ("/applications", {"name": "王", "phone": "13812345678", "consent": True,
                       "occupation_group": "courier",
                       "workplace": {"name": "x", **SWAPPED_SHANGHAI}}, "workplace.lat"),
    ("/stations", {"name": "x", **SWAPPED_SHANGHAI}, "lat"),
    ("/workplaces", {"name": "x", **SWAPPED_SHANGHAI}, "lat"),
])
def test_bodies_with_apparently_swapped_coordinates_get_the_hint(
        client: TestClient, admin: dict[str, str], path: str, body: dict[str, object],
        field: str) -> None:
    answer = client.post(path, json=body, headers=admin)
    assert answer.status_code == 422, answer.text
    message = answer.json()["message"]
    assert f"body field '{field}'" in message and "did you swap lat and lon?" in message, message
    beyond = client.post("/stations", json={"name": "x", "lon": 150, "lat": 121.47}, headers=admin)
    assert "lat" in beyond.json()["message"] and "swap" not in beyond.json()["message"]


@pytest.mark.parametrize(("query", "name"), [
    ("lat=31.2&lat=31.3&lon=121.4", "lat"),
    ("lat=31.2&lon=121.4&k=3&k=5&crs=wgs84&crs=gcj02", "crs"),
])
def test_a_single_valued_parameter_given_twice_is_refused(
        client: TestClient, query: str, name: str) -> None:
    answer = client.get(f"/stations/nearest?{query}")
    assert answer.status_code == 422, answer.text
    message = answer.json()["message"]
    assert f"query parameter '{name}': given 2 times" in message and "give it once" in message
    assert answer.json()["detail"][0]["loc"] == ["query", name]


def test_list_parameters_stay_repeatable(client: TestClient) -> None:
    nearest = client.get("/stations/nearest?lat=31.2&lon=121.4&amenity=toilet"
                         "&amenity=drinking_water")
    assert nearest.status_code == 200, nearest.text
    assert nearest.json()["query"]["amenities"] == ["drinking_water", "toilet"]
    assert client.get("/stations?status=operational&status=planned").status_code == 200


def test_a_parameter_the_endpoint_does_not_take_is_refused_with_the_ones_it_does(
        client: TestClient) -> None:
    misspelt = client.get("/stations/nearest?lat=31.2&lon=121.4&radius=50&amenities=toilet")
    assert misspelt.status_code == 422
    message = misspelt.json()["message"]
    assert "query parameter 'radius': not a parameter of this endpoint; did you mean 'radius_m'?" in message
    assert "query parameter 'amenities'" in message and "did you mean 'amenity'?" in message
    assert "it takes amenity, at, crs, include_closed, k, lat, lon, open_24_7, open_now, radius_m" \
        in message
    assert "takes no query parameters" in client.get("/health?probe=1").json()["message"]
    # pages other apps embed take their own parameters; OGC API answers by its own rule
    assert client.get("/maps/nearest?lat=31.2&lon=121.4&utm_source=partner").status_code == 200
    ogc = client.get("/ogc/collections/stations/items?radius=5")
    assert ogc.status_code == 400 and "radius" in ogc.json()["description"]


def test_pages_and_long_answers_are_gzipped_for_clients_that_take_it(client: TestClient) -> None:
    page = client.get("/maps/nearest?lat=31.2&lon=121.4", headers={"Accept-Encoding": "gzip"})
    assert page.status_code == 200 and page.headers["content-encoding"] == "gzip"
    assert int(page.headers["content-length"]) * 2 < len(page.content)  # httpx has unzipped it
    plain = client.get("/maps/nearest?lat=31.2&lon=121.4", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    assert len(plain.content) == len(page.content)  # the same page (folium's element ids differ)
    assert "content-encoding" not in client.get("/health").headers  # too short to be worth it


@pytest.mark.parametrize("path", ["/health", "/ready", "/stations/1", "/maps/nearest?lat=31.2&lon=121.4",
                                  "/join", "/ogc", "/stations/nearest?lat=31.2&lon=121.4"])
def test_head_answers_as_get_without_a_body(client: TestClient, admin: dict[str, str],
                                            path: str) -> None:
    from tests.test_api_stations import make

    make(client, admin, name="驿站")
    got, head = client.get(path), client.head(path)
    assert head.status_code == got.status_code == 200, (path, head.status_code)
    assert head.content == b"" and head.headers["content-type"] == got.headers["content-type"]
    refused = client.head("/auth/token")
    assert refused.status_code == 405 and refused.content == b""


def test_a_tile_layer_that_does_not_exist_names_all_three(client: TestClient) -> None:
    answer = client.get("/tiles/foo/1/0/0.mvt")
    assert answer.status_code == 422
    assert "stations, unions and workplaces" in answer.json()["message"]


@pytest.mark.parametrize(("kwargs", "named"), [
    ({"json": {"username": "a", "password": "b"}}, "not application/json"),
    ({"content": b"username=a&password=b"}, "not a body without a Content-Type"),
])
def test_a_login_sent_as_json_is_told_to_send_form_fields(client: TestClient, kwargs: dict[str, Any],
                                                          named: str) -> None:
    answer = client.post("/auth/token", **kwargs)
    assert answer.status_code == 415, answer.text
    message = answer.json()["message"]
    assert "send form fields username and password" in message and named in message
    assert "Field required" not in message
