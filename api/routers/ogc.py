"""OGC API - Features (Part 1, Core and GeoJSON; Part 2, CRS by reference) under /ogc, so that
QGIS, GDAL and OWSLib read yizhan's stations, union areas and, for officers, workplaces with no
custom client. Errors are OGC exception bodies: {"code": …, "description": …}."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Path, Query, Request, Response

from api.auth import Caller, lenient_officer
from api.deps import ReadEngineDep, SettingsDep, public_base
from api.errors import OgcError
from api.geojson import geojson_response, json_response
from api.schemas import (
    OgcCollection,
    OgcCollections,
    OgcConformance,
    OgcException,
    OgcLanding,
)
from ogc import collections as oc
from ogc.crs import BBOX_SYSTEMS, CRS84, SYSTEMS, OgcCrs

router = APIRouter(prefix="/ogc", tags=["OGC API - Features"])

DEFAULT_LIMIT, MAX_LIMIT = 10, 1000
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
]
COMMON = {"limit", "offset", "bbox", "bbox-crs", "crs", "f"}
GEOJSON, JSON = "application/geo+json", "application/json"
BAD = {"model": OgcException, "description": "A parameter that cannot be used"}
# A stale token in a GIS client's saved connection must not cost it the public collections.
CallerDep = Annotated[Caller, Depends(lenient_officer)]
CollectionId = Annotated[str, Path(description="stations, unions or workplaces (officers)")]


def _link(href: str, rel: str, kind: str = JSON, title: str | None = None) -> dict[str, str]:
    return {"href": href, "rel": rel, "type": kind} | ({"title": title} if title else {})


def _collection(caller: Caller, collection_id: str) -> oc.Collection:
    c = oc.COLLECTIONS.get(collection_id)
    officer = caller.officer
    if c is None or (c.officers_only and officer is None):
        if c is not None:
            why = caller.refused.message if caller.refused else (
                "send Authorization: Bearer <token> (POST /auth/token)")
            raise OgcError(401, "Unauthorized", f"collection {collection_id!r} is for logged-in "
                           f"officers: {why}", {"WWW-Authenticate": "Bearer"})
        known = ", ".join(k for k, v in oc.COLLECTIONS.items() if not v.officers_only or officer)
        raise OgcError(404, "NotFound", f"no collection {collection_id!r}; there are: {known}")
    return c


def _describe(base: str, c: oc.Collection, extent: list[float] | None) -> dict[str, Any]:
    here = f"{base}/ogc/collections/{c.id}"
    return {
        "id": c.id, "title": c.title, "description": c.description, "itemType": "feature",
        "crs": list(SYSTEMS), "storageCrs": CRS84,
        "extent": {"spatial": {"bbox": [extent or [-180, -90, 180, 90]], "crs": CRS84}},
        "links": [_link(here, "self"), _link(f"{here}/items", "items", GEOJSON, c.title)],
    }


@router.get("", response_model=OgcLanding)
def landing(request: Request, settings: SettingsDep) -> Response:
    """Where an OGC API - Features client starts."""
    base = public_base(request, settings)
    return json_response({
        "title": "yizhan", "description": "Rest stations for outdoor workers, area unions and "
                                          "workplaces, as OGC API - Features.",
        "links": [
            _link(f"{base}/ogc", "self"),
            _link(f"{base}/openapi.json", "service-desc",
                  "application/vnd.oai.openapi+json;version=3.0", "The API definition"),
            _link(f"{base}/docs", "service-doc", "text/html", "The API documentation"),
            _link(f"{base}/ogc/conformance", "conformance", JSON, "Conformance classes"),
            _link(f"{base}/ogc/collections", "data", JSON, "The collections"),
        ]})


@router.get("/conformance", response_model=OgcConformance)
def conformance() -> Response:
    return json_response({"conformsTo": CONFORMANCE})


@router.get("/collections", response_model=OgcCollections)
def list_collections(request: Request, engine: ReadEngineDep, settings: SettingsDep,
                     caller: CallerDep) -> Response:
    """Every collection this caller may read: workplaces only with an officer's token."""
    base = public_base(request, settings)
    shown = [c for c in oc.COLLECTIONS.values() if not c.officers_only or caller.officer]
    with engine.connect() as conn:
        described = [_describe(base, c, oc.extent(conn, c)) for c in shown]
    return json_response({"links": [_link(f"{base}/ogc/collections", "self")],
                          "collections": described, "crs": list(SYSTEMS)})


@router.get("/collections/{collection_id}", response_model=OgcCollection)
def get_collection(request: Request, engine: ReadEngineDep, settings: SettingsDep,
                   caller: CallerDep, collection_id: CollectionId) -> Response:
    c = _collection(caller, collection_id)
    with engine.connect() as conn:
        return json_response(_describe(public_base(request, settings), c, oc.extent(conn, c)))


def _only(request: Request, allowed: set[str], what: str) -> None:
    """The standard's rule: a parameter the operation does not take is a 400. (One given twice
    is refused for every endpoint: api.query_parameters.)"""
    unknown = sorted(set(request.query_params) - allowed)
    if unknown:
        raise OgcError(400, "InvalidParameterValue", f"{what} does not take "
                       f"{', '.join(unknown)}; it takes {', '.join(sorted(allowed))}")


def _crs(name: str, value: str | None, allowed: list[str]) -> OgcCrs:
    if value is None:
        return SYSTEMS[CRS84]
    uri = value.strip("<>")
    if uri not in allowed:
        raise OgcError(400, "InvalidParameterValue",
                       f"{name}: {value!r} is not offered; use one of {', '.join(allowed)}")
    return SYSTEMS[uri]


def _box(value: str, crs: OgcCrs) -> oc.Box:
    parts = value.split(",")
    if len(parts) not in (4, 6):
        raise OgcError(400, "InvalidParameterValue",
                       f"bbox: expected 4 numbers (or 6 with heights), got {len(parts)}")
    try:
        numbers = [float(p) for p in parts]
    except ValueError:
        raise OgcError(400, "InvalidParameterValue", f"bbox: {value!r} has a non-number") from None
    if not all(math.isfinite(n) for n in numbers):
        raise OgcError(400, "InvalidParameterValue", "bbox: values must be finite numbers")
    if len(numbers) == 6:
        numbers = [numbers[0], numbers[1], numbers[3], numbers[4]]
    (west, south), (east, north) = (crs.to_crs84(numbers[0], numbers[1]),
                                    crs.to_crs84(numbers[2], numbers[3]))
    order = "lat,lon,lat,lon" if crs.lat_first else "lon,lat,lon,lat (or x,y,x,y)"
    if not (-180 <= west <= 180 and -180 <= east <= 180 and -90 <= south <= north <= 90):
        raise OgcError(400, "InvalidParameterValue",
                       f"bbox: {value!r} is outside the world or upside down; the order is "
                       f"{order}, lower corner first")
    return west, south, east, north


def _count(name: str, value: str | None, default: int, least: int) -> int:
    if value is None:
        return default
    if not value.isdigit() or int(value) < least:
        raise OgcError(400, "InvalidParameterValue",
                       f"{name}: {value!r} is not an integer of at least {least}")
    return int(value)


@router.get("/collections/{collection_id}/items",
            responses={200: {"content": {GEOJSON: {}}}, 400: BAD})
def get_items(
    request: Request, engine: ReadEngineDep, settings: SettingsDep, caller: CallerDep,
    collection_id: CollectionId,
    limit: Annotated[str | None, Query(description=f"Items per page: {DEFAULT_LIMIT} unless "
                                       f"given, at most {MAX_LIMIT} (more is clamped)")] = None,
    offset: Annotated[str | None, Query(description="Items to skip (the `next` link sets it)")]
    = None,
    bbox: Annotated[str | None, Query(description="Items intersecting minx,miny,maxx,maxy in "
                                      "bbox-crs (CRS84 lon/lat by default); west > east "
                                      "crosses 180°")] = None,
    bbox_crs: Annotated[str | None, Query(alias="bbox-crs", description="The bbox's system: "
                                          + ", ".join(BBOX_SYSTEMS))] = None,
    crs: Annotated[str | None, Query(description="The answer's system: " + ", ".join(SYSTEMS))]
    = None,
    amenity: Annotated[list[str] | None, Query(description="stations: all these amenities, "
                                               "comma-separated or repeated")] = None,
    status: Annotated[list[str] | None, Query(description="stations: one of these statuses, "
                                              "comma-separated or repeated")] = None,
    level: Annotated[list[str] | None, Query(description="unions: one of these levels, "
                                             "comma-separated or repeated")] = None,
    parent: Annotated[str | None, Query(description="unions: directly below this union (id or code)")]
    = None,
    union: Annotated[str | None, Query(description="stations inside, unions below (and "
                                       "itself), workplaces of this union (id or code)")] = None,
    open_24_7: Annotated[str | None, Query(description="stations: true for those open 24 "
                                           "hours every day")] = None,
) -> Response:
    """One page of a collection's features, by id, with `numberMatched` and `next`/`prev`."""
    c = _collection(caller, collection_id)
    _only(request, COMMON | set(c.filters), collection_id)
    if request.query_params.get("f", "json") not in ("json", "geojson"):
        raise OgcError(400, "InvalidParameterValue", "f: only json (GeoJSON) is offered")
    out_crs = _crs("crs", crs, list(SYSTEMS))
    box_crs = _crs("bbox-crs", bbox_crs, BBOX_SYSTEMS)
    size = min(_count("limit", limit, DEFAULT_LIMIT, 1), MAX_LIMIT)
    skip = _count("offset", offset, 0, 0)
    given = {"amenity": amenity and ",".join(amenity), "status": status and ",".join(status),
             "level": level and ",".join(level), "parent": parent, "union": union,
             "open_24_7": open_24_7}
    query = oc.Query({k: v for k, v in given.items() if v is not None and k in c.filters},
                     _box(bbox, box_crs) if bbox is not None else None,
                     caller.officer.jurisdiction if caller.officer else oc.EVERYWHERE)
    with engine.connect() as conn:
        try:
            where = oc.conditions(conn, c, query)
        except oc.BadValue as exc:
            raise OgcError(400, "InvalidParameterValue", str(exc)) from None
        matched, features = oc.page(conn, c, where, out_crs, size, skip)
    base = public_base(request, settings)
    here = f"{base}/ogc/collections/{c.id}/items"
    params = {k: v for k, v in request.query_params.items() if k not in ("offset", "limit")}

    def at(start: int) -> str:
        return f"{here}?{urlencode({**params, 'limit': size, 'offset': start})}"
    links = [_link(at(skip), "self", GEOJSON), _link(f"{base}/ogc/collections/{c.id}", "collection")]
    if skip + len(features) < matched:
        links.append(_link(at(skip + size), "next", GEOJSON))
    if skip > 0:
        links.append(_link(at(max(skip - size, 0)), "prev", GEOJSON))
    return geojson_response(
        {"type": "FeatureCollection", "features": features, "numberMatched": matched,
         "numberReturned": len(features), "timeStamp": datetime.now(UTC).isoformat(),
         "links": links},
        headers={"Content-Crs": f"<{out_crs.uri}>"})


@router.get("/collections/{collection_id}/items/{feature_id}",
            responses={200: {"content": {GEOJSON: {}}}, 400: BAD})
def get_item(request: Request, engine: ReadEngineDep, settings: SettingsDep,
             caller: CallerDep, collection_id: CollectionId, feature_id: str,
             crs: Annotated[str | None, Query(description="The answer's system")] = None
             ) -> Response:
    c = _collection(caller, collection_id)
    _only(request, {"crs", "f"}, f"a {collection_id} item")
    out_crs = _crs("crs", crs, list(SYSTEMS))
    if not feature_id.isdigit() or not 1 <= int(feature_id) < 2**63:
        raise OgcError(404, "NotFound", f"no {c.id} item {feature_id!r}: ids are positive integers")
    within = caller.officer.jurisdiction if caller.officer else oc.EVERYWHERE
    with engine.connect() as conn:
        found = oc.one(conn, c, int(feature_id), out_crs,
                       [c.scope(within)] if c.scope is not None else [])
    if found is None:
        raise OgcError(404, "NotFound", f"no {c.id} item {feature_id}")
    base = public_base(request, settings)
    found["links"] = [_link(f"{base}/ogc/collections/{c.id}/items/{feature_id}", "self", GEOJSON),
                      _link(f"{base}/ogc/collections/{c.id}", "collection")]
    return geojson_response(found, headers={"Content-Crs": f"<{out_crs.uri}>"})
