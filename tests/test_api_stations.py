"""The stations API as a client sees it: lookups, pages, writes, and every kind of bad input."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import Point, box

from api.schemas import NearestCollection, StationFeature, StationPage
from geo.crs import Crs, from_wgs84, rounded

PEOPLE_SQUARE = (121.4751, 31.2335)


def make(client: TestClient, admin: dict[str, str], **fields: Any) -> dict[str, Any]:
    body = {"name": "人民广场驿站", "lon": PEOPLE_SQUARE[0], "lat": PEOPLE_SQUARE[1], **fields}
    response = client.post("/stations", json=body, headers=admin)
    assert response.status_code == 201, response.text
    StationFeature.model_validate(response.json())
    return response.json()


def nearest_ids(client: TestClient, **params: Any) -> list[int]:
    response = client.get("/stations/nearest", params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/geo+json"
    NearestCollection.model_validate(response.json())  # the declared schema holds
    return [f["id"] for f in response.json()["features"]]


def test_nearest_answer_shape(client: TestClient, admin: dict[str, str]) -> None:
    made = make(client, admin, amenities=["toilet", "drinking_water"], opening_hours="24/7",
                phone="12351")
    body = client.get("/stations/nearest", params={
        "lat": 31.2300, "lon": 121.4700, "k": 3, "crs": "gcj02"}).json()
    assert body["type"] == "FeatureCollection"
    assert body["query"]["crs"] == "gcj02"
    # The GCJ-02 query point lies several hundred metres from the same numbers read as WGS84.
    assert body["query"]["wgs84"]["lon"] != pytest.approx(121.47, abs=1e-3)
    (feature,) = body["features"]
    props = feature["properties"]
    assert feature["id"] == made["id"] and feature["geometry"]["coordinates"] == list(PEOPLE_SQUARE)
    assert props["amenities"] == ["drinking_water", "toilet"]
    assert props["open_now"] is True
    assert props["distance_m"] > 0
    gcj = rounded(*from_wgs84(*PEOPLE_SQUARE, Crs.GCJ02))
    assert props["point_in_crs"] == {"crs": "gcj02", "lon": gcj[0], "lat": gcj[1]}
    assert set(props["navigation"]) == {"osm", "amap", "baidu"}
    assert "coordinate=gaode" in props["navigation"]["amap"]
    assert f"{gcj[0]:.6f}" in props["navigation"]["amap"]
    assert "coord_type=bd09ll" in props["navigation"]["baidu"]
    assert len(props["h3"]) == 15


@pytest.mark.parametrize("crs", list(Crs))
def test_query_point_in_any_crs_finds_the_same_station(
    client: TestClient, admin: dict[str, str], crs: Crs
) -> None:
    near = make(client, admin, name="近")
    make(client, admin, name="远", lon=PEOPLE_SQUARE[0] + 0.004)  # about 380 m east
    lon, lat = from_wgs84(PEOPLE_SQUARE[0] + 0.0015, PEOPLE_SQUARE[1], crs)
    assert nearest_ids(client, lat=lat, lon=lon, crs=crs.value, k=1) == [near["id"]]


def test_status_rules(client: TestClient, admin: dict[str, str]) -> None:
    ids = {status: make(client, admin, name=status, status=status, opening_hours="24/7")["id"]
           for status in ("operational", "temporarily_closed", "planned", "removed")}
    lat, lon = PEOPLE_SQUARE[1], PEOPLE_SQUARE[0]
    assert nearest_ids(client, lat=lat, lon=lon, k=10) == [ids["operational"]]
    assert sorted(nearest_ids(client, lat=lat, lon=lon, k=10, include_closed=True)) == sorted(
        [ids["operational"], ids["temporarily_closed"]])
    features = client.get("/stations/nearest", params={
        "lat": lat, "lon": lon, "k": 10, "include_closed": True}).json()["features"]
    open_state = {f["id"]: f["properties"]["open_now"] for f in features}
    assert open_state[ids["temporarily_closed"]] is False  # closed, whatever its hours say
    assert nearest_ids(client, lat=lat, lon=lon, k=10, include_closed=True, open_now=True) == [
        ids["operational"]]


def test_amenities_must_all_match_and_open_now_excludes_unknown(
    client: TestClient, admin: dict[str, str]
) -> None:
    both = make(client, admin, name="两样", amenities=["toilet", "hot_water"], opening_hours="24/7")
    make(client, admin, name="一样", amenities=["toilet"], opening_hours="24/7")
    unknown = make(client, admin, name="不知", amenities=["toilet", "hot_water"])
    closed = make(client, admin, name="关", amenities=["toilet", "hot_water"], opening_hours="off")
    q = {"lat": PEOPLE_SQUARE[1], "lon": PEOPLE_SQUARE[0], "k": 10}
    assert sorted(nearest_ids(client, **q, amenity=["toilet", "hot_water"])) == sorted(
        [both["id"], unknown["id"], closed["id"]])
    assert nearest_ids(client, **q, amenity=["toilet", "hot_water"], open_now=True) == [both["id"]]
    # Commas or repeats, as people send them, in the list as in the nearest query:
    for amenity in ("toilet,hot_water", ["toilet", "hot_water"], ["toilet,hot_water", "toilet"]):
        assert sorted(nearest_ids(client, **q, amenity=amenity)) == sorted(
            [both["id"], unknown["id"], closed["id"]]), amenity
        listed = client.get("/stations", params={"amenity": amenity}).json()["features"]
        assert sorted(f["id"] for f in listed) == sorted([both["id"], unknown["id"], closed["id"]])
    bad = client.get("/stations/nearest", params={**q, "amenity": "toilet,beer"})
    assert bad.status_code == 422 and "'beer' is not one of" in bad.json()["message"]
    features = client.get("/stations/nearest", params=q).json()["features"]
    states = {f["id"]: f["properties"]["open_now"] for f in features}
    assert states[unknown["id"]] is None and states[closed["id"]] is False


def test_opening_hours_at_a_given_time_honours_public_holidays(
    client: TestClient, admin: dict[str, str]
) -> None:
    s = make(client, admin, opening_hours="Mo-Fr 09:00-17:00; PH off")
    q = {"lat": PEOPLE_SQUARE[1], "lon": PEOPLE_SQUARE[0]}
    def open_at(at: str) -> bool | None:
        (f,) = client.get("/stations/nearest", params={**q, "at": at}).json()["features"]
        assert f["id"] == s["id"]
        return f["properties"]["open_now"]
    assert open_at("2026-09-30T10:00") is True       # a Wednesday, local time
    assert open_at("2026-10-01T10:00") is False      # National Day
    assert open_at("2026-09-30T02:00:00Z") is True   # 10:00 in Shanghai
    assert open_at("2026-09-30T10:00:00Z") is False  # 18:00 in Shanghai


def test_radius_limits_the_answer(client: TestClient, admin: dict[str, str]) -> None:
    s = make(client, admin)
    q = {"lat": PEOPLE_SQUARE[1], "lon": PEOPLE_SQUARE[0] + 0.01}  # about 950 m away
    assert nearest_ids(client, **q, radius_m=900) == []
    assert nearest_ids(client, **q, radius_m=1000) == [s["id"]]


def test_list_pages_bbox_and_total(client: TestClient, admin: dict[str, str]) -> None:
    points = [(round(121.40 + 0.01 * i, 6), round(31.20 + 0.005 * i, 6)) for i in range(12)]
    made = [make(client, admin, name=f"s{i}", lon=x, lat=y) for i, (x, y) in enumerate(points)]
    make(client, admin, name="gone", status="removed")
    bbox = (121.42, 31.21, 121.46, 31.23)  # the corners of two stations lie exactly on it
    inside = [m["id"] for m, p in zip(made, points, strict=True) if box(*bbox).covers(Point(p))]
    assert len(inside) == 5
    page = client.get("/stations", params={"bbox": ",".join(map(str, bbox)), "limit": 2}).json()
    StationPage.model_validate(page)
    assert page["total"] == 5 and [f["id"] for f in page["features"]] == inside[:2]
    rest = client.get("/stations", params={"bbox": ",".join(map(str, bbox)), "offset": 2}).json()
    assert [f["id"] for f in rest["features"]] == inside[2:]
    assert client.get("/stations").json()["total"] == 12
    assert client.get("/stations", params={"status": "removed"}).json()["total"] == 1


def test_writes_need_an_officer_login(client: TestClient, admin: dict[str, str]) -> None:
    body = {"name": "x", "lon": 121.0, "lat": 31.0}
    assert client.post("/stations", json=body).status_code == 401
    bad = client.post("/stations", json=body, headers={"Authorization": "Bearer nope"})
    assert bad.status_code == 401 and "POST /auth/token" in bad.json()["message"]
    assert client.get("/stations").json()["total"] == 0


def test_update_and_retire(client: TestClient, admin: dict[str, str]) -> None:
    s = make(client, admin, opening_hours="24/7")
    patched = client.patch(f"/stations/{s['id']}", json={"lon": 121.48, "lat": 31.24,
                                                          "amenities": "wifi;toilet"},
                           headers=admin)
    assert patched.status_code == 200, patched.text
    props = patched.json()["properties"]
    assert patched.json()["geometry"]["coordinates"] == [121.48, 31.24]
    assert props["amenities"] == ["toilet", "wifi"] and props["opening_hours"] == "24/7"
    assert props["h3"] != s["properties"]["h3"]
    retired = client.delete(f"/stations/{s['id']}", headers=admin)
    assert retired.json()["properties"]["status"] == "removed"
    assert nearest_ids(client, lat=31.24, lon=121.48) == []
    assert client.get(f"/stations/{s['id']}").status_code == 200


def test_duplicate_external_id_is_a_conflict(client: TestClient, admin: dict[str, str]) -> None:
    make(client, admin, external_id="ext-1")
    again = client.post("/stations", json={"name": "x", "lon": 1, "lat": 1, "external_id": "ext-1"},
                        headers=admin)
    assert again.status_code == 409 and "external_id" in again.json()["message"]


BAD_NEAREST = [
    ({"lat": 91, "lon": 0}, "lat", "90"),
    ({"lat": -90.5, "lon": 0}, "lat", "-90"),
    ({"lat": 0, "lon": 180.01}, "lon", "180"),
    ({"lat": 121.47, "lon": 31.23}, "lat", "swap"),
    ({"lat": "nan", "lon": 0}, "lat", "finite"),
    ({"lat": 0, "lon": "inf"}, "lon", "finite"),
    ({"lat": "north", "lon": 0}, "lat", "number"),
    ({"lon": 0}, "lat", "required"),
    ({"lat": 0}, "lon", "required"),
    ({"lat": 0, "lon": 0, "k": 0}, "k", "1"),
    ({"lat": 0, "lon": 0, "k": 51}, "k", "50"),
    ({"lat": 0, "lon": 0, "radius_m": 50_001}, "radius_m", "50000"),
    ({"lat": 0, "lon": 0, "radius_m": -1}, "radius_m", "0"),
    ({"lat": 0, "lon": 0, "amenity": "beer"}, "amenity", "drinking_water"),
    ({"lat": 0, "lon": 0, "crs": "epsg:3857"}, "crs", "gcj02"),
    ({"lat": 0, "lon": 0, "at": "yesterday"}, "at", "datetime"),
    ({"lat": 0, "lon": 0, "at": "9999-12-31T23:59Z"}, "at", "1970 to 2199"),
    ({"lat": 0, "lon": 0, "at": "0001-01-01T00:00+14:00", "open_now": True}, "at", "1970"),
    ({"lat": 0, "lon": 0, "open_now": "perhaps"}, "open_now", "boolean"),
]


@pytest.mark.parametrize(("params", "name", "hint"), BAD_NEAREST)
def test_bad_nearest_input_names_the_parameter(
    client: TestClient, params: dict[str, Any], name: str, hint: str
) -> None:
    response = client.get("/stations/nearest", params=params)
    assert response.status_code == 422
    message = response.json()["message"]
    assert f"'{name}'" in message and hint in message, message


@pytest.mark.parametrize("bbox", ["1,2,3", "a,b,c,d", "0,0,nan,1", "10,0,5,1", "0,10,1,5",
                                  "0,-91,1,1", "-181,0,1,1", ""])
def test_bad_bbox(client: TestClient, bbox: str) -> None:
    response = client.get("/stations", params={"bbox": bbox})
    assert response.status_code == 422 and "'bbox'" in response.json()["message"]


@pytest.mark.parametrize(("path", "status"), [
    ("/stations/999", 404), ("/stations/0", 422), ("/stations/abc", 404),
    ("/stations/99999999999999999999", 422), ("/unions/at?lat=31.2&lon=121.4", 404),
    ("/stations/abc?x=1", 404),
])
def test_unknown_and_malformed_ids(client: TestClient, path: str, status: int) -> None:
    response = client.get(path)
    assert response.status_code == status
    assert response.json()["message"]
    if status == 404 and not path[-1].isdigit():  # a word where an id goes: no such path
        assert response.json()["message"].startswith("no such path"), response.json()


@pytest.mark.parametrize(("body", "hint"), [
    ({"lon": 1, "lat": 1}, "name"),
    ({"name": " ", "lon": 1, "lat": 1}, "name"),
    ({"name": "x", "lon": 200, "lat": 1}, "lon"),
    ({"name": "x", "lat": 1}, "lon"),
    ({"name": "x", "lon": 1, "lat": 1, "amenities": ["beer"]}, "amenities"),
    ({"name": "x", "lon": 1, "lat": 1, "opening_hours": "whenever"}, "opening_hours"),
    ({"name": "x", "lon": 1, "lat": 1, "status": "open"}, "status"),
    ({"name": "x", "lon": 1, "lat": 1, "timezone": "Mars/Olympus"}, "time zone"),
    ({"name": "x", "lon": 1, "lat": 1, "phone": "call me"}, "phone"),
    ({"name": "x", "lon": 1, "lat": 1, "colour": "red"}, "colour"),
    ({"name": "x" * 201, "lon": 1, "lat": 1}, "name"),
])
def test_bad_station_bodies(client: TestClient, admin: dict[str, str], body: dict[str, Any],
                            hint: str) -> None:
    response = client.post("/stations", json=body, headers=admin)
    assert response.status_code == 422, response.text
    assert hint in response.json()["message"]
    assert client.get("/stations").json()["total"] == 0


def test_patch_cannot_null_a_required_field(client: TestClient, admin: dict[str, str]) -> None:
    s = make(client, admin)
    response = client.patch(f"/stations/{s['id']}", json={"name": None}, headers=admin)
    assert response.status_code == 422 and "name" in response.json()["message"]


def test_malformed_json_body(client: TestClient, admin: dict[str, str]) -> None:
    response = client.post("/stations", content=b'{"name": "x", "lon": 121.48,', headers={
        **admin, "Content-Type": "application/json"})
    assert response.status_code == 422
    assert "the body is not valid JSON" in response.json()["message"]
    form = client.post("/stations", data={"name": "x"}, headers=admin)
    assert form.status_code == 422 and "JSON object" in form.json()["message"]


def test_field_errors_name_the_field(client: TestClient, admin: dict[str, str]) -> None:
    body = {"name": "x", "lon": 1, "lat": 1, "opening_hours": "Mo-Xx 25:00"}
    response = client.post("/stations", json=body, headers=admin)
    assert response.json()["detail"][0]["loc"] == ["body", "opening_hours"]
    assert "Value error" not in response.json()["message"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(params=st.dictionaries(
    st.sampled_from(["lat", "lon", "k", "radius_m", "amenity", "crs", "at", "open_now",
                     "include_closed"]),
    st.one_of(st.text(max_size=12), st.floats().map(str), st.integers().map(str)),
))
def test_no_input_makes_a_server_error(client: TestClient, params: dict[str, str]) -> None:
    response = client.get("/stations/nearest", params=params)
    assert response.status_code in (200, 422), (params, response.text)


def test_openapi_declares_the_geojson_shapes(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    nearest = spec["paths"]["/stations/nearest"]["get"]
    assert nearest["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "NearestCollection")
    params = {p["name"] for p in nearest["parameters"]}
    assert params >= {"lat", "lon", "k", "radius_m", "amenity", "open_now", "at", "crs"}
    assert client.get("/docs").status_code == 200


def test_oversized_bodies_are_refused(client: TestClient, admin: dict[str, str]) -> None:
    body = {"name": "x", "lon": 1, "lat": 1, "address": "a" * (2 * 1024 * 1024)}
    response = client.post("/stations", json=body, headers=admin)
    assert response.status_code == 413
    assert client.get("/stations").json()["total"] == 0


@pytest.mark.parametrize(("method", "path", "status", "hint"), [
    ("GET", "/nowhere", 404, "no such path"),
    ("PUT", "/stations/1", 405, "PUT is not allowed"),
])
def test_unknown_routes_and_methods(client: TestClient, method: str, path: str, status: int,
                                    hint: str) -> None:
    response = client.request(method, path)
    assert response.status_code == status and hint in response.json()["message"]


def _numbers(value: Any) -> list[float]:
    if isinstance(value, dict):
        return [n for v in value.values() for n in _numbers(v)]
    if isinstance(value, list):
        return [n for v in value for n in _numbers(v)]
    return [value] if isinstance(value, float) else []


def test_coordinates_in_answers_carry_seven_decimals_at_most(
        client: TestClient, admin: dict[str, str]) -> None:
    import random

    made = client.post("/stations", params={"crs": "gcj02"}, headers=admin,
                       json={"name": "换算", "lon": 121.4737, "lat": 31.2304})
    assert made.status_code == 201
    assert all(round(x, 7) == x for x in made.json()["geometry"]["coordinates"])
    rng = random.Random(19)
    for _ in range(20):
        lon, lat = rng.uniform(110, 122), rng.uniform(22, 40)
        for path in ("/stations/nearest", "/unions/match"):
            crs = rng.choice(["gcj02", "bd09"])
            answer = client.get(path, params={"lat": lat, "lon": lon, "crs": crs})
            assert answer.status_code == 200, answer.text
            body = answer.json()
            coordinates = _numbers(body["query"]) + _numbers(
                [f["geometry"]["coordinates"] + [f["properties"]["point_in_crs"]["lon"],
                                                 f["properties"]["point_in_crs"]["lat"]]
                 for f in body.get("features", [])])
            assert len(coordinates) >= 4 and all(round(x, 7) == x for x in coordinates), coordinates


def test_stations_as_they_are_in_practice_and_the_24_hour_filter(
        client: TestClient, admin: dict[str, str]) -> None:
    from geo.vocab import AMENITY_LABELS_EN, AMENITY_LABELS_ZH, Amenity

    assert set(AMENITY_LABELS_ZH) == set(AMENITY_LABELS_EN) == set(Amenity)
    always = make(client, admin, name="全天", opening_hours="24/7",
                  amenities=["battery_swap", "meals", "medicine", "legal_aid", "haircut", "shower"])
    spelled = make(client, admin, name="全天二", opening_hours="Mo-Su 00:00-24:00",
                   amenities=["battery_swap"])
    make(client, admin, name="白天", opening_hours="Mo-Fr 09:00-17:00", amenities=["battery_swap"])
    make(client, admin, name="不知", amenities=["battery_swap"])
    q = {"lat": PEOPLE_SQUARE[1], "lon": PEOPLE_SQUARE[0], "k": 10}
    assert len(nearest_ids(client, **q, amenity="battery_swap")) == 4
    assert sorted(nearest_ids(client, **q, open_24_7=True)) == sorted([always["id"], spelled["id"]])
    assert nearest_ids(client, **q, open_24_7=True, amenity="shower,legal_aid") == [always["id"]]
    echoed = client.get("/stations/nearest", params={**q, "open_24_7": True}).json()["query"]
    assert echoed["open_24_7"] is True
    ogc = client.get("/ogc/collections/stations/items", params={"open_24_7": "true"}).json()
    assert sorted(f["id"] for f in ogc["features"]) == sorted([always["id"], spelled["id"]])
    assert client.get("/ogc/collections/stations/items",
                      params={"open_24_7": "false"}).json()["numberMatched"] == 2
    assert client.get("/ogc/collections/stations/items",
                      params={"open_24_7": "yes"}).status_code == 400
