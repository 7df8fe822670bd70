"""Workers' requests through the API: routing as for applications (area, gap, nearest, own union,
station, membership), anonymity kept in the database, retries, privacy in lists and the audit
log, and every bad input refused with nothing written."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from officers import accounts
from officers.vocab import Role
from tests.conftest import bearer
from tests.test_api_stations import make
from tests.test_applications import apply

PHONE = "13812345678"
IN_K1 = {"lon": 121.15, "lat": 31.15}


def body(**fields: Any) -> dict[str, Any]:
    return {"category": "wages", "description": "老板拖欠三个月工资",
            "workplace": {"name": "美团站点（朝晖）", **IN_K1}, "name": "王小明",
            "phone": PHONE, **fields}


def ask(client: TestClient, headers: dict[str, str] | None = None, **fields: Any) -> Any:
    return client.post("/requests", json=body(**fields), headers=headers or {})


def officer(engine: Engine, username: str, union_code: str) -> dict[str, str]:
    with engine.begin() as conn:
        if accounts.by_username(conn, username) is None:
            accounts.create(conn, username, username, Role.OFFICER, union_code, "officer-pass-1")
    return bearer(engine, username)


def rows(engine: Engine, sql: str, **params: Any) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(text(sql), params).all())


def last_audit(engine: Engine) -> int:
    """Where the audit log ends now (it is kept across tests, and ids of requests restart)."""
    return int(rows(engine, "SELECT coalesce(max(id), 0) FROM audit_log")[0][0])


def audited(engine: Engine, after: int) -> list[tuple[str, str, int | None]]:
    return [tuple(r) for r in rows(engine, "SELECT actor, action, object_id FROM audit_log WHERE "
                                           "object_type = 'request' AND id > :after ORDER BY id",
                                   after=after)]


def test_a_request_is_routed_like_an_application(
        client: TestClient, admin: dict[str, str], tree: dict[str, int]) -> None:
    area = ask(client)
    assert area.status_code == 201, area.text
    answer = area.json()
    assert answer["union"]["code"] == "K1" and answer["route"]["reason"] == "area"
    assert answer["status"] == "submitted" and answer["contact"]["phone"] == "138****5678"
    assert "token=" in answer["status_url"] and answer["may_name_to_employer"] is False
    assert area.headers["cache-control"] == "no-store"  # the answer holds the status link
    gap = ask(client, workplace={"lon": 121.06, "lat": 31.06}).json()  # S1's hole
    assert (gap["union"]["code"], gap["route"]["reason"]) == ("D1", "gap_fallback")
    near = ask(client, workplace={"lon": 121.41, "lat": 31.2}).json()  # 950 m east of C
    assert (near["union"]["code"], near["route"]["reason"]) == ("D2", "nearest_fallback")
    assert 900 < near["route"]["distance_m"] < 1000
    workplace = client.post("/workplaces", headers=admin, json={
        "name": "顺丰", **IN_K1, "own_union_code": "D2"}).json()
    own = ask(client, workplace=None, workplace_id=workplace["id"]).json()
    assert (own["union"]["code"], own["route"]["reason"]) == ("D2", "own_union")


def test_a_station_is_the_workplace_only_when_the_worker_works_near_it(
        client: TestClient, admin: dict[str, str], tree: dict[str, int]) -> None:
    station = make(client, admin, name="D2 驿站", lon=121.3, lat=31.3)
    near = ask(client, workplace=None, station_id=station["id"], near_station=True).json()
    assert (near["union"]["code"], near["route"]["reason"]) == ("D2", "area")
    found_there = ask(client, station_id=station["id"]).json()  # found the form there only
    assert found_there["union"]["code"] == "K1"
    assert rows(client.app.state.engine, "SELECT station_id, near_station FROM worker_requests "  # type: ignore[attr-defined]
                "ORDER BY id") == [(station["id"], True), (station["id"], False)]
    unknown = ask(client, workplace=None, station_id=99999, near_station=True)
    assert unknown.status_code == 422 and "station_id 99999: no such station" in unknown.text


def test_a_members_request_goes_to_the_union_of_the_membership(
        client: TestClient, admin: dict[str, str], tree: dict[str, int], engine: Engine) -> None:
    joined = apply(client, phone=PHONE, workplace={"name": "D2 的单位", "lon": 121.3, "lat": 31.3})
    member_id = client.post(f"/applications/{joined.json()['id']}/approve", headers=admin,
                            json={}).json()["member_id"]
    member_no = client.get(f"/members/{member_id}", headers=admin).json()["member_no"]
    mine = ask(client, member_no=member_no.lower()).json()  # works in K1's area now
    assert (mine["union"]["code"], mine["route"]["reason"]) == ("D2", "membership")
    assert rows(engine, "SELECT member_id FROM worker_requests WHERE id = :id",
                id=mine["id"]) == [(member_id,)]
    # A number and a phone that are not one member's route by the workplace, saying nothing.
    for other in ({"member_no": member_no, "phone": "13912345678"},
                  {"member_no": "M0000009999"}):
        routed = ask(client, **other)
        assert routed.status_code == 201
        assert (routed.json()["union"]["code"], routed.json()["route"]["reason"]) == ("K1", "area")


def test_an_anonymous_request_keeps_nothing_that_leads_back_to_the_worker(
        client: TestClient, tree: dict[str, int], engine: Engine) -> None:
    marker = "Mozilla/5.0 (Linux; Android 14; rider-phone-7f3a)"
    before = last_audit(engine)
    anonymous = client.post("/requests", headers={"User-Agent": marker}, json=body(
        name=None, phone=None, description="中午没有地方吃饭", category="rest_and_facilities"))
    assert anonymous.status_code == 201, anonymous.text
    answer = anonymous.json()
    assert answer["anonymous"] is True and answer["contact"] is None
    mine = client.get(answer["status_url"].split("testserver", 1)[1],
                      headers={"User-Agent": marker})
    assert mine.status_code == 200 and mine.json()["contact"] is None
    assert rows(engine, "SELECT name, phone, member_id FROM worker_requests") == [(None, None, None)]
    assert rows(engine, "SELECT action, actor, ip, user_agent FROM audit_log WHERE object_type = "
                "'request' AND id > :before ORDER BY id", before=before) == [
        ("submit", "worker", None, None), ("read", "worker", None, None)]

    def kept_anywhere(value: str) -> list[str]:
        """Every text column of every table that holds `value`."""
        columns = rows(engine, "SELECT table_name, column_name FROM information_schema.columns "
                       "WHERE table_schema = 'public' AND data_type IN ('text', 'jsonb')")
        return [f"{t}.{c}" for t, c in columns
                if rows(engine, f'SELECT 1 FROM "{t}" WHERE "{c}"::text LIKE :v', v=f"%{value}%")]

    assert kept_anywhere("7f3a") == []
    named = client.post("/requests", headers={"User-Agent": marker}, json=body())
    assert named.status_code == 201
    # a named worker's visit is audited, by keyed hashes of address and browser (as every
    # anonymous caller is), so the browser's own words are kept nowhere either
    assert kept_anywhere("7f3a") == []
    assert rows(engine, "SELECT count(*) FROM audit_log WHERE object_type = 'request' AND "
                "object_id = :id AND user_agent IS NOT NULL AND id > :before", id=named.json()["id"],
                before=before) == [(1,)]
    assert kept_anywhere("5678") == ["worker_requests.phone"]


@pytest.mark.parametrize(("fields", "says"), [
    ({"category": "salary"}, "body field 'category': Input should be 'wages', 'injury', "
                             "'contract', 'dismissal', 'safety', 'heat_and_weather', "
                             "'rest_and_facilities' or 'other'"),
    ({"description": ""}, "describe what happened or what you need: 1 to 2000 characters"),
    ({"description": " \n\t "}, "not only spaces"),
    ({"description": "欠" * 2001}, "at most 2000 characters (this one has 2001)"),
    ({"workplace": {"lon": 125.0, "lat": 31.2}}, "no union covers the workplace at lon 125.000000"),
    ({"phone": None}, "a name or member number without a phone gives the union no way to reach "
                      "you"),
    ({"workplace": None}, "say where you work exactly once"),
    ({"workplace_id": 5}, "say where you work exactly once"),
    ({"near_station": True}, "near_station needs station_id"),
    ({"name": None, "phone": None, "may_name_to_employer": True}, "an anonymous request names "
                                                                  "nobody"),
    ({"phone": "12345"}, "body field 'phone'"),
])
def test_bad_input_is_refused_saying_what_is_allowed_and_nothing_is_written(
        client: TestClient, tree: dict[str, int], engine: Engine, fields: dict[str, Any],
        says: str) -> None:
    before = last_audit(engine)
    refused = ask(client, **fields)
    assert refused.status_code == 422, refused.text
    assert says in refused.json()["message"], refused.json()["message"]
    for table in ("worker_requests", "request_events", "request_idempotency_keys"):
        assert rows(engine, f"SELECT count(*) FROM {table}") == [(0,)], table
    assert audited(engine, before) == []


def test_retries_with_an_idempotency_key_ask_once_and_one_phone_may_ask_again(
        client: TestClient, tree: dict[str, int]) -> None:
    key = {"Idempotency-Key": "5d7e1c2a-request-0001"}
    first, again = ask(client, key), ask(client, key)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["status_url"] == first.json()["status_url"]
    other = ask(client, key, description="另一件事")
    assert other.status_code == 409 and "different request" in other.json()["message"]
    # No "already asked": the answer must not depend on who else is in the database.
    assert ask(client).status_code == ask(client).status_code == 201


def test_officers_see_their_area_with_phones_masked_in_lists_and_reads_audited(
        client: TestClient, tree: dict[str, int], engine: Engine) -> None:
    mine = ask(client).json()
    k1, d2 = officer(engine, "k1-officer", "K1"), officer(engine, "d2-officer", "D2")
    before = last_audit(engine)
    listed = client.get("/requests", headers=k1).json()
    assert listed["total"] == 1 and listed["requests"][0]["contact"]["phone"] == "138****5678"
    detail = client.get(f"/requests/{mine['id']}", headers=k1)
    assert detail.status_code == 200 and detail.json()["contact"]["phone"] == "+8613812345678"
    assert detail.headers["cache-control"] == "no-store"
    assert detail.json()["events"][0]["action"] == "submitted"
    assert audited(engine, before) == [
        ("k1-officer", "list", None), ("k1-officer", "read", mine["id"])]
    assert client.get(f"/requests/{mine['id']}", headers=d2).status_code == 404
    assert client.get("/requests", headers=d2).json()["total"] == 0
    wrong = client.get(f"/requests/{mine['id']}", params={"token": "0" * 32})
    assert wrong.status_code == 404 and wrong.json()["message"] == f"no request with id {mine['id']}"
    assert client.get(f"/requests/{mine['id']}").status_code == 401
