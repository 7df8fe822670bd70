"""Area unions: the tree, their areas, and matching a place to the union that covers it."""

from __future__ import annotations

from dataclasses import fields
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from api.auth import AdminActorDep, OfficerDep
from api.costly import CostlyRoute, spend_points
from api.deps import (
    EngineDep,
    PageLimit,
    PageOffset,
    QueryPoint,
    ReadEngineDep,
    SettingsDep,
    point_echo,
    query_point,
)
from api.errors import ApiError, BadParameter, NotFound
from api.geojson import json_response
from api.schemas import (
    BatchMatchIn,
    BatchMatchResult,
    ErrorOut,
    MatchOut,
    QaReport,
    UnionFeature,
    UnionList,
    UnionOut,
)
from geo import union_qa, unions
from geo.areas import AreaError, CleanArea, clean_area, from_geojson, parse_crs
from geo.crs import Crs, to_wgs84
from geo.unions import FALLBACK_M, Match, UnionData, UnionRecord, UnionTreeError
from geo.vocab import UnionLevel
from officers import audit
from officers.audit import Actor

router = APIRouter(prefix="/unions", tags=["unions"])
costly = APIRouter(prefix="/unions", tags=["unions"], route_class=CostlyRoute)
UnionId = Annotated[int, Path(ge=1, le=2**63 - 1, description="Union id")]
TIE_RULE = ("among unions of the matched level: a point inside beats a point on the border, "
            "then the smaller area, then the lower code")
AreaCrs = Annotated[str, Query(description="CRS of the area: wgs84, gcj02, bd09 or EPSG:<code>")]


class UnionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(min_length=1, max_length=100)
    name: str = Field(min_length=1, max_length=200)
    level: UnionLevel
    parent_code: str | None = Field(default=None, max_length=100)
    area: dict[str, Any] | None = Field(default=None, description="GeoJSON Polygon/MultiPolygon")
    contact_address: str | None = Field(default=None, max_length=500)
    contact_phone: str | None = Field(default=None, max_length=40)
    area_effective_at: AwareDatetime | None = None


class UnionPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(default=None, min_length=1, max_length=200)
    parent_code: str | None = Field(default=None, min_length=1, max_length=100,
                                    description="null detaches the union from its parent")
    area: dict[str, Any] | None = None
    contact_address: str | None = Field(default=None, max_length=500)
    contact_phone: str | None = Field(default=None, max_length=40)
    area_effective_at: AwareDatetime | None = None

    @model_validator(mode="after")
    def _no_null(self) -> UnionPatch:
        for name in ("name", "area"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null; leave it out to keep the current one")
        return self


def union_out(u: UnionRecord) -> dict[str, Any]:
    # Its fields are flat values: dataclasses.asdict would deep-copy each one (80 µs a match answer).
    return {name: getattr(u, name) for name in FIELDS}


FIELDS = tuple(field.name for field in fields(UnionRecord))


def brief(u: UnionRecord) -> dict[str, Any]:
    return {"id": u.id, "code": u.code, "name": u.name, "level": u.level}


def _area(geojson: dict[str, Any] | None, crs_text: str) -> CleanArea | None:
    if geojson is None:
        return None
    try:
        crs = parse_crs(crs_text)
    except AreaError as exc:
        raise BadParameter("query", "crs", str(exc)) from None
    try:
        return clean_area(from_geojson(geojson), crs)
    except AreaError as exc:
        raise BadParameter("body", "area", str(exc)) from None


def _save(engine: Any, actor: Actor, data: UnionData, status_code: int) -> Response:
    try:
        with engine.begin() as conn:
            saved, _ = unions.save(conn, data)
            audit.record(conn, actor, "create" if status_code == 201 else "update", "union",
                         saved.id, saved.id, {"code": saved.code})
            feature = _feature(conn, saved)
    except UnionTreeError as exc:
        raise ApiError(409, str(exc)) from None
    return json_response(feature, status_code)


def _feature(conn: Any, u: UnionRecord) -> dict[str, Any]:
    return {"type": "Feature", "id": u.id, "geometry": unions.area_geojson(conn, u.id),
            "properties": union_out(u)}


@router.get("", response_model=UnionList)
def list_unions(
    engine: ReadEngineDep,
    level: Annotated[UnionLevel | None, Query(description="Only this level.")] = None,
    parent_id: Annotated[int | None, Query(ge=1, le=2**63 - 1)] = None,
    limit: PageLimit = 100,
    offset: PageOffset = 0,
) -> Response:
    """Unions ordered by code, without their areas (see `/unions/{id}`)."""
    with engine.connect() as conn:
        total, rows = unions.search(conn, level=level, parent_id=parent_id, limit=limit,
                                    offset=offset)
    return json_response({"total": total, "limit": limit, "offset": offset,
                          "unions": [union_out(u) for u in rows]})


@router.get("/match", response_model=MatchOut)
def match_point(
    engine: ReadEngineDep,
    point: Annotated[QueryPoint, Depends(query_point)],
) -> Response:
    """The union that covers a place: the most specific level whose area covers the point
    (borders count as inside), its ancestors, every covering union by level, and how the answer
    was reached. A point covered by no area gets the nearest union within
    2 km, marked `nearest_fallback`; beyond that, `not_covered`."""
    with engine.connect() as conn:
        found = unions.match(conn, point.lon, point.lat)
        above = unions.chain(conn, found)
    return json_response(_match_body(found, above, point))


def _match_body(found: Match, chain: list[UnionRecord], point: QueryPoint) -> dict[str, Any]:
    levels: dict[str, list[dict[str, Any]]] = {}
    for c in found.covering:
        levels.setdefault(c.union.level, []).append(
            {**brief(c.union), "method": c.method, "on_border": c.on_border})
    return {
        "query": {**point_echo(point.input_lon, point.input_lat), "crs": point.crs,
                  "wgs84": {"crs": Crs.WGS84, **point_echo(point.lon, point.lat)}},
        "status": found.status,
        "union": union_out(found.union) if found.union else None,
        "method": found.method, "on_border": found.on_border,
        "distance_m": None if found.distance_m is None else round(found.distance_m, 3),
        "ancestors": [brief(a) for a in chain],
        "levels": levels,
        "tie": [{**brief(c.union), "method": c.method, "on_border": c.on_border}
                for c in found.tied],
        "tie_rule": TIE_RULE,
        "fallback_limit_m": FALLBACK_M,
    }


def _spend_points(request: Request, engine: EngineDep, settings: SettingsDep,
                  body: BatchMatchIn) -> None:
    spend_points(request, engine, settings, len(body.points))


@costly.post("/match", response_model=BatchMatchResult, dependencies=[Depends(_spend_points)],
             responses={429: {"model": ErrorOut, "description": "The address's points a minute "
                              "are used up; Retry-After says when to send again"},
                        503: {"model": ErrorOut, "description": "Too many large requests at "
                              "once; try again after Retry-After seconds"}})
def match_batch(engine: ReadEngineDep, body: BatchMatchIn) -> Response:
    """Match up to 10,000 points at once; answers come in input order, each with its id. One
    address may send at most `YIZHAN_MATCH_POINTS_PER_MINUTE` points (20,000 by default) in any
    60 seconds."""
    points = [to_wgs84(p.lon, p.lat, body.crs) for p in body.points]
    with engine.connect() as conn:
        found = unions.match_best(conn, points)
    return json_response({"results": [
        {"id": p.id, "status": m.status, "union": brief(m.union) if m.union else None,
         "method": m.method, "on_border": m.on_border,
         "distance_m": None if m.distance_m is None else round(m.distance_m, 3)}
        for p, m in zip(body.points, found, strict=True)
    ]})


@costly.get("/qa", response_model=QaReport)
def quality_report(
    engine: ReadEngineDep,
    officer: OfficerDep,
    union_id: Annotated[int | None, Query(ge=1, le=2**63 - 1, description=(
        "Only this union's subtree; by default the officer's own union's (everything for an "
        "admin)"))] = None,
) -> Response:
    """Data errors to look at on a map, as GeoJSON: overlaps between sibling areas (same level,
    same parent), gaps between a parent's area and its children's, parts of children outside
    their parent, and areas repaired on import. Pieces under 1 m² are left out; thin pieces are
    marked `sliver`. For officers, within their own union's subtree: it intersects and
    subtracts whole areas, which costs seconds on detailed ones."""
    with engine.connect() as conn:
        root = union_id if union_id is not None else officer.union_id
        if root is not None and (unions.get(conn, root) is None
                                 or not officer.jurisdiction.holds(conn, root)):
            raise NotFound("union", root)
        return json_response(union_qa.report(conn, root))


@router.get("/{union_id}", response_model=UnionFeature)
def get_union(engine: ReadEngineDep, union_id: UnionId) -> Response:
    """One union as a GeoJSON Feature with its area."""
    with engine.connect() as conn:
        u = unions.get(conn, union_id)
        if u is None:
            raise NotFound("union", union_id)
        return json_response(_feature(conn, u))


@router.get("/{union_id}/children", response_model=UnionList)
def get_children(
    engine: ReadEngineDep, union_id: UnionId, limit: PageLimit = 100, offset: PageOffset = 0,
    descendants: Annotated[bool, Query(description="Every union below, at any depth, instead "
                                                   "of the direct children.")] = False,
    level: Annotated[UnionLevel | None, Query(description="Only this level.")] = None,
) -> Response:
    """The union's children by code, paged; or all its descendants."""
    with engine.connect() as conn:
        u = unions.get(conn, union_id)
        if u is None:
            raise NotFound("union", union_id)
        total, rows = unions.search(conn, level=level, limit=limit, offset=offset,
                                    **({"under": u} if descendants else {"parent_id": u.id}))
    return json_response({"total": total, "limit": limit, "offset": offset,
                          "unions": [union_out(c) for c in rows]})


@router.get("/{union_id}/ancestors", response_model=list[UnionOut])
def get_ancestors(engine: ReadEngineDep, union_id: UnionId) -> Response:
    """From the root down to the parent."""
    with engine.connect() as conn:
        u = unions.get(conn, union_id)
        if u is None:
            raise NotFound("union", union_id)
        return json_response([union_out(a) for a in unions.ancestors(conn, u)])


@router.post("", response_model=UnionFeature, status_code=201)
def create_union(engine: EngineDep, actor: AdminActorDep, body: UnionIn,
                 crs: AreaCrs = "wgs84") -> Response:
    """Create a union (admin); with an area, its H3 coverage is built in the same transaction."""
    with engine.connect() as conn:
        if unions.by_code(conn, body.code):
            raise ApiError(409, f"a union with code {body.code!r} exists; PATCH it instead")
    if body.area is None and (missing := unions.area_required(body.level)):
        raise BadParameter("body", "area", missing)
    data = UnionData(body.code, body.name, body.level, body.parent_code, _area(body.area, crs),
                     body.contact_address, body.contact_phone, body.area_effective_at)
    return _save(engine, actor, data, 201)


@router.patch("/{union_id}", response_model=UnionFeature)
def update_union(engine: EngineDep, actor: AdminActorDep, union_id: UnionId, body: UnionPatch,
                 crs: AreaCrs = "wgs84") -> Response:
    """Change some fields (admin). A new area rebuilds the coverage in the same transaction."""
    with engine.connect() as conn:
        u = unions.get(conn, union_id)
        if u is None:
            raise NotFound("union", union_id)
        parent = unions.get(conn, u.parent_id) if u.parent_id else None
    given = body.model_fields_set
    data = UnionData(
        u.code, body.name if "name" in given and body.name else u.name, UnionLevel(u.level),
        body.parent_code if "parent_code" in given else (parent.code if parent else None),
        _area(body.area, crs),
        body.contact_address if "contact_address" in given else u.contact_address,
        body.contact_phone if "contact_phone" in given else u.contact_phone,
        body.area_effective_at if "area_effective_at" in given else u.area_effective_at,
    )
    return _save(engine, actor, data, 200)


@router.delete("/{union_id}", status_code=204)
def delete_union(engine: EngineDep, actor: AdminActorDep, union_id: UnionId) -> Response:
    """Delete a union without children (admin); its coverage goes with it."""
    try:
        with engine.begin() as conn:
            if not unions.delete(conn, union_id):
                raise NotFound("union", union_id)
            audit.record(conn, actor, "delete", "union", union_id)
    except UnionTreeError as exc:
        raise ApiError(409, str(exc)) from None
    return Response(status_code=204)

