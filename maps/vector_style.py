"""What a MapLibre GL (or Mapbox GL) map needs to draw yizhan's vector tiles: a TileJSON 3.0
document per layer and a style with the stations (coloured by status) over the union areas
(by level) on the configured base map."""

from __future__ import annotations

from typing import Any

from geo.tiles import MAX_ZOOM, Layer
from geo.vocab import StationStatus, UnionLevel

# Each public layer's fields, as geo.tiles writes them into the tile.
FIELDS: dict[Layer, dict[str, str]] = {
    Layer.STATIONS: {
        "station_id": "Number: the station's id (GET /stations/{id})",
        "name": "String: the station's name",
        "status": "String: " + ", ".join(s.value for s in StationStatus if s != StationStatus.REMOVED),
        "amenities": "String: amenities separated by ';'",
        "opening_hours": "String: OpenStreetMap opening_hours, absent when unknown",
    },
    Layer.UNIONS: {
        "code": "String: the union's code",
        "name": "String: the union's name",
        "level": "String: " + ", ".join(level.value for level in UnionLevel),
    },
}
TITLES = {Layer.STATIONS: "Rest stations for outdoor workers", Layer.UNIONS: "Area unions"}
STATUS_COLOURS = {"operational": "#1a9850", "temporarily_closed": "#fdae61", "planned": "#7b8794"}
LEVEL_COLOURS = {"city": "#54278f", "district": "#6a51a3", "street": "#807dba",
                 "community": "#9e9ac8", "grid": "#bcbddc"}
ATTRIBUTION = "yizhan"


def tilejson(layer: Layer, base: str, query: str, bounds: list[float] | None) -> dict[str, Any]:
    """TileJSON 3.0.0 for one layer; `query` is what each tile URL carries (crs=gcj02)."""
    suffix = f"?{query}" if query else ""
    west, south, east, north = bounds or [-180.0, -85.0511, 180.0, 85.0511]
    return {
        "tilejson": "3.0.0", "name": layer.value, "description": TITLES[layer],
        "attribution": ATTRIBUTION, "scheme": "xyz",
        "tiles": [f"{base}/tiles/{layer.value}/{{z}}/{{x}}/{{y}}.mvt{suffix}"],
        "minzoom": 0, "maxzoom": MAX_ZOOM, "bounds": [west, south, east, north],
        "center": [(west + east) / 2, (south + north) / 2, 10],
        "vector_layers": [{"id": layer.value, "description": TITLES[layer], "minzoom": 0,
                           "maxzoom": MAX_ZOOM, "fields": FIELDS[layer]}],
    }


def _match(field: str, colours: dict[str, str], otherwise: str) -> list[Any]:
    return ["match", ["get", field], *[x for pair in colours.items() for x in pair], otherwise]


def _base_tiles(url: str, subdomains: str) -> list[str]:
    """MapLibre takes one URL per server where Leaflet takes {s}."""
    return [url.replace("{s}", s) for s in subdomains] if "{s}" in url else [url]


def style(base: str, query: str, tiles_url: str, subdomains: str, attribution: str) -> dict[str, Any]:
    """A MapLibre style of yizhan's layers over the base map at `tiles_url` (none when empty).
    It draws no text, so it needs no glyphs from anywhere; a popup names a station."""
    suffix = f"?{query}" if query else ""
    sources: dict[str, Any] = {
        layer.value: {"type": "vector", "url": f"{base}/tiles/{layer.value}.json{suffix}"}
        for layer in (Layer.UNIONS, Layer.STATIONS)}
    layers: list[dict[str, Any]] = [
        {"id": "background", "type": "background", "paint": {"background-color": "#f2efe9"}}]
    if tiles_url:
        sources = {"base": {"type": "raster", "tiles": _base_tiles(tiles_url, subdomains),
                            "tileSize": 256, "attribution": attribution, "maxzoom": 19}, **sources}
        layers.append({"id": "base", "type": "raster", "source": "base"})
    layers += [
        {"id": "union-areas", "type": "fill", "source": "unions", "source-layer": "unions",
         "paint": {"fill-color": _match("level", LEVEL_COLOURS, "#bcbddc"), "fill-opacity": 0.15}},
        {"id": "union-borders", "type": "line", "source": "unions", "source-layer": "unions",
         "paint": {"line-color": _match("level", LEVEL_COLOURS, "#807dba"),
                   "line-width": ["interpolate", ["linear"], ["zoom"], 8, 0.5, 14, 2]}},
        {"id": "stations", "type": "circle", "source": "stations", "source-layer": "stations",
         "paint": {"circle-color": _match("status", STATUS_COLOURS, "#1a9850"),
                   "circle-radius": ["interpolate", ["linear"], ["zoom"], 8, 3, 15, 8],
                   "circle-stroke-color": "#ffffff", "circle-stroke-width": 1.5}},
    ]
    return {"version": 8, "name": "yizhan", "sources": sources, "layers": layers,
            "metadata": {"yizhan:clickable": ["stations"]}}
