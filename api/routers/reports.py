"""Station reports: anyone may report a problem with a station (rate-limited per address);
the officers whose jurisdiction covers the station see and resolve them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field, HttpUrl

from api.auth import ActorDep, OfficerDep, public_actor
from api.client_limits import limit_client, refuse_cross_site
from api.deps import EngineDep, PageLimit, PageOffset, SecretKeyDep
from api.errors import ApiError, NotFound
from api.geojson import json_response
from api.routers.stations import StationId
from geo import stations
from geo.station_data import Text500
from officers import audit, reports, stationwork
from officers.audit import Actor
from officers.reports import AlreadyResolved, StationRemoved
from officers.stationwork import station_union
from officers.vocab import ReportKind

router = APIRouter(tags=["station reports"])
ReportId = Annotated[int, Path(ge=1, le=2**63 - 1, description="Report id")]
REPORTS_PER_WINDOW, REPORT_WINDOW_S = 10, 3600


class NewReport(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: ReportKind = Field(description="closed, no_water, broken, crowded or wrong_location")
    note: Text500 | None = None
    photo_url: Annotated[HttpUrl, Field(max_length=500)] | None = Field(
        default=None, description="An http(s) link to a photo")


class Resolution(BaseModel):
    model_config = ConfigDict(extra="forbid")
    resolution: Text500 = Field(description="What was done, or why nothing needs doing")


@router.post("/stations/{station_id}/reports", status_code=201,
             dependencies=[Depends(refuse_cross_site)])
def report(request: Request, engine: EngineDep, secret: SecretKeyDep, station_id: StationId,
           body: NewReport, reporter: Annotated[Actor, Depends(public_actor("public"))]
           ) -> Response:
    """Tell the union something is wrong with a station. No login; at most
    10 reports an hour from one address."""
    limit_client(request, engine, secret, "report", REPORTS_PER_WINDOW, REPORT_WINDOW_S,
                 "too many reports")
    with engine.begin() as conn:
        try:
            new_id = reports.create(conn, station_id, body.kind, body.note,
                                    str(body.photo_url) if body.photo_url else None)
        except StationRemoved as exc:
            raise ApiError(409, str(exc)) from None
        if new_id is None:
            raise NotFound("station", station_id)
        station = stations.get(conn, station_id)
        assert station is not None
        audit.record(conn, reporter, "create", "station_report", new_id,
                     station_union(conn, station), {"station_id": station_id})
    return json_response({"id": new_id, "station_id": station_id, "kind": body.kind,
                          "message": "thank you: the union that looks after this station will "
                                     "check it"}, 201)


@router.get("/reports")
def list_reports(
    engine: EngineDep, officer: OfficerDep,
    resolved: Annotated[bool | None, Query(description="false (the default): open reports; "
                                                       "true: resolved; leave empty: all")]
    = False,
    kind: ReportKind | None = None,
    station_id: Annotated[int | None, Query(ge=1, le=2**63 - 1)] = None,
    limit: PageLimit = 100, offset: PageOffset = 0,
) -> Response:
    """Reports on the stations of your jurisdiction, newest first."""
    with engine.connect() as conn:
        total, rows = reports.search(conn, officer.jurisdiction, resolved=resolved, kind=kind,
                                     station_id=station_id, limit=limit, offset=offset)
    return json_response({"total": total, "limit": limit, "offset": offset, "reports": rows})


@router.post("/reports/{report_id}/resolve")
def resolve_report(engine: EngineDep, officer: OfficerDep, actor: ActorDep,
                   report_id: ReportId, body: Resolution) -> Response:
    with engine.begin() as conn:
        try:
            resolved = stationwork.resolve_report(conn, actor, officer, report_id,
                                                  body.resolution)
        except AlreadyResolved as exc:
            raise ApiError(409, str(exc)) from None
        if resolved is None:
            raise NotFound("report", report_id)
    return json_response(resolved)
