"""OGC API - Features (Part 1, Core and GeoJSON; Part 2, CRS by reference) under /ogc, so that
QGIS, GDAL and OWSLib read yizhan's stations, union areas and, for officers, workplaces with no
custom client. Errors are OGC exception bodies: {"code": …, "description": …}."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import urlencode, urlsplit

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.responses import HTMLResponse

from api import ogc_pages
from api.auth import Caller, lenient_officer
from api.deps import ReadEngineDep, SettingsDep, public_base
from api.errors import OgcError
from api.geojson import geojson_response, json_response
from api.html import prefers_html, quality
from api.schemas import (
    OgcCollection,
    OgcCollections,
    OgcConformance,
    OgcException,
    OgcLanding,
)
from geo.jurisdiction import EVERYWHERE
from ogc import collections as oc
from ogc import cql2, filtering
from ogc.crs import BBOX_SYSTEMS, CRS84, GCJ02, SYSTEMS, OgcCrs

router = APIRouter(prefix="/ogc", tags=["OGC API - Features"])

DEFAULT_LIMIT, MAX_LIMIT = 10, 1000
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-json",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
    "http://www.opengis.net/spec/cql2/1.0/conf/advanced-comparison-operators",
    "http://www.opengis.net/spec/cql2/1.0/conf/case-insensitive-comparison",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions-plus",
    "http://www.opengis.net/spec/cql2/1.0/conf/spatial-functions",
    "http://www.opengis.net/spec/cql2/1.0/conf/array-functions",
]
COMMON = {"limit", "offset", "bbox", "bbox-crs", "crs", "f", "lang", "filter", "filter-lang",
          "filter-crs", "sortby", "properties", "datetime"}
GEOJSON, JSON, SCHEMA = "application/geo+json", "application/json", "application/schema+json"
BAD = {"model": OgcException, "description": "A parameter that cannot be used"}
# A stale token in a GIS client's saved connection must not cost it the public collections.
CallerDep = Annotated[Caller, Depends(lenient_officer)]
CollectionId = Annotated[str, Path(description="stations, unions or workplaces (officers)")]


def _link(href: str, rel: str, kind: str = JSON, title: str | None = None) -> dict[str, str]:
    return {"href": href, "rel": rel, "type": kind} | ({"title": title} if title else {})


def _page_lang(request: Request) -> str | None:
    """The page's language when the answer is to be HTML (f=html, or a browser's Accept without
    f), else None; a bad f or lang is a 400."""
    f = request.query_params.get("f")
    if f not in (None, "json", "geojson", "html"):
        raise OgcError(400, "InvalidParameterValue", f"f: {f!r} is not offered; use json or html")
    lang = request.query_params.get("lang", "zh")
    if lang not in ogc_pages.WORDS:
        raise OgcError(400, "InvalidParameterValue", f"lang: {lang!r} is not offered; use zh or en")
    html = f == "html" or (f is None and prefers_html(request))
    return lang if html else None


def _html(request: Request, settings: SettingsDep, body: str) -> HTMLResponse:
    """A page: scripts and styles from yizhan only, images from it and the base map's server."""
    tiles = urlsplit(settings.tiles_url.replace("{s}", "*"))
    policy = ("default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
              f"img-src 'self' data: {tiles.scheme}://{tiles.netloc}; connect-src 'self'")
    return HTMLResponse(body, headers={"Content-Security-Policy": policy, "Vary": "Accept"})


def _map_crs(settings: SettingsDep) -> OgcCrs:
    """A page's features as its base map draws them (GCJ-02 for Amap's and Tencent's tiles)."""
    return SYSTEMS[GCJ02 if settings.tiles_crs == "gcj02" else CRS84]


def _static(request: Request) -> str:
    return f"{request.scope.get('root_path', '')}/static"


def _summary(c: oc.Collection) -> dict[str, Any]:
    return {"id": c.id, "title": c.title, "description": c.description}


def _tiles(settings: SettingsDep) -> dict[str, str]:
    return {"url": settings.tiles_url, "subdomains": settings.tiles_subdomains,
            "attribution": settings.tiles_attribution}


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
        "links": [_link(here, "self"), _link(f"{here}/items", "items", GEOJSON, c.title),
                  _link(f"{here}/queryables", "http://www.opengis.net/def/rel/ogc/1.0/queryables",
                        SCHEMA, "The properties a filter may name"),
                  _link(f"{here}/queryables", "queryables", JSON)],
    }


@router.get("", response_model=OgcLanding)
def landing(request: Request, settings: SettingsDep) -> Response:
    """Where an OGC API - Features client starts."""
    base = public_base(request, settings)
    lang = _page_lang(request)
    doc = {
        "title": "yizhan", "description": "Rest stations for outdoor workers, area unions and "
                                          "workplaces, as OGC API - Features.",
        "links": [
            _link(f"{base}/ogc", "self"),
            _link(f"{base}/ogc/api", "service-desc",
                  "application/vnd.oai.openapi+json;version=3.0", "The API definition"),
            _link(f"{base}/docs", "service-doc", "text/html", "The API documentation"),
            _link(f"{base}/ogc/conformance", "conformance", JSON, "Conformance classes"),
            _link(f"{base}/ogc/collections", "data", JSON, "The collections"),
        ]}
    return _html(request, settings, ogc_pages.landing(doc, lang)) if lang else json_response(doc)


@router.get("/api", include_in_schema=False)
def api_definition(request: Request, settings: SettingsDep) -> Response:
    """The OpenAPI document of /ogc alone, its paths relative to /ogc as OGC API clients expect
    (/collections/{collectionId}/items): GDAL 3.6 finds the filter languages there and sends
    -where to yizhan instead of filtering every page itself."""
    whole = request.app.openapi()
    paths = {path.removeprefix("/ogc").replace("{collection_id}", "{collectionId}") or "/":
             _renamed(operations) for path, operations in whole["paths"].items()
             if path == "/ogc" or path.startswith("/ogc/")}
    return json_response({**whole, "paths": paths,
                          "servers": [{"url": f"{public_base(request, settings)}/ogc"}]})


def _renamed(operations: dict[str, Any]) -> dict[str, Any]:
    def parameter(p: dict[str, Any]) -> dict[str, Any]:
        return {**p, "name": "collectionId"} if p.get("name") == "collection_id" else p
    return {method: {**op, "parameters": [parameter(p) for p in op.get("parameters", [])]}
            for method, op in operations.items()}


@router.get("/conformance", response_model=OgcConformance)
def conformance(request: Request, settings: SettingsDep) -> Response:
    lang = _page_lang(request)
    doc = {"conformsTo": CONFORMANCE}
    return _html(request, settings, ogc_pages.conformance(doc, lang)) if lang else json_response(doc)


@router.get("/collections", response_model=OgcCollections)
def list_collections(request: Request, engine: ReadEngineDep, settings: SettingsDep,
                     caller: CallerDep) -> Response:
    """Every collection this caller may read: workplaces only with an officer's token."""
    base = public_base(request, settings)
    shown = [c for c in oc.COLLECTIONS.values() if not c.officers_only or caller.officer]
    with engine.connect() as conn:
        described = [_describe(base, c, oc.extent(conn, c)) for c in shown]
    lang = _page_lang(request)
    doc = {"links": [_link(f"{base}/ogc/collections", "self")], "collections": described,
           "crs": list(SYSTEMS)}
    return _html(request, settings, ogc_pages.collections(doc, lang)) if lang else json_response(doc)


@router.get("/collections/{collection_id}", response_model=OgcCollection)
def get_collection(request: Request, engine: ReadEngineDep, settings: SettingsDep,
                   caller: CallerDep, collection_id: CollectionId) -> Response:
    c = _collection(caller, collection_id)
    lang = _page_lang(request)
    with engine.connect() as conn:
        doc = _describe(public_base(request, settings), c, oc.extent(conn, c))
    return _html(request, settings, ogc_pages.collection(doc, lang)) if lang else json_response(doc)


@router.get("/collections/{collection_id}/queryables",
            responses={200: {"content": {SCHEMA: {}}}})
def get_queryables(request: Request, settings: SettingsDep, caller: CallerDep,
                   collection_id: CollectionId) -> Response:
    """The properties a `filter` may name, with their types (JSON Schema); `sortby` takes those
    that are neither the geometry nor an array."""
    c = _collection(caller, collection_id)
    _only(request, {"f"}, f"{collection_id}'s queryables")
    here = f"{public_base(request, settings)}/ogc/collections/{c.id}/queryables"
    return geojson_response({
        "$schema": "https://json-schema.org/draft/2020-12/schema", "$id": here, "type": "object",
        "title": c.title, "properties": {q.name: q.schema() for q in c.queryables.values()},
        "additionalProperties": False,
        # The draft's list, which GDAL before 3.7 reads to know what it may send in a filter.
        "queryables": [{"id": q.name, "type": q.schema().get("type", "geometry")}
                       for q in c.queryables.values()]}, media_type=_schema_type(request))


def _schema_type(request: Request) -> str:
    """application/schema+json, as Part 3 says, unless the client asks for plain JSON only (as
    GDAL before 3.7 does, which refuses any other type)."""
    accept = request.headers.get("accept", "")
    plain = quality(accept, JSON) > quality(accept, SCHEMA)
    return JSON if plain else SCHEMA


def _cql(c: oc.Collection, settings: SettingsDep, value: str | None, language: str | None,
         crs_value: str | None) -> filtering.Translated | None:
    if value is None:
        if language is not None or crs_value is not None:
            raise OgcError(400, "InvalidParameterValue", "filter-lang and filter-crs go with a "
                           "filter: give filter too, or leave them out")
        return None
    limit = settings.ogc_filter_max_chars
    if len(value) > limit:
        raise OgcError(400, "InvalidParameterValue", f"filter: {len(value)} characters; at most "
                       f"{limit} are taken (ask for a bbox, or split the request)")
    language = language or cql2.TEXT
    if language not in cql2.LANGUAGES:
        raise OgcError(400, "InvalidParameterValue", f"filter-lang: {language!r} is not offered; "
                       f"use {' or '.join(cql2.LANGUAGES)}")
    filter_crs = _crs("filter-crs", crs_value, BBOX_SYSTEMS)
    try:
        return filtering.translate(cql2.parse(value, language), c.queryables, filter_crs)
    except cql2.BadFilter as exc:
        raise OgcError(400, "InvalidParameterValue", str(exc)) from None


def _properties(c: oc.Collection, value: str | None) -> list[str] | None:
    try:
        return filtering.chosen_properties(value, c.property_names) if value is not None else None
    except cql2.BadFilter as exc:
        raise OgcError(400, "InvalidParameterValue", str(exc)) from None


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
    filter_: Annotated[str | None, Query(alias="filter", description="A CQL2 filter over the "
                                         "collection's queryables, e.g. status = 'operational' "
                                         "AND A_CONTAINS(amenities, ('toilet'))")] = None,
    filter_lang: Annotated[str | None, Query(
        alias="filter-lang", description="cql2-text (unless given) or cql2-json; cql-text, "
        "which GDAL before 3.7 sends, is read as cql2-text",
        json_schema_extra={"enum": list(cql2.LANGUAGES)})] = None,
    filter_crs: Annotated[str | None, Query(alias="filter-crs", description="The system of the "
                                            "filter's geometries: " + ", ".join(BBOX_SYSTEMS))]
    = None,
    sortby: Annotated[str | None, Query(description="Sort by these queryables, e.g. "
                                        "+name,-updated_at (- for descending); ties by id")]
    = None,
    properties: Annotated[str | None, Query(description="Only these properties, e.g. name,status "
                                            "(none when empty)")] = None,
    datetime_: Annotated[str | None, Query(alias="datetime", description="Changed (updated_at) "
                                           "at this time or in this interval, e.g. "
                                           "2025-06-01T00:00:00Z/.. (both ends included)")]
    = None,
    open_24_7: Annotated[str | None, Query(description="stations: true for those open 24 "
                                           "hours every day")] = None,
) -> Response:
    """One page of a collection's features, by id, with `numberMatched` and `next`/`prev`."""
    c = _collection(caller, collection_id)
    _only(request, COMMON | set(c.filters), collection_id)
    lang = _page_lang(request)
    out_crs = _map_crs(settings) if lang else _crs("crs", crs, list(SYSTEMS))
    box_crs = _crs("bbox-crs", bbox_crs, BBOX_SYSTEMS)
    size = min(_count("limit", limit, DEFAULT_LIMIT, 1), MAX_LIMIT)
    skip = _count("offset", offset, 0, 0)
    given: dict[str, str | None] = {
        "amenity": ",".join(amenity) if amenity else None,
        "status": ",".join(status) if status else None,
        "level": ",".join(level) if level else None,
        "parent": parent, "union": union, "open_24_7": open_24_7}
    query = oc.Query({k: v for k, v in given.items() if v is not None and k in c.filters},
                     _box(bbox, box_crs) if bbox is not None else None,
                     caller.officer.jurisdiction if caller.officer else EVERYWHERE,
                     _cql(c, settings, filter_, filter_lang, filter_crs), datetime_)
    names = _properties(c, properties)
    try:
        order = filtering.sort_order(sortby, c.queryables, c.table.c.id) if sortby else None
    except cql2.BadFilter as exc:
        raise OgcError(400, "InvalidParameterValue", str(exc)) from None
    with engine.connect() as conn:
        try:
            where = oc.conditions(conn, c, query)
        except (oc.BadValue, cql2.BadFilter) as exc:
            raise OgcError(400, "InvalidParameterValue", str(exc)) from None
        matched, features = oc.page(conn, c, where, out_crs, size, skip, order, names)
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
    doc = {"type": "FeatureCollection", "features": features, "numberMatched": matched,
           "numberReturned": len(features), "timeStamp": datetime.now(UTC).isoformat(),
           "links": links}
    if lang:
        return _html(request, settings, ogc_pages.items(
            _summary(c), doc, features, skip, lang, _static(request), _tiles(settings)))
    return geojson_response(doc, headers={"Content-Crs": f"<{out_crs.uri}>"})


@router.get("/collections/{collection_id}/items/{feature_id}",
            responses={200: {"content": {GEOJSON: {}}}, 400: BAD})
def get_item(request: Request, engine: ReadEngineDep, settings: SettingsDep,
             caller: CallerDep, collection_id: CollectionId, feature_id: str,
             crs: Annotated[str | None, Query(description="The answer's system")] = None,
             properties: Annotated[str | None, Query(description="Only these properties, e.g. "
                                                     "name,status (none when empty)")] = None,
             ) -> Response:
    c = _collection(caller, collection_id)
    _only(request, {"crs", "f", "lang", "properties"}, f"a {collection_id} item")
    names = _properties(c, properties)
    lang = _page_lang(request)
    out_crs = _map_crs(settings) if lang else _crs("crs", crs, list(SYSTEMS))
    if not feature_id.isdigit() or not 1 <= int(feature_id) < 2**63:
        raise OgcError(404, "NotFound", f"no {c.id} item {feature_id!r}: ids are positive integers")
    within = caller.officer.jurisdiction if caller.officer else EVERYWHERE
    with engine.connect() as conn:
        found = oc.one(conn, c, int(feature_id), out_crs,
                       [c.scope(within)] if c.scope is not None else [], names)
    if found is None:
        raise OgcError(404, "NotFound", f"no {c.id} item {feature_id}")
    base = public_base(request, settings)
    found["links"] = [_link(f"{base}/ogc/collections/{c.id}/items/{feature_id}", "self", GEOJSON),
                      _link(f"{base}/ogc/collections/{c.id}", "collection")]
    if lang:
        return _html(request, settings, ogc_pages.item(_summary(c), found, found, lang, _static(request),
                                                       _tiles(settings)))
    return geojson_response(found, headers={"Content-Crs": f"<{out_crs.uri}>"})
