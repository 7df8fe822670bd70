"""`/maps/requests`: where workers' needs cluster, for officers. Like the gap map, the page holds
no data: the officer logs in on it (the token stays in this browser tab) and it draws the H3
cells of their jurisdiction with how many requests (of a category) came from workplaces there.
Counts only: no name, phone, text or point reaches the page."""

from __future__ import annotations

import json

from maps.assets import OFFICER_JS
from maps.page import MapStyle, base_map, render

TEXT = {
    "zh": {"title": "求助和诉求分布", "login": "网格员登录", "username": "用户名", "password": "密码",
           "submit": "登录", "logout": "退出", "failed": "登录失败", "requests": "件",
           "cells": "网格数", "total": "求助和诉求", "all": "全部类别", "open_only": "只看未办结"},
    "en": {"title": "Where requests come from", "login": "Officer login", "username": "Username",
           "password": "Password", "submit": "Log in", "logout": "Log out",
           "failed": "Login failed", "requests": "requests", "cells": "Cells",
           "total": "Requests", "all": "All categories", "open_only": "Open only"},
}
CATEGORY_TEXT = {
    "zh": {"wages": "欠薪", "injury": "工伤", "contract": "劳动合同",
           "dismissal": "辞退", "safety": "安全隐患",
           "heat_and_weather": "高温和恶劣天气", "rest_and_facilities": "休息和用餐",
           "other": "其他"},
    "en": {"wages": "Wages", "injury": "Injury", "contract": "Contract",
           "dismissal": "Dismissal", "safety": "Safety",
           "heat_and_weather": "Heat and weather",
           "rest_and_facilities": "Rest and facilities", "other": "Other"},
}

_SCRIPT = """<script>
document.addEventListener("DOMContentLoaded", function () {
  var map = %(map)s, t = %(text)s, query = %(query)s, heading = %(heading)s, layers = [];
  var fixedZoom = %(fixed_zoom)s;
  var panel = document.getElementById("yz-panel"), officer = window.yizhanOfficer;
  function showLogin() { officer.login(panel, "%(base)s", t, draw); }
  function colour(n, most) {
    var f = most ? n / most : 0;
    return f > 0.66 ? "#54278f" : f > 0.33 ? "#756bb1" : f > 0.1 ? "#9e9ac8" : "#cbc9e2";
  }
  function draw() {
    layers.forEach(function (l) { map.removeLayer(l); });
    officer.get("%(base)s/requests/cells.geojson?" + query, showLogin).then(function (cells) {
      var most = Math.max.apply(null, [0].concat(cells.features.map(function (f) {
        return f.properties.requests; })));
      var total = cells.features.reduce(function (s, f) { return s + f.properties.requests; }, 0);
      var layer = L.geoJSON(cells, {style: function (f) {
        return {color: colour(f.properties.requests, most), weight: 1, fillOpacity: 0.6,
                className: "yz-request-cell"};
      }, onEachFeature: function (f, l) { l.bindTooltip(f.properties.requests + " " + t.requests); }
      }).addTo(map);
      layers = [layer];
      var bounds = layer.getBounds();
      if (bounds.isValid() && !fixedZoom) { map.fitBounds(bounds, {padding: [20, 20]}); }
      panel.innerHTML = "<b>" + t.title + "</b><div>" + officer.escapeText(heading) + "</div>" +
        "<div>" + t.total + ": <span class='yz-total'>" + total + "</span></div>" +
        "<div>" + t.cells + ": <span class='yz-n-cells'>" + cells.features.length + "</span></div>" +
        "<button id='yz-logout'>" + t.logout + "</button>";
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


def requests_map(lon: float, lat: float, res: int, category: str | None, open_only: bool,
                 style: MapStyle) -> str:
    t = TEXT[style.lang]
    fmap = base_map(lon, lat, 12, style)
    query = f"res={res}" + (f"&category={category}" if category else "") + \
        ("&open_only=true" if open_only else "")
    heading = CATEGORY_TEXT[style.lang][category] if category else t["all"]
    if open_only:
        heading += f" · {t['open_only']}"
    script = _SCRIPT % {"map": fmap.get_name(), "text": json.dumps(t, ensure_ascii=False),
                        "query": json.dumps(query), "heading": json.dumps(heading, ensure_ascii=False),
                        "fixed_zoom": json.dumps(style.zoom is not None), "base": style.api_base}
    panel = f'<div id="yz-panel"></div><script src="{style.static_base}/{OFFICER_JS}"></script>'
    return render(fmap, t["title"], panel + script,
                  "<style>#yz-panel .yz-error{color:#d9534f}</style>", style.lang)
