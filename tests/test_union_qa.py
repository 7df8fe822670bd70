"""The quality report shows overlaps, gaps, parts outside the parent and slivers where they are."""

from __future__ import annotations

import shapely
from fastapi.testclient import TestClient
from shapely.geometry import box as shapely_box
from shapely.geometry import shape

from api.schemas import QaFeature, QaReport
from tests.union_data import box


def test_quality_report(client: TestClient, admin: dict[str, str], tree: dict[str, int]) -> None:
    for code, area in (("K2", box(121.05, 31.1, 121.1001, 31.2)),   # overlaps K1 by ~10 m
                       ("K3", box(121.15, 31.19, 121.17, 31.21))):  # sticks out of S1
        response = client.post("/unions", headers=admin, json={
            "code": code, "name": code, "level": "community", "parent_code": "S1", "area": area})
        assert response.status_code == 201, response.text
    response = client.get("/unions/qa")
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

    scoped = client.get("/unions/qa", params={"union_id": tree["D2"]}).json()
    assert scoped["features"] == []
    assert client.get("/unions/qa", params={"union_id": 999999}).status_code == 404
