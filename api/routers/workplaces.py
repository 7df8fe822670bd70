"""Workplaces, for the officers of their union's jurisdiction: each kept matched to the area
union that covers it; an employer's own union takes precedence."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Response
from pydantic import BaseModel, Field
from sqlalchemy import Connection

from api.auth import ActorDep, OfficerDep
from api.deps import (
    EngineDep,
    PageLimit,
    PageOffset,
    ReadEngineDep,
    generated_external_id,
    parse_bbox,
    point_echo,
)
from api.errors import ApiError, NotFound
from api.geojson import json_response
from api.routers.unions import brief
from api.schemas import UnionBrief
from geo import unions, workplaces
from geo.crs import Crs
from geo.workplaces import NewWorkplace, WorkplaceFields, WorkplaceRecord
from officers import audit, workplacework
from officers.accounts import OfficerRecord
from officers.audit import Actor
from officers.workplacework import WorkplaceRefused

router = APIRouter(prefix="/workplaces", tags=["workplaces"])
WorkplaceId = Annotated[int, Path(ge=1, le=2**63 - 1, description="Workplace id")]
PointCrs = Annotated[Crs, Query(description="Coordinate system of lon/lat in the body.")]


class MatchState(BaseModel):
    status: str | None = Field(description="matched, gap_fallback, nearest_fallback, not_covered")
    method: str | None
    distance_m: float | None
    at: Any


class WorkplaceOut(BaseModel):
    id: int
    external_id: str
    name: str
    uscc: str | None
    address: str | None
    lon: float
    lat: float
    own_union: UnionBrief | None
    matched_union: UnionBrief | None
    union: UnionBrief | None = Field(description="The employer's own union if it has one, "
                                                  "else the matched area union")
    match: MatchState


class WorkplaceList(BaseModel):
    total: int
    limit: int
    offset: int
    workplaces: list[WorkplaceOut]


def _out_all(conn: Connection, rows: list[WorkplaceRecord]) -> list[dict[str, Any]]:
    """Workplaces with their unions, which are read in one query for the whole page."""
    ids = {i for w in rows for i in (w.own_union_id, w.matched_union_id) if i is not None}
    known = unions.records(conn, sorted(ids)) if ids else {}

    def union_brief(union_id: int | None) -> dict[str, Any] | None:
        return brief(known[union_id]) if union_id in known else None

    out = []
    for w in rows:
        own, matched = union_brief(w.own_union_id), union_brief(w.matched_union_id)
        data = asdict(w)
        out.append({
            **{k: data[k] for k in ("id", "external_id", "name", "uscc", "address")},
            **point_echo(w.lon, w.lat),
            "own_union": own, "matched_union": matched, "union": own or matched,
            "match": {"status": w.match_status, "method": w.match_method,
                      "distance_m": w.match_distance_m, "at": w.matched_at},
        })
    return out


@router.get("", response_model=WorkplaceList)
def list_workplaces(
    engine: ReadEngineDep,
    officer: OfficerDep,
    bbox: Annotated[tuple[float, float, float, float] | None, Depends(parse_bbox)],
    union_id: Annotated[int | None, Query(ge=1, le=2**63 - 1,
                                          description="Matched to, or owned by, this union")]
    = None,
    q: Annotated[str | None, Query(min_length=1, max_length=100, description=(
        "Part of the name or address, or the unified social credit code"))] = None,
    limit: PageLimit = 100,
    offset: PageOffset = 0,
) -> Response:
    with engine.connect() as conn:
        total, rows = workplaces.search(conn, union_id=union_id, bbox=bbox, text=q, limit=limit,
                                        offset=offset, within=officer.jurisdiction)
        return json_response({"total": total, "limit": limit, "offset": offset,
                              "workplaces": _out_all(conn, rows)})


@router.get("/{workplace_id}", response_model=WorkplaceOut)
def get_workplace(engine: ReadEngineDep, officer: OfficerDep,
                  workplace_id: WorkplaceId) -> Response:
    with engine.connect() as conn:
        w = workplaces.get(conn, workplace_id, officer.jurisdiction)
        if w is None:
            raise NotFound("workplace", workplace_id)
        return json_response(_out_all(conn, [w])[0])


REFUSED = {
    "union_outside": (422, "body field 'own_union_code': {code!r} is not your union or one "
                           "below it; applications from this workplace would go there, so only "
                           "an admin can name it"),
    "taken": (409, "a workplace with this external_id already exists"),
    "outside": (422, "the workplace would lie outside your jurisdiction (no area of your union "
                     "or of one below it covers its point, or its union would be neither yours "
                     "nor one below it); an officer of a union covering both places, or an "
                     "admin, can make this change"),
    "external_id": (422, "body field 'external_id': only imports and admins set it (it ties a "
                         "workplace to another system's records); leave it out and one is "
                         "generated"),
}


def _write(engine: Any, officer: OfficerRecord, actor: Actor, workplace_id: int | None,
           data: WorkplaceFields, crs: Crs, status_code: int) -> Response:
    with engine.begin() as conn:
        try:
            w = workplacework.save(conn, officer, actor, workplace_id, data, crs,
                                   generated_external_id())
        except WorkplaceRefused as exc:
            if exc.kind == "unknown_union":
                raise ApiError(422, f"body field 'own_union_code': {exc}") from None
            status, message = REFUSED[exc.kind]
            raise ApiError(status, message.format(code=data.own_union_code)) from None
        if w is None:
            raise NotFound("workplace", workplace_id)
        return json_response(_out_all(conn, [w])[0], status_code)


@router.post("", response_model=WorkplaceOut, status_code=201)
def create_workplace(engine: EngineDep, officer: OfficerDep, actor: ActorDep, body: NewWorkplace,
                     crs: PointCrs = Crs.WGS84) -> Response:
    """Create a workplace; it is matched to its area union at once."""
    return _write(engine, officer, actor, None, body, crs, 201)


@router.patch("/{workplace_id}", response_model=WorkplaceOut)
def update_workplace(engine: EngineDep, officer: OfficerDep, actor: ActorDep,
                     workplace_id: WorkplaceId, body: WorkplaceFields,
                     crs: PointCrs = Crs.WGS84) -> Response:
    """Change some fields; a corrected location re-matches the workplace."""
    return _write(engine, officer, actor, workplace_id, body, crs, 200)


@router.delete("/{workplace_id}", status_code=204)
def delete_workplace(engine: EngineDep, officer: OfficerDep, actor: ActorDep,
                     workplace_id: WorkplaceId) -> Response:
    with engine.begin() as conn:
        w = workplaces.get(conn, workplace_id, officer.jurisdiction)
        if w is None or not workplaces.delete(conn, workplace_id, officer.jurisdiction):
            raise NotFound("workplace", workplace_id)
        audit.record(conn, actor, "delete", "workplace", w.id, w.own_union_id or w.matched_union_id)
    return Response(status_code=204)
