"""An officer's own view of their jurisdiction: the dashboard, the gap map, their stations with
what needs checking, and the audit log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Response

from api.auth import OfficerDep
from api.deps import EngineDep, PageLimit, PageOffset, ReadEngineDep, SettingsDep
from api.errors import ApiError, NotFound
from api.geojson import geojson_response, json_response, station_feature_at
from api.routers.applications import today
from api.routers.auth import officer_out
from geo import stations
from geo.vocab import StationStatus
from officers import audit, below, dashboard, reports, requestwork

router = APIRouter(prefix="/officer", tags=["officers"])
WalkM = Annotated[float, Query(ge=50, le=10_000, allow_inf_nan=False, description=(
    "Walking distance in metres (straight-line geodesic), 50 to 10000"))]
GapRes = Annotated[int, Query(ge=min(dashboard.GAP_RESOLUTIONS), le=max(dashboard.GAP_RESOLUTIONS),
                              description="H3 resolution of the gap cells: 7 (about 5 km²) to "
                                          "10 (about 0.015 km²)")]


@router.get("/dashboard")
def get_dashboard(engine: ReadEngineDep, settings: SettingsDep, officer: OfficerDep,
                  walk_m: WalkM = 1000, res: GapRes = 8) -> Response:
    """Counts for your jurisdiction, and the cells where workplaces and members have no
    operational station within `walk_m`: where the next station should go."""
    stale_before = datetime.now(UTC) - timedelta(days=settings.stale_after_days)
    within = officer.jurisdiction
    with engine.connect() as conn:
        body = {"officer": officer_out(conn, officer),
                **dashboard.counts(conn, within, today(settings), stale_before)}
        totals, cells = dashboard.gaps(conn, within, walk_m, res)
    body["coverage"] = {"walk_m": walk_m, "res": res, **totals,
                        "cells": [vars(c) for c in cells],
                        "geojson": f"/officer/coverage.geojson?walk_m={walk_m:g}&res={res}"}
    body["stale_after_days"] = settings.stale_after_days
    return json_response(body)


@router.get("/coverage.geojson")
def get_coverage(engine: ReadEngineDep, officer: OfficerDep, walk_m: WalkM = 1000,
                 res: GapRes = 8) -> Response:
    """The gap cells as a GeoJSON FeatureCollection of H3 cell polygons."""
    with engine.connect() as conn:
        _, cells = dashboard.gaps(conn, officer.jurisdiction, walk_m, res)
    return geojson_response(dashboard.gap_geojson(cells, walk_m, res))


@router.get("/stations")
def list_stations(
    engine: ReadEngineDep, settings: SettingsDep, officer: OfficerDep,
    status: Annotated[list[StationStatus] | None, Query(
        description="Statuses to list; repeatable. Default: all but removed.")] = None,
    stale: Annotated[bool, Query(description="Only operational stations not verified within "
                                             "stale_after_days (or never)")] = False,
    limit: PageLimit = 100, offset: PageOffset = 0,
) -> Response:
    """The stations of your jurisdiction, each with `stale` (operational and not verified
    lately) and its open reports."""
    now = datetime.now(UTC)
    stale_before = now - timedelta(days=settings.stale_after_days)
    statuses = status or [s for s in StationStatus if s is not StationStatus.REMOVED]
    if stale:  # only operational stations go stale; with other statuses asked for, none
        statuses = [s for s in statuses if s is StationStatus.OPERATIONAL]
    with engine.connect() as conn:
        total, rows = (0, []) if not statuses else stations.search(
            conn, statuses=statuses, within=officer.jurisdiction,
            stale_before=stale_before if stale else None, limit=limit, offset=offset)
        open_reports = reports.open_counts(conn, [s.id for s in rows])
    features = []
    for s in rows:
        feature = station_feature_at(s, now, settings.holiday_country)
        feature["properties"] |= {
            "stale": s.is_stale(stale_before),
            "open_reports": open_reports.get(s.id, 0)}
        features.append(feature)
    return json_response({"type": "FeatureCollection", "total": total, "limit": limit,
                          "offset": offset, "features": features})


def _line(line: below.Line) -> dict[str, object]:
    return {"union": {"id": line.union.id, "code": line.union.code, "name": line.union.name}
            if line.union else None,
            "members": line.members, "applications": {"open": line.open, "overdue": line.overdue},
            "stations": {"by_status": line.stations, "stale": line.stale},
            "workplaces": line.workplaces, "workplaces_within_reach": line.within_reach,
            "requests": line.requests}


@router.get("/below")
def level_below(engine: ReadEngineDep, writer: EngineDep, settings: SettingsDep,
                officer: OfficerDep, union_id: Annotated[int | None, Query(ge=1, le=2**63 - 1, description=(
                    "The union whose level below to show; default your own (an admin: the "
                    "roots of the tree)"))] = None) -> Response:
    """The unions one level down with their counts; `lines` add up to `total` (a line with
    union null is what the union handles itself, or for an admin what lies under no root)."""
    stale_before = datetime.now(UTC) - timedelta(days=settings.stale_after_days)
    with writer.begin() as conn:  # the escalations due today, so that they are counted
        requestwork.catch_up(conn, officer, today(settings), settings.deadlines())
    with engine.connect() as conn:
        shown = below.view(conn, officer, union_id, today(settings), stale_before)
    if shown is None:
        raise NotFound("union", union_id)
    top = shown.top
    return json_response({"union": {"id": top.id, "code": top.code, "name": top.name}
                          if top else None, "lines": [_line(x) for x in shown.lines],
                          "total": _line(shown.total), "reach_m": below.REACH_M})


@router.get("/audit")
def read_audit(
    engine: ReadEngineDep, officer: OfficerDep,
    action: Annotated[str | None, Query(max_length=50)] = None,
    object_type: Annotated[str | None, Query(max_length=50)] = None,
    object_id: Annotated[int | None, Query(ge=1, le=2**63 - 1)] = None,
    actor: Annotated[str | None, Query(max_length=50, description="A username, 'applicant' "
                                                                  "or 'public'")] = None,
    since: datetime | None = None, until: datetime | None = None,
    limit: PageLimit = 100, offset: PageOffset = 0,
) -> Response:
    """The audit log of your jurisdiction, newest first (admins: all of it)."""
    if since and until and since > until:
        raise ApiError(422, "query parameter 'since' must not be after 'until'")
    with engine.connect() as conn:
        total, rows = audit.search(conn, officer.jurisdiction, action=action,
                                   object_type=object_type, object_id=object_id, actor=actor,
                                   since=since, until=until, limit=limit, offset=offset)
    return json_response({"total": total, "limit": limit, "offset": offset, "entries": rows})
