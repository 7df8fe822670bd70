"""Vector tiles: each tile holds exactly the stations inside it (with its buffer), checked against
a pyproj Web Mercator oracle on generated stations; areas by level; workplaces only for an
officer's jurisdiction; bad tile numbers are 422."""

from __future__ import annotations

import math
from typing import Any

import mapbox_vector_tile
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st
from pyproj import Transformer
from sqlalchemy import Engine

from api.app import create_app
from geo.crs import Crs
from geo.station_data import NewStation
from geo.stations import T
from geo.tiles import BUFFER, EXTENT, Layer, tile
from geo.vocab import StationStatus
from officers import accounts
from officers.vocab import Role
from tests.conftest import SECRET_KEY, bearer
from yizhan.settings import Settings

MERCATOR = Transformer.from_crs(4326, 3857, always_xy=True)
HALF = 20037508.342789244  # half the Web Mercator world, in metres
CENTRES = [(121.47, 31.23), (113.26, 23.13), (-0.12, 51.5),
           (179.96, -16.5), (-179.96, 65.0)]  # Fiji and Chukotka: tiles at the world's edges


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    x, y = MERCATOR.transform(lon, lat)
    size = 2 * HALF / 2**z
    return int((x + HALF) // size), int((HALF - y) // size)


def buffered_box(z: int, x: int, y: int) -> tuple[float, float, float, float]:
    size = 2 * HALF / 2**z
    pad = size * BUFFER / EXTENT
    return (-HALF + x * size - pad, HALF - (y + 1) * size - pad,
            -HALF + (x + 1) * size + pad, HALF - y * size + pad)


def decoded(data: bytes, layer: str) -> list[dict[str, Any]]:
    return mapbox_vector_tile.decode(data).get(layer, {}).get("features", [])


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(centre=st.sampled_from(CENTRES), z=st.integers(0, 17),
       offsets=st.lists(st.tuples(st.floats(-0.05, 0.05), st.floats(-0.05, 0.05)), max_size=40),
       statuses=st.lists(st.sampled_from(list(StationStatus)), min_size=40, max_size=40))
@example(centre=CENTRES[0], z=1, offsets=[(0.0, 0.0)], statuses=[StationStatus.OPERATIONAL] * 40)
@example(centre=CENTRES[3], z=3, offsets=[(0.0, 0.0)], statuses=[StationStatus.OPERATIONAL] * 40)
def test_a_tile_holds_exactly_the_stations_inside_it(
        empty_db: Engine, centre: tuple[float, float], z: int,
        offsets: list[tuple[float, float]], statuses: list[StationStatus]) -> None:
    z_tile = tile_of(*centre, z)
    minx, miny, maxx, maxy = buffered_box(z, *z_tile)
    expected = set()
    with empty_db.connect() as conn, conn.begin() as transaction:
        for i, (dx, dy) in enumerate(offsets):
            lon, lat = min(max(centre[0] + dx, -180), 180), centre[1] + dy
            columns = NewStation(name=f"s{i}", lon=lon, lat=lat, status=statuses[i]
                                 ).columns(Crs.WGS84, only_set=False)
            columns["external_id"] = f"s{i}"
            new_id = conn.execute(T.insert().values(**columns).returning(T.c.id)).scalar_one()
            mx, my = MERCATOR.transform(lon, lat)
            edge = min(abs(mx - minx), abs(mx - maxx), abs(my - miny), abs(my - maxy))
            assume(edge > 1e-3)  # a knife edge: a millimetre from the buffer's border
            if minx < mx < maxx and miny < my < maxy and statuses[i] is not StationStatus.REMOVED:
                expected.add(new_id)
        features = decoded(tile(conn, Layer.STATIONS, z, *z_tile), "stations")
        transaction.rollback()
    assert {f["id"] for f in features} == expected
    for f in features:  # where each lands in the tile: integer units of 1/4096, y down
        assert f["geometry"]["type"] == "Point"
        assert -BUFFER <= min(f["geometry"]["coordinates"]) <= max(
            f["geometry"]["coordinates"]) <= EXTENT + BUFFER


def test_tile_endpoint(client: TestClient, admin: dict[str, str], tree: dict[str, int],
                       engine: Engine) -> None:
    for lon, lat, status in ((121.15, 31.15, "operational"), (121.16, 31.15, "planned")):
        created = client.post("/stations", headers=admin,
                              json={"name": "x", "lon": lon, "lat": lat, "status": status})
        assert created.status_code == 201
    z, (x, y) = 10, tile_of(121.15, 31.15, 10)
    response = client.get(f"/tiles/stations/{z}/{x}/{y}.mvt")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/vnd.mapbox-vector-tile"
    assert response.headers["cache-control"] == "public, max-age=60"
    assert len(decoded(response.content, "stations")) == 2
    planned = client.get(f"/tiles/stations/{z}/{x}/{y}.mvt", params={"status": "planned"})
    assert [f["properties"]["status"] for f in decoded(planned.content, "stations")] == ["planned"]
    areas = decoded(client.get(f"/tiles/unions/{z}/{x}/{y}.mvt").content, "unions")
    assert {f["properties"]["code"] for f in areas} == {"C", "D1", "D2", "S1", "K1"}  # 120.94..121.29
    streets = client.get(f"/tiles/unions/{z}/{x}/{y}.mvt", params={"level": "street"})
    assert [f["properties"]["code"] for f in decoded(streets.content, "unions")] == ["S1"]
    empty = client.get("/tiles/stations/3/0/0.mvt")  # the Arctic Pacific: no station
    assert empty.status_code == 200 and empty.content == b""
    for path, words in (("/tiles/stations/3/8/0.mvt", "0 to 7"),
                        ("/tiles/stations/23/0/0.mvt", "22"),
                        ("/tiles/roads/3/0/0.mvt", "stations"),
                        ("/tiles/stations/3/-1/0.mvt", "0")):
        bad = client.get(path)
        assert bad.status_code == 422 and words in bad.json()["message"], (path, bad.text)


def test_workplace_tiles_are_for_officers_within_their_jurisdiction(
        client: TestClient, admin: dict[str, str], tree: dict[str, int], engine: Engine) -> None:
    with engine.begin() as conn:
        accounts.create(conn, "tile-k1", "k1", Role.OFFICER, "K1", "tile-officer-pass")
        accounts.create(conn, "tile-d2", "d2", Role.OFFICER, "D2", "tile-officer-pass")
    made = client.post("/workplaces", headers=admin, json={"name": "单位", "lon": 121.15, "lat": 31.15})
    z, (x, y) = 9, tile_of(121.15, 31.15, 9)
    path = f"/tiles/workplaces/{z}/{x}/{y}.mvt"
    assert client.get(path).status_code == 401
    mine = client.get(path, headers=bearer(engine, "tile-k1"))
    [feature] = decoded(mine.content, "workplaces")
    assert feature["id"] == made.json()["id"]
    with engine.connect() as conn:  # the popup names the union the workplace is matched to
        assert feature["properties"]["union_name"] == conn.exec_driver_sql(
            "SELECT name FROM unions WHERE code = 'K1'").scalar_one()
    assert mine.headers["cache-control"] == "private, no-store"
    assert client.get(path, headers=bearer(engine, "tile-d2")).content == b""
    assert len(decoded(client.get(path, headers=admin).content, "workplaces")) == 1


def test_gcj02_tiles_draw_stations_where_gcj02_base_maps_show_them(empty_db: Engine) -> None:
    from geo.crs import from_wgs84

    z = 14
    places = [(121.4751 + 0.002 * i, 31.2335 + 0.0015 * i) for i in range(5)]
    z_tile = tile_of(*places[2], z)
    size = 2 * HALF / 2**z

    def units(lon: float, lat: float) -> tuple[float, float]:  # tile units, y down
        mx, my = MERCATOR.transform(lon, lat)
        return ((mx - (-HALF + z_tile[0] * size)) / size * EXTENT,
                ((HALF - z_tile[1] * size) - my) / size * EXTENT)

    with empty_db.connect() as conn, conn.begin() as transaction:
        ids = []
        for i, (lon, lat) in enumerate(places):
            columns = NewStation(name=f"s{i}", lon=lon, lat=lat).columns(Crs.WGS84, only_set=False)
            columns["external_id"] = f"s{i}"
            ids.append(conn.execute(T.insert().values(**columns).returning(T.c.id)).scalar_one())
        drawn = {crs: {f["id"]: f["geometry"]["coordinates"] for f in mapbox_vector_tile.decode(
                      tile(conn, Layer.STATIONS, z, *z_tile, crs=crs),
                      default_options={"y_coord_down": True})["stations"]["features"]}
                 for crs in (Crs.WGS84, Crs.GCJ02)}
        transaction.rollback()
    pixel = EXTENT / 256  # one screen pixel of a 256-pixel tile, in tile units
    for i, (lon, lat) in enumerate(places):
        if ids[i] not in drawn[Crs.GCJ02]:
            continue
        gx, gy = units(*from_wgs84(lon, lat, Crs.GCJ02))
        wx, wy = units(lon, lat)
        x, y = drawn[Crs.GCJ02][ids[i]]
        assert math.hypot(x - gx, y - gy) < pixel  # on the GCJ-02 street, within a pixel
        assert math.hypot(x - wx, y - wy) > 20 * pixel  # and far from the unmoved place
    assert len(drawn[Crs.GCJ02]) >= 3


def test_partner_origins_read_public_answers_but_not_officer_ones(
        database_url: str, tree: dict[str, int], admin: dict[str, str]) -> None:
    partner = "https://courier.example.com"
    z, (x, y) = 9, tile_of(121.15, 31.15, 9)
    tile_path = f"/tiles/stations/{z}/{x}/{y}.mvt"
    closed = create_app(Settings(database_url=database_url, secret_key=SECRET_KEY))
    with TestClient(closed) as client:  # by default no other origin reads anything
        answer = client.get(tile_path, headers={"Origin": partner})
        assert answer.status_code == 200 and "access-control-allow-origin" not in answer.headers
    app = create_app(Settings(database_url=database_url, secret_key=SECRET_KEY,
                              cors_origins=f"{partner}, https://*.city.example.org"))
    with TestClient(app) as client:
        for origin, path in ((partner, tile_path), (partner, "/unions/match?lon=121.15&lat=31.15"),
                             ("https://portal.city.example.org", tile_path)):
            answer = client.get(path, headers={"Origin": origin})
            assert answer.headers["access-control-allow-origin"] == origin, path
        for stranger in ("https://other.example.com", "https://city.example.org.evil.com",
                         "http://portal.city.example.org"):
            answer = client.get(tile_path, headers={"Origin": stranger})
            assert "access-control-allow-origin" not in answer.headers, stranger
        # A script sending an officer's token must ask first; the answer is no.
        for path in ("/officer/dashboard", tile_path):
            asked = client.options(path, headers={
                "Origin": partner, "Access-Control-Request-Method": "GET",
                "Access-Control-Request-Headers": "authorization"})
            assert asked.status_code >= 400 and "authorization" not in asked.headers.get(
                "access-control-allow-headers", "").lower()
        writes = client.options("/stations", headers={
            "Origin": partner, "Access-Control-Request-Method": "POST"})
        assert writes.status_code == 400
        # A login is a "simple" request a browser sends without asking: its answer stays unread.
        login = client.post("/auth/token", headers={"Origin": partner},
                            data={"username": "nobody", "password": "whatever-password"})
        assert "access-control-allow-origin" not in login.headers


OFFICER_READS = ["/officer/dashboard", "/officer/stations", "/officer/audit", "/auth/me",
                 "/applications", "/members", "/workplaces", "/reports", "/tiles/workplaces/9/0/0.mvt"]


def test_officer_endpoints_carry_no_cors_headers_even_for_a_listed_origin(
        database_url: str, tree: dict[str, int], admin: dict[str, str]) -> None:
    partner = "https://courier.example.com"
    app = create_app(Settings(database_url=database_url, secret_key=SECRET_KEY,
                              cors_origins=partner))
    with TestClient(app) as client:
        for path in OFFICER_READS:
            for headers in ({"Origin": partner, **admin}, {"Origin": partner}):
                answer = client.get(path, headers=headers)
                assert answer.status_code in (200, 401), (path, answer.text)
                assert not any(h.startswith("access-control-") for h in answer.headers), path
            asked = client.options(path, headers={"Origin": partner,
                                                  "Access-Control-Request-Method": "GET"})
            assert "access-control-allow-origin" not in asked.headers, path
        for path in ("/stations", "/unions", "/ogc/collections", "/maps/coverage"):
            answer = client.get(path, headers={"Origin": partner, **admin})
            assert answer.headers["access-control-allow-origin"] == partner, path


def test_origin_settings_say_what_is_wrong() -> None:
    with pytest.raises(ValueError, match=r"cors_origins: 'courier\.example\.com': give scheme"):
        Settings(cors_origins="courier.example.com")


def test_tilejson_describes_the_tiles_it_points_at(client: TestClient, admin: dict[str, str],
                                                  tree: dict[str, int]) -> None:
    """Each layer's TileJSON: a URL template that answers tiles holding exactly the fields it
    lists, the zooms the tiles take and the bounds of the data; crs=gcj02 carried into it."""
    client.post("/stations", headers=admin, json={"name": "站", "lon": 121.15, "lat": 31.15,
                                                  "opening_hours": "Mo-Su 08:00-20:00"})
    for layer, lon, lat in (("stations", 121.15, 31.15), ("unions", 121.15, 31.15)):
        doc = client.get(f"/tiles/{layer}.json")
        assert doc.status_code == 200, doc.text
        body = doc.json()
        assert body["tilejson"] == "3.0.0" and (body["minzoom"], body["maxzoom"]) == (0, 22)
        west, south, east, north = body["bounds"]
        assert west <= lon <= east and south <= lat <= north
        template = body["tiles"][0]
        assert template.endswith(f"/tiles/{layer}/{{z}}/{{x}}/{{y}}.mvt")
        x, y = tile_of(lon, lat, 12)
        data = client.get(template.replace("http://testserver", "").format(z=12, x=x, y=y))
        features = decoded(data.content, layer)
        assert features
        fields = set(body["vector_layers"][0]["fields"])
        assert body["vector_layers"][0]["id"] == layer
        assert set().union(*(f["properties"] for f in features)) == fields
    shifted = client.get("/tiles/stations.json", params={"crs": "gcj02"}).json()
    assert shifted["tiles"][0].endswith(".mvt?crs=gcj02")
    assert client.get("/tiles/workplaces.json").status_code == 422


def test_the_style_uses_the_tilejson_and_the_configured_base_map(settings: Settings) -> None:
    configured = settings.model_copy(update={
        "tiles_url": "https://webrd0{s}.is.autonavi.com/appmaptile?x={x}&y={y}&z={z}&style=8",
        "tiles_subdomains": "1234", "tiles_crs": "gcj02"})
    with TestClient(create_app(configured)) as client:
        style = client.get("/styles/yizhan.json").json()
        assert style["version"] == 8
        assert style["sources"]["base"]["tiles"] == [
            f"https://webrd0{n}.is.autonavi.com/appmaptile?x={{x}}&y={{y}}&z={{z}}&style=8"
            for n in "1234"]
        assert style["sources"]["stations"]["url"] == "http://testserver/tiles/stations.json?crs=gcj02"
        assert [layer["id"] for layer in style["layers"]] == [
            "background", "base", "union-areas", "union-borders", "stations"]
        bare = client.get("/styles/yizhan.json", params={"base": "none"}).json()
        assert "base" not in bare["sources"] and not any(
            layer.get("type") in ("raster", "symbol") for layer in bare["layers"])
        statuses = style["layers"][-1]["paint"]["circle-color"]
        assert {"operational", "temporarily_closed", "planned"} <= {s for s in statuses if isinstance(s, str)}
