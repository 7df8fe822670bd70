"""What a rider or applicant sees in a real headless Chromium when something they typed or a link
is wrong, or a union has no phone: the form's own words, never the API's developer text."""
# ruff: noqa: F401, F811  (fixtures imported from test_map_browser, then asked for by name)

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, ViewportSize
from sqlalchemy import Engine

from tests.test_map_browser import (  # the fixtures, used by name
    PEOPLE_SQUARE,
    browser,
    demo_areas,
    fill_in_and_apply,
    live_server,
    site_ports,
)

DEVELOPER_TEXT = re.compile(r"body field|query parameter|Input should|\bgot\b|None|null|（）|\(\)")


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context()
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    context.close()
    assert errors == []


def test_the_join_form_says_in_its_words_what_to_type(page: Page, live_server: str,
                                                     demo_areas: None) -> None:
    page.goto(f"{live_server}/join")
    page.fill("input[name=lon]", "abc")
    page.fill("input[name=lat]", "31.2335")
    page.fill("input[name=name]", "王骑手")
    page.fill("input[name=phone]", "1391234567")
    page.fill("input[name=workplace_name]", "饿了么站点")
    page.check("input[name=consent]")
    page.click("button[type=submit]")
    page.wait_for_selector("#error p")
    said = page.inner_text("#error")
    assert "手机号" in said and "中国大陆的 11 位手机号" in said and "Mobile" not in said, said
    assert "工作地点经度" in said and "121.4751" in said, said
    assert not DEVELOPER_TEXT.search(said), said
    assert page.get_attribute("input[name=phone]", "aria-invalid") == "true"
    assert page.get_attribute("input[name=lon]", "aria-invalid") == "true"
    assert page.get_attribute("input[name=lat]", "aria-invalid") is None
    assert page.evaluate("document.activeElement.name") == "phone"  # the first field to fix

    page.fill("input[name=phone]", "13912345678")  # and corrected, it goes through
    page.fill("input[name=lon]", "121.4751")
    page.click("button[type=submit]")
    page.wait_for_selector("#result", state="visible")
    assert page.inner_text("#error") == ""


def test_a_union_without_a_phone_says_whom_to_ask(page: Page, live_server: str,
                                                  engine: Engine, demo_areas: None
                                                  ) -> None:
    from geo.unions import ancestors, match

    with engine.begin() as conn:
        union = match(conn, float(PEOPLE_SQUARE["lon"]), float(PEOPLE_SQUARE["lat"])).union
        assert union is not None
        above = next(u for u in reversed(ancestors(conn, union)) if u.contact_phone)
        conn.exec_driver_sql("UPDATE unions SET contact_phone = NULL, contact_address = NULL "
                             "WHERE id = %s", (union.id,))
    page.goto(f"{live_server}/join")
    page.fill("input[name=lon]", str(PEOPLE_SQUARE["lon"]))
    page.fill("input[name=lat]", str(PEOPLE_SQUARE["lat"]))
    fill_in_and_apply(page, "赵骑手")
    result = page.inner_text("#result")
    assert above.contact_phone is not None
    assert union.name in result and above.name in result and above.contact_phone in result
    assert "请联系它的上级工会" in result
    assert not DEVELOPER_TEXT.search(result), result
    page.click("#result a")  # the status page says the same
    status = page.inner_text("body")
    assert "联系谁" in status and above.name in status and "Whom to ask" not in status
    assert not DEVELOPER_TEXT.search(status), status


@pytest.mark.parametrize(("query", "said"), [
    ("", "请填写“纬度”：介于 -90 和 90 之间的数字"),
    ("lat=121.4&lon=31.2", "纬度和经度是否填反了"),
    ("lat=121.4&lon=31.2&lang=en", "did you swap latitude and longitude?"),
    ("lat=31.2&lon=121.4&k=0", "站点数填写有误，请填写介于 1 和 50 之间的整数"),
    ("lat=31.2&lon=121.4&amenity=beer&lang=en", "Amenity cannot be used: give one of"),
])
def test_a_map_link_that_is_wrong_answers_a_page_in_its_language(
        page: Page, live_server: str, query: str, said: str) -> None:
    answer = page.goto(f"{live_server}/maps/nearest?{query}")
    assert answer is not None and answer.status == 422
    assert answer.headers["content-type"].startswith("text/html")
    text = page.inner_text("body")
    assert said in text and not DEVELOPER_TEXT.search(text), text
    assert page.locator("a[href^='/maps/nearest?lat=']").count() == 1
    as_json = page.request.get(f"{live_server}/maps/nearest?{query}",
                               headers={"Accept": "application/json"})
    assert as_json.status == 422 and "message" in as_json.json()


@pytest.mark.parametrize("path", ["/maps/unions/999999", "/maps/unions/abc", "/maps/match?lat=1",
                                  "/maps/coverage?walk_m=1", "/maps/nearest?lat=1&lon=2&zoom=30",
                                  "/applications/1?token=nope", "/applications/1",
                                  "/join?station=x"])
def test_every_html_route_answers_a_browser_with_a_page(page: Page, live_server: str,
                                                        path: str) -> None:
    answer = page.goto(f"{live_server}{path}")
    assert answer is not None and 400 <= answer.status < 500
    assert answer.headers["content-type"].startswith("text/html"), path
    text = page.inner_text("body")
    assert not DEVELOPER_TEXT.search(text) and "{" not in text, text
    said = page.locator("p.status").all_inner_texts()  # what was wrong, in Chinese first
    assert said and all(re.match(r"[\u4e00-\u9fff]", line) for line in said), said


@pytest.mark.parametrize(("lang", "said"), [("zh", "开放时间: 周一至周五 09:00–17:00，法定节假日休息"),
                                            ("en", "Hours: Mon–Fri 09:00–17:00; closed on public "
                                                   "holidays")])
def test_a_popup_gives_the_hours_in_words(page: Page, live_server: str, engine: Engine,
                                          lang: str, said: str) -> None:
    first = page.request.get(f"{live_server}/stations/nearest",
                             params={**PEOPLE_SQUARE, "k": 1}).json()["features"][0]
    with engine.begin() as conn:
        old = conn.exec_driver_sql("UPDATE stations SET opening_hours = %s WHERE id = %s "
                                   "RETURNING (SELECT opening_hours FROM stations WHERE id = %s)",
                                   ("Mo-Fr 09:00-17:00; PH off", first["id"], first["id"])
                                   ).scalar_one()
    try:
        page.goto(f"{live_server}/maps/nearest?lat={PEOPLE_SQUARE['lat']}"
                  f"&lon={PEOPLE_SQUARE['lon']}&k=1&lang={lang}")
        page.locator(".yz-rank-1").click()
        hours = page.locator(".leaflet-popup-content .yz-hours")
        hours.wait_for()
        assert hours.inner_text() == said
        raw = page.request.get(f"{live_server}/stations/{first['id']}").json()
        assert raw["properties"]["opening_hours"] == "Mo-Fr 09:00-17:00; PH off"  # for API clients
    finally:
        with engine.begin() as conn:
            conn.exec_driver_sql("UPDATE stations SET opening_hours = %s WHERE id = %s",
                                 (old, first["id"]))


CLEAR = """() => {
  const panel = document.getElementById("yz-panel").getBoundingClientRect();
  const zoom = document.querySelector(".leaflet-control-zoom").getBoundingClientRect();
  const view = document.querySelector(".leaflet-container").getBoundingClientRect();
  const meets = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
  const inside = (a, b) => a.left >= b.left && a.right <= b.right && a.top >= b.top && a.bottom <= b.bottom;
  const on = el => { const r = el.getBoundingClientRect();
    const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
    return hit === el || el.contains(hit); };
  const ranks = [...document.querySelectorAll(".yz-rank")].map(el => {
    const r = el.getBoundingClientRect();
    return {rank: el.textContent, shown: inside(r, view) && !meets(r, panel) && !meets(r, zoom) && on(el)};
  });
  const scale = document.querySelector(".leaflet-control-scale").getBoundingClientRect();
  const attribution = document.querySelector(".leaflet-control-attribution").getBoundingClientRect();
  return {ranks, you: on(document.querySelector(".yz-you")), scale: !meets(scale, attribution)};
}"""


@pytest.mark.parametrize("where", ["square", "at the first station"])
def test_on_a_phone_every_numbered_station_is_clear_and_tappable(
        browser: Browser, live_server: str, where: str) -> None:
    point = dict(PEOPLE_SQUARE)
    if where != "square":  # the rider a few metres from station 1
        first = browser.new_context().request.get(
            f"{live_server}/stations/nearest", params={**PEOPLE_SQUARE, "k": 1}).json()
        lon, lat = first["features"][0]["geometry"]["coordinates"]
        point = {"lat": lat + 0.00003, "lon": lon}
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2,
                                  is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        for lang in ("zh", "en"):
            page.goto(f"{live_server}/maps/nearest?lat={point['lat']}&lon={point['lon']}&k=3"
                      f"&lang={lang}")
            page.wait_for_selector(".yz-rank-3")
            page.wait_for_timeout(300)  # the fitted view has settled
            seen = page.evaluate(CLEAR)
            assert all(r["shown"] for r in seen["ranks"]) and len(seen["ranks"]) == 3, seen
            assert seen["you"] and seen["scale"], seen
            for rank in (1, 2, 3):  # each in the fitted view (a popup may pan the map)
                page.reload()
                page.wait_for_selector(f".yz-rank-{rank}")
                page.locator(f".yz-rank-{rank}").tap(timeout=3000)
                station = page.get_attribute(f".yz-rank-{rank}", "data-station-id")
                page.locator(f'.leaflet-popup-content .yz-popup[data-station-id="{station}"]'
                             ).wait_for(timeout=3000)
    finally:
        context.close()


@pytest.mark.parametrize("path", ["/maps/match?lat=31.2335&lon=121.4751",
                                  "/maps/coverage", "/maps/unions/mine"])
def test_on_a_phone_the_scale_stays_clear_of_the_attribution(
        browser: Browser, live_server: str, demo_areas: None, path: str) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2,
                                  is_mobile=True)
    page = context.new_page()
    try:
        page.goto(f"{live_server}{path}")
        page.wait_for_selector(".leaflet-control-scale")
        assert page.evaluate("""() => {
          const a = document.querySelector(".leaflet-control-scale").getBoundingClientRect();
          const b = document.querySelector(".leaflet-control-attribution").getBoundingClientRect();
          return !(a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom);
        }""")
    finally:
        context.close()


FRAMED = """() => {
  const view = document.querySelector(".leaflet-container").getBoundingClientRect();
  const panel = document.getElementById("yz-panel").getBoundingClientRect();
  const own = document.querySelector("path.yz-own-area").getBoundingClientRect();
  const gaps = [...document.querySelectorAll("path.yz-gap")].map(p => p.getBoundingClientRect());
  const within = r => r.left >= view.left - 1 && r.right <= view.right + 1 &&
                      r.top >= view.top - 1 && r.bottom <= view.bottom + 1;
  return {within: within(own) && gaps.every(within),
          fills: Math.max(own.width / view.width, own.height / view.height),
          biggestGap: Math.max(0, ...gaps.map(r => r.width / view.width)),
          clearOfPanel: own.top >= panel.bottom - 1 || own.right <= panel.left + 1};
}"""


@pytest.mark.parametrize(("code", "walk_m", "size"), [
    ("DEMO-3-2-2", 10_000, {"width": 390, "height": 844}),  # a community with no gaps, a phone
    ("DEMO-3-2", 50, {"width": 1000, "height": 700}),  # a street with gaps
])
def test_the_gap_map_frames_the_officers_own_area(
        browser: Browser, live_server: str, engine: Engine, demo_areas: None, code: str,
        walk_m: int, size: ViewportSize) -> None:
    from officers import accounts
    from officers.vocab import Role

    username = f"gaps-{code.lower()}"
    with engine.begin() as conn:
        if accounts.by_username(conn, username) is None:
            accounts.create(conn, username, username, Role.OFFICER, code, "gap-map-pass")
    context = browser.new_context(viewport=size)
    page = context.new_page()
    try:
        page.goto(f"{live_server}/maps/coverage?walk_m={walk_m}&res=9&lang=en")
        page.fill("#yz-login input[name=username]", username)
        page.fill("#yz-login input[name=password]", "gap-map-pass")
        page.click("#yz-login button")
        page.wait_for_selector("path.yz-own-area", timeout=15_000)
        page.wait_for_timeout(500)  # the fitted view has settled
        gaps = int(page.inner_text("#yz-panel .yz-n-cells"))
        assert (gaps == 0) == (walk_m == 10_000), gaps
        if gaps == 0:
            assert "No gaps in your area" in page.inner_text("#yz-panel")
        framed = page.evaluate(FRAMED)
        assert framed["within"] and framed["fills"] > 0.3 and framed["clearOfPanel"], framed
        assert framed["biggestGap"] < 0.5, framed  # no one cell fills the screen
    finally:
        context.close()


def test_the_map_filters_stations_open_24_hours_and_names_new_amenities(
        page: Page, live_server: str, engine: Engine) -> None:
    with engine.begin() as conn:
        first = conn.exec_driver_sql(
            "SELECT id FROM stations WHERE status = 'operational' ORDER BY location <-> "
            "ST_SetSRID(ST_MakePoint(%s, %s), 4326) LIMIT 1",
            (PEOPLE_SQUARE["lon"], PEOPLE_SQUARE["lat"])).scalar_one()
        old = conn.exec_driver_sql("SELECT opening_hours, amenities FROM stations WHERE id = %s",
                                   (first,)).one()
        conn.exec_driver_sql("UPDATE stations SET opening_hours = '24/7', "
                             "amenities = '{battery_swap,shower}' WHERE id = %s", (first,))
    try:
        page.goto(f"{live_server}/maps/nearest?lat={PEOPLE_SQUARE['lat']}"
                  f"&lon={PEOPLE_SQUARE['lon']}&k=3&lang=en")
        page.check("#yz-filters input[name=open_24_7]")
        with page.expect_navigation():
            page.click("#yz-filters button[type=submit]")
        assert "open_24_7=true" in page.url
        expected = page.request.get(f"{live_server}/stations/nearest", params={
            **PEOPLE_SQUARE, "k": 3, "open_24_7": "true"}).json()["features"]
        listed = page.locator("#yz-panel li").evaluate_all(
            "items => items.map(i => Number(i.dataset.stationId))")
        assert listed == [f["id"] for f in expected] and first in listed
        assert page.is_checked("#yz-filters input[name=open_24_7]")
        page.locator(f'.yz-rank[data-station-id="{first}"]').click()
        popup = page.locator(".leaflet-popup-content .yz-popup").inner_text()
        assert "Battery swap, Shower" in popup and "Open 24 hours" in popup
    finally:
        with engine.begin() as conn:
            conn.exec_driver_sql("UPDATE stations SET opening_hours = %s, amenities = %s "
                                 "WHERE id = %s", (*old, first))


def test_map_pages_ask_for_no_favicon_yizhan_does_not_serve(page: Page, live_server: str) -> None:
    """A phone's browser asks for /favicon.ico (a 404) unless the page names an icon."""
    for path in ("/maps/nearest?lat=31.2335&lon=121.4751", "/maps/match?lat=31.2335&lon=121.4751",
                 "/maps/coverage", "/join"):
        page.goto(f"{live_server}{path}")
        assert page.locator("link[rel=icon]").get_attribute("href") == "data:,", path
