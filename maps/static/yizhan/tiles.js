// Points from yizhan's vector tiles (stations, workplaces), drawn in a pane above the page's
// areas so that they show on top and take clicks; each click opens a popup of `popup(props)`.
window.yizhanTiles = (function () {
  var PANE = "yz-points";

  // VectorGrid 1.3.0 on Leaflet 1.9: a click on a point feature of 10 px or less makes Leaflet
  // ask the feature for its LatLng, which it does not have, and the click is lost
  // (Leaflet.VectorGrid#294). Without getLatLng, Leaflet takes the click's own position.
  var createLayer = L.VectorGrid.prototype._createLayer;
  L.VectorGrid.prototype._createLayer = function (feature) {
    var layer = createLayer.apply(this, arguments);
    if (feature.type === 1) { layer.getLatLng = null; }
    return layer;
  };

  // `layer` is the MVT layer's name, `look` its circle style; `options` are more VectorGrid
  // options (fetchOptions for a token); `popup`, if given, builds a popup's HTML.
  function points(map, url, layer, look, options, popup) {
    if (!map.getPane(PANE)) { map.createPane(PANE).style.zIndex = 450; }  // overlays are 400
    var styles = {};
    styles[layer] = look;
    var grid = L.vectorGrid.protobuf(url, L.extend({
      rendererFactory: L.svg.tile, maxNativeZoom: 19, pane: PANE, interactive: !!popup,
      vectorTileLayerStyles: styles}, options || {}));
    if (popup) {
      grid.on("click", function (e) {
        L.popup().setLatLng(e.latlng).setContent(popup(e.layer.properties)).openOn(map);
      });
    }
    return grid;
  }

  return {points: points};
})();
