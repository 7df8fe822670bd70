"""Pages in a real headless Chromium with no internet: /maps/nearest (the map, markers and
popups work and every script and style comes from yizhan itself), the API docs, and the join form
a station's QR code opens."""

from __future__ import annotations

import io
import shutil
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import Browser, Geolocation, Page, Route, sync_playwright
from sqlalchemy import Engine

from api.app import create_app
from geo import workplaces
from geo.crs import Crs
from officers import accounts
from officers.vocab import Role
from seed.demo import load_demo
from tests.conftest import SECRET_KEY, bearer
from tests.live import free_port, serving
from yizhan.settings import Settings

CHROMIUM_FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"]
PEOPLE_SQUARE: dict[str, str | float | bool] = {"lat": 31.2335, "lon": 121.4751}


@pytest.fixture(scope="module")
def site_ports() -> tuple[int, int]:
    """Ports of two other sites: a partner allowed to embed the maps, and a stranger."""
    return free_port(), free_port()


@pytest.fixture(scope="module")
def live_server(database_url: str, engine: Engine, site_ports: tuple[int, int]) -> Iterator[str]:
    with engine.begin() as conn:
        conn.exec_driver_sql("TRUNCATE stations RESTART IDENTITY CASCADE")
        load_demo(conn)
    app = create_app(Settings(database_url=database_url, secret_key=SECRET_KEY,
                              embed_origins=[f"http://127.0.0.1:{site_ports[0]}"]))
    with serving(app) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    chromium = shutil.which("chromium")
    assert chromium, "Chromium is missing: `make test` installs Debian's chromium package"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def offline_page(browser: Browser, live_server: str) -> Iterator[tuple[Page, list[str], list[str]]]:
    """A page that can reach only the yizhan server; what else it asked for is recorded."""
    context = browser.new_context(viewport={"width": 1000, "height": 700})
    page = context.new_page()
    blocked: list[str] = []
    errors: list[str] = []
    local = urlparse(live_server).netloc

    def route(r: Route) -> None:
        if urlparse(r.request.url).netloc == local:
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error"
            and "ERR_FAILED" not in msg.text else None)
    yield page, blocked, errors
    context.close()


def test_nearest_map_renders_offline_and_popups_name_the_station(
    offline_page: tuple[Page, list[str], list[str]], live_server: str, tmp_path: Path
) -> None:
    page, blocked, errors = offline_page
    expected = page.request.get(f"{live_server}/stations/nearest",
                                params={**PEOPLE_SQUARE, "k": 3}).json()["features"]
    assert len(expected) == 3

    page.goto(f"{live_server}/maps/nearest?lat=31.2335&lon=121.4751&k=3")
    page.wait_for_selector(".yz-rank-3", timeout=15_000)
    assert page.evaluate("typeof L") == "object", "Leaflet did not load from /static"
    assert page.locator(".yz-rank").count() == 3
    assert page.locator("path.yz-station").count() >= 20
    assert page.locator(".yz-you").count() == 1
    assert page.locator("path.yz-line").count() == 3
    listed = page.locator("#yz-panel li").evaluate_all(
        "items => items.map(i => Number(i.dataset.stationId))")
    assert listed == [f["id"] for f in expected]

    page.locator(".yz-rank-1").click()
    popup = page.locator(".leaflet-popup-content .yz-popup")
    popup.wait_for(timeout=5_000)
    assert popup.get_attribute("data-station-id") == str(expected[0]["id"])
    assert expected[0]["properties"]["name"] in popup.inner_text()

    page.locator(".leaflet-popup-close-button").click()
    other = page.evaluate("""() => {  // a station drawn in view, nothing on top of it
        for (const p of document.querySelectorAll('path.yz-station')) {
            const r = p.getBoundingClientRect();
            if (r.width > 0 && document.elementFromPoint(r.left + r.width / 2,
                                                         r.top + r.height / 2) === p) {
                return {id: p.getAttribute('class').split('yz-station-')[1].split(' ')[0],
                        x: r.left + r.width / 2, y: r.top + r.height / 2};
            }
        }
    }""")
    assert other is not None
    other_id = other["id"]
    page.mouse.click(other["x"], other["y"])
    page.locator(f'.leaflet-popup-content .yz-popup[data-station-id="{other_id}"]').wait_for()

    page.screenshot(path=str(tmp_path / "nearest.png"))
    assert errors == []
    tile_host = urlparse(Settings().tiles_url).netloc
    assert all(urlparse(url).netloc == tile_host for url in blocked), blocked


def test_map_with_no_station_in_reach_says_so(
    offline_page: tuple[Page, list[str], list[str]], live_server: str
) -> None:
    page, _, errors = offline_page
    page.goto(f"{live_server}/maps/nearest?lat=31.2335&lon=121.4751&radius_m=1&lang=en")
    page.wait_for_selector("#yz-panel")
    assert "No matching station nearby" in page.locator("#yz-panel").inner_text()
    assert page.evaluate("typeof L") == "object"
    assert errors == []


def test_api_docs_render_offline(
    offline_page: tuple[Page, list[str], list[str]], live_server: str
) -> None:
    page, blocked, errors = offline_page
    page.goto(f"{live_server}/docs")
    page.wait_for_selector(".swagger-ui .info .title", timeout=15_000)
    assert "yizhan" in page.locator(".swagger-ui .info .title").inner_text()
    assert page.locator(".opblock-summary-path", has_text="/stations/nearest").count() == 1
    assert blocked == [] and errors == []


def test_a_station_qr_code_opens_the_join_form_and_applying_works(
    offline_page: tuple[Page, list[str], list[str]], live_server: str, engine: Engine,
    demo_areas: None
) -> None:
    import httpx
    import segno

    from geo.unions import match

    page, blocked, errors = offline_page
    with engine.begin() as conn:  # the demo data has area unions over the stations
        station_id, station_name, lon, lat = conn.exec_driver_sql(
            "SELECT id, name, ST_X(location), ST_Y(location) FROM stations "
            "ORDER BY id LIMIT 1").one()
        expected_union = match(conn, lon, lat).union
    assert expected_union is not None
    qr = httpx.get(f"{live_server}/stations/{station_id}/join-qr.png")
    assert qr.status_code == 200 and qr.headers["content-type"] == "image/png"
    expected = io.BytesIO()
    segno.make(f"{live_server}/join?station={station_id}", error="m").save(
        expected, kind="png", scale=8, border=2)
    assert qr.content == expected.getvalue()  # the code holds the form's address
    assert httpx.get(f"{live_server}/stations/999999/join-qr.png").status_code == 404

    page.goto(f"{live_server}/join?station={station_id}")
    assert station_name in page.inner_text("#station")
    # Where the rider found the form is not where they work: nothing is filled in for them.
    assert page.input_value("input[name=lon]") == page.input_value("input[name=lat]") == ""
    # Ticked as /request ticks it: with no coordinates typed, the station is where they work.
    assert page.is_checked("#near-station") and page.locator("#near-station").is_visible()
    fill_in_and_apply(page, "张骑手")
    assert expected_union.name in page.inner_text("#result")
    with engine.connect() as conn:
        stored = conn.exec_driver_sql("SELECT station_id, name FROM applications").all()
    assert stored == [(station_id, "张骑手")]

    page.click("#result a")  # the status link, as the rider's browser opens it
    status = page.locator("#status")
    assert status.is_visible() and "等待工会联系您" in status.inner_text()
    assert expected_union.name in page.inner_text("dl")
    assert blocked == [] and errors == []


def test_on_a_phone_each_refused_field_says_why_right_under_it(
    browser: Browser, live_server: str, engine: Engine, demo_areas: None
) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    try:
        page = context.new_page()
        page.goto(f"{live_server}/join?station=99999")  # no station offered: where is missing
        page.fill("input[name=name]", "王骑手")
        page.fill("input[name=phone]", "12345")
        page.fill("input[name=workplace_name]", "饿了么站点")
        page.check("input[name=consent]")
        page.click("button[type=submit]")
        page.wait_for_selector("#error-phone")
        for name in ("phone", "lon", "lat"):
            field = page.locator(f"input[name={name}]").bounding_box()
            said = page.locator(f"#error-{name}").bounding_box()
            assert field is not None and said is not None
            assert 0 <= said["y"] - (field["y"] + field["height"]) < 40, name  # right under it
            assert page.get_attribute(f"input[name={name}]", "aria-describedby") == f"error-{name}"
        assert "手机号" in page.inner_text("#error-phone")
        summary = page.locator("#error").bounding_box()
        button = page.locator("button[type=submit]").bounding_box()
        assert summary is not None and button is not None and (
            0 <= button["y"] - (summary["y"] + summary["height"]) < 40)  # the summary at the button
        assert page.evaluate("document.activeElement.name") == "phone"
        page.fill("input[name=phone]", "13700001111")
        page.fill("input[name=lon]", "121.4737")
        page.fill("input[name=lat]", "31.2304")
        page.click("button[type=submit]")
        page.wait_for_selector("#result", state="visible")
        assert page.locator(".field-error").count() == 0
    finally:
        context.close()


def test_an_applicant_withdraws_on_the_status_page(
    offline_page: tuple[Page, list[str], list[str]], live_server: str, engine: Engine,
    demo_areas: None
) -> None:
    page, blocked, errors = offline_page
    page.goto(f"{live_server}/join")
    page.fill("input[name=lon]", "121.4737")
    page.fill("input[name=lat]", "31.2304")
    fill_in_and_apply(page, "李撤回")
    page.click("#result a")
    page.wait_for_selector("#status")
    app_id = int(urlparse(page.url).path.rsplit("/", 1)[1])
    page.click("form.withdraw button[type=submit]")  # not confirmed: the browser holds the form
    assert page.locator("#status").inner_text().startswith("已提交")
    page.check("form.withdraw input[name=confirm]")
    page.click("form.withdraw button[type=submit]")
    page.wait_for_selector("#status.withdrawn")
    assert "您已撤回申请" in page.inner_text("#status")
    shown = page.inner_text("body")
    assert "已删除" in shown and "李撤回" not in shown and "None" not in shown
    assert "token=" in page.url and "/withdraw" not in page.url  # back on the status link
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT name, phone, status FROM applications WHERE id = %s",
                                    (app_id,)).one() == (None, None, "withdrawn")
    assert blocked == [] and errors == []


def fill_in_and_apply(page: Page, name: str) -> None:
    page.fill("input[name=name]", name)
    page.fill("input[name=phone]", "13700001111")
    page.fill("input[name=workplace_name]", "饿了么站点")
    page.check("input[name=consent]")
    page.click("button[type=submit]")
    page.wait_for_selector("#result", state="visible")


def test_the_join_form_finds_the_rider_or_says_why_not(
        browser: Browser, live_server: str, engine: Engine, demo_areas: None) -> None:
    from geo.unions import match

    device: Geolocation = {"latitude": 31.2401, "longitude": 121.4802}
    with engine.connect() as conn:
        expected_union = match(conn, device["longitude"], device["latitude"]).union
    assert expected_union is not None
    allowed = browser.new_context(geolocation=device, permissions=["geolocation"])
    refused = browser.new_context()
    try:
        page = allowed.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        # In English throughout: the form, its script's words, and the status page it links to.
        page.goto(f"{live_server}/join?station=99999&lang=en")
        assert "There is no station 99999" in page.inner_text("#station-missing")
        assert page.locator("#near-station").is_hidden()
        page.click("#locate")
        page.wait_for_function("document.querySelector('input[name=lat]').value !== ''")
        assert page.input_value("input[name=lon]") == "121.480200"
        assert page.input_value("input[name=lat]") == "31.240100"
        assert "current position is filled in" in page.inner_text("#where")
        fill_in_and_apply(page, "李骑手")  # the unknown station is not sent: the API would refuse it
        assert expected_union.name in page.inner_text("#result")
        assert "Submitted: your application number is" in page.inner_text("#result")
        page.click("#result a")
        assert "Submitted: waiting for the union to contact you" in page.inner_text("#status")
        with engine.connect() as conn:
            stored = conn.exec_driver_sql("SELECT station_id FROM applications").all()
        assert stored == [(None,)]
        assert errors == []

        page = refused.new_page()
        page.goto(f"{live_server}/join")
        page.click("#locate")
        page.wait_for_selector("#where.warning")
        assert "您没有允许本页使用位置" in page.inner_text("#where")
        assert page.input_value("input[name=lon]") == ""

        bad = page.goto(f"{live_server}/join?station=abc")
        assert bad is not None and bad.status == 422
        assert "驿站编号填写有误" in page.inner_text("body")
        with page.expect_navigation():
            page.click("a[href='/join']")  # and on to the form without a station
        assert page.locator("#form").is_visible()
    finally:
        allowed.close()
        refused.close()


def host_page(port: int, body: str) -> ThreadingHTTPServer:
    """Another site, on another origin: one page with the given HTML."""
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(body.encode())

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def test_the_map_embeds_in_an_allowed_origin_and_is_refused_in_another(
        browser: Browser, live_server: str, site_ports: tuple[int, int]) -> None:
    partner, stranger = site_ports
    src = f"{live_server}/maps/nearest?lat=31.2335&lon=121.4751&k=3"
    frame = f'<iframe id="map" src="{src}" width="800" height="500"></iframe>'
    sites = [host_page(partner, frame), host_page(stranger, frame)]
    context = browser.new_context()
    page = context.new_page()
    refusals: list[str] = []
    page.on("console", lambda msg: refusals.append(msg.text) if "frame-ancestors" in msg.text
            else None)
    try:
        page.goto(f"http://127.0.0.1:{partner}/")
        page.frame_locator("#map").locator(".yz-rank-3").wait_for(timeout=15_000)
        assert refusals == []
        page.goto(f"http://127.0.0.1:{stranger}/")
        page.wait_for_load_state("load")
        page.wait_for_timeout(500)
        assert len(refusals) == 1 and "has been blocked" in refusals[0], refusals
        assert page.frame_locator("#map").locator(".leaflet-container").count() == 0
    finally:
        context.close()
        for site in sites:
            site.shutdown()


@pytest.fixture
def demo_areas(engine: Engine, live_server: str) -> Iterator[None]:
    """The demo area unions (another test here clears them)."""
    from tests.union_data import clear

    with engine.begin() as conn:
        load_demo(conn, if_empty=True)
    yield
    clear(engine)


def test_match_map_shows_the_areas_and_the_border(
        offline_page: tuple[Page, list[str], list[str]], live_server: str, engine: Engine,
        demo_areas: None) -> None:
    page, _, errors = offline_page
    answer = page.request.get(f"{live_server}/unions/match", params=PEOPLE_SQUARE).json()
    page.goto(f"{live_server}/maps/match?lat=31.2335&lon=121.4751&lang=en")
    page.wait_for_selector("path.yz-area-chosen", timeout=15_000)
    assert page.locator("#yz-panel").get_attribute("data-status") == answer["status"]
    listed = page.locator("#yz-panel li").evaluate_all("items => items.map(i => i.dataset.unionCode)")
    covering = [u["code"] for level in answer["levels"].values() for u in level]
    assert listed == covering  # widest level first
    chosen = page.locator("#yz-panel li:has(.yz-chosen)").get_attribute("data-union-code")
    assert chosen == answer["union"]["code"]
    assert page.locator("path.yz-area").count() == len(covering)
    # The chosen area's west edge, half-way up, is shared with its western neighbour.
    area = page.request.get(f"{live_server}/unions/{answer['union']['id']}").json()["geometry"]
    ring = area["coordinates"][0][0] if area["type"] == "MultiPolygon" else area["coordinates"][0]
    xs, ys = [x for x, _ in ring], [y for _, y in ring]
    edge = {"lon": min(xs), "lat": (min(ys) + max(ys)) / 2}
    on_edge = page.request.get(f"{live_server}/unions/match", params=edge).json()
    page.goto(f"{live_server}/maps/match?lat={edge['lat']}&lon={edge['lon']}&lang=en")
    page.wait_for_selector("path.yz-area-chosen", timeout=15_000)
    assert "on the border" in page.locator("#yz-panel").inner_text()
    tied = on_edge["levels"][on_edge["union"]["level"]]
    rule = page.locator(".yz-tie-rule").inner_text()
    assert len(tied) == 2 and "2 areas of the same level" in rule
    with engine.connect() as conn:  # both on the border: the smaller area, else the lower code
        chosen, other = (conn.exec_driver_sql("SELECT area_m2 FROM unions WHERE id = %s",
                                              (u["id"],)).scalar_one()
                         for u in sorted(tied, key=lambda u: u["id"] != on_edge["union"]["id"]))
    assert ("chosen area being smaller" if chosen < other else "the lower code decided") in rule
    assert page.locator("path.yz-area").count() == sum(map(len, on_edge["levels"].values()))
    page.goto(f"{live_server}/maps/match?lat=30.9&lon=122.5")  # at sea: no union, none near
    page.wait_for_selector("#yz-panel .yz-next")
    assert page.locator("#yz-panel").get_attribute("data-status") == "not_covered"
    assert "职工服务热线 12351" in page.locator(".yz-next").inner_text()
    assert page.locator('.yz-next a[href="tel:12351"]').count() == 1
    page.locator(".yz-next a", has_text="附近的站点").click()
    page.wait_for_url("**/maps/nearest?lat=30.900000&lon=122.500000&lang=zh")
    assert errors == []


def test_union_map_shows_children_coverage_and_clustered_stations(
        offline_page: tuple[Page, list[str], list[str]], live_server: str,
        demo_areas: None) -> None:
    page, blocked, errors = offline_page
    street = page.request.get(f"{live_server}/unions/match",
                              params=PEOPLE_SQUARE).json()["ancestors"][-1]
    children = page.request.get(f"{live_server}/unions/{street['id']}/children").json()
    page.goto(f"{live_server}/maps/unions/{street['id']}?lang=en")
    page.wait_for_selector("path.yz-union", timeout=15_000)
    panel = page.locator("#yz-panel")
    assert panel.get_attribute("data-union-code") == street["code"]
    assert page.locator("path.yz-child").count() == children["total"] > 0
    interior = int(panel.locator(".yz-n-interior").inner_text())
    border = int(panel.locator(".yz-n-border").inner_text())
    assert page.locator("path.yz-cell-interior").count() == interior > 0
    assert page.locator("path.yz-cell-border").count() == border > 0
    stations = int(panel.locator(".yz-n-stations").inner_text())
    assert stations > 0  # every one shown, in a cluster or alone, once the zoom has settled
    page.wait_for_function(
        "n => [...document.querySelectorAll('.marker-cluster span')].reduce("
        "(sum, s) => sum + Number(s.textContent), 0)"
        " + document.querySelectorAll('path.yz-station').length === n", arg=stations,
        timeout=10_000)
    listed = page.locator("#yz-panel .yz-children a")
    assert listed.count() == children["total"]
    first = children["unions"][0]  # both by code
    with page.expect_navigation():
        listed.first.click()
    assert page.url.endswith(f"/maps/unions/{first['id']}?lang=en")
    page.wait_for_selector(f"#yz-panel[data-union-code='{first['code']}']")
    assert errors == [] and all("/static/" not in url for url in blocked)


def test_exported_pages_open_from_disk_with_no_server(
        browser: Browser, database_url: str, engine: Engine, demo_areas: None,
        tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from geo import unions
    from geo.jurisdiction import Jurisdiction
    from officers import dashboard
    from yizhan.cli import app

    env = {"YIZHAN_DATABASE_URL": database_url}
    exports = {"match.html": (["match", "--lat", "31.2335", "--lon", "121.4751", "--zoom", "12"],
                              "path.yz-area"),
               "union.html": (["union", "DEMO-3-2"], "path.yz-union"),
               "nearest.html": (["nearest", "--lat", "31.2335", "--lon", "121.4751"], ".yz-rank-1"),
               "coverage.html": (["coverage", "DEMO-3-2", "--walk-m", "300", "--res", "9"],
                                 "path.yz-gap")}
    context = browser.new_context()
    page = context.new_page()
    asked: list[str] = []

    def only_files(route: Route) -> None:
        if route.request.url.startswith("file://"):
            route.continue_()
        else:
            asked.append(route.request.url)
            route.abort()
    page.route("**/*", only_files)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("requestfailed", lambda r: errors.append(r.url) if r.url.startswith("file:") else None)
    try:
        for name, (args, selector) in exports.items():
            result = CliRunner().invoke(app, ["maps", "export", *args, "-o", str(tmp_path / name)],
                                        env=env)
            assert result.exit_code == 0, result.output
            html = (tmp_path / name).read_text("utf-8")
            assert "/static/" not in html and "<script src" not in html
            page.goto((tmp_path / name).as_uri())
            page.wait_for_selector(selector, timeout=15_000)
            assert page.evaluate("typeof L") == "object"
            assert "/maps/unions/" not in html  # no links to pages that need the server
        with engine.connect() as conn:
            street = unions.by_code(conn, "DEMO-3-2")
            assert street is not None
            _, cells = dashboard.gaps(conn, Jurisdiction(street.path), 300, 9)
        assert cells and page.locator("path.yz-gap").count() == len(cells)
        beyond = sum(c.workplaces for c in cells)
        assert int(page.locator("#yz-panel .yz-beyond").inner_text()) == beyond
        assert '"zoom": 12,' in (tmp_path / "match.html").read_text("utf-8")
        assert errors == []
        assert all("tile.openstreetmap.org" in url for url in asked), asked  # only base tiles
        nowhere = CliRunner().invoke(app, ["maps", "export", "union", "DEMO-3-2", "-o",
                                           str(tmp_path / "no" / "x.html")], env=env)
        assert nowhere.exit_code == 1 and "does not exist" in nowhere.output
    finally:
        context.close()


def test_nearest_map_filters_and_finds_the_device(browser: Browser, live_server: str) -> None:
    device: Geolocation = {"latitude": 31.2401, "longitude": 121.4802}
    context = browser.new_context(geolocation=device, permissions=["geolocation"])
    page = context.new_page()
    try:
        page.goto(f"{live_server}/maps/nearest?lat=31.2335&lon=121.4751&k=3&lang=en&zoom=15")
        page.check("#yz-filters input[value=drinking_water]")
        page.check("#yz-filters input[name=open_now]")
        with page.expect_navigation():
            page.click("#yz-filters button[type=submit]")
        assert "amenity=drinking_water" in page.url and "open_now=true" in page.url
        assert "zoom=15" in page.url and "lang=en" in page.url  # the rest of the URL is kept
        expected = page.request.get(f"{live_server}/stations/nearest", params={
            **PEOPLE_SQUARE, "k": 3, "amenity": "drinking_water", "open_now": "true"}).json()
        listed = page.locator("#yz-panel li").evaluate_all(
            "items => items.map(i => Number(i.dataset.stationId))")
        assert listed == [f["id"] for f in expected["features"]]
        assert page.is_checked("#yz-filters input[value=drinking_water]")  # kept on the page
        with page.expect_navigation():
            page.click("#yz-locate")
        query = parse_qs(urlparse(page.url).query)
        assert query["lat"] == ["31.240100"] and query["lon"] == ["121.480200"]
        assert query["crs"] == ["wgs84"] and query["amenity"] == ["drinking_water"]
        page.wait_for_selector(".yz-you")
        page.goto(f"{live_server}/maps/nearest?lat=31.2335&lon=121.4751&amenity=wifi&lang=en")
        with page.expect_navigation():  # an amenity without a box of its own is kept too
            page.click("#yz-filters button[type=submit]")
        assert parse_qs(urlparse(page.url).query)["amenity"] == ["wifi"]
    finally:
        context.close()


def test_on_a_phone_the_panel_stays_small_and_folds_away(browser: Browser, live_server: str) -> None:
    context = browser.new_context(viewport={"width": 360, "height": 480})
    page = context.new_page()
    try:
        page.goto(f"{live_server}/maps/nearest?lat=31.2335&lon=121.4751&k=10&lang=en")
        panel = page.locator("#yz-panel")
        box = panel.bounding_box()
        assert box is not None and box["height"] <= 0.45 * 480 + 1 and box["width"] <= 300
        page.click("#yz-panel-toggle")
        assert not panel.is_visible()
        page.wait_for_selector(".yz-rank-1")  # the numbered stations are there to tap
        page.click("#yz-panel-toggle")
        assert panel.is_visible()
        assert page.get_attribute("#yz-panel-toggle", "aria-expanded") == "true"
    finally:
        context.close()


def test_on_a_phone_a_stations_tooltip_stays_on_the_screen(
        browser: Browser, live_server: str) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        page.goto(f"{live_server}/maps/nearest?lat=31.2335&lon=121.4751&k=10&lang=en")
        page.wait_for_selector(".yz-rank-1")
        page.click("#yz-panel-toggle")  # the panel folded away: every pin can be reached
        shown = 0
        for rank in range(1, 6):  # the five nearest: all in the fitted view
            pin = page.locator(f".yz-rank-{rank}")
            box = pin.bounding_box()
            if not pin.is_visible() or box is None or not (
                    0 <= box["x"] <= 390 - box["width"] and 0 <= box["y"] <= 844 - box["height"]):
                continue
            pin.hover(force=True)
            tip = page.locator(".leaflet-tooltip", has_text=f"{rank}. ")
            tip.wait_for()
            page.wait_for_function(  # placed by Leaflet on the next frame
                "() => [...document.querySelectorAll('.leaflet-tooltip')].every("
                "t => t.getBoundingClientRect().top > 0)")
            where = tip.bounding_box()
            assert where is not None and where["x"] >= 0 and where["x"] + where["width"] <= 390, (
                rank, where)
            shown += 1
            page.mouse.move(0, 0)
        assert shown >= 3
    finally:
        context.close()


def area_box(engine: Engine, code: str) -> tuple[int, float, float, float, float]:
    with engine.connect() as conn:
        return conn.exec_driver_sql(
            "SELECT id, ST_XMin(area), ST_YMin(area), ST_XMax(area), ST_YMax(area) FROM unions "
            "WHERE code = %s", (code,)).one()


FIND_IN_VIEW = """selector => {
  const view = document.querySelector(".leaflet-container").getBoundingClientRect();
  const panel = document.getElementById("yz-panel").getBoundingClientRect();
  const inside = (r, x, y) => r.left <= x && x <= r.right && r.top <= y && y <= r.bottom;
  for (const el of document.querySelectorAll(selector)) {
    const r = el.getBoundingClientRect(), x = r.left + r.width / 2, y = r.top + r.height / 2;
    // and nothing else on top of it there (a cluster's icon, a popup)
    if (inside(view, x, y) && !inside(panel, x, y) && document.elementFromPoint(x, y) === el) {
      // and where it was at the last poll: a map still zooming or panning moves it under the click
      const last = window.yzLastInView;
      window.yzLastInView = [x, y];
      return last && last[0] === x && last[1] === y ? [x, y] : null;
    }
  }
  return null;
}"""


def click_in_view(page: Page, selector: str) -> None:
    """Click the first element that shows on the map, clear of the panel and of anything drawn
    over it (tiles reach beyond the map's edges, and cluster icons sit above the points), once
    the tiles in view have drawn one and the map has stopped moving."""
    at = page.wait_for_function(FIND_IN_VIEW, arg=selector, timeout=15_000).json_value()
    page.mouse.click(*at)


def officer_with_workplaces(engine: Engine, username: str, union_code: str, password: str,
                            points: list[tuple[float, float]]) -> None:
    """An officer of the union, and workplaces at the points, matched to their unions."""
    with engine.begin() as conn:
        accounts.create(conn, username, username, Role.OFFICER, union_code, password)
        rows = [{"external_id": f"{username}-{i}", "name": f"单位{i}",
                 **workplaces.location_columns(x, y, Crs.WGS84)} for i, (x, y) in enumerate(points)]
        workplaces.rematch_ids(conn, [i for i, _ in workplaces.upsert(conn, rows)])


def test_coverage_map_logs_in_and_draws_the_gaps(
        offline_page: tuple[Page, list[str], list[str]], live_server: str, engine: Engine,
        demo_areas: None) -> None:
    page, _, errors = offline_page
    _, x1, y1, x2, y2 = area_box(engine, "DEMO-3-2")
    officer_with_workplaces(engine, "street-32", "DEMO-3-2", "coverage-pass-1",
                            [(x1 + (x2 - x1) * (i + 0.5) / 12, (y1 + y2) / 2) for i in range(12)])
    expected = page.request.get(f"{live_server}/officer/coverage.geojson?walk_m=200&res=9",
                                headers=bearer(engine, "street-32")).json()
    assert expected["features"]
    page.goto(f"{live_server}/maps/coverage?walk_m=200&res=9&lang=en")
    page.fill("#yz-login input[name=username]", "street-32")
    page.fill("#yz-login input[name=password]", "wrong-password")
    page.click("#yz-login button")
    page.wait_for_selector("#yz-login .yz-error:has-text('Login failed')")
    page.fill("#yz-login input[name=username]", "street-32")
    page.fill("#yz-login input[name=password]", "coverage-pass-1")
    page.click("#yz-login button")
    page.wait_for_selector("path.yz-gap", timeout=15_000)
    assert page.locator("path.yz-gap").count() == len(expected["features"])
    beyond = sum(f["properties"]["workplaces_beyond"] for f in expected["features"])
    assert int(page.locator("#yz-panel .yz-beyond").inner_text()) == beyond > 0
    page.wait_for_function("document.querySelectorAll('.leaflet-tile path').length > 0")
    page.reload()  # the token stays with the tab
    page.wait_for_selector("path.yz-gap", timeout=15_000)
    page.click("#yz-logout")
    page.wait_for_selector("#yz-login")
    assert page.locator("path.yz-gap").count() == 0
    assert errors == [] or all("401" in e for e in errors), errors


def test_union_map_draws_many_stations_from_vector_tiles(
        offline_page: tuple[Page, list[str], list[str]], live_server: str, engine: Engine,
        database_url: str, demo_areas: None, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from maps.union_page import MARKER_LIMIT
    from yizhan.cli import app as cli

    page, _, errors = offline_page
    extra = MARKER_LIMIT + 100
    with engine.begin() as conn:
        street_id, x1, y1, x2, y2 = conn.exec_driver_sql(
            "SELECT id, ST_XMin(area), ST_YMin(area), ST_XMax(area), ST_YMax(area) FROM unions "
            "WHERE code = 'DEMO-3-2'").one()
        conn.exec_driver_sql(
            "INSERT INTO stations (external_id, name, location, h3_r10) SELECT 'bulk' || g, "
            "'批量站点' || g, ST_SetSRID(ST_MakePoint(%s + (%s - %s) * (0.05 + 0.9 * random()), "
            "%s + (%s - %s) * (0.05 + 0.9 * random())), 4326), 0 FROM generate_series(1, %s) g",
            (x1, x2, x1, y1, y2, y1, extra))
    try:
        tiles: list[str] = []
        page.on("request", lambda r: tiles.append(r.url) if "/tiles/stations/" in r.url else None)
        response = page.goto(f"{live_server}/maps/unions/{street_id}?lang=en")
        assert response is not None and len(response.body()) < 400_000  # no station in the page
        page.wait_for_selector("#yz-panel .yz-tiled")
        total = int(page.locator("#yz-panel .yz-n-stations").inner_text())
        assert total > extra
        page.wait_for_function(f"document.querySelectorAll('.leaflet-tile path').length >= {total}",
                               timeout=15_000)  # a point near a tile's edge is drawn in both
        assert tiles and page.locator("path.yz-station").count() == 0
        click_in_view(page, ".leaflet-yz-points-pane path")  # a tiled station opens its popup
        popup = page.locator(".leaflet-popup .yz-popup[data-station-id]")
        popup.wait_for()
        with engine.connect() as conn:
            name = conn.exec_driver_sql("SELECT name FROM stations WHERE id = %s", (
                int(popup.get_attribute("data-station-id") or 0),)).scalar_one()
        assert popup.inner_text() == name
        assert errors == []
        # An exported page has no server to draw tiles from: every station is in the file.
        out = tmp_path / "street.html"
        result = CliRunner().invoke(cli, ["maps", "export", "union", "DEMO-3-2", "-o", str(out)],
                                    env={"YIZHAN_DATABASE_URL": database_url})
        assert result.exit_code == 0, result.output
        html = out.read_text("utf-8")
        assert html.count('"yz-station yz-station-') == total and "/tiles/" not in html
    finally:
        with engine.begin() as conn:
            conn.exec_driver_sql("DELETE FROM stations WHERE external_id LIKE 'bulk%%'")


def test_pages_open_at_the_zoom_in_the_url(offline_page: tuple[Page, list[str], list[str]],
                                           live_server: str, demo_areas: None) -> None:
    page, _, _ = offline_page
    street = page.request.get(f"{live_server}/unions/match",
                              params=PEOPLE_SQUARE).json()["ancestors"][-1]["id"]
    for path in ("/maps/nearest?lat=31.2335&lon=121.4751", "/maps/match?lat=31.2335&lon=121.4751",
                 f"/maps/unions/{street}?lang=en"):
        for zoom in (11, 18):
            page.goto(f"{live_server}{path}&zoom={zoom}")
            page.wait_for_selector(".leaflet-container")
            name = page.evaluate("Object.keys(window).find(k => k.startsWith('map_'))")
            assert page.evaluate(f"{name}.getZoom()") == zoom, (path, zoom)
    bad = page.request.get(f"{live_server}/maps/match?lat=31.2&lon=121.4&zoom=25")
    assert bad.status == 422 and "zoom" in bad.json()["message"]


def test_an_officer_opens_their_own_union_with_its_workplaces(
        offline_page: tuple[Page, list[str], list[str]], live_server: str, engine: Engine,
        demo_areas: None) -> None:
    page, _, errors = offline_page
    union_id, x1, y1, x2, y2 = area_box(engine, "DEMO-3-2-2")
    officer_with_workplaces(engine, "community", "DEMO-3-2-2", "my-union-pass",
                            [(x1 + (x2 - x1) * (i + 1) / 4, (y1 + y2) / 2) for i in range(3)])
    page.goto(f"{live_server}/maps/unions/{union_id}?lang=en")  # not logged in: no workplaces
    page.wait_for_selector("path.yz-union")
    page.wait_for_timeout(500)
    assert page.locator("path.yz-workplace").count() == 0
    page.goto(f"{live_server}/maps/unions/mine?lang=en")
    page.fill("#yz-login input[name=username]", "community")
    page.fill("#yz-login input[name=password]", "my-union-pass")
    with page.expect_navigation():
        page.click("#yz-login button")
    assert page.url.endswith(f"/maps/unions/{union_id}?lang=en")
    page.wait_for_selector("path.yz-union")
    page.wait_for_function("document.querySelectorAll('path.yz-workplace').length >= 3",
                           timeout=15_000)
    assert "Logged in as community" in page.locator("#yz-officer").inner_text()
    with engine.connect() as conn:
        names = set(conn.exec_driver_sql(
            "SELECT w.name FROM workplaces w JOIN unions u ON u.id = w.matched_union_id "
            "WHERE u.code = 'DEMO-3-2-2'").scalars())
        union_name = conn.exec_driver_sql(
            "SELECT name FROM unions WHERE code = 'DEMO-3-2-2'").scalar_one()
    click_in_view(page, "path.yz-workplace")
    popup = page.locator(".yz-workplace-popup")
    popup.wait_for()
    assert popup.locator("b").inner_text() in names and union_name in popup.inner_text()
    page.click("#yz-logout")
    page.wait_for_selector("#yz-officer a.yz-login-link")
    assert page.locator("path.yz-workplace").count() == 0
    page.click("#yz-panel .yz-up a")  # one level up: the street's map
    page.wait_for_selector("#yz-panel[data-union-code='DEMO-3-2']")
    assert errors == []


def test_an_admin_on_my_union_chooses_among_the_top_unions(
        offline_page: tuple[Page, list[str], list[str]], live_server: str,
        admin_account: str, demo_areas: None) -> None:
    from tests.conftest import ADMIN_PASSWORD

    page, _, errors = offline_page
    page.goto(f"{live_server}/maps/unions/mine?lang=en")
    page.fill("#yz-login input[name=username]", admin_account)
    page.fill("#yz-login input[name=password]", ADMIN_PASSWORD)
    page.click("#yz-login button")
    page.wait_for_selector("#yz-panel .yz-roots a")
    assert "An admin sees every union" in page.locator("#yz-panel").inner_text()
    with page.expect_navigation():
        page.click("#yz-panel .yz-roots a:has-text('演示市总工会')")
    page.wait_for_selector("#yz-panel[data-union-code='DEMO']")
    page.wait_for_selector("#yz-officer button#yz-logout")
    assert errors == []


def test_a_station_name_cannot_run_as_script(
        offline_page: tuple[Page, list[str], list[str]], live_server: str, engine: Engine,
        demo_areas: None) -> None:
    page, _, errors = offline_page
    name = "站点 ${window.__pwn=7} `x` <img src=x onerror=window.__pwn=8>"
    with engine.begin() as conn:
        station_id, old = conn.exec_driver_sql("SELECT id, name FROM stations ORDER BY id "
                                               "LIMIT 1").one()
        conn.exec_driver_sql("UPDATE stations SET name = %s WHERE id = %s", (name, station_id))
    try:
        street = page.request.get(f"{live_server}/unions/match",
                                  params=PEOPLE_SQUARE).json()["ancestors"][-1]["id"]
        for path in ("/maps/nearest?lat=31.2335&lon=121.4751&k=50", f"/maps/unions/{street}"):
            page.goto(f"{live_server}{path}")
            page.wait_for_selector(".leaflet-container path", timeout=15_000)
            assert page.evaluate("window.__pwn") is None, path
        page.goto(f"{live_server}/maps/nearest?lat=31.2335&lon=121.4751&k=50")
        page.locator(f'#yz-panel li[data-station-id="{station_id}"]').wait_for(state="attached")
        assert name in page.locator(f'#yz-panel li[data-station-id="{station_id}"]').inner_text()
        assert errors == []
    finally:
        with engine.begin() as conn:
            conn.exec_driver_sql("UPDATE stations SET name = %s WHERE id = %s", (old, station_id))


def test_maplibre_demo_draws_the_style_from_yizhan_and_a_click_names_the_station(
        offline_page: tuple[Page, list[str], list[str]], live_server: str, demo_areas: None) -> None:
    """MapLibre GL from /static draws /styles/yizhan.json's vector layers with nothing but
    yizhan reachable (the base map's tiles are the one thing refused); a click on a station opens
    a popup with its name, in the page's language."""
    page, blocked, errors = offline_page
    page.goto(f"{live_server}/maps/maplibre?lang=en")
    page.wait_for_function("""() => window.yizhanMap && window.yizhanMap.loaded()
        && window.yizhanMap.queryRenderedFeatures({layers: ['stations']}).length > 20
        && window.yizhanMap.queryRenderedFeatures({layers: ['union-areas']}).length > 0""",
                           timeout=30_000)
    assert page.evaluate("maplibregl.getVersion()") == "5.24.1"
    assert blocked and all(url.startswith("https://tile.openstreetmap.org/") for url in blocked)
    assert not [e for e in errors if "tile.openstreetmap.org" not in e], errors
    station = page.evaluate("""() => {  // a station drawn with nothing over it
        const map = window.yizhanMap, canvas = map.getCanvas().getBoundingClientRect();
        for (const f of map.queryRenderedFeatures({layers: ['stations']})) {
            const p = map.project(f.geometry.coordinates);
            const x = canvas.left + p.x, y = canvas.top + p.y;
            if (x > 20 && y > 60 && x < canvas.width - 60 && y < canvas.height - 40
                && document.elementFromPoint(x, y) === map.getCanvas()
                && map.queryRenderedFeatures([p.x, p.y], {layers: ['stations']}).length === 1) {
                return {id: f.properties.station_id, x, y};
            }
        }
    }""")
    assert station, "no station drawn clear of the others"
    page.mouse.click(station["x"], station["y"])
    popup = page.locator(".maplibregl-popup-content .yz-popup")
    popup.wait_for(timeout=5_000)
    assert popup.get_attribute("data-station-id") == str(station["id"])
    expected = page.request.get(f"{live_server}/stations/{station['id']}").json()["properties"]
    assert popup.locator(".yz-station-name").inner_text() == expected["name"]
    assert {"operational": "Open", "temporarily_closed": "Temporarily closed", "planned": "Planned"}[
        expected["status"]] in popup.inner_text()
    assert page.locator("#yz-hint").inner_text().startswith("Click a station")


def test_ogc_items_page_maps_the_items_and_a_click_names_one(
        offline_page: tuple[Page, list[str], list[str]], live_server: str) -> None:
    """The /ogc items as a browser asks for them: a page in Chinese whose map (Leaflet from
    /static, under the page's own CSP) draws the listed stations; a click names one."""
    page, blocked, errors = offline_page
    url = f"{live_server}/ogc/collections/stations/items?limit=8&sortby=name"
    expected = page.request.get(url, headers={"Accept": "application/json"}).json()["features"]
    page.goto(url)
    page.wait_for_selector("path.yz-feature", timeout=15_000)
    assert page.evaluate("document.documentElement.lang") == "zh-CN"
    assert page.locator("path.yz-feature").count() == 8
    assert page.locator("table tr").count() == 9  # the header and the eight
    assert all(url.startswith("https://tile.openstreetmap.org/") for url in blocked)
    assert not [e for e in errors if "tile.openstreetmap.org" not in e], errors  # no CSP refusal
    first = expected[0]
    page.locator(f"path.yz-feature-{first['id']}").click(force=True)
    popup = page.locator(".leaflet-popup-content .yz-popup")
    popup.wait_for(timeout=5_000)
    assert popup.inner_text() == first["properties"]["name"]
    page.locator('a[rel="next"]').click()
    page.wait_for_selector("path.yz-feature", timeout=15_000)
    assert "offset=8" in page.url and page.locator("#yz-count").inner_text().startswith("共")
