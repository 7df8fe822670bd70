"""The worker's request pages: the form (reached from the join form, an application's status page
and a station's popup), every bad input said on the page in its language with nothing written,
and the status page in each state with its rating form. (In Chromium: test_request_browser.)"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from tests.test_api_stations import make
from tests.test_applications import apply
from tests.test_request_handling import core_today, path_of, set_deadline
from tests.test_status_link import BROWSER
from tests.test_worker_requests import ask, officer, rows

CHINESE = re.compile(r"[\u4e00-\u9fff]")
FORM = {"category": "wages", "description": "老板拖欠三个月工资", "lon": "121.15", "lat": "31.15",
        "workplace_name": "美团站点（朝晖）", "phone": "13812345678", "name": "王小明"}


def visible(html: str) -> str:
    """The words a reader sees: the body without its tags and without the script."""
    body = html.split("<body>", 1)[1]
    return re.sub(r"<[^>]+>", " ", re.sub(r"<script>.*?</script>", "", body, flags=re.S))


def error_of(html: str) -> str:
    found = re.search(r'<p id="error" role="alert"[^>]*>(.*?)</p>', html, re.S)
    assert found, html
    return found.group(1)


def send(client: TestClient, lang: str = "zh", **fields: str) -> Any:
    return client.post(f"/request?lang={lang}", data={**FORM, **fields}, follow_redirects=False)


def test_the_form_is_one_tap_from_the_join_form_a_status_page_and_a_station(
        client: TestClient, admin: dict[str, str], tree: dict[str, int]) -> None:
    station = make(client, admin, name="人民广场<b>驿站</b>", lon=121.3, lat=31.3)
    join = client.get("/join", params={"station": station["id"]}).text
    assert f'href="/request?station={station["id"]}"' in join
    assert 'href="/request"' in client.get("/join").text
    status = client.get(apply(client).json()["status_url"].split("testserver", 1)[1],
                        headers={"Accept": BROWSER}).text
    assert 'href="/request"' in status
    popup = client.get("/maps/nearest", params={"lon": 121.3, "lat": 31.3, "lang": "en"}).text
    # the popup reaches the page as JSON, where & is written \u0026
    assert f'/request?station={station["id"]}\\u0026amp;lang=en' in popup

    form = client.get("/request", params={"station": station["id"]})
    assert form.status_code == 200
    assert "人民广场&lt;b&gt;驿站&lt;/b&gt;" in form.text and 'name="near_station"' in form.text
    assert not re.search(r'<input name="[a-z_]+"[^>]* value=', form.text)  # nothing filled in
    assert '<input name="phone" type="tel" inputmode="tel" autocomplete="tel"' in form.text
    assert '<input name="lon" inputmode="decimal"' in form.text
    assert 'id="locate" class="locate"' in form.text
    assert re.search(r'<input type="checkbox" name="may_name_to_employer" value="on">', form.text)
    missing = client.get("/request", params={"station": 99999}).text
    assert "没有编号为 99999 的驿站" in missing and 'name="near_station"' not in missing
    english = client.get("/request", params={"lang": "en", "station": station["id"]}).text
    assert CHINESE.findall(visible(english).replace("中文", "").replace("人民广场", "").replace(
        "驿站", "")) == []
    assert '<html lang="en">' in english and "I work near this station" in english


@pytest.mark.parametrize(("fields", "zh", "en"), [
    ({"category": "salary"}, "请从列表中选择问题类别：欠薪（工资被拖欠或克扣）；工伤；",
     "Choose what it is about from the list: Unpaid or withheld wages; A work injury;"),
    ({"category": ""}, "请从列表中选择问题类别", "Choose what it is about from the list"),
    ({"description": "   "}, "请写下发生了什么，或您需要什么（1 到 2000 字）",
     "Say what happened, or what you need (1 to 2000 characters)"),
    ({"description": "欠" * 2001}, "问题描述最多 2000 字，现在是 2001 字",
     "at most 2000 characters; this one has 2001"),
    ({"lon": "125.0", "lat": "31.2"}, "不在任何工会的服务范围内，2 公里内也没有工会",
     "No union covers the place you gave, and none is within 2 km"),
    ({"lon": "", "lat": ""}, "请填写工作地点的经度和纬度", "Give the longitude and latitude"),
    ({"lon": "东经121", "lat": "31.2"}, "经度和纬度请填数字", "Longitude and latitude are numbers"),
    ({"lon": "200", "lat": "31.2"}, "经度在 -180 到 180 之间", "longitude -180 to 180"),
    ({"phone": "12345"}, "手机号格式不对", "That is not a mobile number"),
    ({"phone": ""}, "填写姓名或会员号时，也请填写手机号", "With a name or member number, give your phone"),
    ({"phone": "", "name": "", "may_name_to_employer": "on"}, "匿名提交时没有人可以告诉单位",
     "An anonymous request names nobody"),
    ({"name": "王" * 101}, "“姓名”太长了：最多 100 个字", "“Name” is too long: at most 100"),
])
def test_every_bad_input_is_said_on_the_page_in_its_language_and_nothing_is_written(
        client: TestClient, tree: dict[str, int], engine: Engine, fields: dict[str, str],
        zh: str, en: str) -> None:
    for lang, expected in (("zh", zh), ("en", en)):
        refused = send(client, lang, **fields)
        assert refused.status_code == 422, refused.text
        assert refused.headers["content-type"].startswith("text/html")
        assert expected in error_of(refused.text), error_of(refused.text)
        if lang == "en":
            assert CHINESE.findall(error_of(refused.text).replace(fields.get("description", ""), "")) == []
        kept = {k: v for k, v in {**FORM, **fields}.items() if k != "category" and v and len(v) < 200}
        for name, value in kept.items():  # the form comes back as it was sent
            assert f'value="{value}"' in refused.text or f">{value}</textarea>" in refused.text, name
    assert rows(engine, "SELECT count(*) FROM worker_requests") == [(0,)]
    assert rows(engine, "SELECT count(*) FROM request_events") == [(0,)]


def test_a_sent_form_opens_the_status_page_and_a_second_send_is_not_a_second_request(
        client: TestClient, tree: dict[str, int], engine: Engine) -> None:
    key = "0b3c5d1e-form-send-1"
    first = send(client, "en", idempotency_key=key, description="<script>alert(1)</script>欠薪")
    assert first.status_code == 303, first.text
    assert first.headers["location"].startswith("http://testserver/requests/")
    assert first.headers["location"].endswith("&lang=en")
    again = send(client, "en", idempotency_key=key, description="<script>alert(1)</script>欠薪")
    assert again.headers["location"] == first.headers["location"]
    changed = send(client, "en", idempotency_key=key, description="另一件事")
    assert changed.status_code == 409 and "This form was sent already" in error_of(changed.text)
    assert rows(engine, "SELECT count(*) FROM worker_requests") == [(1,)]
    page = client.get(first.headers["location"].split("testserver", 1)[1],
                      headers={"Accept": BROWSER})
    assert page.status_code == 200 and '<html lang="en">' in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;欠薪" in page.text and "<script>" not in page.text
    assert "Sent: waiting for the union to take it up" in page.text
    assert "王小明 (138****5678)" in page.text and "13812345678" not in page.text
    assert "K1 工会" in page.text and 'href="tel:12351"' in page.text


def test_the_status_page_follows_the_request_to_the_end_and_takes_one_rating(
        client: TestClient, tree: dict[str, int], engine: Engine) -> None:
    made = ask(client, phone=None, name=None).json()
    link, k1 = path_of(made), officer(engine, "k1-officer", "K1")
    token = link.split("token=")[1]

    def page(lang: str = "zh") -> str:
        answer = client.get(f"{link}&lang={lang}", headers={"Accept": BROWSER})
        assert answer.status_code == 200, answer.text
        assert "default-src 'none'" in answer.headers["content-security-policy"]
        assert answer.headers["cache-control"] == "no-store"
        return answer.text

    waiting = page()
    assert "匿名（工会无法联系您，请保存本链接）" in waiting and 'id="rating"' not in waiting
    rate = f"/request/{made['id']}/feedback?token={token}"
    early = client.post(f"{rate}&lang=zh", data={"solved": "true", "rating": "5"},
                        follow_redirects=False)
    assert early.status_code == 409 and "工会还没有办结这个求助：办结后才能评价" in error_of(early.text)
    early_en = client.post(f"{rate}&lang=en", data={"solved": "true", "rating": "5"},
                           follow_redirects=False)
    assert "The union has not closed this request yet" in error_of(early_en.text)

    set_deadline(engine, made["id"], core_today() - timedelta(days=1))
    overdue = page()
    assert 'class="status overdue"' in overdue and "现由上级工会“S1 工会”督办" in overdue
    assert "超过期限，转由上级“S1 工会”督办" in overdue
    assert "“S1 工会”, one level up, now follows it" in page("en")
    client.post(f"/requests/{made['id']}/notes", headers=k1,
                json={"text": "<b>已联系</b>单位", "to_worker": True})
    client.post(f"/requests/{made['id']}/notes", headers=k1, json={"text": "内部备注"})
    client.post(f"/requests/{made['id']}/close", headers=k1,
                json={"outcome": "partly_solved", "text": "补发了一个月工资"})
    closed = page()
    assert "已办结" in closed and "部分解决" in closed and "补发了一个月工资" in closed
    assert "&lt;b&gt;已联系&lt;/b&gt;单位" in closed and "内部备注" not in closed
    assert 'id="rating"' in closed and f'action="/request/{made["id"]}/feedback?token=' in closed
    for bad, says in (({"rating": "4"}, "请选择问题是否解决了"),
                      ({"solved": "true", "rating": "9"}, "请选择 1 到 5 分")):
        refused = client.post(f"{rate}&lang=zh", data=bad, follow_redirects=False)
        assert refused.status_code == 422 and says in error_of(refused.text)
    rated = client.post(f"{rate}&lang=zh", data={"solved": "false", "rating": "2"},
                        follow_redirects=False)
    assert rated.status_code == 303 and rated.headers["location"].endswith("&lang=zh")
    after = page()
    assert "您的评价：2 分，问题没有解决。" in after and 'id="rating"' not in after
    twice = client.post(f"{rate}&lang=zh", data={"solved": "true", "rating": "5"},
                        follow_redirects=False)
    assert twice.status_code == 409 and "您已经评价过了（20" in error_of(twice.text)
    assert rows(engine, "SELECT rating, worker_solved FROM worker_requests") == [(2, False)]
    wrong = client.post(f"/request/{made['id']}/feedback?token={'0' * 32}",
                        data={"solved": "true", "rating": "5"}, headers={"Accept": BROWSER})
    assert wrong.status_code == 404 and "完整链接" in wrong.text


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_contact_without_a_name_is_the_phone_alone_with_no_empty_brackets(
        client: TestClient, tree: dict[str, int], lang: str) -> None:
    sent = send(client, lang, name="", idempotency_key=f"0b3c5d1e-no-name-{lang}")
    assert sent.status_code == 303, sent.text
    page = client.get(sent.headers["location"].split("testserver", 1)[1],
                      headers={"Accept": BROWSER}).text
    assert "<dd>138****5678</dd>" in page
    assert not re.search(r"<dd>\s*[（(]|（\s*）|\(\s*\)", page), page


def test_where_you_work_is_one_rule_and_the_error_names_only_what_the_page_offers(
        client: TestClient, admin: dict[str, str], tree: dict[str, int], engine: Engine) -> None:
    station = make(client, admin, name="朝晖驿站", lon=121.15, lat=31.15)
    form = client.get("/request", params={"station": station["id"]}).text
    assert re.search(r'<input type="checkbox" name="near_station" value="on" checked>', form)
    as_opened = send(client, "zh", lon="", lat="", near_station="on", station=str(station["id"]),
                     idempotency_key="0b3c5d1e-near-station-1")
    assert as_opened.status_code == 303, error_of(as_opened.text)
    assert rows(engine, "SELECT near_station FROM worker_requests") == [(True,)]
    typed = send(client, "zh", near_station="on", station=str(station["id"]),
                 idempotency_key="0b3c5d1e-near-station-2")  # typed coordinates come first
    assert typed.status_code == 303, error_of(typed.text)
    assert rows(engine, "SELECT near_station FROM worker_requests ORDER BY id") == [(True,), (False,)]
    for lang, tick in (("zh", "勾选"), ("en", "tick")):
        plain = send(client, lang, lon="", lat="")
        assert plain.status_code == 422 and tick not in error_of(plain.text)
        assert "当前的位置" in error_of(plain.text) or "current location" in error_of(plain.text)
        unticked = send(client, lang, lon="", lat="", station=str(station["id"]))
        assert unticked.status_code == 422 and tick in error_of(unticked.text)
