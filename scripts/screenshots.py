"""Take the docs' map screenshots (docs/img/map-*.png) from a running yizhan with its demo data.

    make run                                   # in one terminal
    .venv/bin/python -m scripts.screenshots    # in another (needs `make test`'s Chromium)

Officer pages are taken logged in as `admin`, with the password `make run` wrote to
.yizhan/admin-password."""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

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
    base = parser.parse_args().base
    password = (ROOT / ".yizhan" / "admin-password").read_text().strip()
    chromium = shutil.which("chromium")
    if chromium is None:
        raise SystemExit("no chromium: `make test` installs Debian's package")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
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


if __name__ == "__main__":
    main()
