// The console's progressive enhancements: every form works without this file.
// - the map that places a new station fills its longitude, latitude and coordinate system;
// - the opening-hours field previews the week and "open now" as it is typed;
// - the poster's print button.
(function () {
  "use strict";

  function placeMap() {
    var el = document.getElementById("place-map");
    if (!el || typeof L === "undefined") { return; }
    var lon = document.getElementById("lon"), lat = document.getElementById("lat");
    var crs = document.getElementById("crs");
    var start = [parseFloat(el.dataset.lat) || 31.2335, parseFloat(el.dataset.lon) || 121.4751];
    var map = L.map(el).setView(start, 14);
    L.tileLayer(el.dataset.tiles, {maxZoom: 19, subdomains: el.dataset.subdomains,
                                   attribution: el.dataset.attribution}).addTo(map);
    var marker = null;
    function put(latlng) {
      if (marker) { marker.setLatLng(latlng); } else { marker = L.marker(latlng).addTo(map); }
    }
    map.on("click", function (e) {
      put(e.latlng);
      lon.value = e.latlng.lng.toFixed(6);
      lat.value = e.latlng.lat.toFixed(6);
      crs.value = el.dataset.crs;  // the tiles' own system: GCJ-02 on Amap's tiles
    });
    function typed() {
      var x = parseFloat(lon.value), y = parseFloat(lat.value);
      if (isFinite(x) && isFinite(y) && crs.value === el.dataset.crs) {
        put([y, x]);
        map.panTo([y, x]);
      }
    }
    lon.addEventListener("change", typed);
    lat.addEventListener("change", typed);
    typed();
  }

  function hoursPreview() {
    var field = document.getElementById("opening_hours");
    var now = document.getElementById("open-now"), week = document.getElementById("week");
    if (!field || !now || !week) { return; }
    var timer = null, asked = 0;
    field.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var url = new URL(field.dataset.preview, location.href);
        url.searchParams.set("opening_hours", field.value);
        var n = ++asked;
        fetch(url, {credentials: "same-origin"}).then(function (r) { return r.json(); })
          .then(function (answer) {
            if (n !== asked) { return; }
            now.textContent = answer.ok ? answer.now : answer.message;
            var body = week.tBodies[0];
            while (body.firstChild) { body.removeChild(body.firstChild); }
            (answer.days || []).forEach(function (d) {
              var tr = document.createElement("tr"), th = document.createElement("th");
              var td = document.createElement("td");
              th.scope = "row"; th.textContent = d.label; td.textContent = d.text;
              tr.append(th, td); body.append(tr);
            });
          });
      }, 250);
    });
  }

  function printButton() {
    var button = document.getElementById("print");
    if (button) { button.addEventListener("click", function () { window.print(); }); }
  }

  document.addEventListener("DOMContentLoaded", function () {
    placeMap(); hoursPreview(); printButton();
  });
}());
