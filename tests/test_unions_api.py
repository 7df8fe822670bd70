"""The unions API as a client sees it: the tree, areas, matching with every kind of fallback,
batches, and bad input."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from api.schemas import BatchMatchResult, MatchOut
from geo.crs import Crs, from_wgs84
from tests.conftest import through_pgbouncer
from tests.union_data import box
from yizhan.pgbouncer import PgBouncer
from yizhan.settings import Settings


@pytest.fixture
def settings(settings: Settings, pgbouncer: PgBouncer | None) -> Settings:
    """The union matching API runs through PgBouncer in transaction mode, as deployed at scale."""
    return through_pgbouncer(settings, pgbouncer)


def match(client: TestClient, lat: float, lon: float, **params: Any) -> dict[str, Any]:
    response = client.get("/unions/match", params={"lat": lat, "lon": lon, **params})
    assert response.status_code == 200, response.text
    MatchOut.model_validate(response.json())
    return response.json()


def test_match_inside_the_deepest_area(client: TestClient, tree: dict[str, int]) -> None:
    body = match(client, 31.15, 121.15)
    assert body["status"] == "matched" and body["union"]["code"] == "K1"
    assert [a["code"] for a in body["ancestors"]] == ["C", "D1", "S1"]
    assert {level: [u["code"] for u in us] for level, us in body["levels"].items()} == {
        "city": ["C"], "district": ["D1"], "street": ["S1"], "community": ["K1"]}
    assert body["method"] in ("h3_interior", "exact") and body["on_border"] is False


def test_shared_border_is_a_documented_tie(client: TestClient, tree: dict[str, int]) -> None:
    body = match(client, 31.3, 121.2)  # exactly on the D1/D2 edge
    assert body["union"]["code"] == "D1"  # equal areas, both on the border: the lower code
    assert {u["code"] for u in body["tie"]} == {"D1", "D2"}
    assert body["on_border"] is True and all(u["on_border"] for u in body["tie"])
    assert "lower code" in body["tie_rule"]


def test_gap_and_hole_fall_back_to_the_covering_ancestor(
    client: TestClient, tree: dict[str, int]
) -> None:
    gap = match(client, 31.15, 121.03)  # in S1, in none of its communities
    assert gap["status"] == "gap_fallback" and gap["union"]["code"] == "S1"
    hole = match(client, 31.06, 121.06)  # inside S1's hole
    assert hole["status"] == "gap_fallback" and hole["union"]["code"] == "D1"
    assert "street" not in hole["levels"]
    edge_of_hole = match(client, 31.05, 121.06)  # on the hole's ring: S1 covers it
    assert edge_of_hole["union"]["code"] == "S1" and edge_of_hole["on_border"] is True


def test_ancestors_are_the_whole_chain_even_where_one_does_not_cover(
    client: TestClient, admin: dict[str, str], tree: dict[str, int]
) -> None:
    """The ancestors come from the covering unions when they are all among them, else from the
    tree: a community reaching past its street still names that street above it."""
    response = client.post("/unions", headers=admin, json={
        "code": "K2", "name": "K2 工会", "level": "community", "parent_code": "S1",
        "area": box(121.15, 31.15, 121.3, 31.3)})
    assert response.status_code == 201, response.text
    outside = match(client, 31.25, 121.25)  # in K2 and D2, outside S1 and D1
    assert outside["union"]["code"] == "K2"
    assert [a["code"] for a in outside["ancestors"]] == ["C", "D1", "S1"]
    assert set(outside["levels"]) == {"city", "district", "community"}
    assert outside["levels"]["district"][0]["code"] == "D2"
    inside = match(client, 31.16, 121.16)  # in K1 and K2, both under S1
    assert [a["code"] for a in inside["ancestors"]] == ["C", "D1", "S1"]
    near = match(client, 31.2, 121.41)
    assert [a["code"] for a in near["ancestors"]] == ["C"]


def test_nearest_fallback_and_not_covered(client: TestClient, tree: dict[str, int]) -> None:
    near = match(client, 31.2, 121.41)  # about 950 m east of C and D2
    assert near["status"] == "nearest_fallback" and near["method"] == "nearest"
    assert near["union"]["code"] == "D2"  # as near as C, and more specific
    assert 900 < near["distance_m"] < 1000
    far = match(client, 31.2, 121.6)
    assert far["status"] == "not_covered" and far["union"] is None and far["distance_m"] is None
    assert far["fallback_limit_m"] == 2000


def test_match_takes_gcj02_and_bd09(client: TestClient, tree: dict[str, int]) -> None:
    for crs in (Crs.GCJ02, Crs.BD09):
        lon, lat = from_wgs84(121.15, 31.15, crs)
        assert match(client, lat, lon, crs=crs.value)["union"]["code"] == "K1"


def test_batch_answers_in_order(client: TestClient, tree: dict[str, int]) -> None:
    points = [{"id": "a", "lat": 31.15, "lon": 121.15}, {"id": 7, "lat": 31.2, "lon": 121.6},
              {"id": "c", "lat": 31.3, "lon": 121.3}]
    response = client.post("/unions/match", json={"points": points})
    assert response.status_code == 200, response.text
    results = BatchMatchResult.model_validate(response.json()).results
    assert [(r.id, r.status, r.union.code if r.union else None) for r in results] == [
        ("a", "matched", "K1"), (7, "not_covered", None), ("c", "matched", "D2")]


@pytest.mark.parametrize(("body", "hint"), [
    ({"points": []}, "at least 1"),
    ({"points": [{"id": 1, "lat": 0, "lon": 0}] * 10_001}, "at most 10000"),  # short message
    ({"points": [{"id": 1, "lat": 95, "lon": 0}]}, "lat"),
    ({"points": [{"id": 1, "lat": 1}]}, "lon"),
    ({"points": [{"id": 1, "lat": 1, "lon": 1}], "crs": "utm"}, "crs"),
    ({"points": [{"id": 1, "lat": 31.2, "lng": 121.4}]},
     "body field 'points.0.lng': Extra inputs are not permitted"),
])
def test_bad_batches(client: TestClient, body: dict[str, Any], hint: str) -> None:
    response = client.post("/unions/match", json=body)
    assert response.status_code == 422 and hint in response.json()["message"], response.text
    assert len(response.json()["message"]) < 1000  # the input is not echoed whole
    messages = response.json()["message"].split("; ")
    assert len(messages) == len(set(messages)), messages  # each mistake said once


def test_tree_endpoints(client: TestClient, tree: dict[str, int]) -> None:
    children = client.get(f"/unions/{tree['C']}/children").json()
    assert [u["code"] for u in children["unions"]] == ["D1", "D2"] and children["total"] == 2
    page = client.get(f"/unions/{tree['C']}/children", params={"limit": 1, "offset": 1}).json()
    assert [u["code"] for u in page["unions"]] == ["D2"] and page["total"] == 2
    below = client.get(f"/unions/{tree['C']}/children",
                       params={"descendants": "true", "level": "community"}).json()
    assert below["total"] > 0 and {u["level"] for u in below["unions"]} == {"community"}
    assert client.get(f"/unions/{tree['C']}/children", params={"limit": 1001}).status_code == 422
    ancestors = client.get(f"/unions/{tree['K1']}/ancestors").json()
    assert [u["code"] for u in ancestors] == ["C", "D1", "S1"]
    listed = client.get("/unions", params={"level": "district"}).json()
    assert listed["total"] == 2
    feature = client.get(f"/unions/{tree['S1']}").json()
    assert feature["geometry"]["type"] == "MultiPolygon"
    assert len(feature["geometry"]["coordinates"][0]) == 2  # the hole survived
    assert feature["properties"]["path"] == f"{tree['C']}.{tree['D1']}.{tree['S1']}"
    assert client.get("/unions/999999").status_code == 404


def test_changing_an_area_rebuilds_its_coverage(
    client: TestClient, admin: dict[str, str], tree: dict[str, int]
) -> None:
    assert match(client, 31.15, 121.15)["union"]["code"] == "K1"
    response = client.patch(f"/unions/{tree['K1']}", headers=admin,
                            json={"area": box(121.0, 31.1, 121.05, 31.2)})
    assert response.status_code == 200, response.text
    assert match(client, 31.15, 121.15)["union"]["code"] == "S1"
    assert match(client, 31.15, 121.03)["union"]["code"] == "K1"


def test_moving_a_union_moves_its_subtree(
    client: TestClient, admin: dict[str, str], tree: dict[str, int]
) -> None:
    response = client.patch(f"/unions/{tree['S1']}", headers=admin, json={"parent_code": "D2"})
    assert response.status_code == 200, response.text
    ancestors = client.get(f"/unions/{tree['K1']}/ancestors").json()
    assert [u["code"] for u in ancestors] == ["C", "D2", "S1"]
    cycle = client.patch(f"/unions/{tree['D2']}", headers=admin, json={"parent_code": "K1"})
    assert cycle.status_code == 409


def test_delete_refuses_a_union_with_children(
    client: TestClient, admin: dict[str, str], tree: dict[str, int]
) -> None:
    assert client.delete(f"/unions/{tree['S1']}", headers=admin).status_code == 409
    assert client.delete(f"/unions/{tree['K1']}", headers=admin).status_code == 204
    assert client.get(f"/unions/{tree['K1']}").status_code == 404
    assert match(client, 31.15, 121.15)["union"]["code"] == "S1"


BOWTIE = {"type": "Polygon", "coordinates": [[[121, 31], [121.01, 31.01], [121.01, 31],
                                              [121, 31.01], [121, 31]]]}


# Three points on one lon/lat line: rounding makes it a valid ring, and the geodesics between
# them bow apart and enclose 3,658 m², but as a lon/lat area it covers nothing.
COLLINEAR = {"type": "Polygon", "coordinates": [[[121.1, 31.0], [121.12, 31.02], [121.16, 31.06],
                                                 [121.1, 31.0]]]}

# A grid on Taveuni, Fiji, written across lon 180 as one ring: stored as it reads in lon/lat, it
# would be a band 359.98 degrees long around the globe.
ACROSS_180 = box(179.99, -16.81, -179.99, -16.80)


@pytest.mark.parametrize(("body", "params", "status", "hint"), [
    ({"code": "X", "name": "x", "level": "grid", "parent_code": "nope",
      "area": box(121.1, 31.0, 121.11, 31.01)}, {}, 409, "does not exist"),
    ({"code": "X", "name": "x", "level": "city", "parent_code": "C"}, {}, 409, "cannot sit under"),
    ({"code": "C", "name": "x", "level": "city"}, {}, 409, "exists"),
    ({"code": "X", "name": "x", "level": "town"}, {}, 422, "level"),
    ({"code": "X", "name": "x", "level": "grid", "area": {"type": "Point", "coordinates": [1, 1]}},
     {}, 422, "Polygon or MultiPolygon"),
    ({"code": "X", "name": "x", "level": "grid", "area": {"type": "Polygon"}}, {}, 422,
     "GeoJSON"),
    ({"code": "X", "name": "x", "level": "grid", "area": box(31, 121, 31.1, 121.1)}, {}, 422,
     "swapped"),
    ({"code": "X", "name": "x", "level": "city", "area": box(70, 10, 135, 50)}, {}, 422,
     "absurdly large"),
    ({"code": "X", "name": "x", "level": "grid", "area": box(121, 31, 121, 31.1)}, {}, 422,
     "degenerate"),
    ({"code": "X", "name": "x", "level": "grid", "parent_code": "K1", "area": COLLINEAR}, {}, 422,
     "the area is degenerate: it encloses "),
    ({"code": "X", "name": "x", "level": "grid", "area": ACROSS_180}, {}, 422,
     "polygon 1, ring 1 (the outer ring) crosses the antimeridian between positions 1 and 2 "
     "(lon 179.99 to -179.99): split the area at the antimeridian"),
    ({"code": "X", "name": "x", "level": "grid", "area": box(121, 31, 121.1, 31.1)},
     {"crs": "EPSG:99999"}, 422, "EPSG:99999"),
    ({"code": "X", "name": "x", "level": "grid", "parent_code": "K1"}, {}, 422,
     "body field 'area': a grid union covers everyone working in its area, so it needs one"),
    ({"code": "X", "name": "x", "level": "street", "parent_code": "D1", "area": None}, {}, 422,
     "a street union covers everyone working in its area, so it needs one"),
])
def test_bad_unions(client: TestClient, admin: dict[str, str], tree: dict[str, int],
                    body: dict[str, Any], params: dict[str, str], status: int, hint: str) -> None:
    response = client.post("/unions", json=body, params=params, headers=admin)
    assert response.status_code == status and hint in response.json()["message"], response.text
    assert client.get("/unions", params={"limit": 1000}).json()["total"] == len(tree)


SQUARE = [[121.1, 31.0], [121.11, 31.0], [121.11, 31.01], [121.1, 31.01], [121.1, 31.0]]


@pytest.mark.parametrize(("area", "hints"), [
    ({"coordinates": [SQUARE]}, ['has no "type"', "a GeoJSON Polygon or MultiPolygon"]),
    ({"type": "polygon", "coordinates": [SQUARE]}, ['not "polygon"', "Polygon or MultiPolygon"]),
    ({"type": "Polygon", "coordinates": [[[math.nan, 31.0], *SQUARE[1:-1], [math.nan, 31.0]]]},
     ["polygon 1, ring 1 (the outer ring), position 1 is [NaN, 31.0]", "finite numbers",
      "lon in -180..180 and lat in -90..90"]),
    ({"type": "MultiPolygon", "coordinates": [[SQUARE], [[*SQUARE[:2], [121.11, math.inf],
                                                           *SQUARE[3:]]]]},
     ["polygon 2, ring 1 (the outer ring), position 3 is [121.11, Infinity]", "finite numbers"]),
    ({"type": "Polygon", "coordinates": [[[121.1, "31"], *SQUARE[1:]]]},
     ["position 1 is [121.1, \"31\"]", "a position is [lon, lat] or [lon, lat, height]"]),
    ({"type": "Polygon", "coordinates": [[[121.1, 10**400], *SQUARE[1:]]]},
     ["position 1 is [121.1, 1000000000", "finite numbers"]),
    ({"type": "Polygon", "coordinates": [SQUARE[0]]},
     ["coordinates of a GeoJSON Polygon must be a list of rings, each a list of [lon, lat] positions"]),
])
def test_a_malformed_area_is_a_422_that_says_what_is_allowed(
    client: TestClient, admin: dict[str, str], tree: dict[str, int], area: Any,
    hints: list[str]
) -> None:
    body = {"code": "X", "name": "x", "level": "grid", "parent_code": "K1", "area": area}
    response = client.post("/unions", headers={**admin, "Content-Type": "application/json"},
                           content=json.dumps(body))
    message = response.json()["message"]
    assert response.status_code == 422 and message.startswith("body field 'area': "), response.text
    assert all(hint in message for hint in hints) and "NoneType" not in message, message


OPEN_HOLE = {"type": "MultiPolygon", "coordinates": [
    [SQUARE], [box(121.2, 31.0, 121.3, 31.1)["coordinates"][0],
               [[121.22, 31.02], [121.22, 31.03], [121.23, 31.03], [121.23, 31.02]]]]}
RING_RULE = "GeoJSON rings must end at their first point"


@pytest.mark.parametrize(("area", "fault"), [
    ({"type": "Polygon", "coordinates": [SQUARE[:-1]]},
     "polygon 1, ring 1 (the outer ring) does not end at its first point"),
    (OPEN_HOLE, "polygon 2, ring 2 (a hole) does not end at its first point"),
    ({"type": "Polygon", "coordinates": [SQUARE[:3]]}, "ring 1 (the outer ring) has only 3 positions"),
])
def test_an_open_ring_is_refused_as_the_importer_refuses_it(
    client: TestClient, admin: dict[str, str], tree: dict[str, int], area: dict[str, Any],
    fault: str
) -> None:
    """shapely would close the ring; a file's open ring is refused, so the API's is too."""
    created = client.post("/unions", headers=admin, json={
        "code": "X", "name": "x", "level": "grid", "parent_code": "K1", "area": area})
    patched = client.patch(f"/unions/{tree['K1']}", headers=admin, json={"area": area})
    for response in (created, patched):
        message = response.json()["message"]
        assert response.status_code == 422 and fault in message and RING_RULE in message, message
    assert client.get(f"/unions/{tree['K1']}").json()["geometry"]["coordinates"] == [
        box(121.1, 31.0, 121.2, 31.2)["coordinates"]]


def test_a_city_or_district_federation_may_have_no_area(
    client: TestClient, admin: dict[str, str], tree: dict[str, int]
) -> None:
    response = client.post("/unions", headers=admin, json={
        "code": "D3", "name": "d3", "level": "district", "parent_code": "C"})
    assert response.status_code == 201, response.text
    assert response.json()["geometry"] is None and response.json()["properties"]["has_area"] is False


def test_invalid_area_is_repaired_and_says_so(
    client: TestClient, admin: dict[str, str], tree: dict[str, int]
) -> None:
    response = client.post("/unions", headers=admin, json={
        "code": "BT", "name": "bowtie", "level": "grid", "parent_code": "K1", "area": BOWTIE})
    assert response.status_code == 201, response.text
    assert response.json()["properties"]["repaired"] is True
    assert response.json()["geometry"]["type"] == "MultiPolygon"


def test_union_writes_need_an_admin_login(client: TestClient, tree: dict[str, int]) -> None:
    assert client.post("/unions", json={"code": "X", "name": "x", "level": "grid"}).status_code == 401
    assert client.delete(f"/unions/{tree['K1']}").status_code == 401


def test_level_change_that_breaks_the_tree_is_refused(tree: dict[str, int], engine: Engine) -> None:
    from geo.unions import UnionData, UnionTreeError, save
    from geo.vocab import UnionLevel

    with engine.connect() as conn, conn.begin() as transaction:
        with pytest.raises(UnionTreeError, match="cannot become a grid"):
            save(conn, UnionData("S1", "S1", UnionLevel.GRID, "D1"))
        save(conn, UnionData("K1", "K1", UnionLevel.GRID, "S1"))  # a leaf may change level
        transaction.rollback()


@pytest.mark.parametrize("body", [{"name": None}, {"area": None}, {"parent_code": ""}])
def test_patch_refuses_nulls_and_blanks(client: TestClient, admin: dict[str, str],
                                        tree: dict[str, int], body: dict[str, Any]) -> None:
    response = client.patch(f"/unions/{tree['K1']}", headers=admin, json=body)
    assert response.status_code == 422, response.text
    assert client.get(f"/unions/{tree['K1']}").json()["geometry"] is not None
