"""What every map page shares: a folium map on yizhan's own assets and the configured base
map, a floating panel, and the page's title."""

from __future__ import annotations

import json
from dataclasses import dataclass
from html import escape
from typing import Any

import folium
from branca.element import Figure
from folium.map import FitBounds
from folium.template import Template

from geo.crs import Crs, from_wgs84
from maps.assets import use_local_assets


@dataclass(frozen=True)
class MapStyle:
    api_base: str  # where yizhan answers, seen from the page: "" on its own site
    tiles_url: str
    tiles_attribution: str
    lang: str = "zh"
    tiles_crs: Crs = Crs.WGS84  # Amap's and Tencent's tiles are GCJ-02; Baidu's are not Mercator
    tiles_subdomains: str = "abc"  # what {s} in tiles_url stands for
    zoom: int | None = None  # as asked in the URL; else the page fits what it shows
    offline: bool = False  # an exported file: no server to link to or fetch from

    def page_url(self, path: str) -> str | None:
        """A link to another yizhan page in this language, or None in an exported file."""
        if self.offline:
            return None
        return f"{self.api_base}{path}{'&' if '?' in path else '?'}lang={self.lang}"

    def at(self, lon: float, lat: float) -> list[float]:
        """A WGS84 point as Leaflet wants it on these tiles: [lat, lon] in the tiles' system,
        so that it sits on the right street (GCJ-02 is several hundred metres off)."""
        x, y = from_wgs84(lon, lat, self.tiles_crs)
        return [y, x]

    @property
    def static_base(self) -> str:
        return f"{self.api_base}/static"

    @property
    def tiles_query(self) -> str:
        """What /tiles URLs need to be drawn on these base tiles."""
        return "crs=gcj02" if self.tiles_crs is Crs.GCJ02 else ""

    def geojson(self, geometry: dict[str, Any]) -> dict[str, Any]:
        """A WGS84 GeoJSON geometry moved into the tiles' system."""
        if self.tiles_crs is Crs.WGS84:
            return geometry

        def move(coords: Any) -> Any:
            if isinstance(coords[0], (int, float)):
                return list(from_wgs84(coords[0], coords[1], self.tiles_crs))
            return [move(c) for c in coords]
        return {**geometry, "coordinates": move(geometry["coordinates"])}


def safe_text(value: str) -> str:
    """Text for HTML: escaped, with the characters JavaScript gives a meaning to inside a
    literal (backslash, backtick, dollar) as entities too, for HTML that ends up in a script."""
    return escape(value).replace("\\", "&#92;").replace("`", "&#96;").replace("$", "&#36;")


# What could end a <script> or a string inside it, or open a comment: as \u escapes.
_SCRIPT_UNSAFE = str.maketrans({c: f"\\u{ord(c):04x}" for c in "<>&\u2028\u2029"})


def script_json(value: Any) -> str:
    """`value` as JSON to place inside a <script>: the only way data enters a page's scripts."""
    return json.dumps(value, ensure_ascii=False).translate(_SCRIPT_UNSAFE)


class Tooltip(folium.Tooltip):
    """folium's tooltip, its HTML handed to Leaflet as a JSON string (folium writes it into a
    template literal, where a backslash in a name starts an escape and breaks the script)."""

    _template = Template("""
        {% macro script(this, kwargs) %}
            {{ this._parent.get_name() }}.bindTooltip({{ this.json }},
                {{ this.options|tojavascript }});
        {% endmacro %}""")

    def __init__(self, text: str, **kwargs: object) -> None:
        # "auto" opens towards the map's middle; with at most half the screen's width (PANEL_CSS)
        # the tooltip then stays on a phone's screen, a long name wrapped.
        kwargs.setdefault("direction", "auto")
        super().__init__(text, **kwargs)  # type: ignore[arg-type]

    @property
    def json(self) -> str:
        return script_json(f"<div>{self.text}</div>")


class Popup(folium.Popup):
    """folium's popup, its HTML (already escaped) handed to Leaflet as a JSON string."""

    _template = Template("""
        var {{ this.get_name() }} = L.popup({{ this.options|tojavascript }});
        {{ this.get_name() }}.setContent({{ this.json }});
        {{ this._parent.get_name() }}.bindPopup({{ this.get_name() }});
    """)

    def __init__(self, html: str, **options: Any) -> None:
        super().__init__(**options)
        self.json = script_json(html)


def union_link(union_id: int, name: str, style: MapStyle) -> str:
    """A union's name, linking to its map page where there is a server to link to."""
    url = style.page_url(f"/maps/unions/{union_id}")
    return safe_text(name) if url is None else f'<a href="{safe_text(url)}">{safe_text(name)}</a>'


PANEL_CSS = """<style>
#yz-panel{position:absolute;z-index:1000;top:46px;right:10px;max-width:300px;background:#fff;
  padding:8px 12px;border-radius:6px;box-shadow:0 1px 5px rgba(0,0,0,.4);font:13px sans-serif;
  max-height:calc(100% - 90px);overflow-y:auto;box-sizing:border-box}
#yz-panel.yz-hidden{display:none}
#yz-panel ol,#yz-panel ul{margin:4px 0 0;padding-left:18px}
#yz-panel-toggle{position:absolute;z-index:1001;top:10px;right:10px;width:32px;height:30px;
  background:#fff;border:0;border-radius:4px;box-shadow:0 1px 5px rgba(0,0,0,.4);font-size:16px}
.leaflet-tooltip{white-space:normal;width:max-content;box-sizing:border-box;max-width:calc(50vw - 32px)}
@media (max-width:480px){ #yz-panel{max-width:calc(100% - 60px);max-height:45%;font-size:12px}}
.yz-popup{font:13px sans-serif;line-height:1.5}
/* On a narrow screen the attribution may take the whole bottom line: the scale goes above it. */
@media (max-width:600px){ .leaflet-bottom.leaflet-left .leaflet-control-scale{margin-bottom:28px}
  .leaflet-control-attribution{max-width:calc(100vw - 20px)}}
</style>"""
# fitBounds clear of the panel and the controls (FitClearOfPanel; the gap map after its data).
FIT_JS = """<script>
window.yizhanFit = function (map, bounds, options) {
  options = Object.assign({}, options);
  var least = options.padding || [0, 0];
  var topLeft = [Math.max(50, least[0]), Math.max(20, least[1])];
  var bottomRight = [Math.max(20, least[0]), Math.max(45, least[1])];
  var panel = document.getElementById("yz-panel");
  if (panel && !panel.classList.contains("yz-hidden")) {
    var p = panel.getBoundingClientRect(), m = map.getContainer().getBoundingClientRect();
    if (p.width > m.width / 2) topLeft[1] = Math.max(topLeft[1], p.bottom - m.top + 20);
    else bottomRight[0] = Math.max(bottomRight[0], m.right - p.left + 20);
  }
  delete options.padding;
  map.fitBounds(bounds, Object.assign({paddingTopLeft: topLeft, paddingBottomRight: bottomRight},
                                      options));
};
</script>"""
# The panel folds away, so that on a phone-sized iframe it need not hide the map.
PANEL_TOGGLE = """<button id="yz-panel-toggle" type="button" title="%s" aria-controls="yz-panel"
  aria-expanded="true">&#9776;</button><script>
document.getElementById("yz-panel-toggle").addEventListener("click", function () {
  var hidden = document.getElementById("yz-panel").classList.toggle("yz-hidden");
  this.setAttribute("aria-expanded", String(!hidden));
});
</script>"""


def distance_text(metres: float, lang: str) -> str:
    """'850 m', '1.2 km' (Chinese: 米, 公里): kilometres from 1 km, where metres stop helping."""
    if round(metres) < 1000:
        return f"{metres:,.0f} {'米' if lang == 'zh' else 'm'}"
    return f"{metres / 1000:,.1f} {'公里' if lang == 'zh' else 'km'}"


def geojson_bounds(geometry: dict[str, Any]) -> list[list[float]]:
    """[[south, west], [north, east]] of a GeoJSON geometry, as Leaflet wants bounds."""
    xs: list[float] = []
    ys: list[float] = []

    def walk(coords: Any) -> None:
        if isinstance(coords[0], (int, float)):
            xs.append(coords[0])
            ys.append(coords[1])
        else:
            for c in coords:
                walk(c)
    walk(geometry["coordinates"])
    return [[min(ys), min(xs)], [max(ys), max(xs)]]


class FitClearOfPanel(FitBounds):
    """fitBounds in the part of the map the panel and the controls leave free: below the panel
    when it spans the map's width (a phone), beside it otherwise; clear of the zoom buttons and
    of the scale and attribution at the bottom."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        yizhanFit({{ this._parent.get_name() }}, {{ this.bounds|tojson }},
                  {{ this.options|tojson }});
        {% endmacro %}
        """)


def fit(fmap: folium.Map, bounds: list[list[float]], style: MapStyle, **options: Any) -> None:
    """Show `bounds` unless the URL asked for a zoom, clear of the panel (FitClearOfPanel)."""
    if style.zoom is None:
        fmap.add_child(FitClearOfPanel(bounds, **options))


def base_map(lon: float, lat: float, zoom: int, style: MapStyle) -> folium.Map:
    fmap = folium.Map(location=style.at(lon, lat), zoom_start=style.zoom or zoom, tiles=None,
                      control_scale=True, prefer_canvas=False)
    use_local_assets(fmap, style.static_base)
    folium.TileLayer(tiles=style.tiles_url, attr=style.tiles_attribution, max_zoom=19,
                     subdomains=style.tiles_subdomains).add_to(fmap)
    return fmap


def render(fmap: folium.Map, title: str, panel: str, css: str = "", lang: str = "zh") -> str:
    root = fmap.get_root()
    assert isinstance(root, Figure)  # a map's root is the page
    # An empty icon spares a phone the request for /favicon.ico, which yizhan does not serve.
    root.header.add_child(folium.Element(f'<title>{safe_text(title)}</title><link rel="icon" '
                                         f'href="data:,">{PANEL_CSS}{css}{FIT_JS}'))
    root.html.add_child(folium.Element(panel + PANEL_TOGGLE % ("面板" if lang == "zh" else "Panel")))
    return str(root.render())
