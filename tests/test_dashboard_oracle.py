"""The dashboard's gap map equals a brute-force geodesic count, on generated scenes."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

import h3
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st
from pyproj import Geod
from sqlalchemy import Connection, Engine, text

from geo import unions
from geo.crs import Crs, wgs84_ewkt
from geo.jurisdiction import EVERYWHERE, Jurisdiction
from geo.station_data import NewStation
from geo.stations import T
from geo.unions import UnionData
from geo.vocab import StationStatus, UnionLevel
from geo.workplaces import location_columns, upsert
from membership.tables import Member
from membership.vocab import OccupationGroup
from officers.dashboard import GapCell, gaps

M = Member.__table__
GEOD = Geod(ellps="WGS84")
# Shanghai, the Arctic (a degree of longitude is a third of one at the equator), and both sides
# of the antimeridian at a high latitude.
CENTRES = [(121.47, 31.23), (18.95, 69.65), (179.995, 64.7)]
WALKS_M = [300.0, 1000.0, 2500.0]
KNIFE_EDGE_M = 1e-3
Point = tuple[float, float]  # lon, lat


@dataclass(frozen=True)
class Scene:
    walk_m: float
    res: int
    stations: list[tuple[Point, str]]  # position, status
    workplaces: list[Point]
    members: list[Point | None]  # None: a member with no workplace location


def _wrap(lon: float) -> float:
    return (lon + 180.0) % 360.0 - 180.0


@st.composite
def scenes(draw: st.DrawFn) -> Scene:
    c_lon, c_lat = draw(st.sampled_from(CENTRES))
    walk_m = draw(st.sampled_from(WALKS_M))
    # Spreads of half, one and three walks: some points near a station, some far from all.
    spread_m = walk_m * draw(st.sampled_from([0.5, 1.0, 3.0]))
    metres = st.floats(-spread_m, spread_m, allow_nan=False)

    def point() -> Point:
        dx, dy = draw(metres), draw(metres)
        lat = c_lat + dy / 111_000.0
        return _wrap(c_lon + dx / (111_000.0 * math.cos(math.radians(lat)))), lat

    stations = [(point(), draw(st.sampled_from(list(StationStatus))).value)
                for _ in range(draw(st.integers(0, 30)))]
    workplaces = [point() for _ in range(draw(st.integers(0, 40)))]
    members: list[Point | None] = [point() for _ in range(draw(st.integers(0, 10)))]
    if len(members) > 0 and draw(st.booleans()):
        members[0] = None  # members_located counts only members with a location
    return Scene(walk_m, draw(st.integers(7, 10)), stations, workplaces, members)


# Inserting ------------------------------------------------------------------------------------


def _forget_others(conn: Connection) -> None:
    """Workplaces and members left by other tests would count under EVERYWHERE (rolled back)."""
    conn.execute(text("DELETE FROM members"))
    conn.execute(text("DELETE FROM workplaces"))


def _add_stations(conn: Connection, stations: Iterable[tuple[Point, str]]) -> None:
    for i, ((lon, lat), status) in enumerate(stations):
        data = {"external_id": f"dash-s{i}", "name": f"station {i}", "lon": lon, "lat": lat,
                "status": status}
        conn.execute(T.insert().values(**NewStation.model_validate(data).columns(
            Crs.WGS84, only_set=False)))


def _add_workplaces(conn: Connection, points: list[Point],
                    unions_of: list[tuple[int | None, int | None]] | None = None) -> None:
    """`unions_of` gives each workplace's (own_union_id, matched_union_id)."""
    if not points:
        return
    links = unions_of or [(None, None)] * len(points)
    upsert(conn, [{"external_id": f"dash-w{i}", "name": f"workplace {i}",
                   "own_union_id": own, "matched_union_id": matched,
                   **location_columns(lon, lat, Crs.WGS84)}
                  for i, ((lon, lat), (own, matched)) in enumerate(zip(points, links, strict=True))])


def _union(conn: Connection, code: str, level: UnionLevel, parent: str | None = None) -> int:
    record, _ = unions.save(conn, UnionData(code=code, name=f"{code} 工会", level=level,
                                            parent_code=parent))
    return record.id


def _add_members(conn: Connection, members: list[tuple[Point | None, int]]) -> None:
    for i, (point, union_id) in enumerate(members):
        conn.execute(M.insert().values(
            member_no=f"DASH-{i:04d}", name=f"member {i}", phone=f"+86138000{i:05d}",
            occupation_group=OccupationGroup.COURIER.value, union_id=union_id,
            workplace_location=wgs84_ewkt(*point) if point else None))


# The oracle -----------------------------------------------------------------------------------


def _distances(point: Point, stations: list[Point]) -> list[float]:
    if not stations:
        return []
    lon, lat = point
    _, _, d = GEOD.inv([lon] * len(stations), [lat] * len(stations),
                       [s[0] for s in stations], [s[1] for s in stations])
    return [float(x) for x in d]


def _oracle(scene: Scene) -> tuple[dict[str, int], dict[str, GapCell]]:
    operational = [p for p, status in scene.stations if status == StationStatus.OPERATIONAL.value]
    beyond_w: Counter[str] = Counter()
    beyond_m: Counter[str] = Counter()
    for points, counter in ((scene.workplaces, beyond_w), (scene.members, beyond_m)):
        for point in points:
            if point is None:
                continue
            distances = _distances(point, operational)
            # PostGIS and pyproj solve the same geodesic problem by different means: keep clear
            # of the border, where sub-millimetre differences would decide (rare with floats).
            assume(all(abs(d - scene.walk_m) > KNIFE_EDGE_M for d in distances))
            if all(d > scene.walk_m for d in distances):
                counter[h3.latlng_to_cell(point[1], point[0], scene.res)] += 1
    totals = {"workplaces": len(scene.workplaces), "workplaces_beyond": beyond_w.total(),
              "members_located": sum(p is not None for p in scene.members),
              "members_beyond": beyond_m.total()}
    cells = {c: GapCell(c, beyond_w[c], beyond_m[c]) for c in set(beyond_w) | set(beyond_m)}
    return totals, cells


def _check_order(cells: list[GapCell]) -> dict[str, GapCell]:
    people = [g.workplaces + g.members for g in cells]
    assert people == sorted(people, reverse=True), cells  # the cells with the most people first
    assert all(p > 0 for p in people), cells
    by_cell = {g.cell: g for g in cells}
    assert len(by_cell) == len(cells), cells
    return by_cell


# Tests ----------------------------------------------------------------------------------------


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(scene=scenes())
# Found by this test: under EVERYWHERE gaps() counts workplaces in a SELECT with no FROM clause
# (its condition true() names no table; the EXISTS takes workplaces into its own FROM), so
# "workplaces" is always 1, and "workplaces_beyond" is 1 only when no workplace has a station in
# reach. The cells are right (their GROUP BY names workplaces).
@example(scene=Scene(walk_m=300.0, res=7, stations=[], workplaces=[], members=[]))
@example(scene=Scene(walk_m=1000.0, res=9, stations=[((121.47, 31.23), "operational")],
                     workplaces=[(121.47, 31.23), (121.5, 31.23), (121.53, 31.23)], members=[]))
def test_gaps_equal_brute_force(empty_db: Engine, scene: Scene) -> None:
    expected_totals, expected_cells = _oracle(scene)  # may reject a knife-edge scene first
    with empty_db.connect() as conn, conn.begin() as transaction:
        _forget_others(conn)
        _add_stations(conn, scene.stations)
        _add_workplaces(conn, scene.workplaces)
        if scene.members:
            union_id = _union(conn, "DASH-ORACLE", UnionLevel.CITY)
            _add_members(conn, [(p, union_id) for p in scene.members])
        totals, cells = gaps(conn, EVERYWHERE, scene.walk_m, scene.res)
        transaction.rollback()
    assert _check_order(cells) == expected_cells
    assert totals == expected_totals
    assert all(h3.get_resolution(g.cell) == scene.res for g in cells)


def test_near_and_far(empty_db: Engine) -> None:
    """One operational station; a workplace at half a walk from it and one at two walks."""
    walk_m, res = 1000.0, 9
    lon, lat = 121.47, 31.23
    near_lon, near_lat, _ = GEOD.fwd(lon, lat, 0.0, walk_m / 2)
    far_lon, far_lat, _ = GEOD.fwd(lon, lat, 90.0, walk_m * 2)
    near, far = (float(near_lon), float(near_lat)), (float(far_lon), float(far_lat))
    far_cell = h3.latlng_to_cell(far[1], far[0], res)
    with empty_db.connect() as conn, conn.begin() as transaction:
        _forget_others(conn)
        # A closed station right on the far workplace does not reach it.
        _add_stations(conn, [((lon, lat), StationStatus.OPERATIONAL.value),
                             (far, StationStatus.TEMPORARILY_CLOSED.value)])
        _add_workplaces(conn, [near, far])
        union_id = _union(conn, "DASH-NEAR-FAR", UnionLevel.CITY)
        _add_members(conn, [(near, union_id), (far, union_id), (far, union_id), (None, union_id)])
        totals, cells = gaps(conn, EVERYWHERE, walk_m, res)
        wider_totals, wider_cells = gaps(conn, EVERYWHERE, walk_m * 3, res)
        transaction.rollback()
    assert totals == {"workplaces": 2, "workplaces_beyond": 1,
                      "members_located": 3, "members_beyond": 2}
    assert cells == [GapCell(far_cell, 1, 2)]
    assert wider_totals == {"workplaces": 2, "workplaces_beyond": 0,
                            "members_located": 3, "members_beyond": 0}
    assert wider_cells == []


def _path(conn: Connection, code: str) -> str:
    return str(conn.execute(text("SELECT ltree2text(path) FROM unions WHERE code = :code"),
                            {"code": code}).scalar_one())


def test_jurisdiction_restricts(empty_db: Engine) -> None:
    """Workplaces count where their own or matched union is in the subtree; members where theirs is."""
    walk_m, res = 500.0, 8
    points = [(121.47 + 0.01 * i, 31.23) for i in range(5)]  # no stations: every one is beyond
    with empty_db.connect() as conn, conn.begin() as transaction:
        _forget_others(conn)
        c = _union(conn, "DASH-C", UnionLevel.CITY)
        d1 = _union(conn, "DASH-D1", UnionLevel.DISTRICT, "DASH-C")
        s1 = _union(conn, "DASH-S1", UnionLevel.STREET, "DASH-D1")
        d2 = _union(conn, "DASH-D2", UnionLevel.DISTRICT, "DASH-C")
        _add_workplaces(conn, points, [
            (None, d1),  # matched in D1: counts
            (s1, d2),  # own union in D1's subtree (a street under it): counts
            (d2, s1),  # matched in the subtree: counts
            (None, d2),  # D2 only: not D1's
            (None, None),  # no union at all: only an admin sees it
        ])
        _add_members(conn, [(points[0], s1), (points[3], d2), (None, d1), (points[4], c)])
        by_scope = {code: gaps(conn, Jurisdiction(_path(conn, code)), walk_m, res)
                    for code in ("DASH-D1", "DASH-D2", "DASH-C")}
        everything = gaps(conn, EVERYWHERE, walk_m, res)
        transaction.rollback()

    def cell(i: int) -> str:
        return h3.latlng_to_cell(points[i][1], points[i][0], res)

    def expect(workplaces: list[int], members: list[int], located: int
               ) -> tuple[dict[str, int], dict[str, GapCell]]:
        w, m = Counter(cell(i) for i in workplaces), Counter(cell(i) for i in members)
        return ({"workplaces": len(workplaces), "workplaces_beyond": len(workplaces),
                 "members_located": located, "members_beyond": len(members)},
                {k: GapCell(k, w[k], m[k]) for k in set(w) | set(m)})

    def got(result: tuple[dict[str, int], list[GapCell]]) -> tuple[dict[str, int], dict[str, GapCell]]:
        return result[0], _check_order(result[1])

    assert got(by_scope["DASH-D1"]) == expect([0, 1, 2], [0], 1)
    assert got(by_scope["DASH-D2"]) == expect([1, 2, 3], [3], 1)
    assert got(by_scope["DASH-C"]) == expect([0, 1, 2, 3], [0, 3, 4], 3)
    assert got(everything) == expect([0, 1, 2, 3, 4], [0, 3, 4], 3)
