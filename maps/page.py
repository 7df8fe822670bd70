"""What every map page shares: a folium map on yizhan's own assets and the configured base
map, a floating panel, and the page's title."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import Any

import folium

from geo.crs import Crs, from_wgs84
from maps.assets import use_local_assets


@dataclass(frozen=True)
class MapStyle:
    api_base: str  # where yizhan answers, seen from the page: "" on its own site
    tiles_url: str
    tiles_attribution: str
    lang: str = "zh"
    tiles_crs: Crs = Crs.WGS84  # Amap's and Tencent's tiles are GCJ-02; Baidu's are not Mercator
    zoom: int | None = None  # as asked in the URL; else the page fits what it shows

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
    """Text for HTML that folium places inside JavaScript template literals (popups, tooltips):
    escaped for HTML, and with ` and $ as entities, so that a name like "${…}" cannot run."""
    return escape(value).replace("`", "&#96;").replace("$", "&#36;")


PANEL_CSS = """<style>
#yz-panel{position:absolute;z-index:1000;top:10px;right:10px;max-width:300px;background:#fff;
  padding:8px 12px;border-radius:6px;box-shadow:0 1px 5px rgba(0,0,0,.4);font:13px sans-serif}
#yz-panel ol,#yz-panel ul{margin:4px 0 0;padding-left:18px}
.yz-popup{font:13px sans-serif;line-height:1.5}
</style>"""


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


def fit(fmap: folium.Map, bounds: list[list[float]], style: MapStyle, **options: Any) -> None:
    """Show `bounds` unless the URL asked for a zoom."""
    if style.zoom is None:
        fmap.fit_bounds(bounds, **options)


def base_map(lon: float, lat: float, zoom: int, style: MapStyle) -> folium.Map:
    fmap = folium.Map(location=style.at(lon, lat), zoom_start=style.zoom or zoom, tiles=None,
                      control_scale=True, prefer_canvas=False)
    use_local_assets(fmap, style.static_base)
    folium.TileLayer(tiles=style.tiles_url, attr=style.tiles_attribution, max_zoom=19).add_to(fmap)
    return fmap


def render(fmap: folium.Map, title: str, panel: str, css: str = "") -> str:
    root = fmap.get_root()
    root.header.add_child(folium.Element(f"<title>{title}</title>{PANEL_CSS}{css}"))
    root.html.add_child(folium.Element(panel))
    return str(root.render())
