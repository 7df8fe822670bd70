"""The quality report shows overlaps, gaps, parts outside the parent and slivers where they are."""

from __future__ import annotations

import shapely
from fastapi.testclient import TestClient
from shapely.geometry import box as shapely_box
from shapely.geometry import shape
from sqlalchemy import Engine, text

from api.schemas import QaFeature, QaReport
from officers import accounts
from officers.vocab import Role
from tests.conftest import bearer
from tests.union_data import box


def test_quality_report(client: TestClient, admin: dict[str, str], tree: dict[str, int]) -> None:
    for code, area in (("K2", box(121.05, 31.1, 121.1001, 31.2)),   # overlaps K1 by ~10 m
                       ("K3", box(121.15, 31.19, 121.17, 31.21))):  # sticks out of S1
        response = client.post("/unions", headers=admin, json={
            "code": code, "name": code, "level": "community", "parent_code": "S1", "area": area})
        assert response.status_code == 201, response.text
    response = client.get("/unions/qa", headers=admin)
    assert response.status_code == 200
    report = QaReport.model_validate(response.json())
    by_kind: dict[str, list[QaFeature]] = {}
    for f in report.features:
        by_kind.setdefault(f.properties.kind, []).append(f)

    overlaps = {tuple(f.properties.unions): f for f in by_kind["overlap"]}
    assert set(overlaps) == {("K1", "K2"), ("K1", "K3")}
    sliver = overlaps[("K1", "K2")]
    assert sliver.properties.sliver and sliver.properties.parent == "S1"
    expected = shapely_box(121.1, 31.1, 121.1001, 31.2)
    assert shape(sliver.geometry).symmetric_difference(expected).area < 1e-12

    (outside,) = by_kind["outside_parent"]
    assert outside.properties.unions == ["K3"]
    assert shapely.equals_exact(shape(outside.geometry).normalize(),
                                shapely_box(121.15, 31.2, 121.17, 31.21).normalize(), 1e-9)

    gap_parents = {f.properties.parent for f in by_kind["gap"]}
    assert gap_parents == {"D1", "S1"}  # C is tiled by D1 and D2 exactly
    assert report.counts["overlap"] == 2 and report.counts["sliver"] >= 1

    scoped = client.get("/unions/qa", headers=admin, params={"union_id": tree["D2"]}).json()
    assert scoped["features"] == []
    assert client.get("/unions/qa", headers=admin, params={"union_id": 999999}).status_code == 404


def test_the_quality_report_is_for_officers_within_their_union(
        client: TestClient, admin: dict[str, str], tree: dict[str, int], engine: Engine) -> None:
    # It intersects and subtracts whole areas: seconds a call on detailed ones, so not public.
    assert client.get("/unions/qa").status_code == 401
    with engine.begin() as conn:
        accounts.create(conn, "qa-s1", "qa-s1", Role.OFFICER, "S1", "qa-officer-pass")
    officer = bearer(engine, "qa-s1")
    own = client.get("/unions/qa", headers=officer)
    assert own.status_code == 200
    assert {f["properties"]["kind"] for f in own.json()["features"]} == {"gap"}  # S1's, not C's
    assert all(f["properties"]["parent"] == "S1" for f in own.json()["features"])
    for outside in ("C", "D2"):
        refused = client.get("/unions/qa", headers=officer, params={"union_id": tree[outside]})
        assert refused.status_code == 404
        assert refused.json()["message"] == f"no union with id {tree[outside]}"
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM officers WHERE username = 'qa-s1'"))
