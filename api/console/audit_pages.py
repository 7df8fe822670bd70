"""The audit log of the officer's jurisdiction in the console, with the API's filters, and the
links to the existing gap and union maps."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Annotated

from fastapi import Query, Request
from fastapi.responses import Response

from api.console.common import router, show, union_name, zone
from api.console.messages import AUDIT_ACTION, AUDIT_OBJECT
from api.console.render import Page
from api.console.session import PageSession
from api.deps import ReadEngineDep, SettingsDep
from officers import audit

PAGE_SIZE = 50


@router.get("/audit")
def audit_log(request: Request, engine: ReadEngineDep, settings: SettingsDep, s: PageSession,
              action: Annotated[str | None, Query(max_length=50)] = None,
              object_type: Annotated[str | None, Query(max_length=50)] = None,
              actor: Annotated[str | None, Query(max_length=50)] = None,
              day: Annotated[str | None, Query(max_length=20)] = None,
              page: Annotated[int, Query(ge=0, le=100_000)] = 0) -> Response:
    p = Page(request, s, zone(settings))
    errors: dict[str, str] = {}
    since = until = None
    if day:
        try:
            since = datetime.combine(date.fromisoformat(day), time(), zone(settings))
            until = since + timedelta(days=1)
        except ValueError:
            errors["day"] = p.t("queue.bad_date")
    with engine.connect() as conn:
        total, rows = audit.search(conn, s.officer.jurisdiction, action=action or None,
                                   object_type=object_type or None, actor=actor or None,
                                   since=since, until=until, limit=PAGE_SIZE,
                                   offset=page * PAGE_SIZE)
        union = union_name(conn, s, p.lang)
    filters = {"action": action or "", "object_type": object_type or "", "actor": actor or "",
               "day": day or ""}
    return show(request, s, settings, "audit.html", 422 if errors else 200, union_name=union,
                entries=rows, total=total, f=filters, errors=errors,
                next=page + 1 if (page + 1) * PAGE_SIZE < total else None,
                maps_union=s.officer.union_id, actions=list(AUDIT_ACTION),
                objects=list(AUDIT_OBJECT))
