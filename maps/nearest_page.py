"""`/maps/nearest`: the rider's point, the stations around it, the nearest ones highlighted."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import folium
from folium.plugins import MarkerCluster

from geo.hours import in_words
from geo.navigation import navigation_links
from geo.nearest import NearStation
from geo.vocab import AMENITY_LABELS_EN, AMENITY_LABELS_ZH, Amenity
from maps.assets import use_local_assets
from maps.page import (
    MapStyle,
    Popup,
    Tooltip,
    base_map,
    distance_text,
    fit,
    render,
    safe_text,
)

AROUND = 150  # stations drawn around the point, besides the nearest ones
TEXT = {
    "zh": {"you": "您的位置", "title": "附近的户外劳动者服务站点", "open": "营业中",
           "closed": "休息中", "unknown": "营业时间未知", "hours": "开放时间",
           "amenities": "服务", "phone": "电话", "nearest": "最近的站点", "none": "附近没有符合条件的站点",
           "navigate": "导航", "amap": "高德", "baidu": "百度", "temporarily_closed": "暂停开放",
           "open_now": "只看营业中", "open_24_7": "24 小时开放", "filter": "筛选",
           "locate": "我的位置", "ask": "我要维权 · 提诉求", "join": "申请入会"},
    "en": {"you": "You are here", "title": "Rest stations near you", "open": "Open now",
           "closed": "Closed now", "unknown": "Hours unknown", "hours": "Hours",
           "amenities": "Amenities", "phone": "Phone", "nearest": "Nearest stations",
           "none": "No matching station nearby", "navigate": "Navigate", "amap": "Amap", "baidu": "Baidu",
           "temporarily_closed": "Temporarily closed", "open_now": "Open now only",
           "open_24_7": "Open 24 hours",
           "filter": "Filter", "locate": "Where am I", "ask": "Ask the union for help",
           "join": "Join the union"},
}


def _open_label(open_now: bool | None, t: dict[str, str]) -> str:
    return t["unknown"] if open_now is None else t["open"] if open_now else t["closed"]


def _amenity_label(name: str, lang: str) -> str:
    return (AMENITY_LABELS_ZH if lang == "zh" else AMENITY_LABELS_EN)[Amenity(name)]


def popup_html(near: NearStation, style: MapStyle) -> str:
    lang = style.lang
    t = TEXT[lang]
    s = near.station
    links = navigation_links(s.lon, s.lat, s.name)
    rows = [
        f'<div class="yz-popup" data-station-id="{s.id}">',
        f"<b class=\"yz-name\">{safe_text(s.name)}</b>",
        f"<div>{safe_text(s.address or '')}</div>",
        f"<div>{distance_text(near.distance_m, lang)} · {_open_label(near.open_now, t)}</div>",
    ]
    if s.status == "temporarily_closed":
        rows.append(f"<div><b>{t['temporarily_closed']}</b></div>")
    if s.opening_hours:
        rows.append(f'<div class="yz-hours">{t["hours"]}: '
                    f"{safe_text(in_words(s.opening_hours, lang))}</div>")
    if s.amenities:
        labels = ("、" if lang == "zh" else ", ").join(_amenity_label(a, lang) for a in s.amenities)
        rows.append(f"<div>{t['amenities']}: {safe_text(labels)}</div>")
    if s.phone:
        rows.append(f'<div>{t["phone"]}: <a href="tel:{safe_text(s.phone)}">{safe_text(s.phone)}</a></div>')
    rows.append(
        f"<div>{t['navigate']}: "
        + " · ".join(f'<a href="{safe_text(url)}" target="_blank" rel="noopener">{label}</a>'
                     for label, url in ((t["amap"], links["amap"]), (t["baidu"], links["baidu"]),
                                        ("OSM", links["osm"])))
        + "</div>"
    )
    ask, join = style.page_url(f"/request?station={s.id}"), style.page_url(f"/join?station={s.id}")
    if ask is not None and join is not None:  # a worker at the station can ask or join from here
        rows.append(f'<div><a class="yz-ask" href="{safe_text(ask)}" target="_blank" '
                    f'rel="noopener">{t["ask"]}</a> · <a class="yz-join" href="{safe_text(join)}" '
                    f'target="_blank" rel="noopener">{t["join"]}</a></div>')
    rows.append("</div>")
    return "".join(rows)


def nearest_map(
    lon: float,
    lat: float,
    nearest: Sequence[NearStation],
    around: Sequence[NearStation],
    style: MapStyle,
    query: PageQuery | None = None,
) -> str:
    """A complete HTML page. Stations around are clustered when zoomed out; `query` (what the
    page was asked) fills the panel's filter form."""
    t = TEXT[style.lang]
    fmap = base_map(lon, lat, 16, style)
    cluster = MarkerCluster(options={"disableClusteringAtZoom": 15})
    cluster.add_to(fmap)
    use_local_assets(cluster, style.static_base)

    highlighted = {n.station.id for n in nearest}
    for near in around:
        if near.station.id in highlighted:
            continue
        folium.CircleMarker(
            style.at(near.station.lon, near.station.lat), radius=6, color="#2b7a3d", weight=2,
            fill=True, fill_color="#5cb85c", fill_opacity=0.8,
            class_name=f"yz-station yz-station-{near.station.id}",
            popup=Popup(popup_html(near, style), max_width=320),
            tooltip=Tooltip(safe_text(near.station.name)),
        ).add_to(cluster)

    for rank, near in enumerate(nearest, start=1):
        s = near.station
        label = f"{rank}. {s.name} · {distance_text(near.distance_m, style.lang)}"
        folium.PolyLine(
            [style.at(lon, lat), style.at(s.lon, s.lat)], color="#d9534f", weight=3, dash_array="6 6",
            tooltip=Tooltip(safe_text(label)), class_name="yz-line",
        ).add_to(fmap)
        folium.Marker(
            style.at(s.lon, s.lat),
            icon=folium.DivIcon(
                html=f'<div class="yz-rank yz-rank-{rank}" data-station-id="{s.id}">{rank}</div>',
                # A pin whose tip is the station: the number stands above it, clear of the
                # rider's dot when the two are a few metres apart.
                icon_size=(26, 34), icon_anchor=(13, 34), class_name="yz-rank-icon",
            ),
            popup=Popup(popup_html(near, style), max_width=320),
            tooltip=Tooltip(safe_text(label)), z_index_offset=1000,  # above any cluster of the others
        ).add_to(fmap)

    folium.Marker(  # above the numbered pins, whose heads stand clear of it
        style.at(lon, lat), icon=folium.DivIcon(html='<div class="yz-you"></div>', icon_size=(22, 22),
                                                icon_anchor=(11, 11), class_name="yz-you-icon"),
        tooltip=Tooltip(t["you"]), z_index_offset=2000,
    ).add_to(fmap)
    if nearest:
        points = [style.at(lon, lat)] + [style.at(n.station.lon, n.station.lat) for n in nearest]
        fit(fmap, points, style, padding=(30, 30), max_zoom=17)

    panel = _panel(nearest, style.lang) + (_filters(query, t, style.lang) if query else "")
    return render(fmap, t["title"], f'<div id="yz-panel">{panel}</div>', _CSS + _LOCATE, style.lang)


@dataclass(frozen=True)
class PageQuery:
    """What the page was asked: the filters the form sets, and every other parameter, which
    the form carries along unchanged (point, k, zoom, radius, time, language)."""

    keep: list[tuple[str, str]]
    amenities: list[str]
    open_now: bool
    open_24_7: bool = False


FILTER_AMENITIES = [Amenity.DRINKING_WATER, Amenity.TOILET, Amenity.PHONE_CHARGING,
                    Amenity.COOLING, Amenity.HEATING, Amenity.MICROWAVE, Amenity.BATTERY_SWAP,
                    Amenity.MEALS]


def _filters(q: PageQuery, t: dict[str, str], lang: str) -> str:
    """A form that reloads the page with other filters, and a button for the device's place."""
    hidden = "".join(f'<input type="hidden" name="{safe_text(n)}" value="{safe_text(v)}">'
                     for n, v in q.keep)
    boxes = "".join(
        f'<label><input type="checkbox" name="amenity" value="{a.value}"'
        f'{" checked" if a.value in q.amenities else ""}> {safe_text(_amenity_label(a.value, lang))}'
        "</label> " for a in [*FILTER_AMENITIES, *(Amenity(a) for a in q.amenities
                                                    if Amenity(a) not in FILTER_AMENITIES)])
    open_box = "".join(
        f'<label><input type="checkbox" name="{name}" value="true"'
        f'{" checked" if on else ""}> {t[name]}</label> '
        for name, on in (("open_now", q.open_now), ("open_24_7", q.open_24_7)))
    return (f'<form id="yz-filters" method="get">{hidden}<div>{boxes}</div><div>{open_box} '
            f'<button type="submit">{t["filter"]}</button> '
            f'<button type="button" id="yz-locate">{t["locate"]}</button></div></form>')


def _panel(nearest: Sequence[NearStation], lang: str) -> str:
    t = TEXT[lang]
    items = "".join(
        f'<li data-station-id="{n.station.id}">{safe_text(n.station.name)} '
        f'<span class="yz-dist">{distance_text(n.distance_m, lang)}</span> '
        f'<span class="yz-open">{_open_label(n.open_now, t)}</span></li>'
        for n in nearest
    )
    body = f"<ol>{items}</ol>" if nearest else f"<p>{t['none']}</p>"
    return f'<b>{t["nearest"]}</b>{body}'


_CSS = """<style>
#yz-panel .yz-dist{color:#d9534f;font-weight:bold}
#yz-panel .yz-open{color:#666}
.yz-rank{position:relative;box-sizing:border-box;width:26px;height:26px;border-radius:13px;
  background:#d9534f;color:#fff;font:bold 14px/22px sans-serif;text-align:center;
  border:2px solid #fff;box-shadow:0 1px 4px rgba(0,0,0,.5)}
.yz-rank::after{content:"";position:absolute;left:5px;top:22px;border:6px solid transparent;
  border-top:8px solid #d9534f}
.yz-rank-icon{background:none;border:none}
.yz-you{width:16px;height:16px;border-radius:11px;background:#1f6fd1;border:3px solid #fff;
  box-shadow:0 1px 4px rgba(0,0,0,.5)}
.yz-you-icon{background:none;border:none}
#yz-filters{margin-top:6px;border-top:1px solid #ddd;padding-top:4px}
#yz-filters label{white-space:nowrap}
</style>"""
# Where the device is (WGS84, from the browser): the same page, asked again for that place.
_LOCATE = """<script>
document.addEventListener("DOMContentLoaded", function () {
  var button = document.getElementById("yz-locate");
  if (!button) return;
  if (!navigator.geolocation) { button.disabled = true; return; }
  button.addEventListener("click", function () {
    navigator.geolocation.getCurrentPosition(function (p) {
      var q = new URLSearchParams(location.search);
      q.set("lat", p.coords.latitude.toFixed(6));
      q.set("lon", p.coords.longitude.toFixed(6));
      q.set("crs", "wgs84");
      location.search = q.toString();
    }, function (error) {
      button.disabled = true;
      button.title = error.message;
      button.textContent += " ✕";
    });
  });
});
</script>"""
