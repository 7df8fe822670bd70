"""Workplaces stay matched to the union that covers them: on create, on moving, when an area
changes or goes; an employer's own union takes precedence; imports re-match in bulk."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.routers.workplaces import WorkplaceOut
from tests.union_data import box
from yizhan.cli import app

VALID_USCC = "91110000600037341L"


def make(client: TestClient, admin: dict[str, str], **fields: Any) -> dict[str, Any]:
    body = {"name": "顺丰速运（下城网点）", "lon": 121.15, "lat": 31.15, **fields}
    response = client.post("/workplaces", json=body, headers=admin)
    assert response.status_code == 201, response.text
    WorkplaceOut.model_validate(response.json())
    return response.json()


def union_code(w: dict[str, Any]) -> str | None:
    return w["union"]["code"] if w["union"] else None


def test_matched_on_create_and_own_union_wins(
    client: TestClient, admin: dict[str, str], tree: dict[str, int]
) -> None:
    w = make(client, admin, uscc=VALID_USCC)
    assert union_code(w) == "K1" and w["match"]["status"] == "matched"
    own = make(client, admin, own_union_code="D2")
    assert union_code(own) == "D2" and own["matched_union"]["code"] == "K1"


def test_a_union_some_employer_has_as_its_own_is_not_deleted(
    client: TestClient, admin: dict[str, str], tree: dict[str, int]
) -> None:
    w = make(client, admin, own_union_code="K1")
    refused = client.delete(f"/unions/{tree['K1']}", headers=admin)
    assert refused.status_code == 409 and "1 workplaces" in refused.json()["message"]
    assert union_code(client.get(f"/workplaces/{w['id']}", headers=admin).json()) == "K1"
    patched = client.patch(f"/workplaces/{w['id']}", headers=admin, json={"own_union_code": None})
    assert patched.status_code == 200 and union_code(patched.json()) == "K1"  # now by area
    assert client.delete(f"/unions/{tree['K1']}", headers=admin).status_code == 204
    assert union_code(client.get(f"/workplaces/{w['id']}", headers=admin).json()) == "S1"


def test_moving_a_workplace_rematches_it(
    client: TestClient, admin: dict[str, str], tree: dict[str, int]
) -> None:
    w = make(client, admin)
    moved = client.patch(f"/workplaces/{w['id']}", headers=admin, json={"lon": 121.06, "lat": 31.06})
    assert moved.status_code == 200, moved.text
    assert union_code(moved.json()) == "D1" and moved.json()["match"]["status"] == "gap_fallback"
    outside = client.patch(f"/workplaces/{w['id']}", headers=admin,
                           json={"lon": 121.41, "lat": 31.2}).json()
    assert outside["match"]["status"] == "nearest_fallback" and union_code(outside) == "D2"
    assert 900 < outside["match"]["distance_m"] < 1000
    half = client.patch(f"/workplaces/{w['id']}", headers=admin, json={"lon": 121.6})
    assert half.status_code == 422 and "go together" in half.json()["message"]
    far = client.patch(f"/workplaces/{w['id']}", headers=admin,
                       json={"lon": 121.6, "lat": 31.2}).json()
    assert far["match"]["status"] == "not_covered" and far["union"] is None


def test_area_changes_rematch_in_the_same_transaction(
    client: TestClient, admin: dict[str, str], tree: dict[str, int]
) -> None:
    w = make(client, admin)
    client.patch(f"/unions/{tree['K1']}", headers=admin, json={"area": box(121.0, 31.1, 121.05, 31.2)})
    assert union_code(client.get(f"/workplaces/{w['id']}", headers=admin).json()) == "S1"
    gone = make(client, admin, lon=121.03, lat=31.15)
    assert union_code(gone) == "K1"
    assert client.delete(f"/unions/{tree['K1']}", headers=admin).status_code == 204
    after = client.get(f"/workplaces/{gone['id']}", headers=admin).json()
    assert union_code(after) == "S1" and after["match"]["status"] == "matched"


def test_list_by_union(client: TestClient, admin: dict[str, str], tree: dict[str, int]) -> None:
    make(client, admin)
    make(client, admin, lon=121.3, lat=31.3)
    listed = client.get("/workplaces", params={"union_id": tree["K1"]}, headers=admin).json()
    assert listed["total"] == 1 and union_code(listed["workplaces"][0]) == "K1"


@pytest.mark.parametrize(("body", "status", "hint"), [
    ({"name": "x", "lon": 121.1, "lat": 31.1, "uscc": "91110000600037341X"}, 422, "check digit"),
    ({"name": "x", "lon": 121.1, "lat": 31.1, "own_union_code": "nope"}, 422, "not a known union"),
    ({"name": "x", "lon": 181, "lat": 31.1}, 422, "lon"),
    ({"lon": 121.1, "lat": 31.1}, 422, "name"),
])
def test_bad_workplaces(client: TestClient, admin: dict[str, str], tree: dict[str, int],
                        body: dict[str, Any], status: int, hint: str) -> None:
    response = client.post("/workplaces", json=body, headers=admin)
    assert response.status_code == status and hint in response.json()["message"], response.text


def test_workplaces_need_an_officer_login(client: TestClient, tree: dict[str, int]) -> None:
    assert client.get("/workplaces").status_code == 401
    assert client.get("/workplaces/1").status_code == 401


def test_import_workplaces(database_url: str, client: TestClient, admin: dict[str, str],
                           tree: dict[str, int], tmp_path: Path) -> None:
    path = tmp_path / "workplaces.csv"
    path.write_text(
        "external_id,name,lon,lat,uscc,own_union_code\n"
        f"w1,快递网点,121.15,31.15,{VALID_USCC},\n"
        "w2,外卖站,121.06,31.06,,\n"
        "w3,坏代码,121.1,31.1,91110000600037341X,\n"
        "w4,自有工会,121.3,31.3,,D1\n"
        "w5,未知工会,121.3,31.3,,ZZ\n", encoding="utf-8")
    runner = CliRunner()
    env = {"YIZHAN_DATABASE_URL": database_url}
    result = runner.invoke(app, ["import", "workplaces", str(path)], env=env)
    assert result.exit_code == 3, result.output
    assert "line 4: uscc" in result.output and "line 6:" in result.output
    assert "5 read: 3 new, 0 updated, 0 unchanged, 2 rejected" in result.output
    listed = client.get("/workplaces", headers=admin).json()["workplaces"]
    by_id = {w["external_id"]: w for w in listed}
    assert union_code(by_id["w1"]) == "K1"
    assert by_id["w2"]["match"]["status"] == "gap_fallback"
    assert union_code(by_id["w4"]) == "D1" and by_id["w4"]["matched_union"]["code"] == "D2"
    again = runner.invoke(app, ["import", "workplaces", str(path)], env=env)
    assert "0 new, 0 updated, 3 unchanged" in again.output
