"""`yizhan import stations` and `yizhan seed demo`, run as an operator runs them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text
from typer.testing import CliRunner

import seed.station_import as station_import
from geo import stations
from tests.faults import CrashOnCall
from yizhan.cli import app

runner = CliRunner()
CSV = """external_id,name,address,lon,lat,amenities,opening_hours,status
a1,南京东路驿站,"上海市黄浦区南京东路300号",121.4800,31.2380,drinking_water;toilet,24/7,operational
a2,淮海中路驿站,,121.4600,31.2200,seating,,temporarily_closed
a3,坏坐标,,121.46,95.0,,,
a4,坏设施,,121.46,31.2,beer,,
a5,坏时间,,121.46,31.2,,whenever,
a1,重复,,121.46,31.2,,,
a6,静安寺驿站,,121.4456,31.2235,"wifi,hot_water",Mo-Fr 09:00-17:00; PH off,
a7,对调,,31.2235,121.4456,,,
"""


def invoke(database_url: str, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args), env={"YIZHAN_DATABASE_URL": database_url})
    return result.exit_code, result.output


def stored(engine: Engine) -> dict[str, tuple[Any, ...]]:
    with engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT external_id, name, ST_X(location), ST_Y(location), amenities, opening_hours, "
            "status, updated_at FROM stations"))
        return {r[0]: tuple(r[1:]) for r in rows}


def test_csv_import_reports_bad_rows_loads_good_ones_and_is_idempotent(
    database_url: str, empty_db: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "stations.csv"
    path.write_text(CSV, encoding="utf-8")
    code, out = invoke(database_url, "import", "stations", str(path))
    assert code == 3, out  # loaded, but with rejected rows (2 is a usage error)
    for line, hint in ((4, "lat: Input should be less than or equal to 90 (got '95.0')"),
                       (5, "amenities: 'beer' is not an amenity; give some of drinking_water (饮用水)"),
                       (6, "opening_hours: opening_hours 'whenever' is not valid"),
                       (7, "repeats line 2"),
                       (9, "(got '121.4456'); did you swap lat and lon?")):
        assert any(f"stations.csv:line {line}:" in o and hint in o for o in out.splitlines()), out
    assert "8 read: 3 new, 0 updated, 0 unchanged, 5 rejected" in out
    assert "swap" not in out.splitlines()[0]  # line 4's lon, 121.46, is no latitude
    first = stored(empty_db)
    assert sorted(first) == ["a1", "a2", "a6"]
    assert first["a1"][3] == ["drinking_water", "toilet"]
    assert first["a6"][3] == ["hot_water", "wifi"] and first["a2"][5] == "temporarily_closed"

    code, out = invoke(database_url, "import", "stations", str(path))
    assert "0 new, 0 updated, 3 unchanged" in out
    assert stored(empty_db) == first  # not even updated_at moved

    path.write_text(CSV.replace("南京东路驿站", "南京东路爱心驿站"), encoding="utf-8")
    code, out = invoke(database_url, "import", "stations", str(path))
    assert "0 new, 1 updated, 2 unchanged" in out
    assert stored(empty_db)["a1"][0] == "南京东路爱心驿站"


def test_geojson_import_in_gcj02(database_url: str, empty_db: Engine, tmp_path: Path) -> None:
    doc: dict[str, Any] = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": 7, "geometry": {"type": "Point", "coordinates": [121.4851, 31.2359]},
         "properties": {"name": "外滩驿站", "amenities": ["drinking_water"], "extra": "ignored"}},
        {"type": "Feature", "geometry": {"type": "LineString", "coordinates": [[0, 0], [1, 1]]},
         "properties": {"external_id": "line", "name": "x"}},
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [121.4, 31.2]},
         "properties": {"name": "no id"}},
    ]}
    path = tmp_path / "stations.geojson"
    path.write_text(json.dumps(doc), encoding="utf-8")
    code, out = invoke(database_url, "import", "stations", str(path), "--crs", "gcj02")
    assert code == 3
    assert "feature 2: geometry must be a Point" in out
    assert "feature 3: external_id is required" in out
    (lon, lat) = stored(empty_db)["7"][1:3]
    # GCJ-02 sits a few hundred metres north-east of WGS84 in Shanghai.
    assert 121.479 < lon < 121.482 and 31.237 < lat < 31.239


@pytest.mark.parametrize(("content", "name", "hint"), [
    ("{nope", "s.geojson", "not valid JSON"),
    ('{"type": "Feature"}', "s.geojson", "FeatureCollection"),
    ("name,lon\nx,1\n", "s.csv", "lat"),
    ("a,b\n", "s.txt", "unknown format"),
    (b"\xff\xfe\x00bad", "s.csv", "not UTF-8"),
    (b"external_id,name,lon,lat\na1,\x80\x80,121.48,31.24\n", "s.csv",
     "not UTF-8 text: invalid start byte at byte 28 (line 2), nor GB18030 (GBK): save it as UTF-8"),
    ("", "s.csv", "the file is empty"),
])
def test_malformed_files_are_refused_whole(
    database_url: str, empty_db: Engine, tmp_path: Path, content: str | bytes, name: str, hint: str
) -> None:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    code, out = invoke(database_url, "import", "stations", str(path))
    assert code == 1 and hint in out, out
    assert stored(empty_db) == {}


@pytest.mark.parametrize(("name", "hint"), [("missing.csv", "does not exist"), (".", "not a file")])
def test_unreadable_paths_exit_1(database_url: str, tmp_path: Path, name: str, hint: str) -> None:
    code, out = invoke(database_url, "import", "stations", str(tmp_path / name))
    assert code == 1 and hint in out, out


def test_a_crash_while_writing_leaves_nothing_behind(
    database_url: str, empty_db: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "stations.csv"
    path.write_text(CSV, encoding="utf-8")
    monkeypatch.setattr(station_import, "BATCH", 1)
    failing_upsert = CrashOnCall(stations.upsert, 3,
                                 ConnectionError("the database went away"))
    monkeypatch.setattr(stations, "upsert", failing_upsert)
    code, _ = invoke(database_url, "import", "stations", str(path))
    assert code != 0 and failing_upsert.calls == 3
    assert stored(empty_db) == {}


def test_seed_demo_is_deterministic_and_idempotent(database_url: str, empty_db: Engine) -> None:
    from tests.union_data import clear

    clear(empty_db)
    code, out = invoke(database_url, "seed", "demo", "--if-empty")
    assert code == 0 and "300 new" in out and "demo unions: 89 new" in out, out
    assert "demo workplaces: 480 new" in out, out
    first = stored(empty_db)
    code, out = invoke(database_url, "seed", "demo")
    assert "0 new, 0 updated, 300 unchanged" in out and "demo unions: 0 new" in out
    assert "demo workplaces: 0 new" in out
    code, out = invoke(database_url, "seed", "demo", "--if-empty")
    assert "already present" in out
    assert stored(empty_db) == first
    with empty_db.connect() as conn:
        statuses: dict[str, int] = dict(conn.execute(text(
            "SELECT status, count(*) FROM stations GROUP BY 1")).all())
        box = conn.execute(text("SELECT ST_Extent(location)::text FROM stations")).scalar_one()
    assert set(statuses) == {"operational", "temporarily_closed", "planned", "removed"}
    assert statuses["operational"] > 200
    xmin, ymin, xmax, ymax = map(float, box[4:-1].replace(",", " ").split())
    assert 121.3 < xmin < xmax < 121.7 and 31.1 < ymin < ymax < 31.4  # central Shanghai
    with empty_db.connect() as conn:  # a worker applying at any demo station finds a community
        levels = conn.execute(text(
            "SELECT DISTINCT u.level FROM stations s JOIN unions u ON ST_Covers(u.area, s.location) "
            "AND u.level = 'community'")).scalars().all()
        uncovered = conn.execute(text(
            "SELECT count(*) FROM stations s WHERE NOT EXISTS (SELECT 1 FROM unions u WHERE "
            "u.level = 'community' AND ST_Covers(u.area, s.location))")).scalar_one()
        from geo.union_qa import report

        problems = report(conn)
        # Every demo workplace lies in a community, or in a grid where its community has them; the
        # gap map has gaps, and most are served.
        matched: dict[str, Any] = dict(conn.execute(text(
            "SELECT u.level, count(*) FROM workplaces w JOIN unions u ON u.id = w.matched_union_id "
            "GROUP BY 1")).all())
        in_gridded = conn.execute(text(  # the one community cut into grids
            "SELECT count(*) FROM workplaces w JOIN unions u ON ST_Covers(u.area, w.location) "
            "WHERE u.code = 'DEMO-1-4-4'")).scalar_one()
        beyond = conn.execute(text(
            "SELECT count(*) FROM workplaces w WHERE NOT EXISTS (SELECT 1 FROM stations s WHERE "
            "s.status = 'operational' AND ST_DWithin(s.location::geography, w.location::geography, "
            "1000))")).scalar_one()
    assert matched == {"community": 480 - in_gridded, "grid": in_gridded} and in_gridded > 0
    assert 20 < beyond < 240, beyond
    assert levels == ["community"] and uncovered == 0
    assert problems["features"] == [], problems["features"][:2]  # the demo areas nest exactly
    clear(empty_db)


def test_db_commands_with_an_external_database_start_nothing(database_url: str) -> None:
    code, out = invoke(database_url, "db", "up")
    assert code == 0 and "starting nothing" in out
    code, out = invoke(database_url, "db", "migrate")
    assert code == 0 and "schema is current" in out


def test_import_unions_cli(database_url: str, engine: Engine, tmp_path: Path) -> None:
    from tests.union_data import clear

    clear(engine)
    square = [[[121.0, 31.0], [121.1, 31.0], [121.1, 31.1], [121.0, 31.1], [121.0, 31.0]]]
    other = [[[121.2, 31.0], [121.3, 31.0], [121.3, 31.1], [121.2, 31.1], [121.2, 31.0]]]
    doc: dict[str, Any] = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"code": "A", "name": "甲"},
         "geometry": {"type": "Polygon", "coordinates": square}},
        {"type": "Feature", "properties": {"code": "A", "name": "甲"},
         "geometry": {"type": "Polygon", "coordinates": other}},
        {"type": "Feature", "properties": {"code": None, "name": "无"},
         "geometry": {"type": "Polygon", "coordinates": square}},
    ]}
    path = tmp_path / "unions.geojson"
    path.write_text(json.dumps(doc), encoding="utf-8")
    args = ["import", "unions", str(path), "--code-field", "code", "--name-field", "name",
            "--level", "grid"]
    code, out = invoke(database_url, *args)
    assert code == 3 and "feature 3: no code" in out, out
    assert "1 unions new" in out and "1 features merged" in out

    def stored() -> tuple[Any, ...]:
        with engine.connect() as conn:
            return conn.execute(text(
                "SELECT u.updated_at, (SELECT array_agg(c.cell ORDER BY c.cell) FROM union_cells c "
                "WHERE c.union_id = u.id), (SELECT xmin::text FROM union_cell_blocks c WHERE "
                "c.union_id = u.id LIMIT 1) FROM unions u WHERE code = 'A'")).one()
    before = stored()
    code, out = invoke(database_url, *args)  # the same file again: nothing is rebuilt
    assert "0 unions new, 0 updated, 1 unchanged" in out, out
    assert stored() == before
    doc["features"][0]["properties"]["name"] = doc["features"][1]["properties"]["name"] = "甲乙"
    path.write_text(json.dumps(doc), encoding="utf-8")
    assert "0 unions new, 1 updated, 0 unchanged" in invoke(database_url, *args)[1]
    code, out = invoke(database_url, *args, "--where", "bogus =")
    assert code == 1 and "Traceback" not in out and "Invalid SQL" in out, out
    code, out = invoke(database_url, *args[:3], "--code-field", "nope", "--name-field", "name",
                       "--level", "grid")
    assert code == 1 and "no field nope" in out
    clear(engine)


def test_import_unions_from_a_geopackage_and_rebuild(database_url: str, engine: Engine,
                                                     tmp_path: Path) -> None:
    import numpy as np
    import shapely
    from pyogrio.raw import write

    from tests.union_data import clear

    clear(engine)
    areas = [shapely.box(121.0, 31.0, 121.1, 31.1), shapely.box(121.0, 31.0, 121.05, 31.05)]
    path = tmp_path / "unions.gpkg"
    write(path, geometry=np.array([shapely.to_wkb(a) for a in areas], dtype=object),
          field_data=[np.array(["S", "G"]), np.array(["乡镇", " Grid"]),
                      np.array(["", "S"])],
          fields=["code", "level", "parent"], driver="GPKG", geometry_type="Polygon",
          crs="EPSG:4326")
    code, out = invoke(database_url, "import", "unions", str(path), "--code-field", "code",
                       "--name-field", "code", "--level-field", "level", "--parent-field", "parent")
    assert code == 0 and "2 unions new" in out, out
    code, out = invoke(database_url, "unions", "rebuild-coverage")
    assert code == 0 and "coverage rebuilt for 2 areas" in out
    with engine.connect() as conn:
        path_of_g = conn.execute(text(
            "SELECT ltree2text(g.path) = ltree2text(s.path) || '.' || g.id FROM unions g, "
            "unions s WHERE g.code = 'G' AND s.code = 'S'")).scalar_one()
        cells = conn.execute(text("SELECT count(*) FROM union_cells")).scalar_one()
    assert path_of_g and cells > 0
    with engine.connect() as conn:
        levels: dict[str, str] = dict(conn.execute(text("SELECT code, level FROM unions")).all())
    assert levels == {"S": "street", "G": "grid"}
    clear(engine)


def test_import_grids_under_communities_by_code_prefix(database_url: str, engine: Engine,
                                                       tmp_path: Path) -> None:
    from tests.union_data import clear

    clear(engine)

    def features(*rows: tuple[str, float]) -> Path:
        path = tmp_path / f"{rows[0][0]}.geojson"
        path.write_text(json.dumps({"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": {"code": code},
             "geometry": {"type": "Polygon", "coordinates": [[[x, 31.0], [x + 0.01, 31.0],
                                                              [x + 0.01, 31.01], [x, 31.01],
                                                              [x, 31.0]]]}}
            for code, x in rows]}), encoding="utf-8")
        return path

    communities = features(("310101001001", 121.0))
    grids = features(("310101001001001", 121.0), ("310101001001002", 121.005), ("31", 121.0))
    base = ["--code-field", "code", "--name-field", "code"]
    code, out = invoke(database_url, "import", "unions", str(communities), *base,
                       "--level", "village")  # administrative codes name villages and towns
    assert code == 0, out
    code, out = invoke(database_url, "import", "unions", str(grids), *base, "--level", "grid",
                       "--parent-code-prefix", "12")
    assert code == 3 and "2 unions new" in out, out
    assert "feature 3: code '31' has no parent prefix of 12 characters" in out, out
    with engine.connect() as conn:
        parents: dict[str, Any] = dict(conn.execute(text(
            "SELECT g.code, p.code FROM unions g JOIN unions p ON p.id = g.parent_id")).all())
    assert parents == {"310101001001001": "310101001001", "310101001001002": "310101001001"}
    code, out = invoke(database_url, "import", "unions", str(grids), *base, "--level", "grid",
                       "--parent-code-prefix", "12", "--parent-field", "code")
    assert code == 1 and "not both" in out, out
    clear(engine)


def test_a_large_file_goes_through_copy_verbatim_and_a_second_run_changes_nothing(
        database_url: str, empty_db: Engine, tmp_path: Path) -> None:
    awkward = ["tab\there", "back\\slash", "quote \" and '", "line\nbreak", "\\N", "驿站 ☕"]
    features: list[dict[str, Any]] = [
                {"type": "Feature", "geometry": {"type": "Point", "coordinates": [121.4 + i / 1e4, 31.2]},
                 "properties": {"external_id": f"big-{i}", "name": f"{awkward[i % 6]} {i}",
                                "amenities": ["wifi", "toilet"][: i % 3], "opening_hours": None}}
                for i in range(300)]
    path = tmp_path / "big.geojson"

    def run() -> str:
        path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
        code, output = invoke(database_url, "import", "stations", str(path))
        assert code == 0, output
        return output.strip().splitlines()[-1]

    assert run() == "300 read: 300 new, 0 updated, 0 unchanged, 0 rejected"
    first = stored(empty_db)
    assert {k: v[0] for k, v in first.items()} == {
        f"big-{i}": f"{awkward[i % 6]} {i}" for i in range(300)}
    assert first["big-4"][3] == ["wifi"] and first["big-5"][3] == ["toilet", "wifi"]
    assert run() == "300 read: 0 new, 0 updated, 300 unchanged, 0 rejected"
    assert stored(empty_db) == first  # updated_at included: nothing was rewritten
    features[7]["properties"]["name"] = "renamed"
    assert run() == "300 read: 0 new, 1 updated, 299 unchanged, 0 rejected"


def test_a_file_that_names_no_parents_keeps_the_parents_and_contacts_of_existing_unions(
        database_url: str, engine: Engine, tmp_path: Path) -> None:
    """An import says only what its file and options say: without --parent-field or
    --parent-code-prefix, a grid already under its community stays there (its officers' scope
    and its applications' routing depend on it), and the contact details the importer has no
    column for are not wiped."""
    from tests.union_data import clear

    clear(engine)

    def square(code: str, parent: str | None = None) -> dict[str, Any]:
        ring = [[121.0, 31.0], [121.01, 31.0], [121.01, 31.01], [121.0, 31.01], [121.0, 31.0]]
        return {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [ring]},
                "properties": {"code": code, "name": f"{code} 工会", "parent": parent}}

    path = tmp_path / "grids.geojson"
    base = ["import", "unions", str(path), "--code-field", "code", "--name-field", "name"]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [square("K")]}))
    assert invoke(database_url, *base, "--level", "community")[0] == 0
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [square("G", "K")]}))
    code, out = invoke(database_url, *base, "--level", "grid", "--parent-field", "parent")
    assert code == 0, out
    with engine.begin() as conn:
        conn.execute(text("UPDATE unions SET contact_phone = '12351', contact_address = '网格站', "
                          "area_effective_at = '2024-01-01Z' WHERE code = 'G'"))

    def grid() -> tuple[Any, ...]:
        with engine.connect() as conn:
            return conn.execute(text(
                "SELECT p.code, ltree2text(g.path) = ltree2text(p.path) || '.' || g.id, "
                "g.contact_phone, g.contact_address, g.area_effective_at IS NOT NULL "
                "FROM unions g LEFT JOIN unions p ON p.id = g.parent_id WHERE g.code = 'G'")).one()

    assert tuple(grid()) == ("K", True, "12351", "网格站", True)
    code, out = invoke(database_url, *base, "--level", "grid")
    assert code == 0 and "1 unchanged" in out, out  # nothing the file says is new
    assert tuple(grid()) == ("K", True, "12351", "网格站", True)
    clear(engine)


def test_a_blank_name_keeps_an_existing_union_s_name(database_url: str, engine: Engine,
                                                      tmp_path: Path) -> None:
    """A feature whose name is blank says nothing about the name: a new union is named by its
    code, an existing one keeps the name it has."""
    from tests.union_data import clear

    clear(engine)
    ring = [[121.0, 31.0], [121.01, 31.0], [121.01, 31.01], [121.0, 31.01], [121.0, 31.0]]
    path = tmp_path / "grids.geojson"

    def run(*names: str | None) -> dict[str, str]:
        path.write_text(json.dumps({"type": "FeatureCollection", "features": [
            {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [ring]},
             "properties": {"code": code, "name": name}}
            for code, name in zip(["G1", "G2"], names, strict=True)]}), encoding="utf-8")
        code, out = invoke(database_url, "import", "unions", str(path), "--code-field", "code",
                           "--name-field", "name", "--level", "grid")
        assert code == 0, out
        with engine.connect() as conn:
            return dict(conn.execute(text("SELECT code, name FROM unions")).all())

    assert run("一号网格工会", None) == {"G1": "一号网格工会", "G2": "G2"}
    assert run("  ", "二号网格工会") == {"G1": "一号网格工会", "G2": "二号网格工会"}
    clear(engine)


@pytest.mark.parametrize(("geometry", "level"), [
    (None, "grid"),
    ({"type": "Polygon", "coordinates": "junk"}, "street"),  # GDAL reads these as null
    ({"type": "Circle", "radius": 5}, "community"),
])
def test_a_union_of_an_area_level_without_an_area_refuses_the_whole_import(
        database_url: str, engine: Engine, tmp_path: Path, geometry: dict[str, Any] | None,
        level: str) -> None:
    from tests.union_data import box, clear

    clear(engine)
    path = tmp_path / "unions.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": box(121.0, 31.0, 121.01, 31.01), "properties": {"code": "G1"}},
        {"type": "Feature", "geometry": geometry, "properties": {"code": "G2"}}]}), encoding="utf-8")
    args = ["import", "unions", str(path), "--code-field", "code", "--name-field", "code"]
    code, out = invoke(database_url, *args, "--level", level)
    assert code == 1, out
    assert f"feature 2 (G2): a {level} union covers everyone working in its area, so it needs one" in out
    assert "nothing was imported" in out, out
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM unions")).scalar_one() == 0
    code, out = invoke(database_url, *args, "--level", "district")  # a federation may have none
    assert code == 0 and "2 unions new" in out, out
    clear(engine)


def test_an_open_ring_in_a_file_is_named_as_the_api_names_it(
        database_url: str, engine: Engine, tmp_path: Path) -> None:
    from tests.union_data import box, clear

    clear(engine)
    square = box(121.0, 31.0, 121.01, 31.01)["coordinates"][0]
    hole = [[121.002, 31.002], [121.002, 31.004], [121.004, 31.004], [121.004, 31.002]]
    path = tmp_path / "unions.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"code": "G1"},
         "geometry": {"type": "Polygon", "coordinates": [square, hole]}},
        {"type": "Feature", "properties": {"code": "G2"},
         "geometry": {"type": "MultiPolygon", "coordinates": [[square], [square[:3]]]}},
        {"type": "Feature", "properties": {"code": "G3"},
         "geometry": {"type": "Polygon", "coordinates": [
             [*square[:2], [float("nan"), 31.01], *square[3:]]]}}]}))
    code, out = invoke(database_url, "import", "unions", str(path), "--code-field", "code",
                       "--name-field", "code", "--level", "grid")
    assert code == 3, out
    rule = "GeoJSON rings must end at their first point"
    problems = out.splitlines()[:3]  # in the file's order
    assert problems[0] == (f"unions.geojson:feature 1 (G1): polygon 1, ring 2 (a hole) does not "
                           f"end at its first point: {rule}, so a ring has 4 positions or more "
                           "(a triangle is a, b, c, a)"), out
    assert problems[1].startswith(f"unions.geojson:feature 2 (G2): polygon 2, ring 1 (the outer "
                                  f"ring) has only 3 positions: {rule}"), out
    assert problems[2].startswith("unions.geojson:feature 3 (G3): the area has non-finite "
                                  "coordinates: polygon 1, ring 1 (the outer ring), position 3 is "
                                  "[nan, 31.01]"), out
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM unions")).scalar_one() == 0
    clear(engine)


def test_an_area_across_the_antimeridian_is_refused_with_a_way_out(
        database_url: str, engine: Engine, tmp_path: Path) -> None:
    from tests.union_data import box, clear

    clear(engine)
    path = tmp_path / "fiji.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"code": "FJ"},
         "geometry": {"type": "MultiPolygon", "coordinates": [
             box(179.9, -16.9, 179.95, -16.8)["coordinates"],
             box(179.99, -16.81, -179.99, -16.80, hole=(179.995, -16.808, 179.998, -16.805))[
                 "coordinates"]]}}]}))
    code, out = invoke(database_url, "import", "unions", str(path), "--code-field", "code",
                       "--name-field", "code", "--level", "grid")
    assert code == 3, out
    assert ("feature 1 (FJ): polygon 2, ring 1 (the outer ring) crosses the antimeridian between "
            "positions 1 and 2 (lon 179.99 to -179.99): split the area at the antimeridian") in out
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM unions")).scalar_one() == 0
    clear(engine)


def test_rebuild_coverage_measures_each_area_again(database_url: str, engine: Engine,
                                                   tmp_path: Path) -> None:
    """An area stored before a fix to its measure (until a47ae39, inconsistently wound rings
    measured 0 m² or added their holes) gets its true area_m2 back, and the coverage resolution
    that goes with it."""
    from geo.coverage import resolution_for
    from tests.union_data import box, clear

    clear(engine)
    path = tmp_path / "grid.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": box(121.0, 31.0, 121.005, 31.005), "properties": {"code": "G"}}]}))
    code, out = invoke(database_url, "import", "unions", str(path), "--code-field", "code",
                       "--name-field", "code", "--level", "grid")
    assert code == 0, out

    def measured() -> tuple[float, float, int]:
        with engine.connect() as conn:
            return tuple(conn.execute(text(
                "SELECT area_m2, ST_Area(area::geography), coverage_res FROM unions")).one())

    area_m2, true_m2, res = measured()
    assert area_m2 == pytest.approx(true_m2, rel=1e-6) and res == resolution_for(true_m2)
    with engine.begin() as conn:
        conn.execute(text("UPDATE unions SET area_m2 = 0"))
    code, out = invoke(database_url, "unions", "rebuild-coverage")
    assert code == 0 and "coverage rebuilt for 1 areas" in out, out
    assert measured() == pytest.approx((true_m2, true_m2, res), rel=1e-6)
    clear(engine)


def test_db_url_is_a_url_psycopg_and_psql_take_and_the_banner_uses_a_served_station(
        database_url: str, engine: Engine) -> None:
    import psycopg
    from sqlalchemy import make_url

    from yizhan.cli import _example_station
    from yizhan.settings import Settings

    code, out = invoke(database_url, "db", "url", "--database", "postgres")
    assert code == 0 and out.startswith("postgresql://"), out
    with psycopg.connect(out.strip()) as conn:
        assert conn.execute("SELECT current_database()").fetchone() == ("postgres",)
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO stations (external_id, name, location, h3_r10) VALUES ('banner', 'b', "
            "ST_SetSRID(ST_MakePoint(113.9, 26.7), 4326), 0)"))
    try:
        first = Settings(database_url=database_url)
        with engine.connect() as conn:
            expected = conn.execute(text(
                "SELECT id, ST_Y(location), ST_X(location) FROM stations "
                "WHERE status = 'operational' ORDER BY id LIMIT 1")).one()
        assert _example_station(first) == tuple(expected)
        nowhere = make_url(database_url).set(port=1).render_as_string(hide_password=False)
        assert _example_station(Settings(database_url=nowhere)) == (1, 31.2335, 121.4751)
    finally:
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM stations WHERE external_id = 'banner'"))


CHINESE = "编号;名称;地址;经度;纬度;开放时间;电话;设施\n" \
          "c1;南京东路驿站;上海市黄浦区南京东路300号;121.48;31.238;24/7;021-63511234;饮用水、卫生间\n" \
          "c2;淮海中路驿站;;121.46;31.22;Mo-Fr 09:00-17:00;;手机充电\n"


@pytest.mark.parametrize(("delimiter", "said"), [(";", "semicolons"), ("\t", "tabs"),
                                                 ("|", "vertical bars")])
def test_a_csv_with_another_delimiter_and_chinese_headers_loads(
        database_url: str, empty_db: Engine, tmp_path: Path, delimiter: str, said: str) -> None:
    path = tmp_path / "站点.csv"
    path.write_text(CHINESE.replace(";", delimiter), encoding="utf-8")
    code, out = invoke(database_url, "import", "stations", str(path))
    assert code == 0, out
    assert f"values are separated by {said}, not commas" in out
    assert "2 read: 2 new" in out
    rows = stored(empty_db)
    assert rows["c1"][0] == "南京东路驿站" and rows["c1"][3] == ["drinking_water", "toilet"]
    assert rows["c1"][4] == "24/7" and rows["c2"][3] == ["phone_charging"]


def test_a_gbk_file_is_read_and_said_so(database_url: str, empty_db: Engine,
                                        tmp_path: Path) -> None:
    path = tmp_path / "excel.csv"
    path.write_bytes(CHINESE.encode("gbk"))  # as Excel and WPS save it, ;-delimited too
    code, out = invoke(database_url, "import", "stations", str(path))
    assert code == 0, out
    assert "reads as GB18030 (GBK)" in out and "2 read: 2 new" in out
    assert stored(empty_db)["c2"][0] == "淮海中路驿站"


def test_a_quote_left_open_names_its_line_and_writes_nothing(
        database_url: str, empty_db: Engine, tmp_path: Path) -> None:
    path = tmp_path / "open.csv"
    path.write_text("external_id,name,lon,lat\na1,好,121.48,31.23\na2,\"坏,121.48,31.23\n"
                    "a3,丢,121.48,31.23\na4,丢,121.48,31.23\n", encoding="utf-8")
    code, out = invoke(database_url, "import", "stations", str(path))
    assert code == 1, out
    assert "line 3: a quote" in out and "lines 3 to 5 would all be one value" in out, out
    assert stored(empty_db) == {}


def test_usage_errors_and_rejected_rows_exit_differently(
        database_url: str, empty_db: Engine, tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_text("external_id,name,lon,lat\na1,好,121.48,31.23\na2,坏,121.48,95\n",
                    encoding="utf-8")
    assert invoke(database_url, "import", "stations", str(path))[0] == 3
    assert invoke(database_url, "import", "stations", str(path), "--crs", "mars")[0] == 2
    assert invoke(database_url, "import", "stations")[0] == 2
    assert invoke(database_url, "import", "stations", str(tmp_path / "none.csv"))[0] == 1
    assert "Exit status" in invoke(database_url, "import", "--help")[1]


def test_an_import_stopped_by_sigterm_says_so_and_writes_nothing(
        database_url: str, empty_db: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os
    import signal

    path = tmp_path / "s.csv"
    path.write_text("external_id,name,lon,lat\na1,好,121.48,31.23\n", encoding="utf-8")

    def killed(*args: Any, **kwargs: Any) -> None:
        os.kill(os.getpid(), signal.SIGTERM)
    monkeypatch.setattr("geo.stations.upsert", killed)
    result = CliRunner().invoke(app, ["import", "stations", str(path)],
                                env={"YIZHAN_DATABASE_URL": database_url})
    assert result.exit_code == 143, result.output
    assert "stopped by SIGTERM; nothing of it was written" in result.output
    assert stored(empty_db) == {}
    assert signal.getsignal(signal.SIGTERM) is not None  # put back as it was


def test_a_union_of_an_unknown_level_is_named(database_url: str, empty_db: Engine,
                                              tmp_path: Path) -> None:
    path = tmp_path / "u.geojson"
    square = [[121.0, 31.0], [121.01, 31.0], [121.01, 31.01], [121.0, 31.01], [121.0, 31.0]]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"code": "X9", "name": "某", "level": "planet"},
         "geometry": {"type": "Polygon", "coordinates": [square]}}]}), encoding="utf-8")
    code, out = invoke(database_url, "import", "unions", str(path), "--code-field", "code",
                       "--name-field", "name", "--level-field", "level")
    assert code == 3 and "feature 1: union 'X9': level 'planet' is not one of" in out, out


def test_db_status_shows_the_url_db_url_prints(database_url: str) -> None:
    out = CliRunner().invoke(app, ["db", "status"], env={"YIZHAN_DATABASE_URL": ""}).output
    url = next(line for line in out.splitlines() if line.startswith("url: "))
    assert url.startswith("url: postgresql://") and "+psycopg" not in url, out


def test_the_new_amenities_import_by_their_chinese_labels(
        database_url: str, empty_db: Engine, tmp_path: Path) -> None:
    path = tmp_path / "new.csv"
    path.write_text("编号,名称,经度,纬度,设施,开放时间\n"
                    "n1,换电站,121.48,31.23,换电、爱心餐、常用药品、法律援助、理发、淋浴,24/7\n"
                    "n2,咖啡站,121.48,31.23,饮用水、咖啡,\n",
                    encoding="utf-8")
    code, out = invoke(database_url, "import", "stations", str(path))
    assert code == 3, out
    assert "line 3: amenities: '咖啡' is not an amenity" in out and "battery_swap (换电)" in out
    assert stored(empty_db)["n1"][3] == ["battery_swap", "haircut", "legal_aid", "meals",
                                         "medicine", "shower"]


def test_statuses_import_by_their_chinese_labels_and_a_bad_one_lists_both(
        database_url: str, empty_db: Engine, tmp_path: Path) -> None:
    path = tmp_path / "stations.csv"
    path.write_text("编号,名称,经度,纬度,状态\n"
                    "s1,人民广场驿站,121.4751,31.2335,正常开放\n"
                    "s2,淮海中路驿站,121.46,31.22, 暂停开放 \n"
                    "s3,静安寺驿站,121.4456,31.2235,筹建中\n"
                    "s4,坏状态,121.45,31.22,关门\n", encoding="utf-8")
    code, out = invoke(database_url, "import", "stations", str(path))
    assert code == 3, out
    assert any("line 5:" in o and "status: '关门' is not a status; give one of operational (正常开放), "
               "temporarily_closed (暂停开放), planned (筹建中), removed (已撤销)" in o
               for o in out.splitlines()), out
    statuses = {k: v[5] for k, v in stored(empty_db).items()}
    assert statuses == {"s1": "operational", "s2": "temporarily_closed", "s3": "planned"}
