"""Station visits: taps counted once per device and window, operators' batches idempotent and
refused with a revoked key, counts equal to the raw rows, old partitions dropped with the counts
kept, bad input refused whole, and officers' figures of their own jurisdiction only."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from tests.conftest import bearer
from tests.test_officers import IN_D2, IN_K1, make_officer
from visits import core

PHONE = {"User-Agent": "Phone A"}


def station(client: TestClient, admin: dict[str, str], point: tuple[float, float],
            operator: str | None = "顺丰") -> int:
    response = client.post("/stations", headers=admin, json={
        "name": "驿站", "lon": point[0], "lat": point[1], "operator": operator})
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def raw_and_counts(engine: Engine) -> tuple[int, int, dict[tuple[int, str], int], dict[tuple[int, str], int]]:
    with engine.connect() as conn:
        raw = conn.execute(text("SELECT station_id, coalesce(occupation_group, 'unknown'), "
                                "count(*) FROM visits GROUP BY 1, 2")).all()
        counted = conn.execute(text("SELECT station_id, occupation_group, sum(visits) "
                                    "FROM visit_counts GROUP BY 1, 2")).all()
    r = {(s, g): int(n) for s, g, n in raw}
    c = {(s, g): int(n) for s, g, n in counted}
    return sum(r.values()), sum(c.values()), r, c


@pytest.fixture
def clean(engine: Engine) -> Engine:
    with engine.begin() as conn:
        conn.execute(text("TRUNCATE visits, visit_counts, visit_batches, operator_keys"))
    return engine


def test_taps_count_once_per_device_and_window(client: TestClient, admin: dict[str, str],
                                               tree: dict[str, int], clean: Engine) -> None:
    s = station(client, admin, IN_K1)
    first = client.post(f"/stations/{s}/visits", headers=PHONE,
                        json={"occupation_group": "courier"})
    assert first.status_code == 201 and first.json()["counted"] is True
    again = client.post(f"/stations/{s}/visits", headers=PHONE)
    assert again.status_code == 200 and again.json()["counted"] is False
    other = client.post(f"/stations/{s}/visits", headers={"User-Agent": "Phone B"})
    assert other.json()["counted"] is True
    with clean.connect() as conn:
        devices = conn.execute(text("SELECT device FROM visits")).scalars().all()
    assert len(devices) == 2 and all(len(d) == 16 for d in devices)
    assert all(b"Phone" not in d for d in devices)
    total, counted, raw, counts = raw_and_counts(clean)
    assert total == counted == 2 and raw == counts == {(s, "courier"): 1, (s, "unknown"): 1}
    # Once the window has passed (moved back in time here), the same device counts again.
    with clean.begin() as conn:
        conn.execute(text("UPDATE visits SET visited_at = visited_at - interval '31 minutes'"))
    assert client.post(f"/stations/{s}/visits", headers=PHONE).json()["counted"] is True


def test_the_device_hash_changes_daily() -> None:
    assert core.device_hash("k", date(2026, 12, 4), "a") != core.device_hash("k", date(2026, 12, 5), "a")
    assert core.device_hash("k", date(2026, 12, 4), "a") == core.device_hash("k", date(2026, 12, 4), "a")


def test_bad_taps_are_refused(client: TestClient, admin: dict[str, str], tree: dict[str, int],
                              clean: Engine) -> None:
    s = station(client, admin, IN_K1)
    unknown = client.post("/stations/999999/visits")
    assert unknown.status_code == 404 and "no station 999999" in unknown.json()["message"]
    group = client.post(f"/stations/{s}/visits", json={"occupation_group": "astronaut"})
    assert group.status_code == 422
    foreign = client.post(f"/stations/{s}/visits", headers={"Origin": "https://evil.example"})
    assert foreign.status_code == 403
    client.patch(f"/stations/{s}", headers=admin, json={"status": "removed"})
    removed = client.post(f"/stations/{s}/visits")
    assert removed.status_code == 409 and "removed" in removed.json()["message"]
    assert raw_and_counts(clean)[:2] == (0, 0)


def make_key(client: TestClient, officer: dict[str, str], operator: str = "顺丰") -> dict[str, Any]:
    response = client.post("/officer/operator-keys", headers=officer, json={"operator": operator})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def test_batches_are_idempotent_whole_and_refused_once_revoked(
        client: TestClient, admin: dict[str, str], engine: Engine, tree: dict[str, int],
        clean: Engine) -> None:
    make_officer(engine, "visits-k1", "K1")
    k1 = bearer(engine, "visits-k1")
    s = station(client, admin, IN_K1)
    elsewhere = station(client, admin, IN_D2)
    other_operator = station(client, admin, IN_K1, operator="美团")
    key = make_key(client, k1)
    assert key["key"].startswith("yzk_")
    above = client.post("/officer/operator-keys", headers=k1,
                        json={"operator": "顺丰", "union_id": tree["D1"]})
    assert above.status_code == 404
    headers = {"X-Operator-Key": key["key"]}
    now = datetime.now(UTC)
    visits = [{"station_id": s, "visited_at": (now - timedelta(hours=h)).isoformat(),
               "occupation_group": "food_delivery_rider" if h % 2 else None} for h in range(30)]
    sent = client.post("/visits", headers=headers, json={"batch_id": "b1", "visits": visits})
    assert sent.status_code == 201 and sent.json() == {"batch_id": "b1", "visits": 30,
                                                       "replayed": False}
    again = client.post("/visits", headers=headers, json={"batch_id": "b1", "visits": visits})
    assert again.status_code == 200 and again.json()["replayed"] is True
    changed = client.post("/visits", headers=headers,
                          json={"batch_id": "b1", "visits": visits[:3]})
    assert changed.status_code == 409
    assert raw_and_counts(clean)[:2] == (30, 30)

    def refused(visit: dict[str, Any], status: int, words: str) -> None:
        response = client.post("/visits", headers=headers,
                               json={"batch_id": f"bad-{words}", "visits": [visits[0], visit]})
        assert response.status_code == status, response.text
        assert words in response.json()["message"]

    refused({**visits[0], "visited_at": (now + timedelta(hours=1)).isoformat()}, 422, "future")
    refused({**visits[0], "visited_at": (now - timedelta(days=7)).isoformat()}, 422, "7 days")
    refused({**visits[0], "station_id": 999999}, 422, "no station 999999")
    refused({**visits[0], "station_id": elsewhere}, 403, "not one of")
    refused({**visits[0], "station_id": other_operator}, 403, "not one of")
    bad_group = client.post("/visits", headers=headers, json={"batch_id": "g", "visits": [
        {**visits[0], "occupation_group": "astronaut"}]})
    assert bad_group.status_code == 422
    assert raw_and_counts(clean)[:2] == (30, 30)  # nothing of the refused batches

    make_officer(engine, "visits-d2", "D2")
    d2 = bearer(engine, "visits-d2")
    assert client.delete(f"/officer/operator-keys/{key['id']}", headers=d2).status_code == 404
    assert key["id"] not in [k["id"] for k in client.get("/officer/operator-keys",
                                                          headers=d2).json()["keys"]]
    revoked = client.delete(f"/officer/operator-keys/{key['id']}", headers=k1)
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    late = client.post("/visits", headers=headers, json={"batch_id": "b2", "visits": visits})
    assert late.status_code == 401 and "revoked" in late.json()["message"]
    assert client.post("/visits", json={"batch_id": "b3", "visits": visits}).status_code == 401


def test_old_partitions_are_dropped_and_the_counts_kept(
        client: TestClient, admin: dict[str, str], engine: Engine, tree: dict[str, int],
        clean: Engine) -> None:
    make_officer(engine, "visits-k1b", "K1")
    key = make_key(client, bearer(engine, "visits-k1b"))
    s = station(client, admin, IN_K1)
    now = datetime.now(UTC)
    times = [now - timedelta(days=d, minutes=1) for d in range(7)]
    visits = [{"station_id": s, "visited_at": t.isoformat()} for t in times]
    assert client.post("/visits", headers={"X-Operator-Key": key["key"]},
                       json={"batch_id": "week", "visits": visits}).status_code == 201
    with engine.connect() as conn:
        days = core.partitions(conn)
    assert {(now - timedelta(days=d, minutes=1)).date() for d in range(7)} <= set(days)
    dropped = core.prune(engine, 8, now + timedelta(days=8))  # 8 days on: all before today
    today = now.date()
    assert sorted(dropped) == [d for d in days if d < today]
    with engine.connect() as conn:
        left = core.partitions(conn)
        assert not set(dropped) & set(left) and today in left
        raw = conn.execute(text("SELECT count(*) FROM visits")).scalar_one()
        kept = conn.execute(text("SELECT sum(visits) FROM visit_counts")).scalar_one()
    assert raw == len([t for t in times if t.date() >= today])
    assert kept == 7
    # A tap today still finds its partition (made again when needed).
    assert client.post(f"/stations/{s}/visits").status_code == 201


def test_officers_see_their_own_stations_figures_only(
        client: TestClient, admin: dict[str, str], engine: Engine, tree: dict[str, int],
        clean: Engine) -> None:
    mine, theirs = station(client, admin, IN_K1), station(client, admin, IN_D2)
    for s, agents in ((mine, 3), (theirs, 5)):
        for n in range(agents):
            assert client.post(f"/stations/{s}/visits", headers={"User-Agent": f"P{n}"},
                               json={"occupation_group": "courier"}).status_code == 201
    make_officer(engine, "visits-k1c", "K1")
    k1 = bearer(engine, "visits-k1c")
    body = client.get("/officer/visits", headers=k1).json()
    assert body["total"] == 3 and body["by_group"] == {"courier": 3}
    assert [s["id"] for s in body["stations"]] == [mine]
    assert sum(map(sum, body["by_hour_of_week"])) == 3
    assert sum(c["visits"] for c in body["cells"]["visits"]) == 3
    assert body["busiest"][0] == {"id": mine, "name": "驿站", "status": "operational",
                                  "visits": 3}
    everything = client.get("/officer/visits", headers=admin).json()
    assert everything["total"] == 8
    csv = client.get("/officer/visits?format=csv", headers=k1)
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    lines = csv.text.lstrip("\ufeff").splitlines()
    assert lines[0] == "station_id,station_name,day,occupation_group,visits"
    assert len(lines) == 2 and lines[1].startswith(f"{mine},驿站,") and lines[1].endswith(",3")
    backwards = client.get("/officer/visits?from=2026-12-05&to=2026-12-01", headers=k1)
    assert backwards.status_code == 422 and "after" in backwards.json()["message"]
