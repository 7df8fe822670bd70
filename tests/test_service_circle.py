"""The service circle equals a brute-force oracle (pyproj's geodesic over every pair of
workplace or member and station, and each station's hours at each moment), and officers see
only their jurisdiction's unions."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyproj import Geod
from sqlalchemy import Engine, text

from geo.hours import open_at, zone
from tests.conftest import bearer
from tests.test_officers import make_officer
from visits import circle
from visits.circle import Mode

GEOD = Geod(ellps="WGS84")
HOURS = [None, "24/7", "Mo-Fr 08:00-20:00; PH off", "18:00-06:00", "Mo-Su 06:00-23:00",
         "Sa-Su 00:00-24:00"]
STATUSES = ["operational", "operational", "operational", "temporarily_closed", "removed"]
TZ, COUNTRY = "Asia/Shanghai", "CN"
# Around the corner of K1 (west of 121.2, south of 31.2) where D1, D2 and S1 meet.
LON, LAT = st.floats(121.17, 121.23), st.floats(31.17, 31.23)


def clear(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM members"))
        conn.execute(text("DELETE FROM workplaces"))
        conn.execute(text("TRUNCATE stations CASCADE"))


@pytest.fixture
def fresh(engine: Engine, tree: dict[str, int]) -> Iterator[dict[str, int]]:
    clear(engine)
    yield tree
    clear(engine)


def load(engine: Engine, stations: list[tuple[float, float, str | None, str]],
         workplaces: list[tuple[float, float, str]], members: list[tuple[float, float, str, str]],
         ids: dict[str, int]) -> None:
    clear(engine)
    with engine.begin() as conn:
        for n, (lon, lat, hours, status) in enumerate(stations):
            conn.execute(text(
                "INSERT INTO stations (external_id, name, location, h3_r10, opening_hours, status)"
                " VALUES (:e, '站', ST_SetSRID(ST_MakePoint(:lon, :lat), 4326), 0, :h, :s)"),
                {"e": f"s{n}", "lon": lon, "lat": lat, "h": hours, "s": status})
        for n, (lon, lat, code) in enumerate(workplaces):
            conn.execute(text(
                "INSERT INTO workplaces (external_id, name, location, h3_cells, matched_union_id)"
                " VALUES (:e, '单位', ST_SetSRID(ST_MakePoint(:lon, :lat), 4326), '{}', :u)"),
                {"e": f"w{n}", "lon": lon, "lat": lat, "u": ids[code]})
        for n, (lon, lat, code, status) in enumerate(members):
            conn.execute(text(
                "INSERT INTO members (member_no, name, phone, occupation_group, union_id, status,"
                " workplace_location) VALUES (:no, '工人', '13800000000', 'courier', :u, :s,"
                " ST_SetSRID(ST_MakePoint(:lon, :lat), 4326))"),
                {"no": f"m{n}", "lon": lon, "lat": lat, "u": ids[code], "s": status})


def oracle(engine: Engine, union_id: int, metres: float, at: dict[str, datetime]
           ) -> dict[str, Any]:
    """Every pair, by pyproj; the union tree by its parent links."""
    with engine.connect() as conn:
        parent: dict[int, int | None] = {i: p for i, p in conn.execute(text(
            "SELECT id, parent_id FROM unions"))}
        stations = conn.execute(text(
            "SELECT ST_X(location), ST_Y(location), opening_hours, timezone FROM stations "
            "WHERE status = 'operational'")).all()
        points = {
            "workplaces": conn.execute(text(
                "SELECT ST_X(location), ST_Y(location), matched_union_id FROM workplaces")).all(),
            "members": conn.execute(text(
                "SELECT ST_X(workplace_location), ST_Y(workplace_location), union_id FROM members "
                "WHERE status = 'active' AND workplace_location IS NOT NULL")).all()}

    def chain(u: int | None) -> list[int]:
        out = []
        while u is not None:
            out.append(u)
            u = parent[u]
        return out

    names = ["covered", *circle.MOMENTS]
    opens = [{"covered": True, **{n: bool(open_at(h, m, tz, COUNTRY)) for n, m in at.items()}}
             for _, _, h, tz in stations]
    result: dict[str, Any] = {}
    for what, rows in points.items():
        tallies: dict[int, dict[str, int]] = {}
        for lon, lat, u in rows:
            ancestors = chain(u)
            if union_id not in ancestors:
                continue
            near = [i for i, (slon, slat, _, _) in enumerate(stations)
                    if GEOD.inv(lon, lat, slon, slat)[2] <= metres]
            flags = {n: any(opens[i][n] for i in near) for n in names}
            place = ancestors.index(union_id)
            for key in {union_id, *([ancestors[place - 1]] if place else [])}:
                t = tallies.setdefault(key, {"total": 0} | {n: 0 for n in names})
                t["total"] += 1
                for n in names:
                    t[n] += flags[n]
        result[what] = tallies
    return result


def figures(block: dict[str, Any]) -> dict[str, int]:
    return {"total": block["total"], "covered": block["covered"],
            **{n: v["covered"] for n, v in block["by_time"].items()}}


def compare(engine: Engine, union_id: int, r: circle.Reach) -> None:
    day = date(2026, 12, 7)  # a Monday
    at = circle.moments(day, TZ)
    with engine.connect() as conn:
        got = circle.service_circle(conn, union_id, r, day, TZ, COUNTRY)
    want = oracle(engine, union_id, r.metres, at)
    empty = {"total": 0, "covered": 0, **{n: 0 for n in circle.MOMENTS}}
    for what in ("workplaces", "members"):
        assert figures(got[what]) == want[what].get(union_id, empty), what
        for child in got["children"]:
            assert figures(child[what]) == want[what].get(child["id"], empty), (what, child)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(stations=st.lists(st.tuples(LON, LAT, st.sampled_from(HOURS), st.sampled_from(STATUSES)),
                         max_size=12),
       workplaces=st.lists(st.tuples(LON, LAT, st.sampled_from(["C", "D1", "D2", "S1", "K1"])),
                           max_size=20),
       members=st.lists(st.tuples(LON, LAT, st.sampled_from(["D1", "S1", "K1", "D2"]),
                                  st.sampled_from(["active", "active", "between_jobs"])),
                        max_size=10),
       mode=st.sampled_from(list(Mode)), minutes=st.sampled_from([5, 10, 15]),
       root=st.sampled_from(["C", "D1", "S1"]))
def test_service_circle_equals_the_oracle(
        engine: Engine, fresh: dict[str, int], stations: list[tuple[float, float, str | None, str]],
        workplaces: list[tuple[float, float, str]], members: list[tuple[float, float, str, str]],
        mode: Mode, minutes: int, root: str) -> None:
    load(engine, stations, workplaces, members, fresh)
    compare(engine, fresh[root], circle.reach(mode, minutes, 15, 1.3))


def test_hours_decide_the_timed_figures(engine: Engine, fresh: dict[str, int]) -> None:
    near = (121.15, 31.15)
    load(engine, [(*near, "Mo-Fr 08:00-20:00; PH off", "operational"),
                  (121.3, 31.3, "18:00-06:00", "operational")],
         [(121.151, 31.15, "K1"), (121.301, 31.3, "D2"), (121.05, 31.35, "D1")], [], fresh)
    day = date(2026, 12, 7)
    with engine.connect() as conn:
        got = circle.service_circle(conn, fresh["C"], circle.reach(Mode.WALK, 15, 15, 1.3), day,
                                    TZ, COUNTRY)
    w = got["workplaces"]
    assert (w["total"], w["covered"]) == (3, 2)
    assert {n: v["covered"] for n, v in w["by_time"].items()} == {"noon": 1, "evening": 1,
                                                                  "night": 1}
    assert [(c["code"], c["workplaces"]["covered"]) for c in got["children"]] == [("D1", 1),
                                                                                 ("D2", 1)]
    assert got["reach_m"] == pytest.approx(4.5 * 1000 / 60 * 15 / 1.3, abs=0.1)


def test_the_working_day_skips_weekends_and_public_holidays() -> None:
    assert circle.working_day(date(2026, 12, 5), TZ, COUNTRY) == date(2026, 12, 7)  # Sat → Mon
    national = circle.working_day(date(2026, 10, 1), TZ, COUNTRY)  # 国庆节
    assert national > date(2026, 10, 1) and national.isoweekday() <= 5
    noon = datetime.combine(national, time(12), zone(TZ))
    assert open_at("PH off; Mo-Su 00:00-24:00", noon, TZ, COUNTRY)


def test_officers_see_only_their_unions(client: TestClient, engine: Engine, admin: dict[str, str],
                                        fresh: dict[str, int]) -> None:
    load(engine, [(121.15, 31.15, "24/7", "operational")],
         [(121.151, 31.15, "K1"), (121.3, 31.3, "D2")], [], fresh)
    make_officer(engine, "circle-s1", "S1")
    s1 = bearer(engine, "circle-s1")
    mine = client.get("/officer/service-circle", headers=s1)
    assert mine.status_code == 200, mine.text
    assert mine.json()["union_id"] == fresh["S1"] and mine.json()["workplaces"]["total"] == 1
    assert client.get(f"/officer/service-circle?union_id={fresh['D2']}",
                      headers=s1).status_code == 404
    assert client.get(f"/officer/service-circle?union_id={fresh['C']}",
                      headers=s1).status_code == 404
    assert client.get(f"/officer/service-circle.geojson?union_id={fresh['D2']}",
                      headers=s1).status_code == 404
    whole = client.get(f"/officer/service-circle?union_id={fresh['C']}&mode=ebike&minutes=5",
                       headers=admin).json()
    assert whole["workplaces"] == {"total": 2, "covered": 1, "share": 0.5, "by_time": whole[
        "workplaces"]["by_time"]} and whole["reach_m"] == pytest.approx(15000 / 60 * 5 / 1.3, abs=0.1)
    gaps = client.get(f"/officer/service-circle.geojson?union_id={fresh['C']}", headers=admin)
    assert [f["geometry"]["coordinates"] for f in gaps.json()["features"]] == [[121.3, 31.3]]
    assert client.get("/officer/service-circle?minutes=90", headers=s1).status_code == 422
    assert client.get("/officer/service-circle?mode=car", headers=s1).status_code == 422
