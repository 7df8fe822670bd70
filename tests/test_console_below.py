"""The level-below table: at every level of the demo tree, and for an admin at the top, the
lines add up to the jurisdiction's total counted on its own, with a station on a border between
two children, members held between jobs one level up and an application forwarded up."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import asdict
from datetime import UTC, date, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from api.app import create_app
from geo import stations, unions
from geo.crs import Crs
from geo.jurisdiction import EVERYWHERE, Jurisdiction
from geo.models import Workplace
from geo.station_data import NewStation
from geo.workplaces import in_jurisdiction
from membership import applications, members
from membership.applications import NewApplication
from membership.worker_requests import core, handling
from membership.worker_requests.escalation import escalate_due
from membership.worker_requests.vocab import DEFAULT_DEADLINES, Outcome
from officers import accounts, below
from officers.dashboard import out_of_reach
from officers.vocab import Role
from seed.demo import load_demo
from tests.conftest import bearer
from tests.union_data import clear
from yizhan.settings import Settings

BORDER = (121.4025, 31.325)  # the edge between communities DEMO-1-1-1 and DEMO-1-1-2
POINTS = [(121.385, 31.325), (121.42, 31.325), (121.45, 31.325), (121.55, 31.2), BORDER]
_phones = itertools.count(13_900_000_000)


@pytest.fixture(scope="module")
def demo(engine: Engine) -> Iterator[None]:
    clear(engine)
    with engine.begin() as conn:
        conn.exec_driver_sql("TRUNCATE stations RESTART IDENTITY CASCADE")
        load_demo(conn)
        for n, at in enumerate(POINTS):
            station = NewStation.model_validate({"name": f"界{n}", "lon": at[0], "lat": at[1]})
            stations.create(conn, station.columns(Crs.WGS84, only_set=False)
                            | {"external_id": f"below-{n}"})
            for k in range(3):
                body = NewApplication.model_validate({
                    "name": f"合计{n}-{k}", "phone": f"+86{next(_phones)}",
                    "occupation_group": "courier", "consent": True,
                    "workplace": {"name": "网点", "lon": at[0], "lat": at[1]}})
                app_id, _ = applications.submit(conn, "k", body, date(2026, 1, 5))
                app = applications.get(conn, app_id)
                assert app is not None
                if k == 0:
                    member_id = applications.approve(conn, app, "test", None)
                    m = members.get(conn, member_id)
                    assert m is not None
                    if n % 2:
                        members.left_job(conn, m)  # held one level up
                elif k == 1 and app.union_id:
                    parent = unions.get(conn, app.union_id)
                    assert parent is not None and parent.parent_id is not None
                    applications.forward(conn, app, "test", parent.parent_id, "上交")
            for k, category in enumerate(("wages", "heat_and_weather", "injury")):
                asked = core.NewRequest.model_validate({
                    "category": category, "description": "求助",
                    "workplace": {"lon": at[0], "lat": at[1]}})
                request_id, _ = core.submit(conn, asked, date(2026, 1, 5), DEFAULT_DEADLINES)
                req = core.get(conn, request_id)
                assert req is not None
                if k == 1:
                    handling.close(conn, req, "test", Outcome.SOLVED if n % 2 else
                                   Outcome.NOT_SOLVED, "办结")
        escalate_due(conn, date(2026, 3, 1), DEFAULT_DEADLINES)  # the open ones, up to the top
        if accounts.by_username(conn, "below-street") is None:
            accounts.create(conn, "below-street", "街道", Role.OFFICER, "DEMO-1-1", "below-pass-1")
    yield
    clear(engine)


@pytest.mark.parametrize("code", [None, "DEMO", "DEMO-1", "DEMO-1-1", "DEMO-1-1-1"])
def test_the_lines_add_up_to_the_total(engine: Engine, demo: None, code: str | None) -> None:
    with engine.connect() as conn:
        top = unions.by_code(conn, code) if code else None
        shown = below.table(conn, top, date(2026, 3, 1), datetime.now(UTC) - timedelta(days=90))
    summed = below.Line(None)
    for line in shown.lines:
        summed.add(line)
    assert asdict(summed) | {"union": None} == asdict(shown.total) | {"union": None}
    assert shown.total.open > 0 and sum(shown.total.stations.values()) > 0
    with engine.connect() as conn:  # the workplaces, counted apart from the lines
        where = in_jurisdiction(Jurisdiction(top.path) if top else EVERYWHERE)
        location = Workplace.__table__.c.location
        direct = conn.execute(select(func.count(), func.count().filter(
            ~out_of_reach(location, below.REACH_M))).select_from(Workplace.__table__)
            .where(where)).one()
    assert (shown.total.workplaces, shown.total.within_reach) == tuple(direct)
    assert 0 < direct[1] < direct[0]
    assert shown.total.requests["escalated"] > 0 and shown.total.requests["closed"] > 0
    if code == "DEMO-1-1":  # the border station is counted once, in the first community
        first = next(line for line in shown.lines if line.union and line.union.code == "DEMO-1-1-1")
        assert sum(first.stations.values()) == 2
        itself = shown.lines[-1]
        assert itself.union is None and itself.members["between_jobs"] > 0 and itself.open > 0


def test_the_api_reads_the_same_table_and_no_other_area(engine: Engine, demo: None,
                                                        settings: Settings) -> None:
    with TestClient(create_app(settings)) as client, engine.connect() as conn:
        headers = bearer(engine, "below-street")
        mine = client.get("/officer/below", headers=headers)
        assert mine.status_code == 200, mine.text
        body = mine.json()
        assert body["union"]["code"] == "DEMO-1-1"
        assert sum(line["applications"]["open"] for line in body["lines"]) == \
            body["total"]["applications"]["open"]
        other = unions.by_code(conn, "DEMO-1-2")
        assert other is not None
        refused = client.get(f"/officer/below?union_id={other.id}", headers=headers)
        assert refused.status_code == 404 and other.name not in refused.text


def test_chart_numbers(engine: Engine, demo: None) -> None:
    """This week: the 15 applications of the fixture received and 5 approved; 5 couriers."""
    from zoneinfo import ZoneInfo

    from geo.jurisdiction import EVERYWHERE
    from officers import charts

    zone = ZoneInfo("Asia/Shanghai")
    with engine.connect() as conn:
        weeks = charts.weekly(conn, EVERYWHERE, datetime.now(zone).date(), zone)
        groups = charts.by_group(conn, EVERYWHERE)
    assert len(weeks) == 12 and weeks[-1].start.weekday() == 0
    assert (weeks[-1].received, weeks[-1].approved) == (15, 5)
    assert sum(w.received for w in weeks[:-1]) == 0
    assert groups["courier"] == 5 and sum(groups.values()) == 5
