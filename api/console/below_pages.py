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
from api.deps import ReadEngineDep, SettingsDep
from membership.vocab import MemberStatus
from officers import below


@router.get("/below")
def level_below(request: Request, engine: ReadEngineDep, settings: SettingsDep, s: PageSession,
                union: Annotated[int | None, Query(ge=1, le=2**63 - 1)] = None) -> Response:
    p = Page(request, s, zone(settings))
    stale_before = datetime.now(UTC) - timedelta(days=settings.stale_after_days)
    with engine.connect() as conn:
        mine = union_name(conn, s, p.lang)
        shown = below.view(conn, s.officer, union, today(settings), stale_before)
        if shown is None:
            return not_found(request, s, settings, mine)
        top = shown.top
        up = None
        if top is not None and top.id != s.officer.union_id:
            up = top.parent_id if top.parent_id is not None else 0
    return show(request, s, settings, "below.html", union_name=mine, table=shown, up=up,
                member_statuses=[m.value for m in MemberStatus])
