"""`/maps/match`: which union covers a place and why: the areas of every level that cover it,
the one chosen, and whether the point lies on a border."""

from __future__ import annotations

from typing import Any

import folium
from sqlalchemy import Connection

from geo import unions
from geo.unions import Candidate, Match
from geo.vocab import UNION_HOTLINE, UnionLevel
from maps.page import (
    MapStyle,
    Tooltip,
    base_map,
    distance_text,
    fit,
    geojson_bounds,
    render,
    safe_text,
    union_link,
)

LEVEL_COLOURS = {UnionLevel.CITY: "#6c757d", UnionLevel.DISTRICT: "#6f42c1",
                 UnionLevel.STREET: "#1f6fd1", UnionLevel.COMMUNITY: "#2b7a3d",
                 UnionLevel.GRID: "#d9534f"}
TEXT: dict[str, dict[str, Any]] = {
    "zh": {"title": "这个位置属于哪个工会", "point": "查询位置", "levels": {
        "city": "市", "district": "区", "street": "街道", "community": "社区", "grid": "网格"},
        "matched": "由覆盖此处的最具体的区域工会受理", "gap_fallback":
        "此处位于下级区域之间的空隙，由覆盖它的上级工会受理",
        "nearest_fallback": "没有区域覆盖此处；由最近的工会受理（{d}）",
        "not_covered": "没有工会覆盖此处", "not_covered_next":
        "2 公里内也没有工会。想入会或求助，请拨打职工服务热线 {hotline}{stations}。",
        "stations": "，或到<a href=\"{url}\">附近的站点</a>问一问",
        "h3_interior": "H3 内部网格", "exact": "精确判断",
        "border": "在边界上", "chosen": "受理", "tied": "同级并列",
        "tie_rule": "同一级有 {n} 个区域覆盖此处。规则：在区域内部的优先于在边界上的，"
                    "其次面积较小（更具体）的，再次编码较小的。",
        "decided": {"border": "这里起决定作用的是：此处在受理区域的内部。",
                    "area": "这里起决定作用的是：受理区域面积较小。",
                    "code": "这里起决定作用的是：面积相同，受理区域的编码较小。"},
        "nearest": "最近"},
    "en": {"title": "Which union covers this place", "point": "This place", "levels": {
        "city": "city", "district": "district", "street": "street", "community": "community",
        "grid": "grid"},
        "matched": "handled by the most specific area union covering it", "gap_fallback":
        "in a gap between the areas below: handled by the union covering it one level up",
        "nearest_fallback": "no area covers it: handled by the nearest union, {d} m away",
        "not_covered": "no union covers this place", "not_covered_next":
        "No union is within 2 km either. To join a union or ask for help, call the workers' "
        "hotline {hotline}{stations}.",
        "stations": ', or ask at a <a href="{url}">station nearby</a>',
        "h3_interior": "H3 interior cell",
        "exact": "exact test", "border": "on the border", "chosen": "handles it",
        "tied": "tied at its level",
        "tie_rule": "{n} areas of the same level cover this place. The rule: a point inside "
                    "beats one on the border, then the smaller (more specific) area wins, "
                    "then the lower code.",
        "decided": {"border": "Here it was decided by the place lying inside the chosen area.",
                    "area": "Here it was decided by the chosen area being smaller.",
                    "code": "Here the areas are the same size: the lower code decided."},
        "nearest": "nearest"},
}


def match_view(conn: Connection, lon: float, lat: float
               ) -> tuple[Match, dict[int, dict[str, Any] | None]]:
    """The match of a WGS84 point and the areas of every union it names."""
    found = unions.match(conn, lon, lat)
    ids = {c.union.id for c in found.covering} | ({found.union.id} if found.union else set())
    return found, {i: unions.area_geojson(conn, i) for i in sorted(ids)}


def match_map(lon: float, lat: float, match: Match, areas: dict[int, dict[str, Any] | None],
              style: MapStyle) -> str:
    """`areas` holds the GeoJSON area of every union named by the match."""
    t = TEXT[style.lang]
    fmap = base_map(lon, lat, 15, style)
    chosen = match.union.id if match.union else None
    shown = [(c.union, c.method, c.on_border) for c in match.covering]
    if match.union is not None and all(u.id != chosen for u, _, _ in shown):
        shown.append((match.union, "nearest", False))
    for union, _, _ in shown:
        area = areas.get(union.id)
        if area is None:
            continue
        colour = LEVEL_COLOURS[UnionLevel(union.level)]
        folium.GeoJson(
            style.geojson(area), tooltip=Tooltip(safe_text(f"{t['levels'][union.level]} {union.name}")),
            style_function=lambda _, c=colour, main=union.id == chosen: {
                "color": c, "weight": 4 if main else 2, "fillOpacity": 0.15 if main else 0.04,
                "dashArray": None if main else "4 4",
                "className": f"yz-area yz-area-{'chosen' if main else 'covering'}"},
        ).add_to(fmap)
    folium.CircleMarker(style.at(lon, lat), radius=8, color="#ffffff", weight=3, fill=True,
                        fill_color="#1f6fd1", fill_opacity=1, tooltip=Tooltip(t["point"]),
                        class_name="yz-point").add_to(fmap)
    chosen_area = areas.get(chosen) if chosen is not None else None
    if chosen_area:
        (south, west), (north, east) = geojson_bounds(style.geojson(chosen_area))
        y, x = style.at(lon, lat)
        fit(fmap, [[min(south, y), min(west, x)], [max(north, y), max(east, x)]], style,
            padding=(20, 20))
    return render(fmap, t["title"], _panel(match, shown, style, _next_step(lon, lat, match, style)),
                  _CSS, style.lang)


def _next_step(lon: float, lat: float, match: Match, style: MapStyle) -> str:
    """What a rider whose place no union covers can do: call the unions' hotline, or ask at a
    station nearby."""
    if match.status != "not_covered":
        return ""
    t = TEXT[style.lang]
    url = style.page_url(f"/maps/nearest?lat={lat:.6f}&lon={lon:.6f}")
    stations = "" if url is None else t["stations"].format(url=safe_text(url))
    hotline = f'<a href="tel:{UNION_HOTLINE}">{UNION_HOTLINE}</a>'
    return f'<p class="yz-next">{t["not_covered_next"].format(hotline=hotline, stations=stations)}</p>'


def _panel(match: Match, shown: list[tuple[Any, str, bool]], style: MapStyle, after: str) -> str:
    t = TEXT[style.lang]
    verdict = t[match.status].format(d=distance_text(match.distance_m or 0, style.lang))
    tied = {c.union.id for c in match.tied}
    rows = []
    for union, method, on_border in sorted(shown, key=lambda s: UnionLevel(s[0].level).rank):
        notes = [t.get(method, method)] + ([t["border"]] if on_border else [])
        if union.id in tied:
            notes.append(t["tied"])
        mark = f' <b class="yz-chosen">← {t["chosen"]}</b>' if match.union and \
            union.id == match.union.id else ""
        rows.append(f'<li data-union-code="{safe_text(union.code)}" data-level="{union.level}">'
                    f'{t["levels"][union.level]}: {union_link(union.id, union.name, style)} '
                    f'<span class="yz-why">({", ".join(notes)})</span>{mark}</li>')
    rule = (f'<p class="yz-tie-rule">{t["tie_rule"].format(n=len(match.tied))} '
            f'{t["decided"][_decided_by(match.tied)]}</p>' if match.tied else "")
    return (f'<div id="yz-panel" data-status="{match.status}"><b>{t["title"]}</b>'
            f'<p class="yz-verdict">{safe_text(verdict)}</p>{after}<ul>{"".join(rows)}</ul>{rule}'
            '</div>')


def _decided_by(tied: list[Candidate]) -> str:
    """Which step of `tie_key` set the chosen union (the first) apart from the runner-up."""
    best, runner_up = tied[0], tied[1]
    if best.on_border != runner_up.on_border:
        return "border"
    return "area" if best.union.area_m2 != runner_up.union.area_m2 else "code"


_CSS = """<style>
#yz-panel .yz-why{color:#666}
#yz-panel .yz-chosen{color:#d9534f}
</style>"""
