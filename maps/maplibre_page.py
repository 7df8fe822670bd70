"""A MapLibre GL page drawing /styles/yizhan.json with MapLibre served from yizhan itself: the
demo a partner copies into their own map (docs/partners/maplibre.md)."""

from __future__ import annotations

from html import escape

MAPLIBRE = "vendor/maplibre-gl-5.24.1"
SCRIPT = "yizhan/maplibre-demo.js"
WORDS = {
    "zh": {"title": "驿站地图（MapLibre 示例）", "hint": "点击驿站查看名称。", "lang": "zh-CN",
           "other": ("English", "en"), "status": {"operational": "开放", "temporarily_closed": "暂停开放",
                                                  "planned": "筹建中"}},
    "en": {"title": "Rest stations (MapLibre demo)", "hint": "Click a station to see its name.",
           "lang": "en", "other": ("中文", "zh"), "status": {
               "operational": "Open", "temporarily_closed": "Temporarily closed",
               "planned": "Planned"}},
}


def maplibre_page(static_base: str, style_url: str, centre: tuple[float, float], lang: str,
                  path: str) -> str:
    """The page: every word in `lang`, the map's settings in data- attributes for the script."""
    words = WORDS[lang]
    other_name, other_lang = words["other"]
    statuses = "".join(f' data-status-{k.replace("_", "-")}="{escape(v)}"'
                       for k, v in words["status"].items())  # type: ignore[attr-defined]
    return f"""<!doctype html>
<html lang="{words['lang']}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>{escape(str(words['title']))}</title>
<link rel="stylesheet" href="{static_base}/{MAPLIBRE}/maplibre-gl.css">
<style>
html,body{{margin:0;height:100%;font:14px sans-serif}}
#map{{position:absolute;inset:0}}
#yz-hint{{position:absolute;z-index:1;top:10px;left:10px;background:#fff;padding:6px 10px;
  border-radius:4px;box-shadow:0 1px 4px rgba(0,0,0,.3)}}
.yz-station-name{{font-weight:bold}}
</style>
</head>
<body>
<div id="map" data-style="{escape(style_url)}" data-lon="{centre[0]}" data-lat="{centre[1]}"{statuses}></div>
<p id="yz-hint">{escape(str(words['hint']))} <a href="{escape(path)}?lang={other_lang}">{other_name}</a></p>
<script src="{static_base}/{MAPLIBRE}/maplibre-gl.js"></script>
<script src="{static_base}/{SCRIPT}"></script>
</body>
</html>
"""
