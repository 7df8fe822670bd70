"""What every map page shares: a folium map on yizhan's own assets and the configured base
map, a floating panel, and the page's title."""

from __future__ import annotations

from dataclasses import dataclass

import folium

from maps.assets import use_local_assets


@dataclass(frozen=True)
class MapStyle:
    static_base: str
    tiles_url: str
    tiles_attribution: str
    lang: str = "zh"


PANEL_CSS = """<style>
#yz-panel{position:absolute;z-index:1000;top:10px;right:10px;max-width:300px;background:#fff;
  padding:8px 12px;border-radius:6px;box-shadow:0 1px 5px rgba(0,0,0,.4);font:13px sans-serif}
#yz-panel ol,#yz-panel ul{margin:4px 0 0;padding-left:18px}
.yz-popup{font:13px sans-serif;line-height:1.5}
</style>"""


def base_map(lon: float, lat: float, zoom: int, style: MapStyle) -> folium.Map:
    fmap = folium.Map(location=[lat, lon], zoom_start=zoom, tiles=None, control_scale=True,
                      prefer_canvas=False)
    use_local_assets(fmap, style.static_base)
    folium.TileLayer(tiles=style.tiles_url, attr=style.tiles_attribution, max_zoom=19).add_to(fmap)
    return fmap


def render(fmap: folium.Map, title: str, panel: str, css: str = "") -> str:
    root = fmap.get_root()
    root.header.add_child(folium.Element(f"<title>{title}</title>{PANEL_CSS}{css}"))
    root.html.add_child(folium.Element(panel))
    return str(root.render())
