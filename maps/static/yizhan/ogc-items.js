// The /ogc HTML pages' map: the features the page lists (JSON in #yz-features) on the base map.
(function () {
  "use strict";
  var box = document.getElementById("yz-map");
  var data = JSON.parse(document.getElementById("yz-features").textContent);
  var map = L.map(box);
  L.tileLayer(box.dataset.url, {subdomains: box.dataset.subdomains, maxZoom: 19,
                                attribution: box.dataset.attribution}).addTo(map);
  function look(feature) {
    return {className: "yz-feature yz-feature-" + feature.id, color: "#1a6b3c", weight: 2,
            fillOpacity: 0.3};
  }
  var layer = L.geoJSON(data, {
    style: look,
    pointToLayer: function (feature, at) {
      return L.circleMarker(at, Object.assign(look(feature), {radius: 7, fillOpacity: 0.8}));
    },
    onEachFeature: function (feature, drawn) {
      var name = document.createElement("div");
      name.className = "yz-popup";
      name.dataset.featureId = String(feature.id);
      name.textContent = feature.properties.name;  // text, never HTML
      drawn.bindPopup(name);
    }
  }).addTo(map);
  var bounds = layer.getBounds();
  if (bounds.isValid()) {
    map.fitBounds(bounds, {maxZoom: 16, padding: [20, 20]});
  } else {
    map.setView([31.2335, 121.4751], 10);
  }
  window.yizhanMap = map;
})();
