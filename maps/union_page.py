"""`/maps/unions/{id}`: a union's area, its children's areas, its H3 coverage (interior cells
apart from border cells) and the stations inside."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

import folium
import h3
from folium.plugins import MarkerCluster
from sqlalchemy import Connection

from geo import stations, unions
from geo.h3index import to_hex
from geo.jurisdiction import Jurisdiction
from geo.stations import StationRecord
from geo.unions import UnionRecord
from geo.vocab import StationStatus
from maps.assets import OFFICER_JS, TILES_JS, VECTORGRID, use_local_assets
from maps.match_page import TEXT as MATCH_TEXT
from maps.page import (
    MapStyle,
    Popup,
    Tooltip,
    base_map,
    fit,
    geojson_bounds,
    render,
    safe_text,
    script_json,
    union_link,
)

TEXT = {
    "zh": {"title": "工会区域", "children": "下级区域", "cells": "H3 覆盖",
           "interior": "内部网格（无需几何判断）", "border": "边界网格（精确判断）",
           "stations": "站点", "no_area": "此工会没有区域", "tiled": "以矢量瓦片显示",
           "not_drawn": "太多，未画出",
           "up": "上级", "workplaces": "本辖区单位（网格员登录后可见）", "login": "网格员登录",
           "logout": "退出", "signed_in": "已登录", "more": "等 {n} 个"},
    "en": {"title": "Union area", "children": "Areas below", "cells": "H3 coverage",
           "interior": "interior cells (no geometry test)", "border": "border cells (exact test)",
           "stations": "Stations", "no_area": "This union has no area",
           "tiled": "drawn from vector tiles", "not_drawn": "too many to draw here",
           "up": "One level up",
           "workplaces": "Workplaces of your jurisdiction (officers, logged in)",
           "login": "Officer login", "logout": "Log out", "signed_in": "Logged in as",
           "more": "{n} in all"},
}


@dataclass(frozen=True)
class UnionView:
    union: UnionRecord
    parent: UnionRecord | None
    area: dict[str, Any] | None
    children: list[tuple[UnionRecord, dict[str, Any] | None]]
    cells: list[tuple[int, bool]]  # (cell, interior)
    stations: list[StationRecord]  # empty when there are too many: drawn from vector tiles
    station_total: int


MAX_CHILDREN = 1000
MARKER_LIMIT = 1000  # more stations than this are drawn from /tiles, not shipped in the page


def union_view(conn: Connection, union: UnionRecord, marker_limit: int = MARKER_LIMIT) -> UnionView:
    """What the page shows, read from the database; past `marker_limit` stations, none (an
    exported page, with no server to draw tiles, asks for more)."""
    _, children = unions.search(conn, parent_id=union.id, limit=MAX_CHILDREN)
    total, inside = stations.search(
        conn, within=Jurisdiction(union.path), limit=marker_limit + 1,
        statuses=[s for s in StationStatus if s is not StationStatus.REMOVED])
    parent = unions.get(conn, union.parent_id) if union.parent_id is not None else None
    return UnionView(union, parent, unions.area_geojson(conn, union.id),
                     [(c, unions.area_geojson(conn, c.id)) for c in children],
                     unions.coverage_cells(conn, union.id),
                     inside if total <= marker_limit else [], total)


def _cell_polygon(cell: int) -> dict[str, Any]:
    ring = [[lon, lat] for lat, lon in h3.cell_to_boundary(to_hex(cell))]
    return {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}


def union_map(view: UnionView, style: MapStyle) -> str:
    t, levels = TEXT[style.lang], MATCH_TEXT[style.lang]["levels"]
    u = view.union
    (south, west), (north, east) = geojson_bounds(view.area) if view.area else ([31.23, 121.47],) * 2
    fmap = base_map((west + east) / 2, (south + north) / 2, 13, style)
    if view.cells:
        cells = folium.FeatureGroup(name=t["cells"]).add_to(fmap)
        for interior in (True, False):
            features = [{"type": "Feature", "geometry": style.geojson(_cell_polygon(c)),
                         "properties": {}}
                        for c, inside in view.cells if inside is interior]
            if features:
                kind = "interior" if interior else "border"
                folium.GeoJson(
                    {"type": "FeatureCollection", "features": features}, tooltip=Tooltip(t[kind]),
                    style_function=lambda _, k=kind: {
                        "color": "#2b7a3d" if k == "interior" else "#f0ad4e", "weight": 1,
                        "fillOpacity": 0.15, "className": f"yz-cell yz-cell-{k}"},
                ).add_to(cells)
    for child, area in view.children:
        if area:
            layer = folium.GeoJson(style.geojson(area),
                                   tooltip=Tooltip(safe_text(f"{levels[child.level]} {child.name}")),
                                   style_function=lambda _: {"color": "#1f6fd1", "weight": 1.5,
                                                             "fillOpacity": 0, "dashArray": "4 4",
                                                             "className": "yz-child"})
            Popup(f'<div class="yz-popup" data-union-code="{safe_text(child.code)}">'
                         f"{levels[child.level]} {union_link(child.id, child.name, style)}</div>"
                         ).add_to(layer)
            layer.add_to(fmap)
    if view.area:
        layer = folium.GeoJson(style.geojson(view.area), tooltip=Tooltip(safe_text(u.name)),
                               style_function=lambda _: {
            "color": "#d9534f", "weight": 3, "fillOpacity": 0, "className": "yz-union"})
        layer.add_to(fmap)
        # folium types a corner as None where a layer has no coordinates; an area has some
        fit(fmap, cast(list[list[float]], layer.get_bounds()), style, padding=(10, 10))
    cluster = MarkerCluster(name=t["stations"])
    cluster.add_to(fmap)
    use_local_assets(cluster, style.static_base)
    for s in view.stations:
        folium.CircleMarker(style.at(s.lon, s.lat), radius=6, color="#2b7a3d", weight=2, fill=True,
                            fill_color="#5cb85c", fill_opacity=0.9,
                            class_name=f"yz-station yz-station-{s.id}",
                            popup=Popup(f'<div class="yz-popup" data-station-id="{s.id}">'
                                               f"<b>{safe_text(s.name)}</b><br>{safe_text(s.address or '')}"
                                               "</div>", max_width=300),
                            tooltip=Tooltip(safe_text(s.name))).add_to(cluster)
    tiles = view.station_total > len(view.stations)
    panel = _panel(view, tiles, style)
    panel += f'<script src="{style.static_base}/{VECTORGRID}"></script>'
    panel += f'<script src="{style.static_base}/{OFFICER_JS}"></script>'
    panel += f'<script src="{style.static_base}/{TILES_JS}"></script>'
    if tiles and not style.offline:
        panel += _station_tiles(fmap.get_name(), style)
    if not style.offline:
        panel += _officer_workplaces(fmap.get_name(), style)
    return render(fmap, f"{t['title']}: {u.name}", panel, _CSS, style.lang)


CHILDREN_LISTED = 30


def _panel(view: UnionView, tiles: bool, style: MapStyle) -> str:
    t, levels = TEXT[style.lang], MATCH_TEXT[style.lang]["levels"]
    u = view.union
    interior = sum(1 for _, inside in view.cells if inside)
    up = (f'<div class="yz-up">{t["up"]}: {levels[view.parent.level]} '
          f"{union_link(view.parent.id, view.parent.name, style)}</div>" if view.parent else "")
    listed = "".join(f'<li data-union-code="{safe_text(c.code)}">{union_link(c.id, c.name, style)}</li>'
                     for c, _ in view.children[:CHILDREN_LISTED])
    more = (f'<li>{t["more"].format(n=len(view.children))}</li>'
            if len(view.children) > CHILDREN_LISTED else "")
    children = f'<ul class="yz-children">{listed}{more}</ul>' if listed else ""
    legend = (f'<div class="yz-legend"><span class="yz-key" style="border-color:#d9534f"></span>'
              f'{safe_text(u.name)} <span class="yz-key yz-key-dashed"></span>{t["children"]} '
              f'<span class="yz-dot" style="background:#5cb85c"></span>{t["stations"]}'
              + ("" if style.offline else
                 f' <span class="yz-dot" style="background:#6f42c1"></span>{t["workplaces"]}')
              + "</div>")
    return (f'<div id="yz-panel" data-union-code="{safe_text(u.code)}"><b>{safe_text(u.name)}</b> '
            f"({levels[u.level]}, {safe_text(u.code)})" + up
            + (f"<p>{t['no_area']}</p>" if view.area is None else "")
            + "<ul>"
            f'<li>{t["children"]}: <span class="yz-n-children">{len(view.children)}</span>'
            f"{children}</li>"
            f'<li>{t["cells"]}: <span class="yz-n-interior">{interior}</span> '
            f'{t["interior"]}, <span class="yz-n-border">{len(view.cells) - interior}</span> '
            f'{t["border"]}</li>'
            f'<li>{t["stations"]}: <span class="yz-n-stations">{view.station_total}</span>'
            + (f' <span class="yz-tiled">({t["not_drawn" if style.offline else "tiled"]})</span>'
               if tiles else "") + "</li>"
            "</ul>" + legend + '<div id="yz-officer"></div></div>')


_CSS = """<style>
#yz-panel .yz-children{max-height:9em;overflow-y:auto}
#yz-panel .yz-legend{margin-top:6px;color:#444}
#yz-panel .yz-key{display:inline-block;width:14px;height:0;border-top:3px solid;margin:0 4px 3px 0}
#yz-panel .yz-key-dashed{border-top:2px dashed #1f6fd1;margin-left:6px}
#yz-panel .yz-dot{display:inline-block;width:9px;height:9px;border-radius:50%;margin:0 4px 0 6px}
#yz-officer{margin-top:6px}
</style>"""


def _officer_workplaces(map_name: str, style: MapStyle) -> str:
    """For an officer logged in on a map page in this tab: the workplaces of their jurisdiction,
    from /tiles/workplaces with their token (anyone else sees none), each with a popup; and who
    is logged in, with a way out. Without a login, a link to log in."""
    t = TEXT[style.lang]
    words = {"login": t["login"], "logout": t["logout"], "signed_in": t["signed_in"],
             "mine": style.page_url("/maps/unions/mine")}
    return f"""<script>
document.addEventListener("DOMContentLoaded", function () {{
  var map = {map_name}, officer = window.yizhanOfficer, t = {script_json(words)};
  var base = {script_json(style.api_base)};
  var box = document.getElementById("yz-officer"), layer = null;
  function loggedOut() {{
    if (layer) {{ map.removeLayer(layer); layer = null; }}
    box.innerHTML = "<a class='yz-login-link' href='" + t.mine + "'>" + t.login + "</a>";
  }}
  if (!officer.token()) {{ loggedOut(); return; }}
  officer.get(base + "/auth/me", loggedOut).then(function (me) {{
    box.innerHTML = t.signed_in + " " + officer.escapeText(me.username) +
      " <button id='yz-logout'>" + t.logout + "</button>";
    document.getElementById("yz-logout").addEventListener("click", function () {{
      officer.logout(); loggedOut();
    }});
    layer = window.yizhanTiles.points(map,
      base + "/tiles/workplaces/{{z}}/{{x}}/{{y}}.mvt?{style.tiles_query}", "workplaces",
      {{radius: 4, fill: true, fillColor: "#6f42c1", color: "#ffffff", weight: 1, fillOpacity: 0.9,
        className: "yz-workplace"}},
      {{fetchOptions: {{headers: {{Authorization: "Bearer " + officer.token()}}}}}},
      function (p) {{
        return '<div class="yz-popup yz-workplace-popup"><b>' + officer.escapeText(p.name) +
          "</b><br>" + officer.escapeText(p.union_name || "") + "</div>";
      }}).addTo(map);
  }}).catch(function () {{}});
}});
</script>"""


MINE_TEXT = {
    "zh": {"login": "网格员登录", "username": "用户名", "password": "密码", "submit": "登录",
           "failed": "登录失败", "admin": "管理员可查看所有工会。最上级的工会：", "logout": "退出"},
    "en": {"login": "Officer login", "username": "Username", "password": "Password",
           "submit": "Log in", "failed": "Login failed",
           "admin": "An admin sees every union. The unions at the top:", "logout": "Log out"},
}
ROOTS_LISTED = 200


def mine_page(style: MapStyle, roots: list[UnionRecord]) -> str:
    """Log in, then go to the map of your own union; an admin, who has none, gets the unions at
    the top of the tree to choose from."""
    t = MINE_TEXT[style.lang]
    fmap = base_map(121.47, 31.23, 11, style)
    links = "".join(f"<li>{union_link(u.id, u.name, style)}</li>" for u in roots)
    script = f"""<script src="{style.static_base}/{OFFICER_JS}"></script><script>
document.addEventListener("DOMContentLoaded", function () {{
  var panel = document.getElementById("yz-panel"), officer = window.yizhanOfficer;
  var t = {script_json(t)}, base = {script_json(style.api_base)};
  function go() {{
    officer.get(base + "/auth/me",
                function () {{ officer.login(panel, base, t, go); }})
      .then(function (me) {{
        if (!me.union) {{
          panel.innerHTML = "<div>" + t.admin + "</div>" +
            document.getElementById("yz-roots").innerHTML +
            "<button id='yz-logout'>" + t.logout + "</button>";
          document.getElementById("yz-logout").addEventListener("click", function () {{
            officer.logout(); officer.login(panel, base, t, go);
          }});
          return;
        }}
        location.replace(base + "/maps/unions/" + me.union.id + "?lang={style.lang}");
      }}).catch(function () {{}});
  }}
  if (officer.token()) {{ go(); }} else {{ officer.login(panel, base, t, go); }}
}});
</script>"""
    return render(fmap, t["login"],
                  f'<div id="yz-panel"></div><template id="yz-roots"><ul class="yz-roots">{links}'
                  "</ul></template>" + script,
                  "<style>#yz-panel .yz-error{color:#d9534f}"
                  "#yz-panel .yz-roots{max-height:20em;overflow-y:auto}</style>", style.lang)


def _station_tiles(map_name: str, style: MapStyle) -> str:
    """Stations from /tiles/stations as vector tiles, each with a popup of its name."""
    return f"""<script>
document.addEventListener("DOMContentLoaded", function () {{
  var map = {map_name}, base = {script_json(style.api_base)};
  window.yizhanTiles.points(map,
    base + "/tiles/stations/{{z}}/{{x}}/{{y}}.mvt?{style.tiles_query}", "stations",
    {{radius: 5, fill: true, fillColor: "#5cb85c", color: "#2b7a3d", weight: 1, fillOpacity: 0.9}},
    {{}}, function (p) {{
      return '<div class="yz-popup" data-station-id="' + Number(p.station_id) + '"><b>' +
        window.yizhanOfficer.escapeText(p.name) + "</b></div>";
    }}).addTo(map);
}});
</script>"""
