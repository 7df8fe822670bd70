"""A map page as one self-contained HTML file: every script and style yizhan serves from
/static is written into the page, so it opens from disk with no server and no internet (only
the base-map tiles still come from the tile server, when there is one)."""

from __future__ import annotations

import base64
import re
from pathlib import Path

from maps.assets import LEAFLET, STATIC_DIR

EXPORT_BASE = ""  # the api_base pages are rendered with: their assets at /static, then inlined
_SCRIPT = re.compile(r'<script src="/static/([^"]+)"></script>')
_STYLE = re.compile(r'<link rel="stylesheet" href="/static/([^"]+)"\s*/?>')


def _asset(name: str) -> str:
    path = (STATIC_DIR / name).resolve()
    if STATIC_DIR.resolve() not in path.parents:
        raise ValueError(f"{name} is not one of yizhan's static assets")
    return path.read_text("utf-8")


def self_contained(html: str) -> str:
    # `</script` inside an inlined script would end it early; no vendored file has one, but a
    # future one might.
    def script(m: re.Match[str]) -> str:
        return "<script>" + _asset(m.group(1)).replace("</script", "<\\/script") + "</script>"

    def style(m: re.Match[str]) -> str:
        return "<style>" + _asset(m.group(1)) + "</style>"

    page = _STYLE.sub(style, _SCRIPT.sub(script, html))
    return page.replace("</head>", _marker_icons() + "</head>", 1)


def _marker_icons() -> str:
    """Leaflet finds its default marker images through its stylesheet's folder, which an
    inlined stylesheet does not have: give it the images themselves."""
    def data(name: str) -> str:
        raw = (STATIC_DIR / LEAFLET / "images" / name).read_bytes()
        return "data:image/png;base64," + base64.b64encode(raw).decode()
    return ('<script>L.Icon.Default.imagePath = ""; L.Icon.Default.mergeOptions({'
            f'iconUrl: "{data("marker-icon.png")}", iconRetinaUrl: "{data("marker-icon-2x.png")}", '
            f'shadowUrl: "{data("marker-shadow.png")}"}});</script>')


def write(html: str, output: Path) -> int:
    page = self_contained(html)
    output.write_text(page, "utf-8")
    return len(page.encode())
