"""Loading the real union areas of ../shared/realdata through the importer, as an operator would."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import shapely
from shapely.geometry.base import BaseGeometry
from sqlalchemy import Engine, text

from geo.areas import parse_crs
from geo.vocab import UnionLevel
from seed.union_import import FieldMap, import_unions
from tests.realdata import realdata


def clear(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM worker_requests"))
        conn.execute(text("DELETE FROM applications"))
        conn.execute(text("DELETE FROM members"))
        conn.execute(text("DELETE FROM officers WHERE union_id IS NOT NULL"))
        conn.execute(text("UPDATE stations SET union_id = NULL"))
        conn.execute(text("DELETE FROM workplaces"))
        conn.execute(text("DELETE FROM union_cell_blocks"))
        conn.execute(text("DELETE FROM unions"))


def load_hangzhou(engine: Engine, tmp: Path) -> None:
    """8 streets, 75 communities (90 polygons, enclave holes), 297 grids (332 polygons, one
    self-intersecting ring, one scrap of 0.0008 m²). Grids name no parent; their code's prefix is
    the community's."""
    street_community = realdata("hz_xiacheng_street_community.geojson")
    grids = realdata("hz_xiacheng_grids.geojson")
    wgs84 = parse_crs("wgs84")
    for fields, level, where in (
        (FieldMap("街道编码", "街道"), UnionLevel.STREET, "level = 'street'"),
        (FieldMap("社区编码", "社区", "街道编码"), UnionLevel.COMMUNITY, "level = 'community'"),
    ):
        result = import_unions(engine, street_community, wgs84, fields, level, where)
        assert result.problems == [], result.problems
    # Give the grids their parent community, derived from the grid code (SQ-3-2 -> SQ-3).
    import json

    doc = json.loads(grids.read_text("utf-8"))
    for feature in doc["features"]:
        feature["properties"]["parent"] = feature["properties"]["网格编号"].rsplit("-", 1)[0]
    with_parents = tmp / "grids.geojson"
    with_parents.write_text(json.dumps(doc, ensure_ascii=False), "utf-8")
    result = import_unions(engine, with_parents, wgs84, FieldMap("网格编号", "所属组织", "parent"),
                           UnionLevel.GRID)
    # SQ-1-6's ring crosses itself; ZH-7-5's second feature is a scrap of 0.0008 m², left out.
    assert result.problems == [] and [r.where.rsplit(" ", 1)[-1] for r in result.repaired] == [
        "(ZH-7-5)", "(SQ-1-6)"], result  # in the file's order


def load_districts(engine: Engine) -> None:
    """50 districts of four cities in GCJ-02, with thin overlaps across a city border."""
    result = import_unions(engine, realdata("datav_districts_sh_xy_sz_gz_gcj02.geojson"),
                           parse_crs("gcj02"), FieldMap("adcode", "name"), UnionLevel.DISTRICT)
    assert result.problems == [] and result.created == 50, result


def stored_areas(engine: Engine) -> dict[str, BaseGeometry]:
    """The areas exactly as stored (the oracle judges what the database holds)."""
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT code, ST_AsBinary(area) FROM unions WHERE area IS NOT NULL"))
        return {code: shapely.from_wkb(bytes(wkb)) for code, wkb in rows}


def box(x1: float, y1: float, x2: float, y2: float,
        hole: tuple[float, float, float, float] | None = None) -> dict[str, Any]:
    rings = [[[x1, y1], [x2, y1], [x2, y2], [x1, y2], [x1, y1]]]
    if hole:
        hx1, hy1, hx2, hy2 = hole
        rings.append([[hx1, hy1], [hx1, hy2], [hx2, hy2], [hx2, hy1], [hx1, hy1]])
    return {"type": "Polygon", "coordinates": rings}


TREE = [  # code, level, parent, area
    ("C", "city", None, box(121.0, 31.0, 121.4, 31.4)),
    ("D1", "district", "C", box(121.0, 31.0, 121.2, 31.4)),
    ("D2", "district", "C", box(121.2, 31.0, 121.4, 31.4)),
    ("S1", "street", "D1", box(121.0, 31.0, 121.2, 31.2, hole=(121.05, 31.05, 121.08, 31.08))),
    ("K1", "community", "S1", box(121.1, 31.0, 121.2, 31.2)),
]
