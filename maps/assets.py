"""Serve Leaflet and its plugins from yizhan itself, so that pages render with no internet."""

from __future__ import annotations

from pathlib import Path

from folium.elements import JSCSSMixin

STATIC_DIR = Path(__file__).parent / "static"
LEAFLET = "vendor/leaflet-1.9.4"
MARKERCLUSTER = "vendor/leaflet.markercluster-1.5.3"
JQUERY = "vendor/jquery-3.7.1"
VECTORGRID = "vendor/leaflet.vectorgrid-1.3.0/Leaflet.VectorGrid.bundled.min.js"
OFFICER_JS = "yizhan/officer.js"  # an officer's login and token on map pages
TILES_JS = "yizhan/tiles.js"  # points from /tiles above the areas, with popups


def use_local_assets(element: JSCSSMixin, static_base: str) -> None:
    """Point an element's script and style links at /static instead of public CDNs."""
    local_js = {
        "leaflet": f"{static_base}/{LEAFLET}/leaflet.js",
        "jquery": f"{static_base}/{JQUERY}/jquery.min.js",  # folium's popups build their HTML with it
        "markerclusterjs": f"{static_base}/{MARKERCLUSTER}/leaflet.markercluster.js",
    }
    local_css = {
        "leaflet_css": f"{static_base}/{LEAFLET}/leaflet.css",
        "markerclustercss": f"{static_base}/{MARKERCLUSTER}/MarkerCluster.css",
        "markerclusterdefaultcss": f"{static_base}/{MARKERCLUSTER}/MarkerCluster.Default.css",
    }
    # Anything folium would load that we do not ship (Bootstrap, icon fonts) is dropped:
    # the pages use plain Leaflet markers and popups.
    element.default_js = [(n, local_js[n]) for n, _ in element.default_js if n in local_js]
    element.default_css = [(n, local_css[n]) for n, _ in element.default_css if n in local_css]
