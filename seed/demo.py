"""`yizhan seed demo`: the Shanghai demo stations, loaded through the importer's own path, demo
area unions over them and demo workplaces matched to those unions."""

from __future__ import annotations

from sqlalchemy import Connection, func, select

from geo import stations, unions, workplaces
from geo.crs import Crs
from geo.stations import T
from geo.unions import U
from geo.workplaces import NewWorkplace, W
from seed.demo_data import DEMO_CRS, demo_stations
from seed.demo_unions import demo_unions
from seed.demo_workplaces import demo_workplaces
from seed.station_import import ImportResult, prepare, station_columns, write


def load_demo(conn: Connection, *, if_empty: bool = False) -> str:
    return f"{_stations(conn, if_empty)}; {_unions(conn, if_empty)}; {_workplaces(conn, if_empty)}"


def _unions(conn: Connection, if_empty: bool) -> str:
    if if_empty and conn.execute(select(func.count()).select_from(U)).scalar_one():
        return "unions already present; demo unions not loaded"
    created = sum(unions.save(conn, data)[1] == "created" for data in demo_unions())
    return f"demo unions: {created} new"


def _stations(conn: Connection, if_empty: bool) -> str:
    if if_empty and conn.execute(select(func.count()).select_from(T)).scalar_one():
        return "stations already present; demo data not loaded"
    result = ImportResult()
    records = ((f"demo station {i}", s) for i, s in enumerate(demo_stations(), start=1))
    rows = prepare(records, station_columns(Crs(DEMO_CRS)), result)
    if result.problems:
        raise RuntimeError(f"demo data is invalid: {result.problems[:3]}")
    write(conn, "stations", rows, result, stations.upsert)
    return f"demo stations: {result.summary()}"


def _workplaces(conn: Connection, if_empty: bool) -> str:
    if if_empty and conn.execute(select(func.count()).select_from(W)).scalar_one():
        return "workplaces already present; demo workplaces not loaded"
    crs = Crs(DEMO_CRS)
    rows = [workplaces.columns_for(NewWorkplace.model_validate(w), crs, {}, only_set=False)
            for w in demo_workplaces()]
    saved = workplaces.upsert(conn, rows)
    workplaces.rematch_ids(conn, [i for i, _ in saved])
    return f"demo workplaces: {sum(1 for _, new in saved if new)} new"
