"""`yizhan seed demo`: the Shanghai demo stations, loaded through the importer's own path."""

from __future__ import annotations

from sqlalchemy import Connection, func, select

from geo.crs import Crs
from geo.stations import T
from seed.demo_data import DEMO_CRS, demo_stations
from seed.station_import import ImportResult, prepare, station_columns, write


def load_demo(conn: Connection, *, if_empty: bool = False) -> str:
    if if_empty and conn.execute(select(func.count()).select_from(T)).scalar_one():
        return "stations already present; demo data not loaded"
    result = ImportResult()
    records = ((f"demo station {i}", s) for i, s in enumerate(demo_stations(), start=1))
    rows = prepare(records, station_columns(Crs(DEMO_CRS)), result)
    if result.problems:
        raise RuntimeError(f"demo data is invalid: {result.problems[:3]}")
    write(conn, rows, result)
    return f"demo stations: {result.summary()}"
