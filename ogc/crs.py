"""The coordinate systems OGC API - Features clients may ask for (Part 2), by URI, and how each
is drawn from the stored WGS84 geometry: in SQL where PostGIS can, in Python for GCJ-02."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func
from sqlalchemy.sql.elements import ColumnElement

from geo.areas import transformer_to_wgs84
from geo.crs import Crs, from_wgs84, rounded

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG_4326 = "http://www.opengis.net/def/crs/EPSG/0/4326"
EPSG_3857 = "http://www.opengis.net/def/crs/EPSG/0/3857"
GCJ02 = "urn:yizhan:def:crs:gcj02"  # yizhan's extension: lon/lat as Chinese web maps draw them


@dataclass(frozen=True)
class OgcCrs:
    uri: str
    srid: int  # what PostGIS transforms to (GCJ-02 starts from WGS84 and moves in Python)
    lat_first: bool  # EPSG:4326 is latitude, longitude; CRS84 longitude, latitude
    digits: int  # decimals kept: 7 of a degree (1 cm), 3 of a metre

    def geometry_json(self, column: ColumnElement[Any]) -> ColumnElement[Any]:
        """The stored geometry as GeoJSON text in this system."""
        geometry = func.ST_Transform(column, self.srid) if self.srid != 4326 else column
        if self.lat_first:
            geometry = func.ST_FlipCoordinates(geometry)
        return func.ST_AsGeoJSON(geometry, self.digits, 0)  # 0: no "crs" member

    def geometry(self, text: str | None) -> dict[str, Any] | None:
        if text is None:
            return None
        geometry = json.loads(text)
        return _moved(geometry) if self.uri == GCJ02 else geometry

    def to_crs84(self, x: float, y: float) -> tuple[float, float]:
        """A point of a bbox given in this system, as CRS84 (lon, lat)."""
        if self.lat_first:
            return y, x
        if self.srid == 3857:
            return transformer_to_wgs84(3857).transform(x, y)
        return x, y


SYSTEMS = {c.uri: c for c in (
    OgcCrs(CRS84, 4326, False, 7),
    OgcCrs(EPSG_4326, 4326, True, 7),
    OgcCrs(EPSG_3857, 3857, False, 3),
    OgcCrs(GCJ02, 4326, False, 7),
)}
BBOX_SYSTEMS = [CRS84, EPSG_4326, EPSG_3857]  # a GCJ-02 box is no box in WGS84


def _moved(geometry: dict[str, Any]) -> dict[str, Any]:
    def move(coords: Any) -> Any:
        if isinstance(coords[0], (int, float)):
            return list(rounded(*from_wgs84(coords[0], coords[1], Crs.GCJ02)))
        return [move(c) for c in coords]
    return {**geometry, "coordinates": move(geometry["coordinates"])}
