"""Names reach a map page only as JSON or HTML-escaped text: whatever a station or union is called
(backslashes, `\\u{zz`, template syntax, line separators, markup), every page still draws every
marker and area in a real Chromium, exported files included, and shows the name as it is."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from playwright.sync_api import Browser, Page
from sqlalchemy import Engine

from maps.page import script_json
from tests.test_map_browser import (  # noqa: F401 (fixtures)
    PEOPLE_SQUARE,
    browser,
    demo_areas,
    live_server,
    site_ports,
)

# What broke the pages, and what else is special to HTML or JavaScript.
TRICKY = ["仓库 C:\\unit\\x1", "\\u{zz", "\\", "${window.__pwn=1}", "`", "\u2028\u2029",
          "</script><script>window.__pwn=2</script>", "'\"", "&amp;", "<!--", "\\x", "\\0",
          "<b>", "]]>", "\\`${1}"]
NAMES = st.one_of(
    st.sampled_from(TRICKY),
    st.lists(st.one_of(st.sampled_from(TRICKY),
                       st.text(st.characters(exclude_categories=("Cs", "Cc")), min_size=1,
                               max_size=12)), min_size=1, max_size=4).map("".join))


def test_script_json_escapes_what_could_end_a_script_or_a_string() -> None:
    text = script_json({"name": "</script><!-- & > \u2028\u2029 é"})
    for raw in ("<", ">", "&", "\u2028", "\u2029"):
        assert raw not in text
    assert "é" in text  # the rest stays readable


@pytest.fixture
def page(browser: Browser, live_server: str) -> Iterator[tuple[Page, list[str]]]:  # noqa: F811
    context = browser.new_context(viewport={"width": 1000, "height": 700})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(
        (live_server, "file:")) else r.abort())
    yield page, errors
    context.close()


def _popup_name(page: Page, marker: str) -> str:
    page.locator(marker).first.click()
    name = page.locator(".leaflet-popup-content .yz-popup b").first
    name.wait_for(state="attached", timeout=5_000)  # a name of spaces is drawn, but empty
    return str(name.evaluate("b => b.textContent"))


def _html_text(name: str) -> str:
    """The name as an HTML parser gives it back (it reads a CR as a line feed)."""
    return name.replace("\r\n", "\n").replace("\r", "\n")


@settings(max_examples=8, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(name=NAMES)
@example(name="仓库 C:\\unit\\x1")
@example(name="\\u{zz")
def test_every_marker_appears_whatever_the_names(
        page: tuple[Page, list[str]], live_server: str, engine: Engine,  # noqa: F811
        database_url: str, demo_areas: None, tmp_path: Path, name: str) -> None:  # noqa: F811
    from typer.testing import CliRunner

    from yizhan.cli import app

    tab, errors = page
    errors.clear()
    nearest = tab.request.get(f"{live_server}/stations/nearest",
                              params={**PEOPLE_SQUARE, "k": 3}).json()["features"]
    match = tab.request.get(f"{live_server}/unions/match", params=PEOPLE_SQUARE).json()
    station_id, union_id = nearest[0]["id"], match["union"]["id"]
    street = match["ancestors"][-1]["id"]
    with engine.begin() as conn:
        old_station = conn.exec_driver_sql("SELECT name FROM stations WHERE id = %s",
                                           (station_id,)).scalar_one()
        old_union = conn.exec_driver_sql("SELECT name FROM unions WHERE id = %s",
                                         (union_id,)).scalar_one()
        conn.exec_driver_sql("UPDATE stations SET name = %s WHERE id = %s", (name, station_id))
        conn.exec_driver_sql("UPDATE unions SET name = %s WHERE id = %s", (name, union_id))
    try:
        tab.goto(f"{live_server}/maps/nearest?lat=31.2335&lon=121.4751&k=3&lang=en")
        tab.wait_for_selector(".yz-rank-3", timeout=15_000)
        assert tab.locator("path.yz-line").count() == 3
        assert _popup_name(tab, ".yz-rank-1") == _html_text(name)

        tab.goto(f"{live_server}/maps/match?lat=31.2335&lon=121.4751&lang=en")
        tab.wait_for_selector("path.yz-area-chosen", timeout=15_000)
        assert tab.locator("path.yz-area").count() == sum(map(len, match["levels"].values()))

        tab.goto(f"{live_server}/maps/unions/{street}?lang=en")
        tab.wait_for_selector("path.yz-union", timeout=15_000)
        stations = int(tab.locator("#yz-panel .yz-n-stations").inner_text())
        tab.wait_for_function(
            "n => [...document.querySelectorAll('.marker-cluster span')].reduce("
            "(sum, s) => sum + Number(s.textContent), 0)"
            " + document.querySelectorAll('path.yz-station').length === n", arg=stations,
            timeout=10_000)

        out = tmp_path / "nearest.html"
        result = CliRunner().invoke(app, ["maps", "export", "nearest", "--lat", "31.2335",
                                          "--lon", "121.4751", "-o", str(out)],
                                    env={"YIZHAN_DATABASE_URL": database_url})
        assert result.exit_code == 0, result.output
        tab.goto(out.as_uri())
        tab.wait_for_selector(".yz-rank-1", timeout=15_000)
        assert _popup_name(tab, ".yz-rank-1") == _html_text(name)
        assert tab.evaluate("window.__pwn") is None
        assert errors == []
    finally:
        with engine.begin() as conn:
            conn.exec_driver_sql("UPDATE stations SET name = %s WHERE id = %s",
                                 (old_station, station_id))
            conn.exec_driver_sql("UPDATE unions SET name = %s WHERE id = %s", (old_union, union_id))
