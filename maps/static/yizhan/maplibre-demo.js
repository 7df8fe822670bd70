// The MapLibre demo page: draws yizhan's style and names a clicked station in a popup.
(function () {
  "use strict";
  var box = document.getElementById("map");
  var map = new maplibregl.Map({
    container: box,
    style: box.dataset.style,
    center: [Number(box.dataset.lon), Number(box.dataset.lat)],
    zoom: 12,
    attributionControl: {compact: true}
  });
  window.yizhanMap = map;  // for a partner's console, and the tests
  map.addControl(new maplibregl.NavigationControl(), "top-right");

  map.on("click", "stations", function (event) {
    var station = event.features[0];
    var content = document.createElement("div");
    content.className = "yz-popup";
    content.dataset.stationId = String(station.properties.station_id);
    var name = document.createElement("div");
    name.className = "yz-station-name";
    name.textContent = station.properties.name;  // text, never HTML: a name cannot run
    content.appendChild(name);
    var status = box.dataset["status" + station.properties.status.replace(/(^|_)([a-z])/g,
      function (_, __, c) { return c.toUpperCase(); })];
    if (status) {
      var line = document.createElement("div");
      line.textContent = status;
      content.appendChild(line);
    }
    new maplibregl.Popup().setLngLat(station.geometry.coordinates).setDOMContent(content)
      .addTo(map);
  });
  map.on("mouseenter", "stations", function () { map.getCanvas().style.cursor = "pointer"; });
  map.on("mouseleave", "stations", function () { map.getCanvas().style.cursor = ""; });
})();
