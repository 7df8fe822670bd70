"""Take the docs' map screenshots (docs/img/map-*.png) from a running yizhan with its demo data.

    make run                                   # in one terminal
    .venv/bin/python -m scripts.screenshots    # in another (needs `make test`'s Chromium)

Officer pages are taken logged in as `admin`, with the password `make run` wrote to
.yizhan/admin-password."""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

from playwright.sync_api import Browser, Page, ViewportSize, sync_playwright

from tests.test_map_browser import click_in_view

ROOT = Path(__file__).resolve().parent.parent
PEOPLE_SQUARE = "lat=31.2335&lon=121.4751"


def log_in(page: Page, base: str, password: str) -> None:
    page.goto(f"{base}/maps/coverage?lang=en")
    page.fill("#yz-login input[name=username]", "admin")
    page.fill("#yz-login input[name=password]", password)
    page.click("#yz-login button")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="http://127.0.0.1:8000", help="where yizhan answers")
    parser.add_argument("--only", choices=["all", "maps", "console"], default="all",
                        help="which screenshots to take (the maps need the tile server)")
    args = parser.parse_args()
    base = args.base
    password = (ROOT / ".yizhan" / "admin-password").read_text().strip()
    chromium = shutil.which("chromium")
    if chromium is None:
        raise SystemExit("no chromium: `make test` installs Debian's package")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        if args.only in ("all", "console"):
            console_shots(browser, base, password)
        if args.only == "console":
            browser.close()
            return
        page = browser.new_page(viewport={"width": 1000, "height": 640})
        street = page.request.get(f"{base}/unions/match?{PEOPLE_SQUARE}").json()["ancestors"][-1]
        shots = [
            ("nearest", f"/maps/nearest?{PEOPLE_SQUARE}&k=5&lang=en", ".yz-rank-5"),
            ("match", f"/maps/match?{PEOPLE_SQUARE}&lang=en", "path.yz-area-chosen"),
            ("union", f"/maps/unions/{street['id']}?lang=en", "path.yz-union"),
        ]
        for name, path, ready in shots:
            page.goto(base + path)
            page.wait_for_selector(ready)
            page.wait_for_timeout(800)  # let clusters and fitted bounds settle
            page.screenshot(path=str(ROOT / "docs" / "img" / f"map-{name}.png"))
        log_in(page, base, password)
        page.wait_for_selector("path.yz-gap")
        page.wait_for_timeout(1500)
        page.screenshot(path=str(ROOT / "docs" / "img" / "map-coverage.png"))
        page.goto(f"{base}/maps/unions/{street['id']}?lang=en")
        page.wait_for_selector("path.yz-workplace")
        click_in_view(page, "path.yz-workplace")
        page.wait_for_selector(".yz-workplace-popup")
        page.wait_for_timeout(800)  # the popup fades in
        page.screenshot(path=str(ROOT / "docs" / "img" / "map-union-officer.png"))
        browser.close()
    print("wrote docs/img/map-{nearest,match,union,coverage,union-officer}.png")


APPLICANTS = [("王快递", "courier", 0.0), ("李骑手", "food_delivery_rider", 0.002),
              ("赵保安", "security_guard", -0.002)]


def console_shots(browser: Browser, base: str, password: str) -> None:
    """The officers' workbench (docs/img/console-*.png) at a phone's size and a desktop's, in
    English, with a few applications sent through the join API first."""
    lat, lon = 31.2335, 121.4751
    for n, (name, group, shift) in enumerate(APPLICANTS):
        browser_request = browser.new_context().request
        browser_request.post(f"{base}/applications", data={
            "name": name, "phone": f"+8613800{n:06d}", "occupation_group": group,
            "workplace": {"name": "人民广场站点", "lon": lon + shift, "lat": lat + shift},
            "consent": True})
    shots: list[tuple[str, ViewportSize]] = [("desktop", {"width": 1280, "height": 800}),
                                             ("phone", {"width": 390, "height": 844})]
    for size, viewport in shots:
        context = browser.new_context(viewport=viewport, device_scale_factor=1)
        page = context.new_page()
        page.goto(f"{base}/console/login?lang=en")
        page.fill("#username", "admin")
        page.fill("#password", password)
        page.click("form.card button[type=submit]")
        page.wait_for_url(f"{base}/console?lang=en")
        page.screenshot(path=str(ROOT / "docs" / "img" / f"console-home-{size}.png"))
        page.click("ul.apps li a >> nth=0")
        page.screenshot(path=str(ROOT / "docs" / "img" / f"console-application-{size}.png"),
                        full_page=size == "desktop")
        if size == "desktop":
            for name, path in (("queue", "/console/applications?lang=en"),
                               ("below", "/console/below?lang=en"),
                               ("charts", "/console/charts?lang=en")):
                page.goto(base + path)
                if name == "below":  # the admin's top is the demo city: one level down
                    page.click("#below tbody a >> nth=0")
                page.screenshot(path=str(ROOT / "docs" / "img" / f"console-{name}-{size}.png"))
        context.close()
    print("wrote docs/img/console-{home,application}-{desktop,phone}.png and "
          "console-{queue,below,charts}-desktop.png")


if __name__ == "__main__":
    main()
