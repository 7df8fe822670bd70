"""Map pages drawn on GCJ-02 tiles (Amap, Tencent) move every point and area onto them."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from api.app import create_app
from geo.crs import Crs, from_wgs84
from maps.page import distance_text
from tests.conftest import SECRET_KEY
from yizhan.settings import Settings

POINT = (121.15, 31.15)  # in community K1 of the test tree
CORNER = (121.2, 31.2)  # a corner of K1's area


def page(database_url: str, path: str, tiles_crs: str) -> str:
    app = create_app(Settings(database_url=database_url, secret_key=SECRET_KEY,
                              tiles_crs=tiles_crs))
    with TestClient(app) as client:
        response = client.get(path, params={"lon": POINT[0], "lat": POINT[1]})
    assert response.status_code == 200, response.text
    return response.text


def test_points_and_areas_move_onto_gcj02_tiles(database_url: str, empty_db: Engine,
                                                tree: dict[str, int]) -> None:
    gx, gy = from_wgs84(*POINT, Crs.GCJ02)
    assert abs(gx - POINT[0]) > 0.004  # several hundred metres: on the wrong street unmoved
    for path in ("/maps/nearest", "/maps/match"):
        wgs84 = page(database_url, path, "wgs84")
        gcj02 = page(database_url, path, "gcj02")
        assert f"[{POINT[1]}, {POINT[0]}]" in wgs84 and f"[{gy}, {gx}]" not in wgs84
        assert f"[{gy}, {gx}]" in gcj02 and f"[{POINT[1]}, {POINT[0]}]" not in gcj02
    cx, cy = from_wgs84(*CORNER, Crs.GCJ02)  # areas are GeoJSON: [lon, lat]
    wgs84, gcj02 = (page(database_url, "/maps/match", crs) for crs in ("wgs84", "gcj02"))
    assert f"[{CORNER[0]}, {CORNER[1]}]" in wgs84 and f"[{cx}, {cy}]" in gcj02
    assert f"[{CORNER[0]}, {CORNER[1]}]" not in gcj02


def test_pages_ask_for_vector_tiles_in_the_tiles_system(database_url: str, empty_db: Engine,
                                                         tree: dict[str, int]) -> None:
    for crs, query in (("wgs84", "mvt?\""), ("gcj02", "mvt?crs=gcj02\"")):
        app = create_app(Settings(database_url=database_url, secret_key=SECRET_KEY,
                                  tiles_crs=crs))
        with TestClient(app) as client:
            union = client.get(f"/maps/unions/{tree['K1']}").text
            coverage = client.get("/maps/coverage").text
        assert f"/tiles/workplaces/{{z}}/{{x}}/{{y}}.{query}" in union
        assert ("status=operational&crs=gcj02" in coverage) == (crs == "gcj02")


def test_distances_read_in_metres_then_kilometres() -> None:
    assert [distance_text(m, "en") for m in (0, 849.6, 999.4, 999.6, 1234, 12_345)] == [
        "0 m", "850 m", "999 m", "1.0 km", "1.2 km", "12.3 km"]
    assert distance_text(1234, "zh") == "1.2 公里" and distance_text(80, "zh") == "80 米"


def test_tile_subdomains_and_who_may_frame_the_join_form(database_url: str) -> None:
    app = create_app(Settings(database_url=database_url, secret_key=SECRET_KEY,
                              tiles_url="https://webrd0{s}.is.autonavi.com/{z}/{x}/{y}",
                              tiles_subdomains="1234", embed_origins="https://*.courier.example"))
    with TestClient(app) as client:
        page = client.get("/maps/match", params={"lon": POINT[0], "lat": POINT[1]}).text
        join = client.get("/join")
    assert '"subdomains": "1234"' in page
    assert join.headers["content-security-policy"] == (
        "frame-ancestors 'self' https://*.courier.example")


def test_a_union_name_cannot_end_the_title_and_run(database_url: str, empty_db: Engine,
                                                   tree: dict[str, int], engine: Engine) -> None:
    name = "</title><script>window.pwned=1</script>"
    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE unions SET name = %s WHERE id = %s", (name, tree["K1"]))
    app = create_app(Settings(database_url=database_url, secret_key=SECRET_KEY))
    with TestClient(app) as client:
        page = client.get(f"/maps/unions/{tree['K1']}").text
    assert "window.pwned" in page and "<script>window.pwned" not in page
