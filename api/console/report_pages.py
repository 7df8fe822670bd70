"""Station reports in the console: the open ones of the jurisdiction, each resolved with what
was done, through officers.stationwork as the JSON API resolves them."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request
from fastapi.responses import Response

from api.console.common import back_to, not_found, router, show, union_name, zone
from api.console.render import Page
from api.console.session import PageSession, PostedForm
from api.deps import EngineDep, ReadEngineDep, SettingsDep
from officers import reports, stationwork
from officers.reports import AlreadyResolved

MAX_TEXT = 500


def _page(request: Request, engine: ReadEngineDep, settings: SettingsDep, s: PageSession, *,
          status: int = 200, errors: dict[int, str] | None = None,
          kept: dict[str, str] | None = None, done: str | None = None) -> Response:
    p = Page(request, s, zone(settings))
    with engine.connect() as conn:
        total, rows = reports.search(conn, s.officer.jurisdiction, resolved=False, limit=100)
        union = union_name(conn, s, p.lang)
    return show(request, s, settings, "reports.html", status, union_name=union, reports=rows,
                total=total, errors=errors or {}, kept=kept or {}, done=done)


@router.get("/reports")
def report_list(request: Request, engine: ReadEngineDep, settings: SettingsDep, s: PageSession,
                done: Annotated[str | None, Query(max_length=20)] = None) -> Response:
    p = Page(request, s, zone(settings))
    return _page(request, engine, settings, s,
                 done=p.t("reports.done") if done == "resolve" else None)


@router.post("/reports/{report_id:int}/resolve")
def resolve(request: Request, engine: EngineDep, settings: SettingsDep, posted: PostedForm,
            report_id: int) -> Response:
    s = posted.session
    p = Page(request, s, zone(settings))
    resolution = (posted.form.get("resolution") or "").strip()
    error = None
    if not resolution or len(resolution) > MAX_TEXT:
        error = p.t("reports.need_resolution")
    else:
        try:
            with engine.begin() as conn:
                if stationwork.resolve_report(conn, s.actor, s.officer, report_id,
                                              resolution) is None:
                    return not_found(request, s, settings, "")
            return back_to(request, "/console/reports", done="resolve")
        except AlreadyResolved:
            error = p.t("reports.already")
    return _page(request, engine, settings, s, status=422 if error != p.t("reports.already")
                 else 409, errors={report_id: error}, kept={"report": str(report_id),
                                                            "resolution": resolution})
