"""Station records as GeoJSON features."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import Response
from pydantic_core import to_json

from geo.crs import Crs, from_wgs84, rounded
from geo.h3index import to_hex
from geo.navigation import navigation_links
from geo.nearest import NearStation
from geo.stations import StationRecord, open_state


def station_feature(s: StationRecord, open_now: bool | None) -> dict[str, Any]:
    return {
        "type": "Feature",
        "id": s.id,
        "geometry": {"type": "Point", "coordinates": rounded(s.lon, s.lat)},
        "properties": {
            "id": s.id, "external_id": s.external_id, "name": s.name, "address": s.address,
            "amenities": s.amenities, "opening_hours": s.opening_hours, "open_now": open_now,
            "timezone": s.timezone, "status": s.status, "operator": s.operator,
            "phone": s.phone, "union_id": s.union_id, "h3": to_hex(s.h3_r10),
            "last_verified_at": s.last_verified_at, "created_at": s.created_at,
            "updated_at": s.updated_at, "navigation": navigation_links(s.lon, s.lat, s.name),
        },
    }


def station_feature_at(s: StationRecord, at: datetime, country: str) -> dict[str, Any]:
    return station_feature(s, open_state(s, at, country))


def near_feature(near: NearStation, crs: Crs) -> dict[str, Any]:
    feature = station_feature(near.station, near.open_now)
    lon, lat = rounded(*from_wgs84(near.station.lon, near.station.lat, crs))
    feature["properties"]["distance_m"] = round(near.distance_m, 3)
    feature["properties"]["point_in_crs"] = {"crs": crs, "lon": lon, "lat": lat}
    return feature


def geojson_response(body: Any, status_code: int = 200,
                     media_type: str = "application/geo+json",
                     headers: dict[str, str] | None = None) -> Response:
    """Serialise straight to JSON: the shapes are declared (and checked by the tests) through
    each route's response_model, so FastAPI's second validation pass is skipped on the hot path."""
    return Response(to_json(body), status_code=status_code, media_type=media_type, headers=headers)


def json_response(body: Any, status_code: int = 200, headers: dict[str, str] | None = None) -> Response:
    return geojson_response(body, status_code, "application/json", headers)
