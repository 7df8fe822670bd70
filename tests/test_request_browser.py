"""Workers' requests in a real headless Chromium with no internet: from the join form to the request
form, near a station, to the status page; a bad input said on the page with the form kept; the
rating given once; the station's popup leading to the form; and the officers' map of requests by
H3 cell, bounded by their area."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlparse

import httpx
import pytest
from playwright.sync_api import Browser, Page
from sqlalchemy import Engine

from api.app import create_app
from geo.unions import match
from officers import accounts
from officers.vocab import Role
from seed.demo import load_demo
from tests.conftest import SECRET_KEY, bearer
from tests.live import serving
from tests.test_map_browser import browser  # noqa: F401  (the module's Chromium)
from tests.union_data import clear
from yizhan.settings import Settings


@pytest.fixture(scope="module")
def site(database_url: str, engine: Engine) -> Iterator[str]:
    clear(engine)
    with engine.begin() as conn:
        conn.exec_driver_sql("TRUNCATE stations, rate_limit_hits RESTART IDENTITY CASCADE")
        load_demo(conn)
    app = create_app(Settings(database_url=database_url, secret_key=SECRET_KEY))
    with serving(app) as url:
        yield url
    clear(engine)


@pytest.fixture
def page(browser: Browser, site: str) -> Iterator[Page]:  # noqa: F811
    """A phone-sized page that can reach only yizhan; any script error fails the test."""
    context = browser.new_context(viewport={"width": 390, "height": 800})
    tab = context.new_page()
    errors: list[str] = []
    local = urlparse(site).netloc
    tab.route("**/*", lambda r: r.continue_() if urlparse(r.request.url).netloc == local
              else r.abort())
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    yield tab
    context.close()
    assert errors == []


def first_station(engine: Engine) -> tuple[int, str, float, float, str]:
    with engine.connect() as conn:
        station_id, name, lon, lat = conn.exec_driver_sql(
            "SELECT id, name, ST_X(location), ST_Y(location) FROM stations ORDER BY id LIMIT 1").one()
        union = match(conn, lon, lat).union
    assert union is not None
    return station_id, name, lon, lat, union.code


def officer_of(engine: Engine, code: str, username: str) -> dict[str, str]:
    with engine.begin() as conn:
        if accounts.by_username(conn, username) is None:
            accounts.create(conn, username, username, Role.OFFICER, code, "browser-pass-1")
    return bearer(engine, username)


def test_from_the_join_form_to_help_and_a_rating_given_once(
        page: Page, site: str, engine: Engine) -> None:
    station_id, station_name, _, _, code = first_station(engine)
    page.goto(f"{site}/join?station={station_id}")
    with page.expect_navigation():
        page.click("#ask")
    assert station_name in page.inner_text("#station")
    assert page.input_value("input[name=lon]") == ""  # the station is offered, not filled in

    # Nothing chosen and nothing written: said on the page, in Chinese, the text kept.
    page.fill("textarea[name=description]", "中午太热，驿站十二点就关门")
    page.check("input[name=near_station]")
    with page.expect_navigation():
        page.click("button[type=submit]")
    assert "请从列表中选择问题类别" in page.inner_text("#error")
    assert page.input_value("textarea[name=description]") == "中午太热，驿站十二点就关门"
    assert page.is_checked("input[name=near_station]")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM worker_requests").scalar() == 0

    page.select_option("select[name=category]", "heat_and_weather")
    with page.expect_navigation():
        page.click("button[type=submit]")  # anonymous: no phone
    status = page.locator("#status")
    assert "已提交，等待工会受理" in status.inner_text()
    assert "匿名" in page.inner_text("dl")
    request_id = int(urlparse(page.url).path.rsplit("/", 1)[1])
    with engine.connect() as conn:
        union_code, phone = conn.exec_driver_sql(
            "SELECT u.code, r.phone FROM worker_requests r JOIN unions u ON u.id = r.union_id "
            "WHERE r.id = %s", (request_id,)).one()
    assert (union_code, phone) == (code, None)

    headers = officer_of(engine, code, "browser-officer")
    closed = httpx.post(f"{site}/requests/{request_id}/close", headers=headers,
                        json={"outcome": "solved", "text": "驿站改为全天开放"})
    assert closed.status_code == 200, closed.text
    page.reload()
    assert "驿站改为全天开放" in page.inner_text("ol.history")
    page.check("#rating input[name=solved][value=true]")
    page.check("#rating input[name=rating][value='5']")
    form_url = page.url
    with page.expect_navigation():
        page.click("#rating button")
    assert "您的评价：5 分，问题已解决。" in page.inner_text("#rated")
    assert page.locator("#rating").count() == 0

    page.goto(form_url)  # the old page, as the back button brings it: the form is gone
    assert page.locator("#rating").count() == 0
    twice = page.request.post(f"{site}/request/{request_id}/feedback?token="
                              f"{form_url.split('token=')[1].split('&')[0]}&lang=zh",
                              form={"solved": "false", "rating": "1"}, max_redirects=0)
    assert twice.status == 409 and "您已经评价过了" in twice.text()


def test_a_stations_popup_leads_to_the_form(page: Page, site: str, engine: Engine) -> None:
    station_id, station_name, lon, lat, _ = first_station(engine)
    page.goto(f"{site}/maps/nearest?lon={lon}&lat={lat}&k=1&lang=en")
    page.wait_for_selector(".yz-rank-1", timeout=15_000)
    page.locator(".yz-rank-1").click()
    link = page.locator(f'.yz-popup[data-station-id="{station_id}"] a.yz-ask')
    assert link.inner_text() == "Ask the union for help"
    with page.context.expect_page() as opened:
        link.click()
    form = opened.value
    form.wait_for_load_state()
    assert station_name in form.inner_text("#station")
    assert "I work near this station" in form.inner_text("form")


def test_a_stations_popup_leads_to_the_join_form(page: Page, site: str, engine: Engine) -> None:
    station_id, station_name, lon, lat, _ = first_station(engine)
    for lang, words in (("zh", "申请入会"), ("en", "Join the union")):
        page.goto(f"{site}/maps/nearest?lon={lon}&lat={lat}&k=1&lang={lang}")
        page.wait_for_selector(".yz-rank-1", timeout=15_000)
        page.locator(".yz-rank-1").click()
        link = page.locator(f'.yz-popup[data-station-id="{station_id}"] a.yz-join')
        assert link.inner_text() == words
        assert link.get_attribute("href", timeout=1000).endswith(  # type: ignore[union-attr]
            f"/join?station={station_id}&lang={lang}")
    with page.context.expect_page() as opened:
        link.click()
    form = opened.value
    form.wait_for_load_state()
    assert station_name in form.inner_text("#station")


def test_officers_see_their_own_areas_requests_by_cell(
        page: Page, site: str, engine: Engine) -> None:
    _, _, lon, lat, code = first_station(engine)
    with engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM worker_requests")  # the other tests' here
        other = conn.exec_driver_sql(
            "SELECT code FROM unions WHERE level = (SELECT level FROM unions WHERE code = %s) "
            "AND code <> %s ORDER BY code LIMIT 1", (code, code)).scalar_one()
    for i, (category, dx) in enumerate((("heat_and_weather", 0), ("heat_and_weather", 0.0001),
                                        ("wages", 0))):
        sent = httpx.post(f"{site}/requests", headers={"Idempotency-Key": f"map-request-{i:04}"},
                          json={"category": category, "description": "中午太热",
                                "workplace": {"lon": lon + dx, "lat": lat}})
        assert sent.status_code in (200, 201), sent.text
    mine = officer_of(engine, code, "map-officer")
    expected = httpx.get(f"{site}/requests/cells.geojson?res=9&category=heat_and_weather",
                         headers=mine).json()["features"]
    assert sum(f["properties"]["requests"] for f in expected) == 2
    officer_of(engine, other, "map-stranger")

    page.goto(f"{site}/maps/requests?res=9&category=heat_and_weather&lang=en")
    for username in ("map-stranger", "map-officer"):
        if username == "map-officer":
            page.click("#yz-logout")
        page.fill("#yz-login input[name=username]", username)
        page.fill("#yz-login input[name=password]", "browser-pass-1")
        page.click("#yz-login button")
        page.wait_for_selector("#yz-panel .yz-total")
        if username == "map-stranger":  # another area: not a cell, not a count
            assert page.inner_text("#yz-panel .yz-total") == "0"
            assert page.locator("path.yz-request-cell").count() == 0
    page.wait_for_selector("path.yz-request-cell")
    assert page.locator("path.yz-request-cell").count() == len(expected)
    assert page.inner_text("#yz-panel .yz-total") == "2"
    assert "Heat and weather" in page.inner_text("#yz-panel")
