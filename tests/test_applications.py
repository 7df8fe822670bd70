"""Join applications through the API: routing, the status link, retries, duplicates, handling by
the routed union, members and transfers, privacy, and bad input."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from membership.deadline import contact_deadline
from tests.conftest import through_pgbouncer
from yizhan.pgbouncer import PgBouncer
from yizhan.settings import Settings

PHONE = "13812345678"
ID_NUMBER = "11010519491231002X"  # a well-formed example number (check digit X)


@pytest.fixture
def settings(settings: Settings, pgbouncer: PgBouncer | None) -> Settings:
    """The applications API runs through PgBouncer in transaction mode, as deployed at scale."""
    return through_pgbouncer(settings, pgbouncer)


def body(**fields: Any) -> dict[str, Any]:
    return {"name": "王小明", "phone": PHONE, "occupation_group": "food_delivery_rider",
            "workplace": {"name": "美团站点（朝晖）", "address": "朝晖路 1 号", "lon": 121.15,
                          "lat": 31.15}, "consent": True, **fields}


def apply(client: TestClient, headers: dict[str, str] | None = None, **fields: Any) -> Any:
    return client.post("/applications", json=body(**fields), headers=headers or {})


def test_apply_routes_to_the_covering_union_and_the_link_shows_status(
    client: TestClient, tree: dict[str, int]
) -> None:
    response = apply(client, id_number=ID_NUMBER)
    assert response.status_code == 201, response.text
    answer = response.json()
    assert answer["union"]["code"] == "K1" and answer["route"]["reason"] == "area"
    assert answer["union"]["contact_phone"] == "12351"
    assert answer["status"] == "submitted" and answer["overdue"] is False
    deadline = date.fromisoformat(answer["deadline"])
    assert (deadline - date.today()).days >= 19  # 15 working days are at least three weeks
    link = answer["status_url"]
    assert "token=" in link
    mine = client.get(link.split("testserver", 1)[1]).json()
    assert mine["status"] == "submitted" and mine["phone"] == "138****5678"
    assert "id_number" not in mine and "11010519491231002X" not in str(mine)
    wrong = client.get(f"/applications/{answer['id']}", params={"token": "0" * 32})
    assert wrong.status_code == 404
    assert client.get(f"/applications/{answer['id']}").status_code == 401


def test_a_point_in_a_gap_goes_to_the_covering_ancestor_and_own_union_wins(
    client: TestClient, admin: dict[str, str], tree: dict[str, int]
) -> None:
    gap = apply(client, workplace={"name": "x", "lon": 121.06, "lat": 31.06})  # S1's hole
    assert gap.json()["union"]["code"] == "D1" and gap.json()["route"]["reason"] == "gap_fallback"
    workplace = client.post("/workplaces", headers=admin, json={
        "name": "顺丰", "lon": 121.15, "lat": 31.15, "own_union_code": "D2"}).json()
    first = apply(client, phone="13912345678").json()
    approved = client.post(f"/applications/{first['id']}/approve", headers=admin).json()
    own = client.post(f"/members/{approved['member_id']}/transfer", headers=admin,
                      json={"workplace_id": workplace["id"]})
    assert own.status_code == 200, own.text
    assert own.json()["union"]["code"] == "D2"
    assert own.json()["memberships"][-1]["reason"] == "transfer:own_union"


def test_retries_with_an_idempotency_key_apply_once(client: TestClient,
                                                    tree: dict[str, int]) -> None:
    key = {"Idempotency-Key": "3f1c2a9e-retry-0001"}
    first = apply(client, key)
    again = apply(client, key)
    assert first.status_code == 201 and again.status_code == 200
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["status_url"] == first.json()["status_url"]
    other = apply(client, key, name="李四")
    assert other.status_code == 409 and "different request" in other.json()["message"]


@pytest.mark.parametrize("key", [b"retry\x01key-0001", b"retry\tkey-0001", "重试-0001-0002".encode(),
                                 b"short", b"k" * 201])
def test_an_idempotency_key_must_be_printable_ascii_of_a_sensible_length(
        client: TestClient, tree: dict[str, int], engine: Engine, key: bytes) -> None:
    answer = client.post("/applications", json=body(), headers={"Idempotency-Key": key})
    assert answer.status_code == 422, answer.text
    assert answer.json()["message"].startswith(
        "header 'Idempotency-Key': give 8 to 200 printable ASCII characters"), answer.text
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM applications")).scalar_one() == 0
    assert apply(client, {"Idempotency-Key": "phone 7, try 1: ok!"}).status_code == 201


def test_a_second_open_application_from_the_same_person_is_merged_into_the_first(
    client: TestClient, admin: dict[str, str], tree: dict[str, int]
) -> None:
    first = apply(client, id_number=ID_NUMBER)
    assert first.status_code == 201
    same_phone = apply(client)
    assert same_phone.status_code == 201 and same_phone.json()["status"] == "submitted"
    same_id = apply(client, phone="13912345678", id_number=ID_NUMBER.lower())
    assert same_id.status_code == 201
    seen = client.get(f"/applications/{first.json()['id']}", headers=admin).json()
    assert seen["duplicates"]["merged"] == [same_phone.json()["id"], same_id.json()["id"]]
    for later in (same_phone, same_id):
        merged = client.get(f"/applications/{later.json()['id']}", headers=admin).json()
        assert merged["status"] == "merged"
        assert merged["duplicates"]["merged_into"] == first.json()["id"]
    rejected = client.post(f"/applications/{first.json()['id']}/reject", headers=admin,
                           json={"reason": "不在本辖区"})
    assert rejected.status_code == 200
    again = apply(client)  # a decided application merges nothing more
    assert again.status_code == 201
    assert client.get(f"/applications/{again.json()['id']}",
                      headers=admin).json()["status"] == "submitted"


def test_handling_keeps_history_and_the_deadline(client: TestClient, admin: dict[str, str],
                                                 tree: dict[str, int]) -> None:
    app = apply(client).json()
    path = f"/applications/{app['id']}"
    forwarded = client.post(f"{path}/forward", headers=admin,
                            json={"to_union_code": "D2", "reason": "在 D2 的园区工作"})
    assert forwarded.status_code == 200, forwarded.text
    assert forwarded.json()["union"]["code"] == "D2"
    assert forwarded.json()["deadline"] == app["deadline"]  # forwarding does not reset it
    assert client.post(f"{path}/contact", headers=admin).json()["status"] == "contacted"  # no body
    approved = client.post(f"{path}/approve", headers=admin, json={"note": "欢迎"}).json()
    assert approved["status"] == "approved" and approved["member_id"]
    actions = [e["action"] for e in approved["events"]]
    assert actions == ["submitted", "forwarded", "contacted", "approved"]
    assert approved["events"][1]["reason"] == "在 D2 的园区工作"
    again = client.post(f"{path}/reject", headers=admin, json={"reason": "x"})
    assert again.status_code == 409 and "approved" in again.json()["message"]
    member = client.get(f"/members/{approved['member_id']}", headers=admin).json()
    assert member["member_no"].startswith("M") and member["union"]["code"] == "D2"
    assert member["phone"] == "+8613812345678"  # the detail view; lists mask it
    listed = client.get("/members", headers=admin).json()["members"]
    assert [m["phone"] for m in listed] == ["138****5678"]
    member_again = apply(client)  # taken as any other; the officers see it is a member's
    assert member_again.status_code == 201
    flagged = client.get(f"/applications/{member_again.json()['id']}", headers=admin).json()
    assert flagged["duplicates"]["already_member"] is True
    nowhere = {"name": "x", "lon": 121.47, "lat": 0.0}  # no union within reach
    probe = apply(client, workplace=nowhere)  # a probe that cannot apply learns nothing
    assert probe.status_code == 422 and "member" not in probe.json()["message"]
    assert apply(client, phone="13500009999", workplace=nowhere).json() == probe.json()


def test_overdue_applications_are_listed_as_overdue(
    client: TestClient, admin: dict[str, str], tree: dict[str, int], engine: Engine
) -> None:
    app = apply(client).json()
    with engine.begin() as conn:
        conn.execute(text("UPDATE applications SET deadline = DATE '2026-01-05' WHERE id = :id"),
                     {"id": app["id"]})
    listed = client.get("/applications", headers=admin, params={"overdue": "true"}).json()
    assert [a["id"] for a in listed["applications"]] == [app["id"]]
    assert listed["applications"][0]["overdue"] is True
    assert listed["applications"][0]["phone"] == "138****5678"
    assert client.get("/applications", params={"overdue": "true"}).status_code == 401
    assert client.get("/applications", headers=admin,
                      params={"overdue": "false"}).json()["total"] == 0


def test_a_contacted_application_is_no_longer_overdue(
    client: TestClient, admin: dict[str, str], tree: dict[str, int], engine: Engine
) -> None:
    """The deadline is the contact deadline: once contacted, the application leaves the overdue
    list and counts (the API's, the dashboard's and the level below's), late or not."""
    waiting, contacted = apply(client).json(), apply(client, phone="13900001111").json()
    with engine.begin() as conn:
        conn.execute(text("UPDATE applications SET deadline = DATE '2026-01-05'"))
    assert client.post(f"/applications/{contacted['id']}/contact", headers=admin,
                       json={}).status_code == 200
    listed = client.get("/applications", headers=admin, params={"overdue": "true"}).json()
    assert [a["id"] for a in listed["applications"]] == [waiting["id"]]
    on_time = client.get("/applications", headers=admin, params={"overdue": "false"}).json()
    assert [(a["id"], a["overdue"]) for a in on_time["applications"]] == [(contacted["id"], False)]
    dashboard = client.get("/officer/dashboard", headers=admin).json()
    assert dashboard["applications"]["open"] == 2 and dashboard["applications"]["overdue"] == 1
    below = client.get("/officer/below", headers=admin).json()
    assert below["total"]["applications"] == {"open": 2, "overdue": 1}
    assert sum(line["applications"]["overdue"] for line in below["lines"]) == 1


def test_transfers_move_the_membership_and_keep_its_history(
    client: TestClient, admin: dict[str, str], tree: dict[str, int]
) -> None:
    app = apply(client).json()
    member_id = client.post(f"/applications/{app['id']}/approve", headers=admin,
                            json={}).json()["member_id"]
    path = f"/members/{member_id}/transfer"
    left = client.post(path, headers=admin, json={"left_job": True}).json()
    assert left["status"] == "between_jobs" and left["union"]["code"] == "S1"  # K1's parent
    moved = client.post(path, headers=admin, json={
        "workplace": {"name": "京东物流", "lon": 121.3, "lat": 31.3}}).json()
    assert moved["status"] == "active" and moved["union"]["code"] == "D2"
    stretches = [(m["union"]["code"], m["reason"], m["ended_at"] is None)
                 for m in moved["memberships"]]
    assert stretches == [("K1", "joined", False), ("S1", "held_by_parent", False),
                         ("D2", "transfer:area", True)]
    bad = client.post(path, headers=admin, json={"left_job": True, "workplace_id": 1})
    assert bad.status_code == 422 and "exactly one" in bad.json()["message"]
    far = client.post(path, headers=admin, json={"workplace": {"name": "x", "lon": 100,
                                                               "lat": 40}})
    assert far.status_code == 422 and "no union covers" in far.json()["message"]


def test_employers_never_see_applicants(client: TestClient, admin: dict[str, str],
                                        tree: dict[str, int]) -> None:
    workplace = client.post("/workplaces", headers=admin, json={
        "name": "某快递公司", "lon": 121.15, "lat": 31.15}).json()
    assert apply(client, name="赵秘密", workplace={"name": "某快递公司", "lon": 121.15,
                                                "lat": 31.15}).status_code == 201
    for path in (f"/workplaces/{workplace['id']}", "/workplaces",
                 f"/unions/{tree['K1']}", "/unions/match?lat=31.15&lon=121.15"):
        response = client.get(path, headers=admin)
        assert response.status_code == 200, path
        assert "赵秘密" not in response.text and "5678" not in response.text, path


@pytest.mark.parametrize(("fields", "status", "hint"), [
    ({"phone": "12345"}, 422, "mobile number"),
    ({"phone": "02168881234"}, 422, "mobile number"),
    ({"phone": "19999999999x"}, 422, "no letters"),
    ({"phone": "138-1234-5670ext9"}, 422, "no letters"),
    ({"id_number": "110105194912310021"}, 422, "ID card"),
    ({"consent": False}, 422, "consent"),
    ({"occupation_group": "astronaut"}, 422, "occupation_group"),
    ({"workplace_id": 1}, 422, "workplace_id is not taken from applicants"),
    ({"workplace": None}, 422, "give the workplace as workplace"),
    ({"workplace": None, "workplace_id": 999999}, 422, "workplace_id is not taken"),
    ({"station_id": 999999}, 422, "no such station"),
    ({"workplace": {"name": "x", "lon": 100.0, "lat": 40.0}}, 422, "no union covers"),
    ({"workplace": {"name": "x", "lon": 31.15, "lat": 121.15}}, 422, "lat"),
    ({"name": " "}, 422, "name"),
])
def test_bad_applications_are_refused_and_nothing_is_stored(
    client: TestClient, tree: dict[str, int], engine: Engine, fields: dict[str, Any],
    status: int, hint: str
) -> None:
    response = apply(client, **fields)
    assert response.status_code == status and hint in response.json()["message"], response.text
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM applications")).scalar_one() == 0


def test_the_deadline_counts_chinese_working_days() -> None:
    # 2026: National Day Oct 1-7 off; Saturday Oct 10 is a make-up working day.
    assert contact_deadline(date(2026, 9, 30)) == (date(2026, 10, 27), False)
    deadline, estimated = contact_deadline(date(2027, 3, 1))
    assert estimated and deadline > date(2027, 3, 19)  # no 2027 schedule yet: marked estimated


def test_applications_are_limited_per_address(client: TestClient, tree: dict[str, int]) -> None:
    codes = [apply(client, phone=f"1390000{i:04d}").status_code for i in range(11)]
    assert codes == [201] * 10 + [429]
    refused = apply(client, phone="13900009999")
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0


def test_only_accepted_applications_use_up_the_hourly_limit_and_tries_are_bounded(
        client: TestClient, tree: dict[str, int], engine: Engine) -> None:
    nowhere = {"name": "x", "lon": 100.0, "lat": 40.0}
    unroutable = [apply(client, phone=f"1390000{i:04d}", workplace=nowhere) for i in range(15)]
    assert [a.status_code for a in unroutable] == [422] * 15
    assert apply(client, phone="13900000000").status_code == 201
    accepted = [apply(client, phone=f"1390001{i:04d}").status_code for i in range(9)]
    assert accepted == [201] * 9  # ten accepted, after fifteen refused
    over = apply(client, phone="13900000000")  # a known number counts like any other
    assert over.status_code == 429 and over.json()["message"].startswith("too many applications")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM applications")).scalar_one() == 10
    tries = [apply(client, phone="13900000000").status_code for _ in range(5)]
    assert tries == [429] * 5  # the 27th to 31st tries of the hour
    assert "too many application attempts: at most 30" in apply(client).json()["message"]
