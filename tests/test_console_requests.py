"""Workers' requests in the workbench, through the test client: the queue (own area only, phone
masked, anonymous said so, escalated ones marked in words, nearest deadline first and closed
last, filters), one request read and audited, the actions and every bad input said at its field
with nothing written, hand-over, the home page's overdue requests, and the counts per category on
the home page and in the level-below table. An officer of another area sees none of it."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import holidays
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from api.app import create_app
from geo import stations, unions
from geo.crs import Crs
from geo.station_data import NewStation
from membership import applications
from membership.applications import NewApplication
from membership.deadline import working_days_after
from membership.worker_requests import core
from membership.worker_requests.vocab import DEFAULT_DEADLINES, Category
from officers import accounts
from officers.vocab import Role
from seed.demo import load_demo
from tests.union_data import clear
from yizhan.settings import Settings

PASSWORD = "requests-pass-1"
# Inside the demo tree: neighbouring communities DEMO-1-1-1 and DEMO-1-1-2 of street DEMO-1-1,
# and a community DEMO-1-2-1 of the neighbouring street.
GRID_A, GRID_B, OTHER_STREET = (121.385, 31.325), (121.42, 31.325), (121.45, 31.325)
OFFICERS = {"grid-a": "DEMO-1-1-1", "grid-b": "DEMO-1-1-2", "street-1": "DEMO-1-1",
            "street-2": "DEMO-1-2"}
SECRETS = {"grid-b": "邻格秘密求助人", "street-2": "外街秘密求助人"}
_phones = itertools.count(13_700_000_000)


def local_today() -> date:
    return datetime.now(ZoneInfo("Asia/Shanghai")).date()


@pytest.fixture(scope="module")
def demo(engine: Engine) -> Iterator[None]:
    clear(engine)
    with engine.begin() as conn:
        conn.exec_driver_sql("TRUNCATE stations, worker_requests, rate_limit_hits, "
                             "login_failures RESTART IDENTITY CASCADE")
        load_demo(conn)
        for username, code in OFFICERS.items():
            if accounts.by_username(conn, username) is None:
                accounts.create(conn, username, f"{username} 专员", Role.OFFICER, code, PASSWORD)
    for who, at in (("grid-b", GRID_B), ("street-2", OTHER_STREET)):
        ask(engine, at, name=SECRETS[who], description=f"{SECRETS[who]}的事")
    yield
    clear(engine)


def ask(engine: Engine, at: tuple[float, float], category: str = "wages",
        anonymous: bool = False, **fields: Any) -> int:
    """A request stored as POST /requests stores it."""
    body: dict[str, Any] = {"category": category, "description": "老板拖欠两个月工资",
                            "workplace": {"name": "配送站", "lon": at[0], "lat": at[1]}}
    if not anonymous:
        body |= {"name": "王小明", "phone": f"+86{next(_phones)}"}
    data = core.NewRequest.model_validate(body | fields)
    with engine.begin() as conn:
        return core.submit(conn, data, local_today(), DEFAULT_DEADLINES)[0]


@pytest.fixture
def officer(demo: None, settings: Settings, engine: Engine
            ) -> Iterator[Any]:
    """Log in as an officer: a test client with the console's session."""
    opened: list[TestClient] = []

    def log_in(username: str) -> TestClient:
        with engine.begin() as conn:
            conn.exec_driver_sql("DELETE FROM rate_limit_hits")
        client = TestClient(create_app(settings))
        client.__enter__()
        opened.append(client)
        form = client.get("/console/login")
        answer = client.post("/console/login", follow_redirects=False, data={
            "csrf": csrf(form.text), "username": username, "password": PASSWORD,
            "back": "/console"})
        assert answer.status_code == 303, answer.text
        return client
    yield log_in
    for client in opened:
        client.__exit__(None, None, None)


def csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found is not None
    return found[1]


def post(client: TestClient, request_id: int, action: str, lang: str = "zh",
         **fields: str) -> Any:
    page = client.get(f"/console/requests/{request_id}")
    suffix = "?lang=en" if lang == "en" else ""
    return client.post(f"/console/requests/{request_id}/{action}{suffix}",
                       data={"csrf": csrf(page.text), **fields}, follow_redirects=False)


def events(engine: Engine, request_id: int) -> list[tuple[str, str, str | None]]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(
            "SELECT actor, action, text FROM request_events WHERE request_id = :id ORDER BY id"),
            {"id": request_id})]


def audited(engine: Engine, actor: str, action: str) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(text(
            "SELECT object_id, detail FROM audit_log WHERE object_type = 'request' AND "
            "actor = :actor AND action = :action ORDER BY id"), {"actor": actor, "action": action}))


def set_deadline(engine: Engine, request_id: int, deadline: date) -> None:
    with engine.begin() as conn:
        conn.execute(text("UPDATE worker_requests SET deadline = :d, current_deadline = :d "
                          "WHERE id = :id"), {"d": deadline, "id": request_id})


def union_named(engine: Engine, code: str) -> str:
    with engine.connect() as conn:
        found = unions.by_code(conn, code)
    assert found is not None
    return found.name


def test_the_queue_shows_the_areas_requests_masked_and_by_deadline(
        officer: Any, engine: Engine) -> None:
    phone = f"+86{next(_phones)}"
    named = ask(engine, GRID_A, name="排序王", phone=phone)
    anonymous = ask(engine, GRID_A, "heat_and_weather", anonymous=True)  # 5 working days
    closed = ask(engine, GRID_A, name="已办结李", phone=f"+86{next(_phones)}")
    client = officer("grid-a")
    post(client, closed, "close", outcome="solved", text="工资已追回")

    page = client.get("/console/requests")
    assert page.status_code == 200
    html = page.text
    assert "排序王" in html and phone[3:] not in html  # masked: 137****…
    assert f"{phone[3:6]}****{phone[-4:]}" in html
    assert "匿名" in html and "None" not in html
    order = [int(i) for i in re.findall(r'id="request-(\d+)"', html)]
    assert order.index(named) < order.index(anonymous) < order.index(closed)  # closed last
    assert "还剩 3 个工作日" in html and "已办结" in html
    for secret in SECRETS.values():
        assert secret not in html
    listed = audited(engine, "grid-a", "list")[-1].detail["ids"]
    assert set(listed) == set(order)  # the list read is audited with what was shown

    heat = client.get("/console/requests?category=heat_and_weather").text
    assert f'id="request-{anonymous}"' in heat and f'id="request-{named}"' not in heat
    only_closed = client.get("/console/requests?status=closed").text
    assert f'id="request-{closed}"' in only_closed and f'id="request-{named}"' not in only_closed
    still_open = client.get("/console/requests?status=open").text
    assert f'id="request-{closed}"' not in still_open and f'id="request-{named}"' in still_open

    english = client.get("/console/requests?lang=en").text
    assert "Anonymous" in english and "Workers&#39; requests" in english
    assert "A work injury" in english or "Unpaid or withheld wages" in english
    assert "None" not in english and "()" not in english
    for raw in ("heat_and_weather", ">wages<", "acknowledged<", ">solved"):
        assert raw not in english.replace('value="heat_and_weather"', "")


def test_another_areas_request_is_not_found_and_never_counted(
        officer: Any, engine: Engine) -> None:
    theirs = ask(engine, GRID_B, name=SECRETS["grid-b"] + "二")
    client = officer("grid-a")
    missing = client.get(f"/console/requests/{theirs}")
    assert missing.status_code == 404 and SECRETS["grid-b"] not in missing.text
    refused = post(client, theirs, "acknowledge")
    assert refused.status_code == 404
    assert [e[1] for e in events(engine, theirs)] == ["submitted"]
    home = client.get("/console").text
    assert SECRETS["grid-b"] not in home
    with engine.connect() as conn:
        theirs_total = conn.exec_driver_sql(
            "SELECT count(*) FROM worker_requests r JOIN unions u ON u.id = r.union_id "
            "WHERE u.code LIKE 'DEMO-1-1-1%%' AND r.status <> 'closed'").scalar()
    open_cell = re.search(r'<tfoot>\s*<tr><th scope="row">全部类别</th><td>(\d+)</td>', home)
    assert open_cell is not None and int(open_cell[1]) == theirs_total


def test_actions_and_every_bad_input_said_at_its_field_with_nothing_written(
        officer: Any, engine: Engine, settings: Settings) -> None:
    request_id = ask(engine, GRID_A, name="动作张")
    client = officer("grid-a")
    page = client.get(f"/console/requests/{request_id}")
    assert page.status_code == 200 and "动作张" in page.text
    assert audited(engine, "grid-a", "read")[-1].object_id == request_id  # read, audited

    bad = [("note", {"text": "", "kind": "update"}, "note_text-error", "请填写内容"),
           ("note", {"text": "已联系老板"}, "note_kind-error", "请选择是备注还是给求助人的进展"),
           ("close", {"text": "已追回"}, "outcome-error", "请从列表中选择办理结果"),
           ("close", {"outcome": "solved", "text": " "}, "close_text-error", "请写明工会做了什么"),
           ("close", {"outcome": "won", "text": "已追回"}, "outcome-error", "请从列表中选择办理结果"),
           ("hand_over", {"to_union_code": "DEMO-1-2-1", "text": "外街"}, "hand_to-error",
            "请从列表中选择要转交的工会"),  # a union outside the list
           ("hand_over", {"to_union_code": "DEMO-1-1-2", "text": ""}, "hand_reason-error",
            "请写明转交的原因"),
           ("acknowledge", {"text": "长" * 501}, "ack_note-error", "最多 500 字")]
    for action, fields, where, said in bad:
        answer = post(client, request_id, action, **fields)
        assert answer.status_code == 422, (action, fields)
        found = re.search(rf'id="{where}">([^<]+)<', answer.text)
        assert found is not None and said in found[1], (action, fields, answer.text[-2000:])
        assert [e[1] for e in events(engine, request_id)] == ["submitted"]
    english = post(client, request_id, "close", lang="en", text="x")
    assert english.status_code == 422 and "Choose the outcome from the list." in english.text

    assert post(client, request_id, "acknowledge").status_code == 303
    done = client.get(f"/console/requests/{request_id}?done=acknowledge")
    assert "已受理" in done.text and "工会已受理" in done.text
    again = post(client, request_id, "acknowledge")
    assert again.status_code == 409 and "已经受理过了" in again.text
    assert post(client, request_id, "note", kind="note", text="老板说下周发").status_code == 303
    assert post(client, request_id, "note", kind="update", text="已约老板周五面谈").status_code == 303
    assert post(client, request_id, "close", outcome="partly_solved",
                text="追回一个月工资").status_code == 303
    after = post(client, request_id, "note", kind="update", text="再补一句")
    assert after.status_code == 409 and "已办结（部分解决），不能再记录" in after.text
    assert [e[1:] for e in events(engine, request_id)][1:] == [
        ("acknowledged", None), ("note", "老板说下周发"), ("update", "已约老板周五面谈"),
        ("closed", "追回一个月工资")]
    assert [a.object_id for a in audited(engine, "grid-a", "close")][-1] == request_id

    with engine.connect() as conn:  # the worker's view: the update and the closing, not the note
        req = core.get(conn, request_id)
    assert req is not None
    worker = client.get(f"/requests/{request_id}",
                        params={"token": core.status_token(settings.secret_key or "", req)},
                        headers={"Accept": "application/json"}).json()
    texts = [e["text"] for e in worker["events"]]
    assert "已约老板周五面谈" in texts and "追回一个月工资" in texts and "老板说下周发" not in texts

    history = client.get(f"/console/requests/{request_id}?lang=en").text
    assert "Update for the worker" in history and "Partly solved" in history
    assert "grid-a" in history and "None" not in history and "()" not in history


def test_hand_over_from_the_console(officer: Any, engine: Engine) -> None:
    up_there = ask(engine, GRID_A, name="转交赵")
    street = officer("street-1")
    assert post(street, up_there, "hand_over", to_union_code="DEMO-1-1-2",
                text="工作地点在隔壁社区").status_code == 303
    page = street.get(f"/console/requests/{up_there}")
    assert union_named(engine, "DEMO-1-1-2") in page.text and "工作地点在隔壁社区" in page.text
    assert ("street-1", "handed_over", "工作地点在隔壁社区") in events(engine, up_there)

    grid_a, grid_b = officer("grid-a"), officer("grid-b")
    assert grid_a.get(f"/console/requests/{up_there}").status_code == 404
    assert f'id="request-{up_there}"' not in grid_a.get("/console/requests").text
    assert f'id="request-{up_there}"' in grid_b.get("/console/requests").text

    mine = ask(engine, GRID_A, name="转出钱")  # a grid officer hands it to the grid beside
    answer = post(grid_a, mine, "hand_over", to_union_code="DEMO-1-1-2", text="不在本社区")
    assert answer.status_code == 303 and "/console/requests?done=hand_over_out" in \
        answer.headers["location"]
    assert "已离开您的辖区" in grid_a.get(answer.headers["location"]).text


def test_an_escalated_request_is_marked_in_words_for_both_levels(
        officer: Any, engine: Engine) -> None:
    today = local_today()
    due_today = ask(engine, GRID_A, name="今天到期周")
    set_deadline(engine, due_today, today)
    late = ask(engine, GRID_A, name="逾期孙")
    missed = today - timedelta(days=1)
    while working_days_after(missed, DEFAULT_DEADLINES[Category.WAGES])[0] < today:
        missed += timedelta(days=1)  # only the first escalation is due
    set_deadline(engine, late, missed)
    street_name = union_named(engine, "DEMO-1-1")

    grid_a = officer("grid-a")
    queue = grid_a.get("/console/requests?escalated=1").text  # escalated on this read
    item = re.search(rf'id="request-{late}".*?</li>', queue, re.S)
    assert item is not None
    assert f"已上报上级督办：{street_name}" in item[0] and "escalated" in item[0]
    assert f"负责工会：{street_name}" in item[0]
    order = [int(i) for i in re.findall(r'id="request-(\d+)"', grid_a.get("/console/requests").text)]
    assert order.index(late) < order.index(due_today)  # overdue first, though escalated
    home = grid_a.get("/console").text
    assert f'id="request-{late}"' in home and "查看全部" in home
    assert "/console/requests?status=open" in home
    # Every open request is there, not only the overdue ones, nearest deadline first.
    shown = [int(i) for i in re.findall(r'id="request-(\d+)"', home)]
    assert due_today in shown and shown.index(late) < shown.index(due_today)
    english = grid_a.get(f"/console/requests/{late}?lang=en").text
    assert f"Escalated one level up: {street_name}" in english
    assert "Past the deadline: escalated one level up" in english

    street = officer("street-1")
    assert f"已上报上级督办：{street_name}" in street.get("/console/requests?escalated=1").text
    other = officer("street-2").get("/console/requests?escalated=1").text
    assert f'id="request-{late}"' not in other and "逾期孙" not in other


def test_the_level_below_and_the_home_page_count_requests_per_category(
        officer: Any, engine: Engine) -> None:
    street = officer("street-1")
    page = street.get("/console/below")
    assert page.status_code == 200
    with engine.connect() as conn:
        expected = conn.exec_driver_sql(
            "SELECT count(*) FILTER (WHERE r.status <> 'closed'), "
            "count(*) FILTER (WHERE r.status = 'closed') FROM worker_requests r "
            "JOIN unions u ON u.id = r.union_id WHERE u.code LIKE 'DEMO-1-1%%'").one()
    assert expected[0] > 0
    total = re.search(r"<tfoot>\s*<tr><th scope=\"row\">合计</th>((?:<td>[^<]*</td>)+)",
                      page.text)
    assert total is not None
    cells = re.findall(r"<td>([^<]*)</td>", total[1])
    assert (int(cells[-5]), int(cells[-2])) == expected  # open and closed requests
    assert "待办结求助" in page.text and "求助，按问题类别" in page.text
    assert "欠薪（工资被拖欠或克扣）" in page.text
    english = street.get("/console/below?lang=en").text
    assert "Share solved" in english and "Requests by category" in english
    assert SECRETS["street-2"] not in page.text


def test_a_contacted_application_says_whether_it_was_contacted_in_time(
        officer: Any, engine: Engine) -> None:
    """Once contacted, an application no longer counts down to the deadline already met."""
    today = local_today()
    names = {"in_time": "按时联系吴", "late": "迟了联系郑"}
    made = {}
    for key, submitted in (("in_time", today), ("late", today - timedelta(days=40))):
        body = NewApplication.model_validate({
            "name": names[key], "phone": f"+86{next(_phones)}", "occupation_group": "courier",
            "consent": True, "workplace": {"name": "网点", "lon": GRID_A[0], "lat": GRID_A[1]}})
        with engine.begin() as conn:
            made[key] = applications.submit(conn, "k", body, submitted)[0]
    client = officer("grid-a")
    for app_id in made.values():
        page = client.get(f"/console/applications/{app_id}")
        answer = client.post(f"/console/applications/{app_id}/contact",
                             data={"csrf": csrf(page.text), "note": ""}, follow_redirects=False)
        assert answer.status_code == 303
    with engine.connect() as conn:
        app = applications.get(conn, made["late"])
    assert app is not None
    china = holidays.country_holidays("CN")  # oracle: the working days after the deadline
    late = sum(china.is_working_day(app.deadline + timedelta(days=d))
               for d in range(1, (today - app.deadline).days + 1))
    assert late > 1

    queue = client.get("/console/applications?status=contacted").text
    items = {k: re.search(rf"<li[^>]*>(?:(?!</li>).)*{n}(?:(?!</li>).)*</li>", queue, re.S)
             for k, n in names.items()}
    assert items["in_time"] is not None and items["late"] is not None
    assert "已联系 · <strong class=\"due\">按时</strong>" in items["in_time"][0]
    assert f"晚了 {late} 个工作日" in items["late"][0]
    assert "还剩" not in items["in_time"][0] and "已逾期" not in items["late"][0]
    english = client.get(f"/console/applications/{made['late']}?lang=en").text
    assert f"Contacted · <strong class=\"due late\">{late} working days late</strong>" in english


def test_an_id_out_of_range_is_not_found(officer: Any) -> None:
    client = officer("grid-a")
    for path in ("/console/requests/99999999999999999999", "/console/requests/0",
                 "/console/applications/99999999999999999999"):
        answer = client.get(path)
        assert answer.status_code == 404 and "没有找到" in answer.text, (path, answer.text[:600])
    page = client.get("/console/requests")
    answer = client.post("/console/requests/99999999999999999999/acknowledge",
                         data={"csrf": csrf(page.text)})
    assert answer.status_code == 404


def test_the_home_page_links_each_station_to_verify_and_all_of_them(officer: Any,
                                                                     engine: Engine) -> None:
    body = NewStation.model_validate({"name": "待核实驿站", "lon": GRID_A[0], "lat": GRID_A[1],
                                      "opening_hours": "24/7"})
    with engine.begin() as conn:  # never verified on site
        made = stations.create(conn, body.columns(Crs.WGS84, only_set=False)
                               | {"external_id": "test-stale-home"}).id
    client = officer("street-1")
    home = client.get("/console").text
    section = home.split('id="stale-h"', 1)[1].split("</section>", 1)[0]
    linked = re.findall(r'href="/console/stations/(\d+)"', section)
    assert str(made) in linked, section
    listed = client.get("/console/stations", params={"stale": "1"}).text
    total = int(re.search(r'查看全部 (\d+) 个需要核实的驿站', section).group(1))  # type: ignore[union-attr]
    assert total >= len(linked) and all(f"/console/stations/{i}" in listed for i in linked)
    assert 'href="/console/stations?stale=1"' in section
