"""`/maps/coverage`: the officers' gap map. The page itself holds no data: the officer logs in on
it (the token stays in this browser tab), and it draws the H3 cells where workplaces and members
have no operational station within walking distance, with the operational stations on top."""

from __future__ import annotations

import json

from maps.assets import OFFICER_JS, VECTORGRID
from maps.page import MapStyle, base_map, render

TEXT = {
    "zh": {"title": "站点缺口地图", "login": "网格员登录", "username": "用户名", "password": "密码",
           "submit": "登录", "logout": "退出", "walk": "步行距离", "beyond": "超出步行距离的单位",
           "members": "会员", "cells": "缺口网格", "failed": "登录失败"},
    "en": {"title": "Where stations are missing", "login": "Officer login",
           "username": "Username", "password": "Password", "submit": "Log in",
           "logout": "Log out", "walk": "Walking distance", "beyond": "Workplaces beyond it",
           "members": "members", "cells": "Gap cells", "failed": "Login failed"},
}

_SCRIPT = """<script>
document.addEventListener("DOMContentLoaded", function () {
  var map = %(map)s, t = %(text)s, walk = %(walk)s, res = %(res)s, layers = [];
  var panel = document.getElementById("yz-panel"), officer = window.yizhanOfficer;
  function showLogin() { officer.login(panel, "%(base)s", t, draw); }
  function get(path) { return officer.get(path, showLogin); }
  function colour(n, most) {
    var f = most ? n / most : 0;
    return f > 0.66 ? "#bd0026" : f > 0.33 ? "#f03b20" : f > 0.1 ? "#fd8d3c" : "#fecc5c";
  }
  function draw() {
    layers.forEach(function (l) { map.removeLayer(l); });
    var query = "walk_m=" + walk + "&res=" + res;
    Promise.all([get("%(base)s/officer/coverage.geojson?" + query),
                 get("%(base)s/officer/dashboard?" + query)])
      .then(function (got) {
        var gaps = got[0], board = got[1];
        var most = Math.max.apply(null, [0].concat(gaps.features.map(function (f) {
          return f.properties.workplaces_beyond + f.properties.members_beyond; })));
        var cells = L.geoJSON(gaps, {style: function (f) {
          var n = f.properties.workplaces_beyond + f.properties.members_beyond;
          return {color: colour(n, most), weight: 1, fillOpacity: 0.55, className: "yz-gap"};
        }, onEachFeature: function (f, layer) {
          layer.bindTooltip(f.properties.workplaces_beyond + " / " + f.properties.members_beyond +
                            " " + t.members);
        }}).addTo(map);
        // Operational stations, however many, from the vector tiles (they are public).
        var dots = L.vectorGrid.protobuf(
          "%(base)s/tiles/stations/{z}/{x}/{y}.mvt?status=operational&%(tiles_query)s", {
            rendererFactory: L.svg.tile, maxNativeZoom: 19,
            vectorTileLayerStyles: {stations: {radius: 5, fill: true, fillColor: "#5cb85c",
                                               color: "#2b7a3d", weight: 1, fillOpacity: 0.9}}
          }).addTo(map);
        layers = [cells, dots];
        var bounds = cells.getBounds();
        if (bounds.isValid()) { map.fitBounds(bounds, {padding: [20, 20]}); }
        var c = board.coverage;
        panel.innerHTML = "<b>" + t.title + "</b> (" + board.officer.username + ")" +
          "<div>" + t.walk + ": " + c.walk_m + " m</div>" +
          "<div>" + t.beyond + ": <span class='yz-beyond'>" + c.workplaces_beyond + "</span> / " +
          c.workplaces + "; " + t.members + ": " + c.members_beyond + " / " + c.members_located +
          "</div><div>" + t.cells + ": <span class='yz-n-cells'>" + gaps.features.length +
          "</span></div><button id='yz-logout'>" + t.logout + "</button>";
        document.getElementById("yz-logout").addEventListener("click", function () {
          officer.logout();
          layers.forEach(function (l) { map.removeLayer(l); });
          showLogin();
        });
      }).catch(function () {});
  }
  if (officer.token()) { draw(); } else { showLogin(); }
});
</script>"""


def coverage_map(lon: float, lat: float, walk_m: float, res: int, style: MapStyle) -> str:
    t = TEXT[style.lang]
    fmap = base_map(lon, lat, 12, style)
    script = _SCRIPT % {"map": fmap.get_name(), "text": json.dumps(t, ensure_ascii=False),
                        "walk": json.dumps(walk_m), "res": json.dumps(res),
                        "base": style.api_base, "tiles_query": style.tiles_query}
    panel = (f'<div id="yz-panel"></div><script src="{style.static_base}/{VECTORGRID}"></script>'
             f'<script src="{style.static_base}/{OFFICER_JS}"></script>')
    return render(fmap, t["title"], panel + script,
                  "<style>#yz-panel .yz-error{color:#d9534f}</style>")
