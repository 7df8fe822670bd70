"""The station page a poster's QR code opens, in a real headless Chromium: what the station
offers in the page's language, and the 签到 button counted once per device and window."""
# ruff: noqa: F401, F811  (fixtures imported from test_map_browser, then asked for by name)

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page
from sqlalchemy import Engine, text

from tests.test_console_browser import AXE
from tests.test_map_browser import browser, live_server, site_ports
from tests.test_pages_browser import DEVELOPER_TEXT


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(user_agent="Rider phone")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    context.close()
    assert errors == []


def accessible(page: Page) -> None:
    page.evaluate(AXE + "\n;0")
    found = page.evaluate("""async () => (await axe.run(document, {resultTypes:
        ['violations']})).violations.filter(v => ['serious', 'critical'].includes(v.impact))
        .map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '))""")
    assert found == [], found


def test_check_in_from_the_station_page(page: Page, live_server: str, engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("TRUNCATE visits, visit_counts"))
        station = conn.execute(text("SELECT id, name FROM stations WHERE status = 'operational' "
                                    "ORDER BY id LIMIT 1")).one()
    page.goto(f"{live_server}/s/{station.id}")
    assert page.inner_text("h1") == station.name
    body = page.inner_text("body")
    assert "开放时间" in body and "签到" in body and "高德" in body and "不记录姓名" in body
    assert not DEVELOPER_TEXT.search(body), body
    accessible(page)
    page.select_option("#group", "courier")
    page.click("button[type=submit]")
    assert page.inner_text("#done") == "签到成功，谢谢！"
    page.click("button[type=submit]")
    assert "只记一次" in page.inner_text("#done")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT station_id, occupation_group FROM visits")).all() == [
            (station.id, "courier")]

    page.goto(f"{live_server}/s/{station.id}?lang=en")
    body = page.inner_text("body")
    assert "Opening hours" in body and "I'm here" in body and "签到成功" not in body
    assert not DEVELOPER_TEXT.search(body), body
    accessible(page)

    page.goto(f"{live_server}/s/99999999")
    assert "99999999" in page.inner_text("body") and "附近站点地图" in page.inner_text("body")
