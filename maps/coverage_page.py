"""`/maps/coverage`: the officers' gap map. The page itself holds no data: the officer logs in on
it (the token stays in this browser tab), and it draws the H3 cells where workplaces and members
have no operational station within walking distance, with the operational stations on top."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from geo.stations import StationRecord
from maps.assets import OFFICER_JS, TILES_JS, VECTORGRID
from maps.page import MapStyle, base_map, render, script_json

TEXT = {
    "zh": {"title": "站点缺口地图", "login": "网格员登录", "username": "用户名", "password": "密码",
           "submit": "登录", "logout": "退出", "walk": "步行距离", "beyond": "超出步行距离的单位",
           "members": "会员", "workplaces": "单位", "cells": "缺口网格", "failed": "登录失败",
           "none": "您的区域没有缺口：每个单位和会员步行距离内都有站点。"},
    "en": {"title": "Where stations are missing", "login": "Officer login",
           "username": "Username", "password": "Password", "submit": "Log in",
           "logout": "Log out", "walk": "Walking distance", "beyond": "Workplaces beyond it",
           "members": "members", "workplaces": "workplaces", "cells": "Gap cells",
           "failed": "Login failed",
           "none": "No gaps in your area: every workplace and member has a station within "
                   "walking distance."},
}

_SCRIPT = """<script>
document.addEventListener("DOMContentLoaded", function () {
  var map = %(map)s, t = %(text)s, walk = %(walk)s, res = %(res)s, saved = %(saved)s, layers = [];
  var fixedZoom = %(fixed_zoom)s;  // the URL asked for a zoom: keep it
  var panel = document.getElementById("yz-panel"), officer = window.yizhanOfficer;
  function showLogin() { officer.login(panel, %(base)s, t, draw); }
  function get(path) { return officer.get(path, showLogin); }
  function colour(n, most) {
    var f = most ? n / most : 0;
    return f > 0.66 ? "#bd0026" : f > 0.33 ? "#f03b20" : f > 0.1 ? "#fd8d3c" : "#fecc5c";
  }
  function dot() {
    return {radius: 5, fill: true, fillColor: "#5cb85c", color: "#2b7a3d", weight: 1,
            fillOpacity: 0.9};
  }
  // The officer's own area, outlined: what the map is framed on, gaps or none.
  function outline(area) {
    return L.geoJSON(area, {interactive: false, style: {color: "#1f6fd1", weight: 2,
      dashArray: "6 4", fill: false, className: "yz-own-area"}});
  }
  // The gap cells coloured by how many are beyond the walk, the stations on top, the figures.
  function show(gaps, c, who, dots, area) {
    var most = Math.max.apply(null, [0].concat(gaps.features.map(function (f) {
      return f.properties.workplaces_beyond + f.properties.members_beyond; })));
    var cells = L.geoJSON(gaps, {style: function (f) {
      var n = f.properties.workplaces_beyond + f.properties.members_beyond;
      return {color: colour(n, most), weight: 1, fillOpacity: 0.55, className: "yz-gap"};
    }, onEachFeature: function (f, layer) {
      layer.bindTooltip(f.properties.workplaces_beyond + " " + t.workplaces + " / " +
                        f.properties.members_beyond + " " + t.members);
    }}).addTo(map);
    var own = area ? outline(area).addTo(map) : null;
    layers = [cells, dots.addTo(map)].concat(own ? [own] : []);
    panel.innerHTML = "<b>" + t.title + "</b> (" + officer.escapeText(who) + ")" +
      "<div>" + t.walk + ": " + c.walk_m + " m</div>" +
      "<div>" + t.beyond + ": <span class='yz-beyond'>" + c.workplaces_beyond + "</span> / " +
      c.workplaces + "; " + t.members + ": " + c.members_beyond + " / " + c.members_located +
      "</div><div>" + t.cells + ": <span class='yz-n-cells'>" + gaps.features.length +
      "</span></div>" + (gaps.features.length ? "" : "<p class='yz-no-gaps'>" + t.none + "</p>") +
      (saved ? "" : "<button id='yz-logout'>" + t.logout + "</button>");
    // Framed once the panel has its figures: on the area, else on the gaps.
    var bounds = own ? own.getBounds().extend(cells.getBounds()) : cells.getBounds();
    if (bounds.isValid() && !fixedZoom) { yizhanFit(map, bounds, {padding: [20, 20]}); }
    if (saved) return;
    document.getElementById("yz-logout").addEventListener("click", function () {
      officer.logout();
      layers.forEach(function (l) { map.removeLayer(l); });
      showLogin();
    });
  }
  function draw() {
    layers.forEach(function (l) { map.removeLayer(l); });
    var query = "walk_m=" + walk + "&res=" + res;
    Promise.all([get(%(base)s + "/officer/coverage.geojson?" + query),
                 get(%(base)s + "/officer/dashboard?" + query)])
      .then(function (got) {
        var union = got[1].officer.union;  // none for an admin: everything is theirs
        return (union ? get(%(base)s + "/unions/" + union.id) : Promise.resolve(null))
          .then(function (feature) {
            // Operational stations, however many, from the vector tiles (they are public).
            show(got[0], got[1].coverage, got[1].officer.username, window.yizhanTiles.points(map,
              %(base)s + "/tiles/stations/{z}/{x}/{y}.mvt?status=operational&%(tiles_query)s",
              "stations", dot()), feature && feature.geometry);
          });
      }).catch(function () {});
  }
  if (saved) {
    show(saved.gaps, saved.coverage, saved.who, L.geoJSON(saved.stations, {
      pointToLayer: function (f, at) { return L.circleMarker(at, dot()); }}), saved.area);
  } else if (officer.token()) { draw(); } else { showLogin(); }
});
</script>"""


@dataclass(frozen=True)
class SavedGaps:
    """The gap map's data, written into an exported page instead of fetched after a login."""
    who: str  # whose area: the union's name
    coverage: dict[str, Any]  # the dashboard's coverage totals
    gaps: dict[str, Any]  # the gap cells, GeoJSON
    stations: list[StationRecord]  # the operational stations to draw on top
    area: dict[str, Any] | None = None  # the union's area, GeoJSON: outlined, and framed on


def coverage_map(lon: float, lat: float, walk_m: float, res: int, style: MapStyle,
                 saved: SavedGaps | None = None) -> str:
    t = TEXT[style.lang]
    fmap = base_map(lon, lat, 12, style)
    data = None if saved is None else {
        "who": saved.who, "coverage": saved.coverage,
        "area": saved.area and style.geojson(saved.area),
        "gaps": {**saved.gaps, "features": [{**f, "geometry": style.geojson(f["geometry"])}
                                            for f in saved.gaps["features"]]},
        "stations": {"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": {},
             "geometry": style.geojson({"type": "Point", "coordinates": [s.lon, s.lat]})}
            for s in saved.stations]}}
    script = _SCRIPT % {"map": fmap.get_name(), "text": script_json(t),
                        "walk": script_json(walk_m), "res": script_json(res),
                        "saved": script_json(data),
                        "fixed_zoom": script_json(style.zoom is not None),
                        "base": script_json(style.api_base), "tiles_query": style.tiles_query}
    panel = (f'<div id="yz-panel"></div><script src="{style.static_base}/{VECTORGRID}"></script>'
             f'<script src="{style.static_base}/{OFFICER_JS}"></script>'
             f'<script src="{style.static_base}/{TILES_JS}"></script>')
    return render(fmap, t["title"], panel + script,
                  "<style>#yz-panel .yz-error{color:#d9534f}</style>", style.lang)
