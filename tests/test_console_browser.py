"""The officers' workbench (/console) in a real headless Chromium, offline, at a phone's size
(390×844) and a desktop's, as a grid (community) officer and as a street officer: an application
from the join form contacted and approved and the applicant's status page saying so; one
forwarded to the neighbouring grid; an expired login that keeps the form; the login rules in
words; no other area's names in any page; no serious or critical axe-core violation."""

from __future__ import annotations

import io
import itertools
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from urllib.parse import urlparse

import pytest
import segno
from playwright.sync_api import Browser, BrowserContext, Page, ViewportSize, expect
from sqlalchemy import Engine

from api.app import create_app
from api.console.session import COOKIE
from geo import stations, unions, workplaces
from geo.crs import Crs
from geo.station_data import NewStation
from geo.workplaces import NewWorkplace
from membership import applications
from membership.applications import NewApplication
from officers import accounts, reports, tokens
from officers.vocab import ReportKind, Role
from seed.demo import load_demo
from tests.conftest import SECRET_KEY
from tests.live import serving
from tests.test_map_browser import browser  # noqa: F401  (the module's Chromium)
from tests.union_data import clear
from yizhan.settings import Settings

AXE = (Path(__file__).parent / "vendor" / "axe-core-4.14.1" / "axe.min.js").read_text("utf-8")
PASSWORD = "console-pass-1"
PHONE: ViewportSize = {"width": 390, "height": 844}
DESKTOP: ViewportSize = {"width": 1280, "height": 800}
# Points inside the demo tree's boxes: DEMO-1-1-1 and DEMO-1-1-2 are neighbouring communities
# (grids) of street DEMO-1-1; DEMO-1-2-1 is a community of the neighbouring street.
GRID_A, GRID_B, OTHER_STREET = (121.385, 31.325), (121.42, 31.325), (121.45, 31.325)
OFFICERS = {"grid": ("grid-a", "DEMO-1-1-1"), "grid-b": ("grid-b", "DEMO-1-1-2"),
            "street": ("street-1", "DEMO-1-1")}
_phones = itertools.count(13_800_000_000)


@pytest.fixture(scope="module")
def console(database_url: str, engine: Engine) -> Iterator[str]:
    clear(engine)
    with engine.begin() as conn:
        conn.exec_driver_sql("TRUNCATE stations, rate_limit_hits, login_failures "
                             "RESTART IDENTITY CASCADE")
        load_demo(conn)
        for username, code in OFFICERS.values():
            accounts.create(conn, username, f"{username} 专员", Role.OFFICER, code, PASSWORD)
        if accounts.by_username(conn, "console-admin") is None:
            accounts.create(conn, "console-admin", "管理员", Role.ADMIN, None, PASSWORD)
    app = create_app(Settings(database_url=database_url, secret_key=SECRET_KEY))
    with serving(app) as url:
        yield url
    clear(engine)


@pytest.fixture(autouse=True)
def fresh_limits(console: str, engine: Engine) -> None:
    """Each test logs in a few times from 127.0.0.1: the per-address limit starts afresh."""
    with engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM rate_limit_hits")


def apply(engine: Engine, name: str, at: tuple[float, float]) -> int:
    """An application stored as POST /applications stores it."""
    body = NewApplication.model_validate({
        "name": name, "phone": f"+86{next(_phones)}", "occupation_group": "courier",
        "workplace": {"name": f"{name}的单位", "lon": at[0], "lat": at[1]}, "consent": True})
    with engine.begin() as conn:
        app_id, _ = applications.submit(conn, SECRET_KEY, body, date.today())
    return app_id


def station_at(engine: Engine, name: str, at: tuple[float, float]) -> int:
    body = NewStation.model_validate({"name": name, "lon": at[0], "lat": at[1],
                                      "opening_hours": "24/7"})
    with engine.begin() as conn:
        return stations.create(conn, body.columns(Crs.WGS84, only_set=False)
                               | {"external_id": f"test-{name}"}).id


@pytest.fixture(scope="module")
def strangers(console: str, engine: Engine) -> dict[str, list[str]]:
    """An applicant and a reported station in each area the officers must not see into."""
    names = {"grid-b": ["邻格秘密申请人", "邻格秘密驿站"],
             "other-street": ["外街秘密申请人", "外街秘密驿站"]}
    for area, at in (("grid-b", GRID_B), ("other-street", OTHER_STREET)):
        apply(engine, names[area][0], at)
        station_id = station_at(engine, names[area][1], at)
        with engine.begin() as conn:
            reports.create(conn, station_id, ReportKind.NO_WATER, "秘密报告", None)
    return names


def hidden_from(who: str, strangers: dict[str, list[str]]) -> list[str]:
    return strangers["other-street"] + (strangers["grid-b"] if who == "grid" else [])


@pytest.fixture
def context(browser: Browser, console: str, request: pytest.FixtureRequest  # noqa: F811
            ) -> Iterator[BrowserContext]:
    viewport: ViewportSize = getattr(request, "param", PHONE)
    context = browser.new_context(viewport=viewport)
    local = urlparse(console).netloc
    context.route("**/*", lambda r: r.continue_() if urlparse(r.request.url).netloc == local
                  else r.abort())
    yield context
    context.close()


class Checked:
    """A page whose every console page is checked on load: axe-core finds no serious or
    critical violation, no script error, and no name of an area the officer may not see."""

    def __init__(self, page: Page, forbidden: list[str]) -> None:
        self.page, self.forbidden = page, forbidden
        self.errors: list[str] = []
        self.seen: list[str] = []
        page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error"
                and "responded with a status of 4" not in m.text  # a form sent back
                and "ERR_FAILED" not in m.text else None)  # map tiles, offline

    def check(self) -> None:
        # A click on a link returns once the next page starts to arrive, maybe before its
        # stylesheet applies: what is measured below is the page as the officer sees it.
        self.page.wait_for_load_state("load")
        html = self.page.content()
        self.seen.append(urlparse(self.page.url).path)
        size = self.page.viewport_size
        menu, heading = self.page.locator("nav.menu"), self.page.locator("main h1").first
        if size and size["width"] <= PHONE["width"] and menu.count():
            # On a phone, the menu is one row and the page's own heading is on the first screen.
            box, top = menu.bounding_box(), heading.bounding_box()
            assert box is not None and box["height"] <= 64, box
            assert top is not None and top["y"] + top["height"] <= size["height"] / 3, top
        for name in self.forbidden:
            assert name not in html, f"{name} leaks into {self.page.url}"
        self.page.evaluate(AXE + "\n;0")
        found = self.page.evaluate("""async () => (await axe.run(document, {resultTypes:
            ['violations']})).violations.filter(v => ['serious', 'critical'].includes(v.impact))
            .map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '))""")
        assert found == [], f"{self.page.url}: {found}"
        assert self.errors == []


def log_in(page: Page, base: str, username: str, path: str = "/console") -> None:
    page.goto(base + path)
    assert "/console/login" in page.url
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("form.card button[type=submit]")


@pytest.mark.parametrize("context", [PHONE, DESKTOP], indirect=True, ids=["phone", "desktop"])
@pytest.mark.parametrize("who", ["grid", "street"])
def test_application_from_the_join_form_is_contacted_and_approved_in_three_taps(
        context: BrowserContext, console: str, engine: Engine, strangers: dict[str, list[str]],
        who: str) -> None:
    page = context.new_page()
    checked = Checked(page, hidden_from(who, strangers))
    name = f"{who}{context.pages[0].viewport_size['width']}号申请人"  # type: ignore[index]
    page.goto(f"{console}/join")
    page.fill("input[name=name]", name)
    page.fill("input[name=phone]", str(next(_phones)))
    page.fill("input[name=workplace_name]", "快递网点")
    page.fill("input[name=lon]", str(GRID_A[0]))
    page.fill("input[name=lat]", str(GRID_A[1]))
    page.check("input[name=consent]")
    page.click("button[type=submit]")
    page.wait_for_selector("#result", state="visible")
    status_link = page.get_attribute("#result a", "href")
    assert status_link

    log_in(page, console, OFFICERS[who][0])
    page.wait_for_url(f"{console}/console")
    checked.check()
    page.click(f"text={name}")  # tap 1: the application, from the home page
    checked.check()
    assert "已提交" in page.inner_text("#status")
    page.click("#contact")  # tap 2
    assert "已联系" in page.inner_text("#status")
    checked.check()
    page.click("#approve")  # tap 3
    assert "已通过" in page.inner_text("#status")
    assert page.inner_text("#member-no").startswith("M")
    assert "会员编号" in page.inner_text("#done")
    checked.check()
    page.goto(f"{console}/console/applications?lang=en")
    checked.check()
    assert "Applications" in page.inner_text("h1")

    page.goto(status_link)
    assert "申请已通过" in page.inner_text("#status")
    with engine.connect() as conn:  # audited as the API audits: the same actions, by this officer
        done = conn.exec_driver_sql(
            "SELECT action FROM audit_log WHERE actor = %s AND object_type = 'application' "
            "AND action IN ('contact', 'approve') ORDER BY id DESC LIMIT 2",
            (OFFICERS[who][0],)).scalars().all()
    assert sorted(done) == ["approve", "contact"]


@pytest.mark.parametrize("context", [PHONE, DESKTOP], indirect=True, ids=["phone", "desktop"])
@pytest.mark.parametrize("who", ["grid", "street"])
def test_forwarded_application_moves_to_the_neighbouring_grid_queue(
        context: BrowserContext, console: str, engine: Engine, strangers: dict[str, list[str]],
        who: str) -> None:
    name = f"转交{who}{next(_phones) % 1000}号"
    apply(engine, name, GRID_A)
    page = context.new_page()
    checked = Checked(page, hidden_from(who, strangers))
    log_in(page, console, OFFICERS[who][0], "/console/applications")
    page.wait_for_url(f"{console}/console/applications")
    checked.check()
    page.click(f"text={name}")
    page.click("#forward")  # no union chosen, no reason: said at the fields, nothing written
    assert "请从列表中选择" in page.inner_text("#forward-to-error")
    assert "请写明原因" in page.inner_text("#forward-error")
    checked.check()
    page.select_option("#forward-to", "DEMO-1-1-2")
    page.fill("#forward-reason", "工作地点在隔壁网格")
    page.click("#forward")
    if who == "grid":  # it has left the grid officer's area
        assert "已离开您的辖区" in page.inner_text("#done")
        assert name not in page.inner_text("main")
    else:  # the street officer still sees it, now with the other grid
        assert "第2社区" in page.inner_text("#done")
        assert "工作地点在隔壁网格" in page.inner_text("ol.history")
    checked.check()

    for grid, sees in (("grid-b", True), ("grid-a", False)):
        other = context.browser.new_context(viewport=context.pages[0].viewport_size)  # type: ignore[union-attr]
        try:
            page = other.new_page()
            log_in(page, console, grid, "/console/applications")
            page.wait_for_url(f"{console}/console/applications")
            assert (name in page.inner_text("main")) == sees
            if sees:
                page.click(f"text={name}")
                assert "工作地点在隔壁网格" in page.inner_text("ol.history")
        finally:
            other.close()



def test_expired_login_asks_again_and_keeps_the_half_filled_form(
        context: BrowserContext, console: str, engine: Engine) -> None:
    name = f"过期{next(_phones) % 1000}号"
    app_id = apply(engine, name, GRID_A)
    page = context.new_page()
    log_in(page, console, "grid-a", f"/console/applications/{app_id}")
    page.wait_for_url(f"{console}/console/applications/{app_id}")
    page.fill("#reject-reason", "电话号码无人接听，已三次联系未果")
    with engine.connect() as conn:
        officer = accounts.by_username(conn, "grid-a")
    assert officer is not None
    expired = tokens.issue(SECRET_KEY, officer.id, officer.token_version, -1)
    context.add_cookies([{"name": COOKIE, "value": expired, "domain": urlparse(console).hostname,
                          "path": "/console", "httpOnly": True, "sameSite": "Strict"}])
    page.click("#reject")
    assert "登录已过期" in page.inner_text("main")
    assert "填写的内容已保留" in page.inner_text("main")
    with engine.connect() as conn:
        assert applications.get(conn, app_id).status == "submitted"  # type: ignore[union-attr]
    page.fill("#username", "grid-a")
    page.fill("#password", PASSWORD)
    page.click("form.card button[type=submit]")
    page.wait_for_url(f"{console}/console/applications/{app_id}")
    assert page.input_value("#reject-reason") == "电话号码无人接听，已三次联系未果"
    assert "登录过期前填写的内容" in page.inner_text("main")
    page.click("#reject")
    assert "未通过" in page.inner_text("#status")
    page.reload()  # the kept fields are used once
    assert "登录过期前填写的内容" not in page.inner_text("main")


def test_login_rules_in_plain_words_and_a_disabled_account_ends_the_session(
        context: BrowserContext, console: str, engine: Engine) -> None:
    with engine.begin() as conn:
        accounts.create(conn, "grid-tmp", "临时专员", Role.OFFICER, "DEMO-1-1-1", PASSWORD)
    page = context.new_page()
    page.goto(f"{console}/console/login")
    assert "连续输错 3 次" in page.inner_text("main")
    for _ in range(4):
        page.fill("#username", "grid-tmp")
        page.fill("#password", "not-the-password")
        page.click("form.card button[type=submit]")
    assert "请等" in page.inner_text("#login-error") and "秒后再试" in page.inner_text("#login-error")
    with engine.begin() as conn:
        accounts.set_password(conn, "grid-tmp", PASSWORD)  # an admin's reset unlocks it
    log_in(page, console, "grid-tmp")
    page.wait_for_url(f"{console}/console")
    with engine.begin() as conn:
        accounts.disable(conn, "grid-tmp")
    page.goto(f"{console}/console/applications")
    assert "/console/login" in page.url
    assert "登录已失效" in page.inner_text("main")


def test_forms_need_the_session_csrf_token_and_get_changes_nothing(
        context: BrowserContext, console: str, engine: Engine) -> None:
    app_id = apply(engine, f"防伪{next(_phones) % 1000}号", GRID_A)
    page = context.new_page()
    log_in(page, console, "grid-a")
    page.wait_for_url(f"{console}/console")
    forged = page.request.post(f"{console}/console/applications/{app_id}/approve",
                               form={"csrf": "forged", "note": ""})
    assert forged.status == 403
    got = page.request.get(f"{console}/console/applications/{app_id}/approve")
    assert got.status in (404, 405)  # no page there: nothing is done on a GET
    with engine.connect() as conn:
        assert applications.get(conn, app_id).status == "submitted"  # type: ignore[union-attr]
    response = page.goto(f"{console}/console")
    assert response is not None
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    cookie = next(c for c in context.cookies() if c["name"] == COOKIE)
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and cookie["path"] == "/console"

    page.goto(f"{console}/console/applications/{app_id}")  # decided meanwhile, elsewhere
    with engine.begin() as conn:
        found = applications.get(conn, app_id)
        assert found is not None
        applications.reject(conn, found, "someone-else", "重复申请")
    page.click("#approve")
    assert "不能再通过" in page.inner_text("[role=alert]")
    with engine.connect() as conn:
        assert applications.get(conn, app_id).status == "rejected"  # type: ignore[union-attr]


@pytest.mark.parametrize("context", [PHONE, DESKTOP], indirect=True, ids=["phone", "desktop"])
@pytest.mark.parametrize("who", ["grid", "street"])
def test_station_added_on_the_map_hours_edited_and_poster_printed(
        context: BrowserContext, console: str, engine: Engine, strangers: dict[str, list[str]],
        who: str, tmp_path: Path) -> None:
    page = context.new_page()
    checked = Checked(page, hidden_from(who, strangers))
    name = f"{who}{context.pages[0].viewport_size['width']}号新驿站"  # type: ignore[index]
    log_in(page, console, OFFICERS[who][0], "/console/stations")
    page.wait_for_url(f"{console}/console/stations")
    checked.check()
    page.click("#add-station")
    page.wait_for_selector("#place-map.leaflet-container")
    checked.check()
    page.click("#create")  # nothing filled in: each field says what it needs
    assert page.input_value("#lon") == ""
    page.evaluate("document.querySelector('form.card').noValidate = true")
    page.click("#create")
    assert "请在地图上点选位置" in page.inner_text("#place-error")
    assert "请填写名称" in page.inner_text("#name-error")
    page.wait_for_selector("#place-map.leaflet-container")
    box = page.locator("#place-map").bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    assert page.input_value("#lon") != "" and page.input_value("#crs") == "wgs84"
    page.fill("#name", name)
    page.fill("#opening_hours", "Mo-Fr 09:00-17:00; PH off")
    expect(page.locator("#week tr")).to_have_count(7)
    page.check("input[value=drinking_water]")
    page.click("#create")
    assert "已新增驿站" in page.inner_text("#done")
    checked.check()
    with engine.connect() as conn:
        row = conn.exec_driver_sql("SELECT id, opening_hours, amenities FROM stations "
                                   "WHERE name = %s", (name,)).one()
    assert row[1:] == ("Mo-Fr 09:00-17:00; PH off", ["drinking_water"])

    page.fill("#opening_hours", "Mo-Fr 25:00-26:00")  # the preview says it cannot be read
    expect(page.locator("#open-now")).to_contain_text("写法不对", timeout=15000)
    page.click("#save")
    assert "写法不对" in page.inner_text("#hours-error")
    page.wait_for_load_state("load")  # the preview's script listens from then on
    page.fill("#opening_hours", "24/7")
    # the preview asks the server after a pause: give a loaded machine time
    expect(page.locator("#open-now")).to_have_text("现在开放", timeout=15000)
    page.click("#save")
    assert "已保存" in page.inner_text("#done")
    page.click("#verify")
    assert "刚刚实地核实" in page.inner_text("#done")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT opening_hours, last_verified_at IS NOT NULL "
                                    "FROM stations WHERE id = %s", (row[0],)).one() == ("24/7", True)

    for size, points in (("a4", (595, 842)), ("a5", (420, 595))):
        page.goto(f"{console}/console/stations/{row[0]}")
        page.click(f"#poster-{size}")
        checked.check()
        assert name in page.inner_text("h1")
        expected = io.BytesIO()  # the code holds the join form's link for this station
        segno.make(f"{console}/join?station={row[0]}", error="m").save(
            expected, kind="svg", border=4, xmldecl=False)
        modules = re.search(rb' d="([^"]+)"', expected.getvalue())
        assert modules is not None and modules[1].startswith(b"M4 ")  # four modules of white
        assert page.get_attribute("#qr svg path", "d") == modules[1].decode()
        page.emulate_media(media="print")
        assert page.locator(".screen-only").is_hidden()
        pdf = page.pdf(prefer_css_page_size=True)
        page.emulate_media(media="screen")
        box_ = re.search(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", pdf)
        assert box_ is not None and (round(float(box_[1])), round(float(box_[2]))) == points
        assert pdf.count(b"/Type /Page\n") + pdf.count(b"/Type /Page ") + \
            pdf.count(b"/Type/Page") >= 1

    page.goto(f"{console}/console/stations/{row[0]}")
    page.click("#retire")
    assert "驿站已撤销" in page.inner_text("#done") and "已撤销" in page.inner_text("#station-status")
    page.goto(f"{console}/console/stations")
    assert name not in page.inner_text("main")


@pytest.mark.parametrize("context", [PHONE, DESKTOP], indirect=True, ids=["phone", "desktop"])
@pytest.mark.parametrize("who", ["grid", "street"])
def test_report_is_resolved(context: BrowserContext, console: str, engine: Engine,
                            strangers: dict[str, list[str]], who: str) -> None:
    station_id = station_at(engine, f"报告驿站{next(_phones) % 1000}", GRID_A)
    with engine.begin() as conn:
        report_id = reports.create(conn, station_id, ReportKind.BROKEN, "椅子坏了", None)
    page = context.new_page()
    checked = Checked(page, hidden_from(who, strangers))
    log_in(page, console, OFFICERS[who][0], "/console/reports")
    page.wait_for_url(f"{console}/console/reports")
    checked.check()
    assert "椅子坏了" in page.inner_text(f"#report-{report_id}")
    page.click(f"#resolve-{report_id}")  # no resolution: said at the field
    assert "请写明处理结果" in page.inner_text(f"#resolution-{report_id}-error")
    page.fill(f"#resolution-{report_id}", "已更换椅子")
    page.click(f"#resolve-{report_id}")
    assert "已记录处理结果" in page.inner_text("#done")
    assert page.locator(f"#report-{report_id}").count() == 0
    checked.check()
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT resolution FROM station_reports WHERE id = %s",
                                    (report_id,)).scalar() == "已更换椅子"
        assert conn.exec_driver_sql("SELECT count(*) FROM audit_log WHERE action = 'resolve' "
                                    "AND object_id = %s", (report_id,)).scalar() == 1


def member_in(engine: Engine, name: str, at: tuple[float, float]) -> int:
    app_id = apply(engine, name, at)
    with engine.begin() as conn:
        app = applications.get(conn, app_id)
        assert app is not None
        return applications.approve(conn, app, "test", None)


@pytest.mark.parametrize("context", [PHONE, DESKTOP], indirect=True, ids=["phone", "desktop"])
@pytest.mark.parametrize("who", ["grid", "street"])
def test_member_found_and_transferred(context: BrowserContext, console: str, engine: Engine,
                                      strangers: dict[str, list[str]], who: str) -> None:
    name = f"会员{who}{next(_phones) % 10000}"
    member_id = member_in(engine, name, GRID_A)
    page = context.new_page()
    checked = Checked(page, hidden_from(who, strangers))
    log_in(page, console, OFFICERS[who][0], "/console/members")
    page.wait_for_url(f"{console}/console/members")
    checked.check()
    page.fill("#q", name)
    page.click("form.filters button")
    assert page.locator("ul.apps li").count() == 1
    assert "****" in page.inner_text("ul.apps")  # the phone, masked in the list
    page.click(f"text={name}")
    checked.check()
    page.click("#transfer")  # nothing chosen: said at the choice
    assert "请选择" in page.inner_text("#move-error")
    if who == "street":  # a new job in the neighbouring grid: still in the street's area
        page.check("#move-new")
        page.fill("#workplace_name", "新的快递网点")
        page.fill("#lon", str(GRID_B[0]))
        page.fill("#lat", str(GRID_B[1]))
        page.click("#transfer")
        assert "DEMO" not in page.inner_text("#done")
        assert "第2社区" in page.inner_text("#member-union")
        assert page.locator("#history li").count() == 2
        checked.check()
    page.check("#move-left")
    page.click("#transfer")
    with engine.connect() as conn:
        union, status = conn.exec_driver_sql(
            "SELECT u.code, m.status FROM members m JOIN unions u ON u.id = m.union_id "
            "WHERE m.id = %s", (member_id,)).one()
    assert (union, status) == ("DEMO-1-1", "between_jobs")  # held one level up
    if who == "grid":  # which is beyond a grid officer's area
        assert "转出您的辖区" in page.inner_text("#done")
        assert name not in page.content()
    else:
        assert "待业" in page.inner_text("#member-status")
        page.goto(f"{console}/console/members?status=between_jobs")
        assert name in page.inner_text("main")
    checked.check()


@pytest.mark.parametrize("context", [PHONE, DESKTOP], indirect=True, ids=["phone", "desktop"])
def test_level_below_drills_down_and_stays_in_the_area(
        context: BrowserContext, console: str, engine: Engine, strangers: dict[str, list[str]],
        admin_account: str) -> None:
    page = context.new_page()
    checked = Checked(page, hidden_from("street", strangers))
    log_in(page, console, "street-1", "/console/below")
    page.wait_for_url(f"{console}/console/below")
    checked.check()
    rows = page.locator("#below tbody tr")
    assert rows.count() >= 4 and "第1社区" in rows.first.inner_text()
    page.click("#below tbody tr >> nth=0 >> a")
    assert "第1社区" in page.inner_text("h1")
    checked.check()
    page.click("#up")
    assert "第1街道" in page.inner_text("h1")
    with engine.connect() as conn:
        other = unions.by_code(conn, "DEMO-1-2")
        neighbour = unions.by_code(conn, "DEMO-1-1-2")
    assert other is not None and neighbour is not None
    assert other.name not in page.content()
    response = page.goto(f"{console}/console/below?union={other.id}")
    assert response is not None and response.status == 404
    assert other.name not in page.content()

    grid = context.browser.new_context(viewport=context.pages[0].viewport_size)  # type: ignore[union-attr]
    try:
        page = grid.new_page()
        log_in(page, console, "grid-a", f"/console/below?union={neighbour.id}")
        assert page.wait_for_load_state() is None and "没有找到" in page.inner_text("h1")
    finally:
        grid.close()

    admin = context.browser.new_context(viewport=context.pages[0].viewport_size)  # type: ignore[union-attr]
    try:
        page = admin.new_page()
        page.goto(f"{console}/console/below")
        page.fill("#username", "console-admin")
        page.fill("#password", PASSWORD)
        page.click("form.card button[type=submit]")
        page.wait_for_url(f"{console}/console/below")
        assert "演示市总工会" in page.inner_text("#below tbody")  # an admin starts at the top
    finally:
        admin.close()


PAGES = ["/console", "/console/applications", "/console/applications?status=open&overdue=1",
         "/console/requests", "/console/requests?status=open&overdue=1&escalated=1",
         "/console/members", "/console/members?status=between_jobs", "/console/stations",
         "/console/stations?stale=1", "/console/stations/new", "/console/reports",
         "/console/below", "/console/charts", "/console/audit", "/console/password",
         "/console/workplaces"]


@pytest.mark.parametrize("context", [PHONE, DESKTOP], indirect=True, ids=["phone", "desktop"])
@pytest.mark.parametrize("who", ["grid", "street"])
def test_every_page_in_both_languages(context: BrowserContext, console: str, engine: Engine,
                                      strangers: dict[str, list[str]], who: str) -> None:
    """No serious or critical axe-core violation, no other area's names, no "None", and the
    page in the language asked for."""
    page = context.new_page()
    checked = Checked(page, hidden_from(who, strangers))
    log_in(page, console, OFFICERS[who][0])
    page.wait_for_url(f"{console}/console")
    for path in PAGES:
        for lang in ("zh", "en"):
            url = console + path + (("&" if "?" in path else "?") + "lang=en" if lang == "en" else "")
            response = page.goto(url)
            assert response is not None and response.status == 200, url
            checked.check()
            text = page.inner_text("body")
            assert "None" not in text and "()" not in text, url
            assert page.get_attribute("html", "lang") == ("en" if lang == "en" else "zh-CN")
            if lang == "en":
                assert "Log out" in text and "退出登录" not in text, url
    page.goto(f"{console}/console/charts")
    weekly = page.locator("section[aria-labelledby=weekly-h] tbody tr")
    assert weekly.count() == 12
    assert page.locator("section[aria-labelledby=groups-h] tbody tr").count() == 9
    missing = page.goto(f"{console}/console/no-such-page")
    assert missing is not None and missing.status == 404 and "没有找到" in page.inner_text("h1")


@pytest.mark.parametrize("context", [PHONE, DESKTOP], indirect=True, ids=["phone", "desktop"])
@pytest.mark.parametrize("who", ["grid", "street"])
def test_workplace_location_corrected_and_matched_again(
        context: BrowserContext, console: str, engine: Engine, strangers: dict[str, list[str]],
        who: str) -> None:
    name = f"单位{who}{next(_phones) % 10000}"
    with engine.begin() as conn:
        data = NewWorkplace.model_validate({"name": name, "lon": GRID_A[0], "lat": GRID_A[1]})
        columns = workplaces.columns_for(data, Crs.WGS84, {}, only_set=False)
        ((workplace_id, _),) = workplaces.upsert(conn, [columns | {"external_id": name}])
        workplaces.rematch_ids(conn, [workplace_id])
    page = context.new_page()
    checked = Checked(page, hidden_from(who, strangers))
    log_in(page, console, OFFICERS[who][0], "/console/workplaces")
    page.wait_for_url(f"{console}/console/workplaces")
    page.fill("#q", name)
    page.click("form.card button")
    page.click(f"text={name}")
    checked.check()
    assert "第1社区" in page.inner_text("#matched")
    page.fill("#lon", str(GRID_B[0]))
    page.fill("#lat", str(GRID_B[1]))
    page.click("#move")
    with engine.connect() as conn:
        moved = workplaces.get(conn, workplace_id)
    assert moved is not None
    if who == "grid":  # it would leave the grid: refused, nothing written
        assert "不在您的辖区内" in page.inner_text("#place-error")
        assert (moved.lon, moved.lat) == GRID_A
    else:
        assert "已重新匹配" in page.inner_text("#done")
        assert "第2社区" in page.inner_text("#matched")
        assert (round(moved.lon, 6), round(moved.lat, 6)) == GRID_B
    checked.check()


def test_password_change_ends_every_session(context: BrowserContext, console: str,
                                            engine: Engine) -> None:
    with engine.begin() as conn:
        accounts.create(conn, "grid-pw", "改密专员", Role.OFFICER, "DEMO-1-1-1", PASSWORD)
    other = context.browser.new_context()  # type: ignore[union-attr]
    try:
        elsewhere = other.new_page()  # the same account logged in on another device
        log_in(elsewhere, console, "grid-pw")
        elsewhere.wait_for_url(f"{console}/console")
        page = context.new_page()
        log_in(page, console, "grid-pw", "/console/password")
        page.wait_for_url(f"{console}/console/password")
        page.fill("#current", "not-the-password")
        page.fill("#new", "a-new-password-2")
        page.click("form.card button[type=submit]")
        assert "当前密码不对" in page.inner_text("#current-error")
        page.fill("#current", PASSWORD)
        page.fill("#new", PASSWORD)
        page.click("form.card button[type=submit]")
        assert "不能与当前密码相同" in page.inner_text("#new-error")
        page.fill("#current", PASSWORD)
        page.fill("#new", "a-new-password-2")
        page.click("form.card button[type=submit]")
        assert "/console/login" in page.url and "请用新密码登录" in page.inner_text("main")
        elsewhere.goto(f"{console}/console/applications")
        assert "/console/login" in elsewhere.url and "登录已失效" in elsewhere.inner_text("main")
        page.fill("#username", "grid-pw")
        page.fill("#password", "a-new-password-2")
        page.click("form.card button[type=submit]")
        page.wait_for_url(f"{console}/console")
    finally:
        other.close()
