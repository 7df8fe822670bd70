"""The k nearest stations to a point, in exact geodesic (WGS84 ellipsoid) order.

No index orders by ellipsoidal distance (geography KNN uses a sphere, and can even fail with
"index returned tuples in wrong order" when its box distance rounds above the exact one). So the
query runs in two steps: planar KNN on the geometry index finds any k candidates, the largest of
their ellipsoidal distances bounds the answer, and every station within that bound (ST_DWithin on
the geography index) is ranked by ST_Distance on the ellipsoid, ties by id. The candidates only
set the bound, so the answer is exact wherever they come from; near the poles or the antimeridian
the bound is looser and the second step reads more rows. `open_now` needs the OSM
opening-hours evaluator, which runs in Python; the candidate count grows until k open stations
are found or none are left, so the answer stays exact.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import ARRAY, Connection, Integer, Text, any_, bindparam, func, literal_column, select

from geo.hours import ALWAYS_OPEN
from geo.stations import StationRecord, T, open_state, record, record_columns
from geo.vocab import Amenity, StationStatus

# Slack added to the distance bound so that floating-point rounding never drops a candidate.
BOUND_SLACK_M = 0.001


@dataclass(frozen=True, slots=True)
class NearStation:
    station: StationRecord
    distance_m: float
    open_now: bool | None


@lru_cache(maxsize=256)
def _statement(with_amenities: bool, with_radius: bool, require_hours: bool, limit: int,
               always_open: bool = False) -> Any:
    """The exact query for one combination of filters and one limit, built once; the other values
    are bind parameters. The limit is written into the SQL: given as a parameter, PostgreSQL
    plans as if it could be a tenth of the table, finds its generic plan dearer than planning
    afresh, and plans every call again (a fifth of the query's time)."""
    point_geom = func.ST_SetSRID(func.ST_MakePoint(bindparam("lon"), bindparam("lat")), 4326)
    point = func.geography(point_geom)
    limit_sql = literal_column(str(int(limit)), Integer)

    def usable(source: Any, query: Any) -> Any:
        query = query.where(source.c.status == any_(bindparam("statuses", type_=ARRAY(Text))))
        if with_radius:
            within = func.ST_DWithin(func.geography(source.c.location), point,
                                     bindparam("radius") + BOUND_SLACK_M)
            query = query.where(within)
        return query

    def wanted(source: Any, query: Any) -> Any:
        if with_amenities:
            query = query.where(
                source.c.amenities.contains(bindparam("amenities", type_=ARRAY(Text))))
        if require_hours:
            query = query.where(source.c.opening_hours.is_not(None))
        if always_open:
            query = query.where(func.regexp_replace(source.c.opening_hours, r"\s", "", "g")
                                == any_(bindparam("always_open", type_=ARRAY(Text))))
        return query

    # Step 1: any k stations that pass the filters, by planar KNN; their farthest bounds the answer.
    geog = func.geography(T.c.location)  # the expression of the ix_stations_location_geog index
    knn = wanted(T, usable(T, select(func.ST_Distance(geog, point).label("d"))))
    knn = knn.order_by(T.c.location.op("<->")(point_geom)).limit(limit_sql)
    bound = select(func.max(knn.subquery().c.d)).scalar_subquery()
    # Step 2: the disc within that bound, from the geography index. MATERIALIZED keeps the planner
    # from AND-ing in the amenities GIN index, which costs far more than the disc it would trim.
    disc = usable(T, select(T).where(func.ST_DWithin(geog, point, bound + BOUND_SLACK_M)))
    disc = disc.cte("disc").prefix_with("MATERIALIZED")
    distance = func.ST_Distance(func.geography(disc.c.location), point)
    exact = wanted(disc, select(*record_columns(disc), distance.label("distance_m")))
    if with_radius:
        exact = exact.where(distance <= bindparam("radius"))
    return exact.order_by(distance, disc.c.id).limit(limit_sql)


def exact_nearest(
    conn: Connection,
    lon: float,
    lat: float,
    limit: int,
    *,
    amenities: list[Amenity] | None = None,
    statuses: list[StationStatus],
    radius_m: float | None = None,
    require_hours: bool = False,
    open_24_7: bool = False,
) -> list[tuple[StationRecord, float]]:
    """The `limit` nearest stations passing the filters, with their distances in metres."""
    statement = _statement(bool(amenities), radius_m is not None, require_hours, limit, open_24_7)
    params: dict[str, Any] = {"lon": lon, "lat": lat, "statuses": [s.value for s in statuses]}
    if open_24_7:
        params["always_open"] = list(ALWAYS_OPEN)
    if amenities:
        params["amenities"] = [a.value for a in amenities]
    if radius_m is not None:
        params["radius"] = radius_m
    rows = conn.execute(statement, params)
    return [(record(row), float(row.distance_m)) for row in rows]


def nearest(
    conn: Connection,
    lon: float,
    lat: float,
    k: int,
    *,
    at: datetime,
    amenities: list[Amenity] | None = None,
    include_closed: bool = False,
    radius_m: float | None = None,
    open_now: bool = False,
    open_24_7: bool = False,
    country: str = "CN",
) -> list[NearStation]:
    """The k nearest usable stations to WGS84 (lon, lat), each with whether it is open at `at`.

    Usable means operational, or temporarily closed when `include_closed`; planned and removed
    stations never appear. With `open_now`, only stations whose hours say they are open count;
    with `open_24_7`, only those open 24 hours every day (geo.hours.ALWAYS_OPEN).
    """
    statuses = [StationStatus.OPERATIONAL]
    if include_closed:
        statuses.append(StationStatus.TEMPORARILY_CLOSED)

    def annotate(rows: list[tuple[StationRecord, float]]) -> list[NearStation]:
        return [
            NearStation(s, d, open_state(s, at, country))
            for s, d in rows
        ]

    if not open_now:
        rows = exact_nearest(conn, lon, lat, k, amenities=amenities, statuses=statuses,
                             radius_m=radius_m, open_24_7=open_24_7)
        return annotate(rows)

    batch = max(4 * k, 32)
    while True:
        rows = exact_nearest(conn, lon, lat, batch, amenities=amenities, statuses=statuses,
                             radius_m=radius_m, require_hours=True, open_24_7=open_24_7)
        found = [s for s in annotate(rows) if s.open_now]
        if len(found) >= k or len(rows) < batch:
            return found[:k]
        batch *= 4
