"""The applicant's status link: a page for a browser, the same JSON as ever for everyone else,
and from both nothing more than the applicant's own view, never cached nor sent on."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import Engine, text
from starlette.requests import Request

from api.html import PAGES, PageRoute, error_page, prefers_html
from api.messages import STATUS
from tests.test_applications import ID_NUMBER, apply

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
PRIVATE = {"cache-control": "no-store", "referrer-policy": "no-referrer"}


def status_path(answer: dict[str, str]) -> str:
    return answer["status_url"].split("testserver", 1)[1]


def private(response: Response) -> dict[str, str]:
    headers = response.headers
    assert "Accept" in headers["vary"]
    return {name: headers[name] for name in PRIVATE}


@pytest.mark.parametrize(("accept", "html"), [
    (None, False), ("*/*", False), ("application/json", False), ("", False),
    (BROWSER, True), ("text/html", True), ("text/*", True),
    ("text/html;q=0.9, application/json", False), ("application/json;q=0.5, text/html", True),
    ("text/html, application/json", False),  # a tie: JSON
    ("text/html;q=0, */*", False), ("TEXT/HTML; Q=1.0, application/json;q=0.999", True),
    ("text/html;q=2, application/json;q=0.5", True),  # a malformed q counts as 1
])
def test_html_is_chosen_only_when_ranked_above_json(accept: str | None, html: bool) -> None:
    headers = [] if accept is None else [(b"accept", accept.encode())]
    assert prefers_html(Request({"type": "http", "headers": headers})) is html


def test_a_browser_gets_a_page_and_an_api_client_the_same_json(
        client: TestClient, tree: dict[str, int]) -> None:
    answer = apply(client, id_number=ID_NUMBER).json()
    path = status_path(answer)
    plain = client.get(path)
    assert plain.headers["content-type"] == "application/json" and private(plain) == PRIVATE
    for accept in ("*/*", "application/json", "application/json, text/html;q=0.9"):
        same = client.get(path, headers={"Accept": accept})
        assert same.content == plain.content and private(same) == PRIVATE, accept

    page = client.get(path, headers={"Accept": BROWSER})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert private(page) == PRIVATE
    assert "default-src 'none'" in page.headers["content-security-policy"]
    mine = plain.json()
    english = client.get(f"{path}&lang=en", headers={"Accept": BROWSER})
    assert english.status_code == 200 and '<html lang="en">' in english.text
    for shown in ("已提交，等待工会联系您", f"{mine['deadline']} 前联系您", mine["union"]["name"],
                  'href="tel:12351"', "王小明（138****5678）", "美团站点（朝晖）", "覆盖您工作地点的工会",
                  "提交申请", f"<dd>{mine['id']}</dd>", "lang=en\" lang=\"en\">English</a>"):
        assert shown in page.text, shown
    for shown in ("Submitted: waiting for the union to contact you", f"by {mine['deadline']}",
                  "王小明 (138****5678)", "The union whose area covers your workplace",
                  "You applied", 'href="/request?lang=en"', ">中文</a>"):
        assert shown in english.text, shown
    assert "Submitted: waiting" not in page.text and "已提交，等待" not in english.text
    for hidden in ("13812345678", ID_NUMBER, "1002X", "朝晖路", "121.15", answer["status_url"]):
        assert hidden not in page.text and hidden not in english.text, hidden
    for shown_page in (page.text, english.text):
        assert "<script" not in shown_page and "http" not in shown_page.split("</head>")[1]


def test_a_wrong_or_missing_token_learns_nothing_as_a_page_either(
        client: TestClient, tree: dict[str, int]) -> None:
    app_id = apply(client).json()["id"]
    wrong, missing = f"/applications/{app_id}?token={'0' * 32}", f"/applications/{app_id}"
    nowhere = f"/applications/{app_id + 1000}?token={'0' * 32}"
    for path, status in ((wrong, 404), (nowhere, 404), (missing, 401)):
        as_json = client.get(path)
        as_page = client.get(path, headers={"Accept": BROWSER})
        assert as_json.status_code == as_page.status_code == status
        assert private(as_json) == private(as_page) == PRIVATE
        assert as_page.headers["content-type"].startswith("text/html")
        said = "没有找到这份申请" if status == 404 else "链接不完整"
        assert said in as_page.text and "王小明" not in as_page.text
        assert as_json.json()["message"] not in as_page.text  # the API's words, not a rider's
        assert "完整链接" in as_page.text  # what to do about it
    page = client.get(wrong, headers={"Accept": BROWSER}).text
    assert page.replace(f"with id {app_id}", "") == client.get(
        nowhere, headers={"Accept": BROWSER}).text.replace(f"with id {app_id + 1000}", "")
    too_long = client.get(f"/applications/{app_id}?token={'0' * 65}", headers={"Accept": BROWSER})
    assert too_long.status_code == 422 and "状态链接填写有误" in too_long.text


def test_every_state_reads_in_words_and_what_anyone_typed_is_escaped(
        client: TestClient, admin: dict[str, str], tree: dict[str, int], engine: Engine) -> None:
    script = "<script>window.pwned=1</script>"
    answer = apply(client, name=f"王{script}", workplace={
        "name": "<img src=x onerror=alert(1)>店", "lon": 121.15, "lat": 31.15}).json()
    path, app_id = status_path(answer), answer["id"]
    with engine.begin() as conn:
        conn.execute(text("UPDATE unions SET name = :name, contact_address = :address WHERE "
                          "code = 'K1'"), {"name": f"K1 {script}", "address": "<b>路</b> 1 号"})
        conn.execute(text("UPDATE applications SET deadline = DATE '2026-01-05' WHERE id = :id"),
                     {"id": app_id})

    def page() -> str:
        response = client.get(f"{path}&lang=en", headers={"Accept": BROWSER})
        assert response.status_code == 200, response.text
        return response.text

    overdue = page()
    assert "<script>" not in overdue and "<img" not in overdue and "<b>" not in overdue
    assert "&lt;script&gt;window.pwned=1&lt;/script&gt;" in overdue and "&lt;b&gt;路" in overdue
    assert "by 2026-01-05 and has not yet" in overdue and 'class="status overdue"' in overdue
    client.post(f"/applications/{app_id}/contact", headers=admin, json={"note": "已电话联系"})
    contacted = page()
    assert "The union has contacted you" in contacted and "The union contacted you" in contacted
    assert "已电话联系" not in contacted  # an officer's note is not the applicant's
    assert "Contact by" not in contacted
    client.post(f"/applications/{app_id}/reject", headers=admin, json={"reason": f"<i>不在</i>{script}"})
    rejected = page()
    assert "Not approved" in rejected and "Reason: &lt;i&gt;不在&lt;/i&gt;&lt;script&gt;" in rejected
    assert '<a href="/join?lang=en">' in rejected and 'class="status rejected"' in rejected
    chinese = client.get(path, headers={"Accept": BROWSER}).text
    assert "申请未通过" in chinese and "原因：&lt;i&gt;不在" in chinese and '<a href="/join">' in chinese
    again = apply(client, phone="13912345678").json()
    client.post(f"/applications/{again['id']}/approve", headers=admin, json={})
    approved = client.get(status_path(again) + "&lang=en", headers={"Accept": BROWSER}).text
    assert "Approved: you are a member of the union" in approved and "Welcome" in approved


def test_an_outage_is_not_blamed_on_the_link() -> None:
    route = PAGES["/applications/{application_id}"]
    chinese, english = (error_page(503, [STATUS[503]], PageRoute(i, route)) for i in (0, 1))
    assert "暂时无法使用" in chinese and "完整链接" not in chinese and "try again" not in chinese
    assert "try again later" in english and "whole link" not in english
