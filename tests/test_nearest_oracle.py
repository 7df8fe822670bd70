"""The nearest lookup equals a brute-force geodesic ranking, on generated stations."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, event, text

from geo import hours
from geo.crs import Crs
from geo.nearest import exact_nearest, nearest
from geo.station_data import NewStation
from geo.stations import T
from geo.vocab import Amenity, StationStatus
from tests.oracle import OracleStation, assert_same_ranking, brute_force_nearest

# Stations to store, the rider's point, and the options of the query.
Scene = tuple[list[dict[str, Any]], tuple[float, float], dict[str, Any]]

AT = datetime(2026, 11, 23, 3, 30, tzinfo=UTC)  # a Monday, 11:30 in Shanghai
HOURS = [None, "24/7", "Mo-Fr 09:00-17:00", "Sa-Su 10:00-16:00", "Mo-Su 12:00-13:00",
         "Mo-Fr 09:00-17:00 || unknown", "off"]
AMENITIES = [a.value for a in list(Amenity)[:5]]
# Regions where the ellipsoid, the sphere and lon/lat degrees disagree the most with each other.
CENTRES = [(121.47, 31.23), (179.95, 0.0), (-179.95, 65.0), (12.0, 89.7), (0.0, -45.0)]


@st.composite
def scenes(draw: st.DrawFn) -> Scene:
    c_lon, c_lat = draw(st.sampled_from(CENTRES))
    spread = draw(st.sampled_from([0.001, 0.05, 1.0]))
    coord = st.tuples(st.floats(-spread, spread), st.floats(-spread, spread))

    def place(offset: tuple[float, float]) -> tuple[float, float]:
        lon = c_lon + offset[0]
        lon = (lon + 180) % 360 - 180
        return lon, max(-90.0, min(90.0, c_lat + offset[1]))

    n = draw(st.integers(0, 40))
    points = [place(draw(coord)) for _ in range(n)]
    if len(points) > 0 and draw(st.booleans()):
        points += draw(st.lists(st.sampled_from(points), max_size=5))  # exact duplicates: ties
    stations = [
        {
            "external_id": f"s{i}", "name": f"station {i}", "lon": lon, "lat": lat,
            "status": draw(st.sampled_from(list(StationStatus))).value,
            "amenities": draw(st.lists(st.sampled_from(AMENITIES), unique=True, max_size=4)),
            "opening_hours": draw(st.sampled_from(HOURS)),
        }
        for i, (lon, lat) in enumerate(points)
    ]
    query = place(draw(coord))
    options = {
        "k": draw(st.integers(1, 12)),
        "amenities": draw(st.lists(st.sampled_from(AMENITIES), unique=True, max_size=2)),
        "include_closed": draw(st.booleans()),
        "radius_m": draw(st.one_of(st.none(), st.floats(1, 50_000))),
        "open_now": draw(st.booleans()),
    }
    return stations, query, options


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                   HealthCheck.function_scoped_fixture])
@given(scene=scenes())
@example(scene=(  # made geography KNN fail with "index returned tuples in wrong order"
    [{"external_id": "s0", "name": "s0", "lon": 179.95, "lat": 0.0, "status": "operational",
      "amenities": [], "opening_hours": None}],
    (179.95, 4.333642310129248e-31),
    {"k": 1, "amenities": [], "include_closed": False, "radius_m": None, "open_now": False},
))
def test_nearest_equals_brute_force(empty_db: Engine, scene: Scene) -> None:
    stations, (lon, lat), options = scene
    with empty_db.connect() as conn, conn.begin() as transaction:
        oracle = []
        for data in stations:
            columns = NewStation.model_validate(data).columns(Crs.WGS84, only_set=False)
            new_id = conn.execute(T.insert().values(**columns).returning(T.c.id)).scalar_one()
            oracle.append(OracleStation(
                new_id, data["lon"], data["lat"], data["status"], frozenset(data["amenities"]),
                hours.open_at(data["opening_hours"], AT, "Asia/Shanghai", "CN")
                if data["status"] == "operational" else False,
            ))
        found = nearest(
            conn, lon, lat, options["k"], at=AT,
            amenities=[Amenity(a) for a in options["amenities"]],
            include_closed=options["include_closed"], radius_m=options["radius_m"],
            open_now=options["open_now"],
        )
        transaction.rollback()
    expected = brute_force_nearest(oracle, lon, lat, **options)
    by_id = {s.id: s for s in oracle}
    assert_same_ranking([(n.station.id, n.distance_m) for n in found], expected, by_id, lon, lat)
    for n in found:
        assert n.open_now == by_id[n.station.id].open_now


def test_query_uses_the_spatial_indexes(empty_db: Engine) -> None:
    """Both steps of the exact query are index scans, not a scan of every station."""
    captured: list[tuple[str, Any]] = []

    def capture(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any,
                executemany: bool) -> None:
        captured.append((statement, parameters))

    with empty_db.begin() as conn:
        conn.execute(text(
            "INSERT INTO stations (external_id, name, location, h3_r10) "
            "SELECT 'x' || g, 'x', ST_SetSRID(ST_MakePoint(121 + random(), 31 + random()), 4326), 0 "
            "FROM generate_series(1, 5000) g"))
        conn.execute(text("ANALYZE stations"))
        event.listen(conn, "before_cursor_execute", capture)
        exact_nearest(conn, 121.5, 31.5, 5, statuses=[StationStatus.OPERATIONAL])
        event.remove(conn, "before_cursor_execute", capture)
        statement, parameters = captured[-1]
        plan = "\n".join(r[0] for r in conn.exec_driver_sql("EXPLAIN " + statement, parameters))
        conn.execute(text("TRUNCATE stations RESTART IDENTITY CASCADE"))
    assert "Index Scan using ix_stations_location on" in plan, plan  # KNN candidates
    assert "Index Scan using ix_stations_location_geog" in plan, plan  # ST_DWithin
    assert "Seq Scan" not in plan, plan
