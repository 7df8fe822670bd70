"""Charts, drawn on the server as SVG (no script), each with its numbers in a table beside it
for screen readers and for those who would rather read."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi import Request
from fastapi.responses import Response

from api.console.common import router, show, today, union_name, zone
from api.console.render import Page
from api.console.session import PageSession
from api.deps import ReadEngineDep, SettingsDep
from geo.vocab import StationStatus
from officers import charts, dashboard


def bars(values: list[int], width: float) -> list[float]:
    """Bar lengths for `values` on an axis `width` long (the largest fills it)."""
    top = max(values, default=0) or 1
    return [width * v / top for v in values]


@router.get("/charts")
def chart_page(request: Request, engine: ReadEngineDep, settings: SettingsDep,
               s: PageSession) -> Response:
    p = Page(request, s, zone(settings))
    day = today(settings)
    within = s.officer.jurisdiction
    stale_before = datetime.now(UTC) - timedelta(days=settings.stale_after_days)
    with engine.connect() as conn:
        weeks = charts.weekly(conn, within, day, zone(settings))
        groups = charts.by_group(conn, within)
        counts = dashboard.counts(conn, within, day, stale_before)
        union = union_name(conn, s, p.lang)
    tallest = max([max(w.received, w.approved, w.overdue) for w in weeks], default=0) or 1
    stations = {st.value: counts["stations"]["by_status"][st.value] for st in StationStatus}
    return show(request, s, settings, "charts.html", union_name=union, weeks=weeks,
                tallest=tallest, groups=groups, group_bars=bars(list(groups.values()), 230),
                stations=stations, station_bars=bars(list(stations.values()), 230))
