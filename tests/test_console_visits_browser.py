"""The workbench's visits, keys, service-circle and siting pages in a real headless Chromium:
no serious axe-core violation, no script, no other area's names, in Chinese and in English;
a key shown once and revoked by a form."""
# ruff: noqa: F401, F811  (fixtures imported from test_console_browser, then asked for by name)

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from playwright.sync_api import BrowserContext
from sqlalchemy import Engine, text

from tests.conftest import SECRET_KEY
from tests.test_console_browser import (
    GRID_A,
    GRID_B,
    Checked,
    console,
    context,
    fresh_limits,
    hidden_from,
    log_in,
    station_at,
    strangers,
)
from tests.test_map_browser import browser
from visits import core


def visit(engine: Engine, station_id: int, n: int) -> None:
    now = datetime.now(UTC)
    core.ensure_partitions(engine, [now.date()])
    with engine.begin() as conn:
        for k in range(n):
            core.record_tap(conn, SECRET_KEY, station_id, "courier", f"device {k}",
                            now - timedelta(minutes=k), timedelta(minutes=30))


def test_visits_keys_circle_and_siting_pages(context: BrowserContext, console: str,
                                             engine: Engine,
                                             strangers: dict[str, list[str]]) -> None:
    with engine.begin() as conn:
        conn.execute(text("TRUNCATE visits, visit_counts, operator_keys CASCADE"))
    mine = station_at(engine, "本格驿站甲", (GRID_A[0] + 0.001, GRID_A[1]))
    visit(engine, mine, 4)
    with engine.connect() as conn:
        theirs = conn.execute(text("SELECT id FROM stations WHERE name = :n"),
                              {"n": strangers["grid-b"][1]}).scalar_one()
    visit(engine, theirs, 2)
    page = context.new_page()
    checked = Checked(page, hidden_from("grid", strangers))
    log_in(page, console, "grid-a", "/console/visits")
    page.wait_for_selector("#total")
    checked.check()
    assert "共 4 人次到访" in page.inner_text("#total")
    assert "本格驿站甲" in page.inner_text("main") and "快递员" in page.inner_text("main")
    page.goto(f"{console}/console/visits?lang=en")
    checked.check()
    assert "4 visits" in page.inner_text("#total")
    page.goto(f"{console}/console/visits?from=2026-13-01")
    checked.check()
    assert "日期不对" in page.inner_text("#error")

    page.goto(f"{console}/console/operator-keys")
    checked.check()
    page.click("#create")
    checked.check()
    assert "请填写运营方名称" in page.inner_text("#operator-error")
    page.fill("#operator", "顺丰")
    page.click("#create")
    checked.check()
    key = page.inner_text("#new-key code")
    assert key.startswith("yzk_")
    with engine.connect() as conn:
        assert core.active_key(conn, SECRET_KEY, key) is not None
    page.goto(f"{console}/console/operator-keys")
    assert key not in page.content()  # shown once only
    page.click("button[id^=revoke-]")
    checked.check()
    assert page.inner_text("#done") == "密钥已作废。"
    with engine.connect() as conn:
        assert core.active_key(conn, SECRET_KEY, key) is None

    for path in ("/console/service-circle", "/console/service-circle?mode=ebike&minutes=10",
                 "/console/service-circle?lang=en", "/console/siting?n=3",
                 "/console/siting?lang=en&mode=ebike&minutes=5&n=5"):
        page.goto(console + path)
        checked.check()
        assert "None" not in page.inner_text("main")
    page.goto(f"{console}/console/service-circle")
    assert "直线" in page.inner_text("#reach")
