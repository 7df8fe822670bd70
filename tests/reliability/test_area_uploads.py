"""Property tests on union areas as they are uploaded: `yizhan import unions` (GeoJSON and
Shapefile files) and the `area` of POST and PATCH /unions.

Any file either becomes unions, with a problem reported for each feature or union it refuses, or
is refused whole with an ImportFormatError; any posted area is stored or answered with a 4xx that
says what is wrong. Never another exception, and nothing refused leaves a trace in the database.
What is stored is exactly the input made valid as geo.areas.clean_area promises (a valid input
untouched, an invalid one repaired by make_valid, merged parts unioned, in WGS84 and 2D), and its
H3 coverage is sound: interior cells lie inside the area and every point the area covers has its
own cell among the union's cells."""

from __future__ import annotations

import json
import math
import random
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeGuard

import h3
import numpy as np
import pytest
import shapely
from fastapi.testclient import TestClient
from httpx import Response
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from pyogrio.raw import read, write
from pyproj import Geod, Transformer
from shapely.geometry import MultiPolygon, Point, Polygon, shape
from shapely.geometry.base import BaseGeometry
from sqlalchemy import Engine, text

from api.control_characters import CONTROL
from geo.areas import MAX_AREA_M2, MAX_VERTICES, MIN_AREA_M2, AreaError, clean_area
from geo.coverage import MIN_RES, cell_polygons, own_cells, resolution_for
from geo.crs import Crs
from geo.unions import UnionData, save
from geo.vocab import UnionLevel
from seed.station_import import ImportFormatError, Problem
from seed.union_import import FieldMap, UnionImportResult, import_unions
from tests.union_data import clear

GEOD = Geod(ellps="WGS84")
Json = dict[str, Any]
Ring = list[list[float]]
HEALTH = [HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
pytestmark = [pytest.mark.filterwarnings(f"ignore:{text}:RuntimeWarning") for text in (
    "Non closed ring detected", ".*invalid winding order", "invalid value encountered")]
CODES = ["A", "B", "C", "Q"]  # Q is already in the database, under P
CENTRES = [(121.47, 31.23), (116.40, 39.90), (87.62, 43.83), (113.26, 23.13)]  # all with |lon| > 90
ELSEWHERE = [(10.75, 59.91), (-70.65, -33.45), (178.5, -18.1), (0.0, 0.0)]
UNITS = [0.00002, 0.0003, 0.002, 0.01]  # degrees; a star's points are 5 to 10 units from its centre
STEPS = 24


# Generated areas, as GeoJSON geometries -------------------------------------------------------

def star(cx: float, cy: float, unit: float, steps: set[int], radii: list[int]) -> Ring:
    """A ring through points in angular order around (cx, cy): simple, closed, counter-clockwise."""
    ring = [[round(cx + r * unit * math.cos(2 * math.pi * s / STEPS), 9),
             round(cy + r * unit * math.sin(2 * math.pi * s / STEPS), 9)]
            for s, r in zip(sorted(steps), radii, strict=True)]
    return [*ring, ring[0]]


@st.composite
def stars(draw: st.DrawFn, centre: tuple[float, float], unit: float) -> Ring:
    """Steps always include the four quarters, so the centre is at least 3.5 units inside."""
    steps = draw(st.sets(st.integers(0, STEPS - 1), max_size=10)) | {0, 6, 12, 18}
    radii = draw(st.lists(st.integers(5, 10), min_size=len(steps), max_size=len(steps)))
    return star(*centre, unit, steps, radii)


def wound(draw: st.DrawFn, ring: Ring) -> Ring:
    """Either way round: RFC 7946 asks for counter-clockwise shells, but files come as they come."""
    return ring[::-1] if draw(st.booleans()) else ring


def polygon(*rings: Ring) -> Json:
    return {"type": "Polygon", "coordinates": list(rings)}


def circle(cx: float, cy: float, r: float, n: int = 8, clockwise: bool = True) -> Ring:
    ring = [[cx + r * math.cos(2 * math.pi * i / n), cy + r * math.sin(2 * math.pi * i / n)]
            for i in range(n)]
    ring = ring[::-1] if clockwise else ring
    return [*ring, ring[0]]


@st.composite
def good_areas(draw: st.DrawFn, centres: list[tuple[float, float]] = CENTRES) -> Json:
    """Valid or repairable areas: what a real file is made of."""
    cx, cy = draw(st.sampled_from(centres))
    unit = draw(st.sampled_from(UNITS))
    kind = draw(st.sampled_from(["polygon", "hole", "multipolygon", "overlapping", "bowtie",
                                 "ring", "hole_outside", "3d"]))
    outer = wound(draw, draw(stars((cx, cy), unit)))
    if kind == "hole":
        return polygon(outer, wound(draw, circle(cx, cy, unit * draw(st.sampled_from([0.5, 1.0, 3.0])))))
    if kind in ("multipolygon", "overlapping"):
        shift = 25 * unit if kind == "multipolygon" else 4 * unit
        other = wound(draw, draw(stars((cx + shift, cy), unit)))
        return {"type": "MultiPolygon", "coordinates": [[outer], [other]]}
    if kind == "bowtie":
        d = unit * draw(st.integers(2, 10))
        return polygon([[cx, cy], [cx + d, cy + d], [cx + d, cy], [cx, cy + d], [cx, cy]])
    if kind == "ring":  # points on a small grid, in any order: often self-intersecting or flat
        ij = draw(st.lists(st.tuples(st.integers(0, 6), st.integers(0, 6)), min_size=3, max_size=8))
        ring = [[round(cx + i * unit, 9), round(cy + j * unit, 9)] for i, j in ij]
        return polygon([*ring, ring[0]])
    if kind == "hole_outside":
        return polygon(outer, wound(draw, circle(cx + 30 * unit, cy, unit)))
    if kind == "3d":
        ring = [[x, y, draw(st.sampled_from([0.0, 12.5]))] for x, y in outer[:-1]]
        return polygon([*ring, ring[0]])
    return polygon(outer)


def swap(ring: Ring) -> Ring:
    return [[y, x] for x, y, *_ in ring]


@st.composite
def bad_areas(draw: st.DrawFn) -> Json | None:
    """Areas no union can have, and GeoJSON that is not quite a polygon."""
    cx, cy = draw(st.sampled_from(CENTRES))
    outer = draw(stars((cx, cy), draw(st.sampled_from(UNITS))))
    kind = draw(st.sampled_from(["few_points", "unclosed", "nonfinite", "out_of_range", "swapped",
                                 "empty", "point", "line", "multipoint", "collection", "none",
                                 "flat", "slanted"]))
    if kind == "few_points":
        return polygon(outer[:draw(st.integers(1, 3))])
    if kind == "unclosed":
        return polygon(outer[:-1])
    if kind == "nonfinite":
        ring = [list(p) for p in outer]
        ring[draw(st.integers(1, len(ring) - 2))][draw(st.integers(0, 1))] = draw(
            st.sampled_from([math.nan, math.inf, -math.inf]))
        return polygon(ring)
    if kind == "out_of_range":
        dx, dy = draw(st.sampled_from([(100.0, 0.0), (-320.0, 0.0), (0.0, 60.0), (0.0, -130.0)]))
        return polygon([[x + dx, y + dy] for x, y in outer])
    if kind == "swapped":
        return polygon(swap(outer))
    if kind == "empty":
        return draw(st.sampled_from([polygon(), {"type": "MultiPolygon", "coordinates": []}]))
    if kind == "point":
        return {"type": "Point", "coordinates": outer[0]}
    if kind == "line":
        return {"type": "LineString", "coordinates": outer}
    if kind == "multipoint":
        return {"type": "MultiPoint", "coordinates": outer[:-1]}
    if kind == "collection":
        return {"type": "GeometryCollection", "geometries": [polygon(outer)]}
    if kind == "flat":
        return polygon([[cx, cy], [cx + 0.01, cy], [cx + 0.02, cy], [cx, cy]])
    if kind == "slanted":  # on one line too, but rounding leaves GEOS a valid sliver
        return polygon([[cx, cy], [cx + 0.02, cy + 0.02], [cx + 0.06, cy + 0.06], [cx, cy]])
    return None


# The oracle ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Expected:
    """What clean_area promises for an area: stored (exactly, or up to noding) or refused."""

    area: MultiPolygon | None = None
    exact: bool = False
    repaired: bool = False
    refusal: str | None = None


def polygons_of(geometry: BaseGeometry) -> list[Polygon]:
    return [p for p in shapely.get_parts(shapely.get_parts(geometry)) if isinstance(p, Polygon)]


def geodesic_m2(area: MultiPolygon) -> float:
    """Shells less holes, whichever way each ring winds."""
    def ring(r: shapely.LinearRing) -> float:
        return abs(GEOD.polygon_area_perimeter(*r.xy)[0])

    return sum(ring(p.exterior) - sum(ring(h) for h in p.interiors) for p in area.geoms)


def lonlat_m2(polygon: Polygon) -> float:
    """The planar lon/lat area, a degree taken as 111.32 km north and that times cos(lat) east:
    what the geometry PostGIS tests covers (none, for points on one line)."""
    return polygon.area * 111_320.0**2 * math.cos(math.radians(polygon.centroid.y))


def expected_area(parts: list[BaseGeometry]) -> Expected:
    if not parts or all(p.is_empty for p in parts):
        return Expected(refusal="empty")
    if any(p.geom_type not in ("Polygon", "MultiPolygon") for p in parts):
        return Expected(refusal="must be a Polygon or MultiPolygon")
    for part in parts:
        coords = shapely.get_coordinates(part)
        if not np.isfinite(coords).all():
            return Expected(refusal="non-finite")
        if (np.abs(coords[:, 0]) > 180).any() or (np.abs(coords[:, 1]) > 90).any():
            return Expected(refusal="outside lon -180..180, lat -90..90")
    flat = [shapely.force_2d(p) for p in parts]
    repaired = not all(p.is_valid for p in flat)
    if len(flat) == 1 and not repaired:
        area, exact = MultiPolygon(polygons_of(flat[0])), True
    else:
        pieces = [q for p in flat for q in polygons_of(shapely.make_valid(p))]
        area, exact = MultiPolygon(polygons_of(shapely.unary_union(pieces))), False
    slivers = [p for p in area.geoms if lonlat_m2(p) < MIN_AREA_M2]
    if slivers:  # left out
        area = MultiPolygon([p for p in area.geoms if p not in slivers])
        exact, repaired = False, True
    m2 = geodesic_m2(area)
    if m2 < MIN_AREA_M2:
        return Expected(refusal="degenerate")
    if m2 > MAX_AREA_M2:
        return Expected(refusal="absurdly large")
    return Expected(area, exact, repaired)


def geometry_of(area: Json) -> BaseGeometry | None:
    """The area as shapely reads GeoJSON (closing open rings), or None if it is no geometry."""
    try:
        return shape(area)
    except Exception:  # the oracle only needs to know it is not a geometry
        return None


def lists(value: Any, depth: int) -> TypeGuard[list[Any]]:
    return isinstance(value, list) and (depth == 0 or all(lists(v, depth - 1) for v in value))


def as_posted(area: Json) -> BaseGeometry | str:
    """The area as the API reads it, or words its refusal must contain: a Polygon or MultiPolygon
    (the type spelt as GeoJSON spells it) whose positions are two or three finite numbers;
    rings end at their first point and have 4 positions or more; heights are dropped and empty
    polygons left out."""
    kind = area.get("type")
    if kind not in ("Polygon", "MultiPolygon"):
        return "Polygon or MultiPolygon"
    polygons = [area.get("coordinates")] if kind == "Polygon" else area.get("coordinates")
    if not lists(polygons, 3):
        return "each a list of [lon, lat] positions"
    if not all(len(xy) in (2, 3) and all(type(v) in (int, float) and abs(v) <= 2.0**1023 for v in xy)
               for rings in polygons for ring in rings for xy in ring):
        return "a position is [lon, lat] or [lon, lat, height], finite numbers"
    if any(len(ring) < 4 or ring[0][:2] != ring[-1][:2] for rings in polygons for ring in rings):
        return "GeoJSON rings must end at their first point"
    flat = [[[xy[:2] for xy in ring] for ring in rings] for rings in polygons if rings]
    geometry = geometry_of({"type": "MultiPolygon", "coordinates": flat})
    return "GeoJSON" if geometry is None else geometry


def in_a_file(area: Json) -> BaseGeometry | None:
    """The area as a file holds it, or None if a ring is not closed or has under 4 positions."""
    coordinates: Any = area.get("coordinates")
    polygons = {"Polygon": [coordinates], "MultiPolygon": coordinates}.get(area.get("type", ""), [])
    for rings in polygons:
        if any(len(ring) < 4 or ring[0] != ring[-1] for ring in rings):
            return None
    return geometry_of(area)


# The database ----------------------------------------------------------------------------------

def base_tree(engine: Engine) -> None:
    """P, a city without an area, and Q, a district with one, under it."""
    clear(engine)
    with engine.begin() as conn:
        save(conn, UnionData("P", "城市", UnionLevel.CITY))
        save(conn, UnionData("Q", "区", UnionLevel.DISTRICT, "P",
                             clean_area(shapely.box(121.40, 31.20, 121.42, 31.22))))


Snapshot = dict[str, tuple[Any, ...]]


def snapshot(engine: Engine) -> Snapshot:
    with engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT u.code, u.name, u.level, p.code, u.path::text, encode(ST_AsEWKB(u.area), 'hex'), "
            "u.area_m2, u.coverage_res, u.repaired, "
            "(SELECT array_agg(c.cell::text || ':' || c.interior ORDER BY c.cell) "
            " FROM union_cells c WHERE c.union_id = u.id) "
            "FROM unions u LEFT JOIN unions p ON p.id = u.parent_id")).all()
        counts = conn.execute(text("SELECT (SELECT count(*) FROM unions), "
                                   "(SELECT count(*) FROM union_cells)")).one()
    found: Snapshot = {r[0]: tuple(r[1:]) for r in rows}
    found[""] = tuple(counts)
    return found


def assert_consistent(engine: Engine) -> None:
    """Every area is a valid 2D WGS84 MultiPolygon with a coverage at its own resolution; a union
    without an area has no cells."""
    with engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT u.code, u.area IS NOT NULL, ST_IsValid(u.area), ST_SRID(u.area), "
            "ST_NDims(u.area), GeometryType(u.area), u.coverage_res, "
            "count(c.cell), count(c.cell) FILTER (WHERE (c.cell >> 52) & 15 IS DISTINCT FROM u.coverage_res) "
            "FROM unions u LEFT JOIN union_cells c ON c.union_id = u.id GROUP BY u.id")).all()
    for code, has_area, valid, srid, dims, kind, res, cells, off_res in rows:
        if has_area:
            assert (valid, srid, dims, kind) == (True, 4326, 2, "MULTIPOLYGON"), code
            assert res is not None and cells > 0 and off_res == 0, code
        else:
            assert res is None and cells == 0, code


@dataclass(frozen=True)
class Stored:
    id: int
    area: MultiPolygon
    area_m2: float
    geography_m2: float
    coverage_res: int
    repaired: bool
    cells: dict[int, bool]


def stored(engine: Engine, code: str) -> Stored | None:
    with engine.connect() as conn:
        row = conn.execute(text(
            "SELECT id, ST_AsBinary(area), area_m2, ST_Area(area::geography), coverage_res, repaired "
            "FROM unions WHERE code = :code AND area IS NOT NULL"), {"code": code}).first()
        if row is None:
            return None
        cells = conn.execute(text("SELECT cell, interior FROM union_cells WHERE union_id = :id"),
                             {"id": row[0]}).all()
    area = shapely.from_wkb(bytes(row[1]))
    assert isinstance(area, MultiPolygon)
    return Stored(row[0], area, row[2], row[3], row[4], row[5], {int(c): i for c, i in cells})


def assert_matches(got: Stored, want: Expected, rng: random.Random) -> None:
    """The stored area is the oracle's, its area is the geodesic one, and its coverage is sound."""
    assert want.area is not None
    if want.exact:
        assert shapely.equals_exact(got.area, want.area, tolerance=0), (got.area.wkt, want.area.wkt)
    else:
        difference = shapely.symmetric_difference(got.area, want.area).area
        assert difference <= 1e-9 * want.area.area, (got.area.wkt, want.area.wkt)
    assert got.area.is_valid and not got.area.has_z and got.repaired == want.repaired
    assert got.area_m2 == pytest.approx(got.geography_m2, rel=1e-6, abs=1e-3), got.area.wkt
    assert got.coverage_res == resolution_for(got.area_m2)
    assert_sound_coverage(got.area, got.coverage_res, got.cells, rng)


def assert_sound_coverage(area: MultiPolygon, res: int, cells: dict[int, bool],
                          rng: random.Random) -> None:
    assert {h3.get_resolution(h3.int_to_str(c)) for c in cells} == {res}
    interior = [h3.int_to_str(c) for c, inside in cells.items() if inside]
    for cell, hexagon in zip(interior, cell_polygons(interior), strict=True):
        assert area.covers(hexagon), cell
    minx, miny, maxx, maxy = area.bounds
    pad_x, pad_y = (maxx - minx) / 4, (maxy - miny) / 4
    probes = [(x, y) for x, y in shapely.get_coordinates(area)[:40]]
    probes += [(rng.uniform(minx - pad_x, maxx + pad_x), rng.uniform(miny - pad_y, maxy + pad_y))
               for _ in range(60)]
    for x, y in probes:
        own = own_cells(x, y)[res - MIN_RES]
        if area.covers(Point(x, y)):
            assert own in cells, ("a covered point's own cell is missing", x, y)
        else:
            assert not cells.get(own, False), ("a point outside lies in an interior cell", x, y)


# Files -----------------------------------------------------------------------------------------

def feature(geometry: Json | None, **properties: Any) -> Json:
    return {"type": "Feature", "geometry": geometry, "properties": properties}


def geojson_file(directory: Path, features: list[Json]) -> Path:
    path = directory / "unions.geojson"
    text = json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False)
    path.write_text(text, "utf-8")  # UTF-8 as usual: GDAL garbles some escaped surrogate pairs
    return path


@pytest.fixture
def workdir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="yizhan-areas-") as name:
        yield Path(name)


def fresh(workdir: Path) -> Path:
    return Path(tempfile.mkdtemp(dir=workdir))


def run_import(engine: Engine, path: Path, fields: FieldMap,
               level: UnionLevel | None) -> UnionImportResult | ImportFormatError:
    try:
        return import_unions(engine, path, Crs.WGS84, fields, level)
    except ImportFormatError as exc:
        assert str(exc).strip(), "a file refused whole says why"
        return exc


UNION_WHERE = re.compile(r"feature \d+(?:, feature \d+)*(?: …)? \((.*)\)", re.DOTALL)


def code_of(problem: Problem) -> str | None:
    """The union a problem is about ('feature 1, feature 3 (A)'), None for a single feature."""
    found = UNION_WHERE.fullmatch(problem.where)
    return found.group(1) if found else None


def assert_outcome(engine: Engine, before: Snapshot, outcome: UnionImportResult | ImportFormatError,
                   features: int, file_codes: set[str] | None) -> None:
    """Refused whole: nothing changed. Else every feature is accounted for, the unions not stored
    are as they were, and a file whose unions all failed changed nothing."""
    after = snapshot(engine)
    if isinstance(outcome, ImportFormatError):
        assert after == before, outcome
        return
    result = outcome
    assert result.features == features
    assert all(p.where and p.reason.strip() for p in result.problems + result.repaired)
    failed = {code for p in result.problems if (code := code_of(p)) is not None}
    single = sum(1 for p in result.problems if code_of(p) is None)
    assert single + result.created + result.updated + len(failed) + result.merged == features, result
    new = set(after) - set(before)
    assert len(new) == result.created and not failed & new, (result, new)
    for code in failed:
        assert after.get(code) == before.get(code), code
    if file_codes is not None:
        assert new <= file_codes, (new, file_codes)
        for code in set(before) - file_codes - {""}:
            assert after[code] == before[code], code
    if result.created == result.updated == 0:
        assert after == before
    assert_consistent(engine)


def code_text(value: object) -> str | None:
    """A code value as the file's reader should see it: text stripped, integers as written."""
    if isinstance(value, bool) or value is None:
        return None
    return str(value).strip() or None


# 1. Any GeoJSON file of union areas --------------------------------------------------------------

codes = st.one_of(st.sampled_from(CODES), st.none(), st.sampled_from(["", "   ", "X" * 101]),
                  st.integers(-10**12, 10**12),
                  st.text(st.characters(blacklist_categories=["Cs", "Cc"]), max_size=8))
names = st.one_of(st.text(max_size=12), st.none(), st.integers(), st.sampled_from(["  ", "街道"]))
parents = st.one_of(st.none(), st.sampled_from(["P", "Q", "MISSING", *CODES, ""]), st.integers(0, 9))
levels = st.one_of(st.sampled_from([lv.value for lv in UnionLevel]), st.none(),
                   st.sampled_from(["Street", " grid ", "town", "", "5"]), st.integers(1, 5))
areas = st.one_of(good_areas(), bad_areas())
SQUARE = star(*CENTRES[0], 0.002, {0, 6, 12, 18}, [5] * 4)


@st.composite
def union_files(draw: st.DrawFn) -> tuple[list[Json], FieldMap, UnionLevel | None]:
    count = draw(st.integers(0, 6))
    rows = [{"code": draw(codes), "name": draw(names), "parent": draw(parents),
             "level": draw(levels)} for _ in range(count)]
    with_parent, with_level = draw(st.booleans()), draw(st.booleans())
    for row in rows:
        if not with_parent:
            del row["parent"]
        if not with_level:
            del row["level"]
    features = [feature(draw(areas), **row) for row in rows]
    named = draw(st.sampled_from(["as in the file"] * 8 + ["all"]))  # sometimes a field it lacks
    fields = FieldMap("code", "name", "parent" if with_parent or named == "all" else None,
                      "level" if with_level or named == "all" else None)
    level = draw(st.sampled_from([UnionLevel.DISTRICT, UnionLevel.GRID]
                                 + ([None] if with_level else [])))
    return features, fields, level


@settings(max_examples=60, deadline=None, suppress_health_check=HEALTH)
@given(union_files())
@example(([feature(polygon(SQUARE[:-1]), code="A", name="unclosed")], FieldMap("code", "name"),
          UnionLevel.GRID))
@example(([feature(polygon(SQUARE[:2]), code="A", name="two points")], FieldMap("code", "name"),
          UnionLevel.GRID))
@example(([feature(polygon([[x, y, 8.0] for x, y in SQUARE]), code="A", name="heights")],
          FieldMap("code", "name"), UnionLevel.GRID))
@example(([feature(None, code=110000, name="a"), feature(None, code=None, name=None)],
          FieldMap("code", "name"), UnionLevel.DISTRICT))
@example(([feature(None, code="X" * 101, name="a"), feature(None, code="B", name="   ")],
          FieldMap("code", "name"), UnionLevel.DISTRICT))
@example(([feature(polygon(SQUARE), code="A", name="a"), feature(None, code="B", name="b")],
          FieldMap("code", "name"), UnionLevel.GRID))
def test_any_union_file_gives_unions_or_problems_never_a_crash(
        engine: Engine, workdir: Path, case: tuple[list[Json], FieldMap, UnionLevel | None]) -> None:
    features, fields, level = case
    base_tree(engine)
    before = snapshot(engine)
    path = geojson_file(fresh(workdir), features)
    outcome = run_import(engine, path, fields, level)
    file_codes = {c for f in features if (c := code_text(f["properties"]["code"]))}
    assert_outcome(engine, before, outcome, len(features), file_codes)


def test_integer_codes_with_gaps_are_read_as_written(engine: Engine, workdir: Path) -> None:
    """pyogrio reads an integer column with nulls as floats, with NaN for the nulls."""
    base_tree(engine)
    path = geojson_file(workdir, [
        feature(None, code=1100, name=None, parent=None, level="city"),
        feature(None, code=110100, name=11, parent=1100, level="district"),
        feature(None, code=None, name="无编码", parent=None, level="city")])
    result = import_unions(engine, path, Crs.WGS84, FieldMap("code", "name", "parent", "level"), None)
    assert result.created == 2 and result.problems == [Problem("feature 3", "no code")], result
    after = snapshot(engine)
    assert after["1100"][:3] == ("1100", "city", None) and after["110100"][:3] == ("11", "district",
                                                                                    "1100")


# 2. Files that are not GeoJSON, or only nearly -------------------------------------------------

def valid_document() -> str:
    cx, cy = CENTRES[0]
    return json.dumps({"type": "FeatureCollection", "features": [
        feature(polygon(star(cx, cy, 0.002, {0, 6, 12, 18}, [5, 6, 7, 8])), code="A", name="甲"),
        feature(polygon(star(cx + 0.05, cy, 0.002, {0, 6, 12, 18}, [5, 6, 7, 8])), code="B",
                name="乙", parent="P")]}, ensure_ascii=False)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner,
                                                                max_size=4), max_leaves=20)


@st.composite
def broken_texts(draw: st.DrawFn) -> bytes:
    document = valid_document().encode()
    kind = draw(st.sampled_from(["truncated", "spliced", "text", "json", "bytes"]))
    if kind == "truncated":
        return document[:draw(st.integers(0, len(document) - 1))]
    if kind == "spliced":
        start = draw(st.integers(0, len(document)))
        end = draw(st.integers(start, min(len(document), start + 20)))
        junk = draw(st.sampled_from([b"", b"{", b"]", b",", b"\"", b"null", b"\xff\xfe", b"NaN"]))
        return document[:start] + junk + document[end:]
    if kind == "json":
        value = draw(st.dictionaries(st.sampled_from(["type", "features", "geometry", "properties"]),
                                     json_values, max_size=4)
                     | st.builds(lambda fs: {"type": "FeatureCollection", "features": fs},
                                 st.lists(json_values, max_size=3)))
        return json.dumps(value).encode()
    if kind == "text":
        return draw(st.text(max_size=80)).encode()
    return draw(st.binary(max_size=80))


@settings(max_examples=60, deadline=None, suppress_health_check=HEALTH)
@given(broken_texts(), st.sampled_from(["unions.geojson", "unions.json", "unions.shp"]))
@example(b"", "unions.geojson")
@example(b'{"type": "FeatureCollection", "features": []}', "unions.geojson")
def test_a_broken_file_is_refused_whole_and_leaves_the_database_as_it_was(
        engine: Engine, workdir: Path, content: bytes, name: str) -> None:
    base_tree(engine)
    before = snapshot(engine)
    path = fresh(workdir) / name
    path.write_bytes(content)
    outcome = run_import(engine, path, FieldMap("code", "name", "parent"), UnionLevel.STREET)
    features = outcome.features if isinstance(outcome, UnionImportResult) else 0
    assert_outcome(engine, before, outcome, features, None)


def test_a_missing_file_and_missing_fields_are_refused_whole(engine: Engine, workdir: Path) -> None:
    base_tree(engine)
    before = snapshot(engine)
    path = geojson_file(workdir, [feature(None, code="A", name="a", parent="P")])
    for target, fields, level, hint in [
        (workdir / "nowhere.geojson", FieldMap("code", "name"), UnionLevel.GRID, "does not exist"),
        (path, FieldMap("编码", "name"), UnionLevel.GRID, "no field 编码"),
        (path, FieldMap("code", "name", "parent", parent_prefix=2), UnionLevel.GRID, "not both"),
        (path, FieldMap("code", "name"), None, "--level"),
    ]:
        with pytest.raises(ImportFormatError, match=hint):
            import_unions(engine, target, Crs.WGS84, fields, level)
    assert snapshot(engine) == before


# 3. Stored areas are the cleaned input, with a sound coverage ------------------------------------

@st.composite
def area_files(draw: st.DrawFn) -> list[Json]:
    """One union from one or two features; areas anywhere in the world, good or refusable."""
    anywhere = st.one_of(good_areas(), good_areas(ELSEWHERE), bad_areas())
    return [draw(anywhere) for _ in range(draw(st.integers(1, 2)))]


@settings(max_examples=50, deadline=None, suppress_health_check=HEALTH)
@given(area_files(), st.randoms(use_true_random=False))
@example([polygon([[121.0, 31.0], [121.01, 31.01], [121.01, 31.0], [121.0, 31.01], [121.0, 31.0]])],
         random.Random(1))
@example([polygon([[121.47, 31.23], [121.49, 31.25], [121.53, 31.29], [121.47, 31.23]])],
         random.Random(5))
@example([polygon(SQUARE), polygon([[121.5, 31.2], [121.52, 31.22], [121.56, 31.26], [121.5, 31.2]])],
         random.Random(6))
def test_a_stored_area_is_the_input_made_valid_with_a_sound_coverage(
        engine: Engine, workdir: Path, parts: list[Json | None], rng: random.Random) -> None:
    clear(engine)
    path = geojson_file(fresh(workdir), [feature(p, code="U", name="u") for p in parts])
    result = run_import(engine, path, FieldMap("code", "name"), UnionLevel.GRID)
    if any(p is None for p in parts):  # a grid without an area, or part of one
        assert isinstance(result, ImportFormatError) and "needs one" in str(result), result
        assert snapshot(engine) == {"": (0, 0)}
        return
    assert isinstance(result, UnionImportResult), result
    geometries = [in_a_file(p) for p in parts if p is not None]
    got = stored(engine, "U")
    if any(g is None for g in geometries):
        assert got is None and any(code_of(p) == "U" and "GeoJSON rings must end at their first point"
                                   in p.reason for p in result.problems), result
        return
    want = expected_area([g for g in geometries if g is not None])
    if want.refusal:
        assert got is None and [p.reason for p in result.problems if code_of(p) == "U"], result
        assert any(want.refusal in p.reason for p in result.problems), (want.refusal, result)
        return
    assert got is not None and result.created == 1 and not result.problems, result
    assert bool(result.repaired) == want.repaired, result
    assert_matches(got, want, rng)


def test_an_area_just_over_the_vertex_limit_is_refused(engine: Engine, workdir: Path) -> None:
    clear(engine)
    n = MAX_VERTICES  # with the closing point, one vertex too many
    ring = [[121.4 + 0.01 * math.cos(2 * math.pi * i / n), 31.2 + 0.01 * math.sin(2 * math.pi * i / n)]
            for i in range(n)]
    path = geojson_file(workdir, [feature(polygon([*ring, ring[0]]), code="V", name="v")])
    result = import_unions(engine, path, Crs.WGS84, FieldMap("code", "name"), UnionLevel.GRID)
    assert [p.reason for p in result.problems] == [
        f"the area has {MAX_VERTICES + 1} vertices; at most {MAX_VERTICES} are allowed"]
    assert snapshot(engine) == {"": (0, 0)}


# 4. Shapefiles written by GDAL -------------------------------------------------------------------

@st.composite
def shapefiles(draw: st.DrawFn) -> tuple[list[Json | None], list[str], str]:
    count = draw(st.integers(1, 4))
    parts = [draw(st.one_of(good_areas(), st.none())) for _ in range(count)]
    return parts, [draw(st.sampled_from(["A", "B", "C"])) for _ in range(count)], draw(
        st.sampled_from(["none", "none", "no_dbf", "no_shx", "truncated"]))


def write_shapefile(directory: Path, parts: list[Json | None], codes: list[str]) -> Path:
    path = directory / "unions.shp"
    geometries = [None if p is None else shapely.to_wkb(shapely.force_2d(shape(p))) for p in parts]
    write(path, geometry=np.array(geometries, dtype=object), geometry_type="MultiPolygon",
          field_data=[np.array(codes, dtype=object), np.array([f"工会{c}" for c in codes], dtype=object)],
          fields=["code", "name"], crs="EPSG:4326", driver="ESRI Shapefile", encoding="UTF-8")
    return path


@settings(max_examples=30, deadline=None, suppress_health_check=HEALTH)
@given(shapefiles(), st.randoms(use_true_random=False), st.integers(0, 400))
def test_a_shapefile_gives_its_areas_made_valid_or_a_clear_refusal(
        engine: Engine, workdir: Path, case: tuple[list[Json | None], list[str], str],
        rng: random.Random, cut: int) -> None:
    parts, codes, damage = case
    base_tree(engine)
    before = snapshot(engine)
    path = write_shapefile(fresh(workdir), parts, codes)
    as_written = read(path)[2]
    if damage == "no_dbf":
        path.with_suffix(".dbf").unlink()
    elif damage == "no_shx":
        path.with_suffix(".shx").unlink()
    elif damage == "truncated":
        path.write_bytes(path.read_bytes()[:100 + cut])
    outcome = run_import(engine, path, FieldMap("code", "name"), UnionLevel.GRID)
    features = outcome.features if isinstance(outcome, UnionImportResult) else 0
    assert_outcome(engine, before, outcome, features, set(codes) if damage == "none" else None)
    if damage != "none":
        return
    if any(p is None for p in parts):  # a grid without an area, or part of one
        assert isinstance(outcome, ImportFormatError) and "needs one" in str(outcome), outcome
        return
    assert isinstance(outcome, UnionImportResult)
    for code in sorted(set(codes)):
        pieces = [shapely.from_wkb(g) for g, c in zip(as_written, codes, strict=True)
                  if c == code and g is not None]
        if not pieces:
            continue
        want = expected_area(pieces)
        got = stored(engine, code)
        if want.refusal:
            assert got is None, code
            continue
        assert got is not None, (code, outcome)
        assert_matches(got, want, rng)


# 5. The area of POST and PATCH /unions -------------------------------------------------------------

posted_areas = st.one_of(
    good_areas(), good_areas(ELSEWHERE), bad_areas().filter(lambda a: a is not None),
    st.dictionaries(st.sampled_from(["type", "coordinates", "geometries"]), json_values, max_size=3),
    st.builds(lambda t, c: {"type": t, "coordinates": c},
              st.sampled_from(["Polygon", "MultiPolygon", "polygon", "Feature"]), json_values))


def post(client: TestClient, admin: dict[str, str], method: str, url: str, body: Json) -> Response:
    """The body as raw JSON text, so that NaN and Infinity reach the server as a client sends them."""
    return client.request(method, url, content=json.dumps(body), headers={
        **admin, "Content-Type": "application/json"})


def _has_control_character(value: Any) -> bool:
    if isinstance(value, str):
        return CONTROL.search(value) is not None
    if isinstance(value, dict):
        return any(map(_has_control_character, [*value, *value.values()]))
    if isinstance(value, list):
        return any(map(_has_control_character, value))
    return False


@settings(max_examples=60, deadline=None, suppress_health_check=HEALTH)
@given(posted_areas, st.randoms(use_true_random=False))
@example({"type": "Polygon", "coordinates": [[[121.0, 31.0, 5.0], [121.01, 31.0, 5.0],
                                              [121.01, 31.01, 5.0], [121.0, 31.0, 5.0]]]},
         random.Random(2))
@example({"type": "Polygon", "coordinates": [[[121.0, 31.0], [121.01, 31.0, 5.0],
                                              [121.01, 31.01], [121.0, 31.0]]]}, random.Random(3))
@example({"type": "Polygon", "coordinates": [[[121.0, 31.0], [math.nan, 31.0], [121.01, 31.01],
                                              [121.0, 31.0]]]}, random.Random(4))
def test_a_posted_area_is_stored_made_valid_or_a_422_that_says_why(
        client: TestClient, admin: dict[str, str], engine: Engine, area: Json,
        rng: random.Random) -> None:
    base_tree(engine)
    with engine.connect() as conn:
        q = conn.execute(text("SELECT id FROM unions WHERE code = 'Q'")).scalar_one()
    before = snapshot(engine)
    created = post(client, admin, "POST", "/unions", {
        "code": "N", "name": "新", "level": "street", "parent_code": "Q", "area": area})
    patched = post(client, admin, "PATCH", f"/unions/{q}", {"area": area})
    assert created.status_code in (201, 422) and patched.status_code in (200, 422), (
        created.text, patched.text)
    assert (created.status_code == 201) == (patched.status_code == 200), (created.text, patched.text)
    read = as_posted(area)
    want = Expected(refusal=read) if isinstance(read, str) else expected_area([read])
    if created.status_code == 422:
        for response in (created, patched):
            message = response.json()["message"]
            assert message.startswith(("body field 'area': ", "body field 'area.")), message
            assert len(message) > 30, message
        if "control characters are not allowed" in created.json()["message"]:
            assert _has_control_character(area), (area, created.text)  # refused before it is read
            return
        assert want.refusal is not None, (area, created.text)
        assert want.refusal in created.json()["message"], (want.refusal, created.text)
        assert snapshot(engine) == before
        return
    assert want.refusal is None, (want.refusal, created.text)
    for code in ("N", "Q"):
        got = stored(engine, code)
        assert got is not None
        assert_matches(got, want, rng)
    assert created.json()["properties"]["repaired"] is want.repaired


def test_an_area_over_the_body_limit_is_a_413_that_says_the_limit(
        client: TestClient, admin: dict[str, str], engine: Engine) -> None:
    base_tree(engine)
    before = snapshot(engine)
    n = 60_000
    ring = [[121.4 + 0.01 * math.cos(2 * math.pi * i / n), 31.2 + 0.01 * math.sin(2 * math.pi * i / n)]
            for i in range(n)]
    response = post(client, admin, "POST", "/unions", {
        "code": "N", "name": "n", "level": "grid", "area": polygon([*ring, ring[0]])})
    assert response.status_code == 413 and "at most" in response.json()["message"], response.text
    assert snapshot(engine) == before


def test_a_ring_across_the_antimeridian_is_refused_not_stored_as_a_band() -> None:
    """Taveuni (Fiji) straddles lon 180. Read as lon/lat, a ring from 179.99 to -179.99 goes the
    long way round: a band 359.98 degrees long (within the size limit, here at 16.8° S). A CRS in
    which the ring is continuous (EPSG:3832, a Mercator centred on 150° E) gives the same lon/lat."""
    crossing = re.escape("polygon 1, ring 1 (the outer ring) crosses the antimeridian between "
                         "positions 2 and 3 (lon 179.99 to -179.99): split the area at the antimeridian")
    with pytest.raises(AreaError, match=crossing):
        clean_area(shapely.box(179.99, -16.81, -179.99, -16.80, ccw=False))  # from its north-west
    mercator = Transformer.from_crs("EPSG:4326", "EPSG:3832", always_xy=True)
    projected = shapely.transform(shapely.box(179.99, -16.81, 180.01, -16.80, ccw=False),
                                  lambda xy: np.column_stack(mercator.transform(xy[:, 0], xy[:, 1])))
    with pytest.raises(AreaError, match=crossing):
        clean_area(projected, 3832)
    east, west = shapely.box(179.99, -16.81, 180, -16.80), shapely.box(-180, -16.81, -179.99, -16.80)
    split = clean_area(MultiPolygon([east, west]))
    assert split.area_m2 == pytest.approx(2 * geodesic_m2(MultiPolygon([east])))
