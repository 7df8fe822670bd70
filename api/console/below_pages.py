"""The level below: the unions one level down with their counts, drilled down by a tap; the
total line is the whole jurisdiction counted on its own, and equals the sum of the lines."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import Query, Request
from fastapi.responses import Response

from api.console.common import not_found, router, show, today, union_name, zone
from api.console.render import Page
from api.console.session import PageSession
from api.deps import EngineDep, ReadEngineDep, SettingsDep
from geo.jurisdiction import EVERYWHERE, Jurisdiction
from membership.vocab import MemberStatus
from membership.worker_requests import stats as request_stats
from officers import below, requestwork


@router.get("/below")
def level_below(request: Request, engine: ReadEngineDep, writer: EngineDep,
                settings: SettingsDep, s: PageSession,
                union: Annotated[int | None, Query(ge=1, le=2**63 - 1)] = None) -> Response:
    p = Page(request, s, zone(settings))
    stale_before = datetime.now(UTC) - timedelta(days=settings.stale_after_days)
    day = today(settings)
    with writer.begin() as conn:  # the escalations due today, so that they are counted
        requestwork.catch_up(conn, s.officer, day, settings.deadlines())
    with engine.connect() as conn:
        mine = union_name(conn, s, p.lang)
        shown = below.view(conn, s.officer, union, day, stale_before)
        if shown is None:
            return not_found(request, s, settings, mine)
        top = shown.top
        request_counts = request_stats.counts(
            conn, Jurisdiction(top.path) if top else EVERYWHERE, day)
        up = None
        if top is not None and top.id != s.officer.union_id:
            up = top.parent_id if top.parent_id is not None else 0
    return show(request, s, settings, "below.html", union_name=mine, table=shown, up=up,
                member_statuses=[m.value for m in MemberStatus], request_counts=request_counts)
