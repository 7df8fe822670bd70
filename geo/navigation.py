"""Links that open a station in the navigation apps riders use, each in its own coordinates."""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import quote_plus

from geo.crs import Crs, from_wgs84


def navigation_links(lon: float, lat: float, name: str) -> dict[str, str]:
    """OpenStreetMap (WGS84), Amap (GCJ-02) and Baidu (BD-09) links to walk or ride there."""
    osm, amap, baidu = _links(lon, lat, name)
    return {"osm": osm, "amap": amap, "baidu": baidu}


# Every nearest-station answer carries them for each station: converting the point twice and
# percent-encoding the name cost 60 µs a station, half the Python of a whole answer. A station's
# links change only with its place or name; 4,096 of them take about 3.6 MB.
@lru_cache(maxsize=4096)
def _links(lon: float, lat: float, name: str) -> tuple[str, str, str]:
    """Only the values that can hold reserved characters (the name) are percent-encoded; the
    fixed keys and values are written as they are sent."""
    g_lon, g_lat = from_wgs84(lon, lat, Crs.GCJ02)
    b_lon, b_lat = from_wgs84(lon, lat, Crs.BD09)
    osm = (f"https://www.openstreetmap.org/?mlat={lat:.6f}&mlon={lon:.6f}"
           f"#map=18/{lat:.6f}/{lon:.6f}")
    amap = ("https://uri.amap.com/navigation?to="
            + quote_plus(f"{g_lon:.6f},{g_lat:.6f},{name}")
            + "&mode=ride&coordinate=gaode&callnative=1&src=yizhan")
    baidu = ("baidumap://map/direction?destination="
             + quote_plus(f"latlng:{b_lat:.6f},{b_lon:.6f}|name:{name}")
             + "&coord_type=bd09ll&mode=riding&src=yizhan")
    return osm, amap, baidu
