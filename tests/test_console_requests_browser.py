"""A worker's request followed to the end in a real headless Chromium, offline: asked on the
/request page, seen by the local (grid) officer in the workbench's queue, acknowledged, answered
with an update and closed, a bad input said at its field on the way; the worker's status page
then shows the update and the closing. The officer of the neighbouring grid gets 404 for it and
never sees it in the queue, the home page, the counts or the map's cells. Every console page is
checked with axe-core and for other areas' names, at a phone's size and a desktop's."""

from __future__ import annotations

import itertools
import re
from urllib.parse import urlparse

import httpx
import pytest
from playwright.sync_api import BrowserContext
from sqlalchemy import Engine

from membership.worker_requests import core
from membership.worker_requests.vocab import DEFAULT_DEADLINES
from tests.conftest import bearer
from tests.test_console_browser import (  # noqa: F401  (the module's fixtures)
    DESKTOP,
    GRID_A,
    GRID_B,
    OTHER_STREET,
    PHONE,
    Checked,
    console,
    context,
    fresh_limits,
    log_in,
)
from tests.test_console_requests import local_today
from tests.test_map_browser import browser  # noqa: F401  (the module's Chromium)

_phones = itertools.count(13_600_000_000)


@pytest.fixture(scope="module")
def stranger_requests(console: str, engine: Engine) -> list[str]:  # noqa: F811
    """A named request in the neighbouring grid and one in the neighbouring street."""
    names = ["邻格秘密求助人", "外街秘密求助人"]
    for name, at in zip(names, (GRID_B, OTHER_STREET), strict=True):
        asked = core.NewRequest.model_validate({
            "category": "wages", "description": f"{name}的事", "name": name,
            "phone": f"+86{next(_phones)}", "workplace": {"lon": at[0], "lat": at[1]}})
        with engine.begin() as conn:
            core.submit(conn, asked, local_today(), DEFAULT_DEADLINES)
    return names


@pytest.mark.parametrize("context", [PHONE, DESKTOP], indirect=True, ids=["phone", "desktop"])
def test_a_request_from_the_page_is_acknowledged_answered_and_closed(
        context: BrowserContext, console: str, engine: Engine,  # noqa: F811
        stranger_requests: list[str]) -> None:
    page = context.new_page()
    name = f"求助人{(page.viewport_size or PHONE)['width']}号"
    checked = Checked(page, stranger_requests)
    page.goto(f"{console}/request")
    page.select_option("select[name=category]", "wages")
    page.fill("textarea[name=description]", "配送站两个月没发工资")
    page.fill("input[name=lon]", str(GRID_A[0]))
    page.fill("input[name=lat]", str(GRID_A[1]))
    page.fill("input[name=phone]", str(next(_phones)))
    page.fill("input[name=name]", name)
    with page.expect_navigation():
        page.click("button[type=submit]")
    status_link = page.url
    request_id = int(urlparse(status_link).path.rsplit("/", 1)[1])
    assert "token=" in status_link

    log_in(page, console, "grid-a", "/console/requests")
    page.wait_for_url(f"{console}/console/requests")
    checked.check()
    assert name in page.inner_text(f"#request-{request_id}")
    assert "还剩 3 个工作日" in page.inner_text(f"#request-{request_id}")
    page.click(f"#request-{request_id} a")
    checked.check()
    assert "待受理" in page.inner_text("#status")
    page.click("#acknowledge")
    assert "已受理" in page.inner_text("#status")
    assert "已受理" in page.inner_text("#done")
    checked.check()

    page.click("#close")  # no outcome, no text: said at the fields, nothing written
    assert "请从列表中选择办理结果" in page.inner_text("#outcome-error")
    assert "请写明工会做了什么" in page.inner_text("#close_text-error")
    checked.check()
    page.check("#kind-update")
    page.fill("#note-text", "已约老板周五面谈")
    page.click("#note")
    assert "求助人在链接上能看到" in page.inner_text("#done")
    assert "已约老板周五面谈" in page.inner_text("ol.history")
    page.select_option("#outcome-pick", "solved")
    page.fill("#close-text", "两个月工资已全部追回")
    page.click("#close")
    assert "已办结" in page.inner_text("#status")
    assert "已解决" in page.inner_text("#outcome")
    checked.check()
    page.goto(f"{console}/console/requests/{request_id}?lang=en")
    assert "Closed" in page.inner_text("#status")
    checked.check()

    page.goto(status_link)
    history = page.inner_text("ol.history")
    assert "已约老板周五面谈" in history and "两个月工资已全部追回" in history
    assert "已办结" in page.inner_text("#status")

    assert context.browser is not None
    other = context.browser.new_context(viewport=page.viewport_size)
    try:
        theirs = other.new_page()
        hidden = Checked(theirs, [name])
        log_in(theirs, console, "grid-b", f"/console/requests/{request_id}")
        theirs.wait_for_url(re.compile(rf".*/console/requests/{request_id}$"))
        assert "没有找到" in theirs.inner_text("h1")
        for path in ("/console", "/console/requests", "/console/requests?status=closed",
                     "/console/below", "/console?lang=en"):
            response = theirs.goto(console + path)
            assert response is not None and response.status == 200
            hidden.check()
            assert f"request-{request_id}" not in theirs.content()
    finally:
        other.close()
    with engine.connect() as conn:
        closed_in_b = conn.exec_driver_sql(
            "SELECT count(*) FROM worker_requests r JOIN unions u ON u.id = r.union_id "
            "WHERE u.code LIKE 'DEMO-1-1-2%%' AND r.status = 'closed'").scalar()
    headers = bearer(engine, "grid-b")
    counts = httpx.get(f"{console}/requests/counts", headers=headers).json()
    assert counts["all"]["closed"] == closed_in_b
    cells = httpx.get(f"{console}/requests/cells.geojson?res=10", headers=headers).json()
    with engine.connect() as conn:
        cell = conn.exec_driver_sql("SELECT h3_cell FROM worker_requests WHERE id = %s",
                                    (request_id,)).scalar()
    assert cell is not None
    assert all(int(f["properties"]["cell"], 16) != cell for f in cells["features"])
    with engine.connect() as conn:  # audited as the API audits: the same actions, by this officer
        done = conn.exec_driver_sql(
            "SELECT action FROM audit_log WHERE actor = 'grid-a' AND object_type = 'request' "
            "AND object_id = %s ORDER BY id", (request_id,)).scalars().all()
    assert {"read", "acknowledge", "note", "close"} <= set(done)
