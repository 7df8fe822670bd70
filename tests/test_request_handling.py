"""Following a request to the end: deadlines in working days (holidays and make-up days), escalation
one level up and on to the city (by the command and on every read, any number of times), hand-over,
closing and the worker's rating, and officers of another area seeing none of it."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import h3
import holidays
import pytest
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, text
from typer.testing import CliRunner

from membership.deadline import working_days_after
from membership.worker_requests import core
from membership.worker_requests.escalation import steps
from membership.worker_requests.vocab import DEFAULT_DEADLINES, Category
from tests.test_worker_requests import IN_K1, ask, officer, rows
from yizhan.cli import app as cli
from yizhan.settings import Settings

WAGES_DAYS = DEFAULT_DEADLINES[Category.WAGES]


@pytest.mark.parametrize(("start", "days", "deadline"), [
    (date(2026, 9, 28), 3, date(2026, 10, 8)),  # over National Day, 1 to 7 October
    (date(2026, 9, 28), 10, date(2026, 10, 16)),  # and Saturday 10 October, a make-up working day
    (date(2026, 9, 18), 1, date(2026, 9, 20)),  # Sunday 20 September is a make-up working day
    (date(2026, 2, 13), 3, date(2026, 2, 25)),  # over the Spring Festival; 14 Feb is made up too
])
def test_deadlines_count_working_days(start: date, days: int, deadline: date) -> None:
    assert working_days_after(start, days) == (deadline, False)


def test_a_requests_deadline_is_its_categorys_and_configurable(
        client: TestClient, tree: dict[str, int], engine: Engine) -> None:
    body = core.NewRequest.model_validate({"category": "wages", "description": "欠薪",
                                           "workplace": IN_K1})
    other = body.model_copy(update={"category": Category.OTHER})
    changed = Settings(request_deadlines="wages=1").deadlines()
    with engine.begin() as conn:
        made = {name: core.get(conn, core.submit(conn, b, date(2026, 9, 28), deadlines)[0])
                for name, b, deadlines in (("wages", body, DEFAULT_DEADLINES),
                                           ("other", other, DEFAULT_DEADLINES),
                                           ("changed", body, changed))}
    assert {n: r.deadline for n, r in made.items() if r} == {
        "wages": date(2026, 10, 8), "other": date(2026, 10, 16), "changed": date(2026, 9, 29)}


PARENTS: dict[int, int | None] = {4: 3, 3: 2, 2: 1, 1: None}  # grid, community, street, city
CHINA = holidays.country_holidays("CN")


@settings(max_examples=200, deadline=None)
@given(start=st.dates(date(2026, 1, 1), date(2026, 12, 1)), days=st.integers(1, 10),
       after=st.integers(0, 120))
def test_escalation_goes_up_one_level_per_missed_deadline(start: date, days: int,
                                                          after: int) -> None:
    today = start + timedelta(days=after)
    found = steps(4, start, today, days, PARENTS)
    # Oracle: walk the calendar a day at a time, counting the days China works.
    holder, deadline, expected = 4, start, []
    while (up := PARENTS[holder]) is not None and today > deadline:
        counted = 0
        while counted < days:
            deadline += timedelta(days=1)
            counted += CHINA.is_working_day(deadline)
        expected.append((holder, up, deadline))
        holder = up
    assert [(s.from_union, s.to_union, s.deadline) for s in found] == expected
    assert [s.level for s in found] == list(range(1, len(found) + 1))


def two_levels_ago(today: date) -> date:
    """A handling union's deadline from which exactly two escalations are due today: the
    second union's deadline has passed, the third's not."""
    d0 = today - timedelta(days=1)
    while True:
        d1 = working_days_after(d0, WAGES_DAYS)[0]
        d2 = working_days_after(d1, WAGES_DAYS)[0]
        if d1 < today <= d2:
            return d0
        d0 -= timedelta(days=1)


def set_deadline(engine: Engine, request_id: int, deadline: date) -> None:
    with engine.begin() as conn:
        conn.execute(text("UPDATE worker_requests SET deadline = :d, current_deadline = :d "
                          "WHERE id = :id"), {"d": deadline, "id": request_id})


def path_of(answer: dict[str, Any]) -> str:
    return str(answer["status_url"].split("testserver", 1)[1])


def queue(client: TestClient, headers: dict[str, str], **params: Any) -> list[int]:
    answer = client.get("/requests", headers=headers, params=params)
    assert answer.status_code == 200, answer.text
    return [r["id"] for r in answer.json()["requests"]]


def test_past_its_deadline_a_request_escalates_twice_and_every_level_sees_it(
        client: TestClient, tree: dict[str, int], engine: Engine, database_url: str) -> None:
    read_first, by_command = ask(client).json(), ask(client).json()
    day = core_today()
    for made in (read_first, by_command):
        set_deadline(engine, made["id"], two_levels_ago(day))
    k1, s1, d1 = (officer(engine, f"{c.lower()}-officer", c) for c in ("K1", "S1", "D1"))

    mine = client.get(path_of(read_first)).json()  # evaluated on read, by the worker's link
    assert mine["escalation"]["level"] == 2 and mine["escalation"]["union"]["code"] == "D1"
    assert mine["overdue"] is True
    escalations = [e for e in mine["events"] if e["action"] == "escalated"]
    assert [(e["from_union"], e["to_union"]) for e in escalations] == [
        ("K1 工会", "S1 工会"), ("S1 工会", "D1 工会")]
    assert escalations[1]["deadline"] == mine["current_deadline"] > day.isoformat()

    runner = CliRunner()
    env = {"YIZHAN_DATABASE_URL": database_url}
    first = runner.invoke(cli, ["requests", "escalate"], env=env)
    assert first.exit_code == 0, first.output
    assert f"request {by_command['id']}: deadline" in first.output
    assert "2 escalation(s) recorded" in first.output  # the read one was done already
    again = runner.invoke(cli, ["requests", "escalate"], env=env)
    assert "0 escalation(s) recorded" in again.output
    for _ in range(2):  # reads after the command add nothing either
        assert client.get(path_of(by_command)).json()["events"] == client.get(
            path_of(by_command)).json()["events"]
    assert rows(engine, "SELECT request_id, count(*) FROM request_events WHERE action = "
                "'escalated' GROUP BY request_id ORDER BY 1") == [
        (read_first["id"], 2), (by_command["id"], 2)]

    both = sorted([read_first["id"], by_command["id"]])
    assert queue(client, k1) == both  # the handling union still has them
    assert queue(client, d1, union_id=tree["D1"]) == both  # and they are in D1's own queue
    assert queue(client, s1, union_id=tree["S1"]) == []  # S1's turn has passed
    assert queue(client, s1, escalated=True) == both
    item = client.get("/requests", headers=d1, params={"union_id": tree["D1"]}).json()["requests"][0]
    assert item["escalation"]["union"]["code"] == "D1" and item["union"]["code"] == "K1"
    counted = client.get("/requests/counts", headers=d1).json()["categories"]["wages"]
    assert (counted["open"], counted["overdue"], counted["escalated"]) == (2, 2, 2)


def core_today() -> date:
    from api.routers.applications import today

    return today(Settings())


def test_a_hand_over_moves_the_request_and_its_escalation(
        client: TestClient, tree: dict[str, int], engine: Engine) -> None:
    made = ask(client).json()
    k1, d2 = officer(engine, "k1-officer", "K1"), officer(engine, "d2-officer", "D2")
    unknown = client.post(f"/requests/{made['id']}/hand-over", headers=k1,
                          json={"to_union_code": "X9", "reason": "不在本辖区"})
    assert unknown.status_code == 422 and "'X9': no such union" in unknown.json()["message"]
    assert client.get(f"/requests/{made['id']}", headers=d2).status_code == 404
    moved = client.post(f"/requests/{made['id']}/hand-over", headers=k1,
                        json={"to_union_code": "D2", "reason": "单位注册在 D2 的园区"})
    assert moved.status_code == 200, moved.text
    assert moved.json()["union"]["code"] == "D2" and moved.json()["route"]["reason"] == "forwarded"
    assert moved.json()["deadline"] == made["deadline"]  # the worker has waited as long
    assert moved.json()["events"][-1] | {"at": None} == {
        "at": None, "actor": "k1-officer", "action": "handed_over", "from_union_id": tree["K1"],
        "from_union_name": "K1 工会", "to_union_id": tree["D2"], "to_union_name": "D2 工会",
        "deadline": None, "text": "单位注册在 D2 的园区"}
    assert client.get(f"/requests/{made['id']}", headers=k1).status_code == 404  # not K1's now
    assert queue(client, d2) == [made["id"]] and queue(client, k1) == []
    worker = client.get(path_of(made)).json()
    assert worker["union"]["code"] == "D2"
    assert worker["events"][-1]["action"] == "handed_over"
    assert worker["events"][-1]["text"] is None  # the officers' reason is theirs
    assert (worker["events"][-1]["from_union"], worker["events"][-1]["to_union"]) == (
        "K1 工会", "D2 工会")

    late = ask(client).json()  # handed over past its deadline: escalates above the new union
    set_deadline(engine, late["id"], core_today() - timedelta(days=1))
    escalated = client.post(f"/requests/{late['id']}/hand-over", headers=k1,
                            json={"to_union_code": "D2", "reason": "转交"}).json()
    assert escalated["escalation"]["union"]["code"] == "C"
    assert [e["action"] for e in escalated["events"]][-3:] == [
        "escalated", "handed_over", "escalated"]


def test_closing_with_an_outcome_then_the_worker_rates_it_once(
        client: TestClient, tree: dict[str, int], engine: Engine) -> None:
    made = ask(client).json()
    link, k1 = path_of(made), officer(engine, "k1-officer", "K1")
    token = link.split("token=")[1]
    rate = f"/requests/{made['id']}/feedback"
    early = client.post(rate, params={"token": token}, json={"solved": True, "rating": 5})
    assert early.status_code == 409 and "not closed yet" in early.json()["message"]
    acknowledged = client.post(f"/requests/{made['id']}/acknowledge", headers=k1)
    assert acknowledged.json()["status"] == "acknowledged"
    twice = client.post(f"/requests/{made['id']}/acknowledge", headers=k1)
    assert twice.status_code == 409 and "acknowledged already" in twice.json()["message"]
    for note, to_worker in (("老板电话 139…", False), ("已联系劳动监察大队", True)):
        added = client.post(f"/requests/{made['id']}/notes", headers=k1,
                            json={"text": note, "to_worker": to_worker})
        assert added.status_code == 200, added.text
    closed = client.post(f"/requests/{made['id']}/close", headers=k1,
                         json={"outcome": "solved", "text": "工资已全部补发"})
    assert closed.json()["status"] == "closed" and closed.json()["outcome"] == "solved"
    again = client.post(f"/requests/{made['id']}/close", headers=k1,
                        json={"outcome": "not_solved", "text": "x"})
    assert again.status_code == 409 and "closed" in again.json()["message"]
    worker = client.get(link).json()
    assert worker["can_rate"] is True and worker["outcome"] == "solved"
    assert [(e["action"], e["text"]) for e in worker["events"]] == [
        ("submitted", None), ("acknowledged", None), ("update", "已联系劳动监察大队"),
        ("closed", "工资已全部补发")]  # the officers' note is not the worker's
    for bad in ({"solved": True, "rating": 0}, {"solved": True, "rating": 6},
                {"solved": "maybe", "rating": 3}, {"rating": 3}):
        refused = client.post(rate, params={"token": token}, json=bad)
        assert refused.status_code == 422, bad
    assert client.post(rate, params={"token": "0" * 32},
                       json={"solved": True, "rating": 4}).status_code == 404
    rated = client.post(rate, params={"token": token}, json={"solved": True, "rating": 4})
    assert rated.status_code == 200, rated.text
    assert rated.json()["feedback"] | {"rated_at": None} == {
        "solved": True, "rating": 4, "rated_at": None}
    assert rated.json()["can_rate"] is False
    second = client.post(rate, params={"token": token}, json={"solved": False, "rating": 1})
    assert second.status_code == 409 and "rated this request already" in second.json()["message"]
    assert rows(engine, "SELECT rating, worker_solved FROM worker_requests") == [(4, True)]
    counted = client.get("/requests/counts", headers=k1).json()
    assert counted["categories"]["wages"] | {} == {
        "open": 0, "overdue": 0, "escalated": 0, "closed": 1, "solved": 1, "share_solved": 1.0}
    assert counted["categories"]["injury"]["share_solved"] is None
    assert counted["deadlines"]["wages"] == WAGES_DAYS


def test_an_officer_of_another_area_never_sees_the_request(
        client: TestClient, admin: dict[str, str], tree: dict[str, int], engine: Engine) -> None:
    made = ask(client, category="heat_and_weather", description="中午太热，没有地方休息").json()
    set_deadline(engine, made["id"], core_today() - timedelta(days=1))  # and escalated
    k1, s1, d2 = (officer(engine, f"{c.lower()}-officer", c) for c in ("K1", "S1", "D2"))
    path = f"/requests/{made['id']}"
    for method, suffix, body in (("GET", "", None), ("POST", "/acknowledge", None),
                                 ("POST", "/notes", {"text": "x"}),
                                 ("POST", "/hand-over", {"to_union_code": "D2", "reason": "x"}),
                                 ("POST", "/close", {"outcome": "solved", "text": "x"})):
        other = client.request(method, path + suffix, headers=d2, json=body)
        assert other.status_code == 404, (suffix, other.text)
        assert other.json()["message"] == f"no request with id {made['id']}"
    assert queue(client, d2) == [] and queue(client, d2, union_id=tree["K1"]) == []
    counted = client.get("/requests/counts", headers=d2).json()
    assert counted["all"] == {"open": 0, "overdue": 0, "escalated": 0, "closed": 0, "solved": 0,
                              "share_solved": None}
    assert client.get("/requests/cells.geojson", headers=d2).json()["features"] == []

    cell = h3.latlng_to_cell(IN_K1["lat"], IN_K1["lon"], 9)
    for who in (k1, s1, admin):
        found = client.get("/requests/cells.geojson", headers=who,
                           params={"res": 9, "category": "heat_and_weather"}).json()
        assert [f["properties"] for f in found["features"]] == [{"cell": cell, "requests": 1}]
    assert client.get("/requests/cells.geojson", headers=k1,
                      params={"category": "wages"}).json()["features"] == []
    assert client.get("/requests/counts", headers=s1).json()["all"]["escalated"] == 1
    below = client.get("/requests/counts", headers=s1, params={"below": True}).json()["below"]
    assert [(b["union"] and b["union"]["code"], b["all"]["open"]) for b in below] == [
        ("K1", 1), (None, 0)]
