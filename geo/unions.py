"""Area unions: storing them with their H3 coverage, their tree, and matching points to them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any, Literal

import shapely
from geoalchemy2.shape import to_shape
from shapely.geometry import MultiPolygon
from sqlalchemy import (
    ColumnElement,
    Connection,
    TextualSelect,
    bindparam,
    column,
    func,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import IntegrityError

from geo.areas import CleanArea, geodesic_m2
from geo.coverage import MAX_RES, MIN_RES, coverage, own_cells
from geo.db import record_of
from geo.match_sql import COVERAGE_OF_CELL, NEAREST_LATERAL, best_match_ctes, store_cells
from geo.match_sql import FALLBACK_M as FALLBACK_M  # the API and the tests name it here
from geo.models import Union
from geo.rematch import rematch_around
from geo.upsert import array_literal
from geo.vocab import RANKS, UnionLevel

U = Union.__table__
RECORD = [U.c.id, U.c.code, U.c.name, U.c.level, U.c.parent_id, func.ltree2text(U.c.path).label(
    "path"), U.c.area_m2, U.c.coverage_res, U.c.repaired, U.c.contact_address, U.c.contact_phone,
    U.c.area_effective_at, U.c.created_at, U.c.updated_at, (U.c.area.is_not(None)).label("has_area")]


class UnionTreeError(ValueError):
    """The tree would be wrong: unknown parent, a parent at the same or a lower level, a cycle."""


class UnionInUseError(UnionTreeError):
    """Workplaces still name the union as their employer's own union."""


@dataclass(frozen=True, slots=True)
class UnionRecord:
    id: int
    code: str
    name: str
    level: str
    parent_id: int | None
    path: str
    area_m2: float | None
    coverage_res: int | None
    repaired: bool
    contact_address: str | None
    contact_phone: str | None
    area_effective_at: datetime | None
    created_at: datetime
    updated_at: datetime
    has_area: bool

    @property
    def rank(self) -> int:
        return RANKS[self.level]


def _record(row: Any) -> UnionRecord:
    return record_of(UnionRecord, row)


class Keep(Enum):
    """A UnionData value that leaves the stored one as it is (none, for a new union)."""

    KEEP = "keep"


KEEP = Keep.KEEP


@dataclass(frozen=True)
class UnionData:
    """A union to save; `parent_code` None makes it a root, `area` None keeps the stored area,
    `name` KEEP names a new union by its code."""

    code: str
    name: str | Keep
    level: UnionLevel
    parent_code: str | Keep | None = None
    area: CleanArea | None = None
    contact_address: str | Keep | None = None
    contact_phone: str | Keep | None = None
    area_effective_at: datetime | Keep | None = None


def area_required(level: UnionLevel) -> str | None:
    """Why a union of this level cannot be without an area; None when it can."""
    if not level.needs_area:
        return None
    return (f"a {level.value} union covers everyone working in its area, so it needs one "
            "(a Polygon or MultiPolygon)")


def get(conn: Connection, union_id: int) -> UnionRecord | None:
    row = conn.execute(select(*RECORD).where(U.c.id == union_id)).first()
    return _record(row) if row else None


def by_code(conn: Connection, code: str) -> UnionRecord | None:
    row = conn.execute(select(*RECORD).where(U.c.code == code)).first()
    return _record(row) if row else None


def search(conn: Connection, *, level: UnionLevel | None = None, parent_id: int | None = None,
           under: UnionRecord | None = None, roots: bool = False, limit: int = 100,
           offset: int = 0) -> tuple[int, list[UnionRecord]]:
    """Unions by code; `under` is every union below that one, at any depth (ltree index);
    `roots` only those with no parent."""
    conditions: list[ColumnElement[bool]] = [U.c.parent_id.is_(None)] if roots else []
    if level is not None:
        conditions.append(U.c.level == level.value)
    if parent_id is not None:
        conditions.append(U.c.parent_id == parent_id)
    if under is not None:
        conditions += [U.c.path.op("<@")(func.text2ltree(under.path)), U.c.id != under.id]
    total = conn.execute(select(func.count()).select_from(U).where(*conditions)).scalar_one()
    rows = conn.execute(select(*RECORD).where(*conditions).order_by(U.c.code)
                        .limit(limit).offset(offset))
    return total, [_record(r) for r in rows]


# Built once: building the statement cost more than running it (every GET /unions/match asks).
_ANCESTORS = (select(*RECORD)
              .where(U.c.path.op("@>")(func.text2ltree(bindparam("path"))), U.c.id != bindparam("id"))
              .order_by(func.nlevel(U.c.path)))


def ancestors(conn: Connection, union: UnionRecord) -> list[UnionRecord]:
    """From the root down to the union's parent (index-backed: path @> on the ltree GiST)."""
    return [_record(r) for r in conn.execute(_ANCESTORS, {"path": union.path, "id": union.id})]


def reachable_above(conn: Connection, union: UnionRecord) -> UnionRecord | None:
    """Whom to ask for a union that has no contact phone: the nearest union above it that has
    one; None when none has."""
    return next((u for u in reversed(ancestors(conn, union)) if u.contact_phone), None)


def area_geojson(conn: Connection, union_id: int) -> dict[str, Any] | None:
    import json

    raw = conn.execute(select(func.ST_AsGeoJSON(U.c.area, 7)).where(U.c.id == union_id)).scalar()
    return json.loads(raw) if raw else None


def coverage_cells(conn: Connection, union_id: int) -> list[tuple[int, bool]]:
    """The union's H3 coverage: (cell, interior) pairs."""
    rows = conn.execute(text("SELECT cell, interior FROM union_cells WHERE union_id = :id "
                             "ORDER BY cell"), {"id": union_id})
    return [(int(c), bool(i)) for c, i in rows]


Saved = Literal["created", "updated", "unchanged"]


def save(conn: Connection, data: UnionData) -> tuple[UnionRecord, Saved]:
    """Insert or update by code; rebuild the coverage when a different area is given. A union
    equal to the stored one is left alone: re-importing a country's file rebuilds nothing.
    Everything happens in the caller's transaction."""
    existing = by_code(conn, data.code)
    parent = _parent(conn, data.parent_code, existing)
    if parent and parent.rank >= data.level.rank:
        raise UnionTreeError(f"a {data.level.value} union cannot sit under a {parent.level} "
                             f"union ({parent.code})")
    if existing and existing.level != data.level.value:
        deepest_child = conn.execute(
            select(func.min(U.c.level_rank)).where(U.c.parent_id == existing.id)
        ).scalar()
        if deepest_child is not None and deepest_child - 1 <= data.level.rank:
            raise UnionTreeError(f"{data.code} is a {existing.level} union with children; "
                                 f"it cannot become a {data.level.value} union")
    old_area = conn.execute(select(func.encode(func.ST_AsEWKB(U.c.area), "hex")).where(
        U.c.code == data.code)).scalar() if existing else None
    if existing and parent and (parent.path + ".").startswith(existing.path + "."):
        raise UnionTreeError(f"{parent.code} lies under {data.code}; that would make a cycle")
    values: dict[str, Any] = {
        "code": data.code, "level": data.level.value,
        "name": (existing.name if existing else data.code) if data.name is KEEP else data.name,
        "parent_id": parent.id if parent else None,
        **{name: value for name in ("contact_address", "contact_phone", "area_effective_at")
           if (value := getattr(data, name)) is not KEEP},
    }
    same_area = data.area is None
    if data.area is not None:
        exact_wkb = shapely.to_wkb(shapely.set_srid(data.area.geometry, 4326), hex=True,
                                   include_srid=True)
        same_area = old_area is not None and old_area.lower() == exact_wkb.lower()
        values |= {"area": exact_wkb, "area_m2": data.area.area_m2,
                   "repaired": data.area.repaired}
    if existing and same_area and all(getattr(existing, name) == value for name, value in values.items()
                                      if name not in ("area", "area_m2", "repaired")):
        return existing, "unchanged"
    statement = pg_insert(U).values(**values, path=func.text2ltree("0"))
    union_id, created = conn.execute(
        statement.on_conflict_do_update(
            index_elements=[U.c.code],
            set_={**{k: statement.excluded[k] for k in values if k != "code"},
                  "updated_at": func.now()},
        ).returning(U.c.id, text("xmax = 0"))
    ).one()
    _set_path(conn, union_id, parent, existing)
    if not same_area:
        assert data.area is not None
        rebuild_coverage(conn, union_id, data.area)
        rematch_around(conn, union_id, old_area)
    saved = get(conn, union_id)
    assert saved is not None
    return saved, "created" if created else "updated"


def _parent(conn: Connection, code: str | Keep | None,
            existing: UnionRecord | None) -> UnionRecord | None:
    if code is KEEP:
        return get(conn, existing.parent_id) if existing and existing.parent_id else None
    if code is None:
        return None
    parent = by_code(conn, code)
    if parent is None:
        raise UnionTreeError(f"parent {code!r} does not exist (import parents first)")
    return parent


def _set_path(conn: Connection, union_id: int, parent: UnionRecord | None,
              before: UnionRecord | None) -> None:
    new_path = f"{parent.path}.{union_id}" if parent else str(union_id)
    if before and before.path != "0" and before.path != new_path:
        conn.execute(text(  # move the whole subtree along
            "UPDATE unions SET path = CASE WHEN path = text2ltree(:old) THEN text2ltree(:new) "
            "ELSE text2ltree(:new) || subpath(path, nlevel(text2ltree(:old))) END "
            "WHERE path <@ text2ltree(:old)"), {"new": new_path, "old": before.path})
    else:
        conn.execute(U.update().where(U.c.id == union_id).values(path=func.text2ltree(new_path)))


def rebuild_coverage(conn: Connection, union_id: int, area: CleanArea) -> None:
    """The union's H3 cells for `area`, with the area measure they were sized by."""
    cells = coverage(area.geometry, area_m2=area.area_m2)
    conn.execute(text("DELETE FROM union_cell_blocks WHERE union_id = :id"), {"id": union_id})
    conn.execute(
        text(store_cells("SELECT cell, CAST(:id AS integer) AS union_id, interior "
                         "FROM unnest(CAST(:cells AS bigint[]), CAST(:interior AS boolean[])) "
                         "AS t(cell, interior)")),
        {"id": union_id, "cells": cells.interior + cells.border,
         "interior": [True] * len(cells.interior) + [False] * len(cells.border)})
    conn.execute(U.update().where(U.c.id == union_id).values(coverage_res=cells.res,
                                                             area_m2=area.area_m2))


def rebuild_all(conn: Connection) -> int:
    """Measure every stored area again, as a new one is measured, and recompute its coverage;
    returns how many."""
    rows = conn.execute(select(U.c.id, U.c.area).where(U.c.area.is_not(None))).all()
    for union_id, area in rows:
        geometry = to_shape(area)
        assert isinstance(geometry, MultiPolygon)  # the column holds nothing else
        rebuild_coverage(conn, union_id, CleanArea(geometry, geodesic_m2(geometry), False))
    return len(rows)


def delete(conn: Connection, union_id: int) -> bool:
    """Delete a union without children that no workplace has as its own union; workplaces it
    covered are re-matched."""
    own = conn.execute(text("SELECT count(*) FROM workplaces WHERE own_union_id = :id"),
                       {"id": union_id}).scalar_one()
    if own:
        raise UnionInUseError(f"{own} workplaces have this union as their employer's own union; "
                              "give them another own_union_code (or none) first")
    old_area = conn.execute(select(func.encode(func.ST_AsEWKB(U.c.area), "hex")).where(
        U.c.id == union_id)).scalar()
    if conn.execute(select(U.c.id).where(U.c.parent_id == union_id).limit(1)).first():
        raise UnionTreeError("the union has child unions; move or delete them first")
    try:
        with conn.begin_nested():
            if conn.execute(U.delete().where(U.c.id == union_id)).rowcount == 0:
                return False
    except IntegrityError:
        raise UnionInUseError("the union still has applications, members or officer accounts; "
                              "forward or transfer them, or move or disable the accounts, "
                              "first") from None
    if old_area:
        rematch_around(conn, union_id, old_area)
    return True


# Matching -----------------------------------------------------------------------------------

# The UnionRecord fields that are plain columns (path and has_area are computed below).
_COLUMNS = ", ".join(f"u.{c}" for c in UnionRecord.__slots__ if c not in ("path", "has_area"))

# The points to match as rows (id, location, h3_cells), from one array parameter per column:
# :lon, :lat and :cells_<res> for each coverage resolution. Ids count from 1, in input order.
_RESOLUTIONS = range(MIN_RES, MAX_RES + 1)
_POINTS = f"""
SELECT id, ST_SetSRID(ST_MakePoint(lon, lat), 4326) AS location,
       ARRAY[{", ".join(f"c{r}" for r in _RESOLUTIONS)}] AS h3_cells
FROM unnest(CAST(:lon AS float8[]), CAST(:lat AS float8[]),
            {", ".join(f"CAST(:cells_{r} AS bigint[])" for r in _RESOLUTIONS)})
     WITH ORDINALITY AS p(lon, lat, {", ".join(f"c{r}" for r in _RESOLUTIONS)}, id)
"""


_ONE_POINT = f"""
SELECT CAST(1 AS bigint) AS id, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326) AS location,
       ARRAY[{", ".join(f"CAST(:cell_{r} AS bigint)" for r in _RESOLUTIONS)}] AS h3_cells
"""


def _point_params(points: list[tuple[float, float]]) -> dict[str, Any]:
    """The array parameters of `_POINTS`, as array literals (psycopg's own list quoting took
    longer than the whole match of 10,000 points in the database)."""
    cells = [own_cells(lon, lat) for lon, lat in points]
    return {"lon": array_literal([float(p[0]) for p in points]),
            "lat": array_literal([float(p[1]) for p in points]),
            **{f"cells_{r}": array_literal([c[k] for c in cells])
               for k, r in enumerate(_RESOLUTIONS)}}


# Every union covering each point, in one round trip: a point's own cells find candidate
# unions; interior cells answer at once, border cells get the exact ST_Covers. Each covering
# union comes with its record and whether it has area children (if it is the answer, the point
# fell in a gap). The columns are named up front, so that SQLAlchemy reads each result by a
# cached key map rather than working one out from the cursor's description every time (an
# eighth of a single point's match in process).
_HIT_COLUMNS = ["i", *[c for c in UnionRecord.__slots__ if c not in ("path", "has_area")], "path",
                "has_area", "interior", "on_border", "has_area_children"]  # as selected, in order


def _hits(points: str) -> TextualSelect:
    return text(f"""
WITH p AS ({points}),
hits AS (
    SELECT p.id AS i, p.location, uc.union_id, uc.interior
    FROM p, unnest(p.h3_cells) AS c(cell) {COVERAGE_OF_CELL}
)
SELECT h.i, {_COLUMNS}, ltree2text(u.path) AS path, true AS has_area, h.interior,
       NOT h.interior AND NOT ST_Contains(u.area, h.location) AS on_border,  -- covered, not inside
       EXISTS (SELECT 1 FROM unions k WHERE k.parent_id = u.id AND k.area IS NOT NULL)
           AS has_area_children
FROM hits h JOIN unions u ON u.id = h.union_id
WHERE h.interior OR ST_Covers(u.area, h.location)
""").columns(*[column(name) for name in _HIT_COLUMNS])


_HITS = _hits(_POINTS)
# One point as scalar parameters: PostgreSQL then knows there are seven cells and soon settles
# on a generic plan for the prepared statement, which saves a millisecond of planning a call.
ONE_POINT_HITS = _hits(_ONE_POINT)

_BEST = text(f"""WITH {best_match_ctes(_POINTS)}
SELECT t.id, b.id IS NOT NULL AS covered, coalesce(b.union_id, n.id) AS union_id, b.interior,
       b.on_border, b.gap, n.d
FROM target t LEFT JOIN best b ON b.id = t.id {NEAREST_LATERAL}""")

# The nearest union within :fallback_m of each point covered by no area, by the rule of the bulk
# path, all points in one statement: a batch's uncovered points cost one round trip, not one each.
_NEAREST = text(f"""
SELECT t.i, n.id, n.d
FROM (SELECT i, ST_SetSRID(ST_MakePoint(lon, lat), 4326) AS location
      FROM unnest(CAST(:i AS bigint[]), CAST(:lon AS float8[]), CAST(:lat AS float8[]))
           AS p(i, lon, lat)) t
     CROSS JOIN (SELECT NULL::bigint AS id) b {NEAREST_LATERAL}""")


@dataclass(frozen=True)
class Candidate:
    union: UnionRecord
    method: str  # h3_interior | exact
    on_border: bool


@dataclass
class Match:
    status: str  # matched | gap_fallback | nearest_fallback | not_covered
    union: UnionRecord | None = None
    method: str | None = None
    on_border: bool = False
    distance_m: float | None = 0.0
    covering: list[Candidate] = field(default_factory=list)
    tied: list[Candidate] = field(default_factory=list)


def tie_key(c: Candidate) -> tuple[bool, float, str]:
    """Deterministic choice among unions of one level: a point inside beats one on the border,
    then the smaller area (the more specific), then the lower code."""
    return (c.on_border, c.union.area_m2 or 0.0, c.union.code)


def match(conn: Connection, lon: float, lat: float, fallback_m: float = FALLBACK_M) -> Match:
    return match_many(conn, [(lon, lat)], fallback_m)[0]


def match_many(conn: Connection, points: list[tuple[float, float]],
               fallback_m: float = FALLBACK_M) -> list[Match]:
    """Match WGS84 (lon, lat) points, in order: the most specific covering union (ties broken
    by `tie_key`), a gap's covering ancestor, or the nearest union within `fallback_m`."""
    if len(points) == 1:
        (lon, lat), = points
        cells = {f"cell_{r}": c for r, c in zip(_RESOLUTIONS, own_cells(lon, lat), strict=True)}
        rows = conn.execute(ONE_POINT_HITS, {"lon": lon, "lat": lat, **cells}).all()
    else:
        rows = conn.execute(_HITS, _point_params(points)).all()
    by_point: dict[int, list[Any]] = {}
    for row in rows:
        by_point.setdefault(row.i, []).append(row)
    uncovered = {i: point for i, point in enumerate(points, start=1) if i not in by_point}
    nearest = _nearest(conn, uncovered, fallback_m) if uncovered else {}
    return [_choose(by_point[i]) if i in by_point else nearest[i]
            for i in range(1, len(points) + 1)]


def match_best(conn: Connection, points: list[tuple[float, float]],
               fallback_m: float = FALLBACK_M) -> list[Match]:
    """As `match_many`, but each Match carries only the chosen union, not every covering one:
    the deepest level is tested first, the levels above only for points in its gaps."""
    rows = conn.execute(_BEST, {**_point_params(points), "fallback_m": fallback_m}).all()
    unions = records(conn, sorted({r.union_id for r in rows if r.union_id is not None}))

    def answer(r: Any) -> Match:
        if r.covered:
            return Match("gap_fallback" if r.gap else "matched", unions[r.union_id],
                         "h3_interior" if r.interior else "exact", r.on_border)
        if r.union_id is not None:
            return Match("nearest_fallback", unions[r.union_id], "nearest", False, float(r.d))
        return Match("not_covered", distance_m=None)
    return [answer(r) for r in sorted(rows, key=lambda r: r.id)]


def chain(conn: Connection, found: Match) -> list[UnionRecord]:
    """The matched union's ancestors, root first. Where every one of them covers the point too
    (nested areas, the usual case) they are among `found.covering` and cost no query."""
    if found.union is None:
        return []
    covering = {c.union.id: c.union for c in found.covering}
    above = [int(label) for label in found.union.path.split(".")[:-1]]  # a path's labels are ids
    if all(i in covering for i in above):
        return [covering[i] for i in above]
    return ancestors(conn, found.union)


def _choose(rows: list[Any]) -> Match:
    covering = sorted(
        (Candidate(_record(r), "h3_interior" if r.interior else "exact", bool(r.on_border))
         for r in rows),
        key=lambda c: (c.union.rank, tie_key(c)))
    deepest = max(c.union.rank for c in covering)
    tied = [c for c in covering if c.union.rank == deepest]
    best = tied[0]
    gap = next(r.has_area_children for r in rows if r.id == best.union.id)
    return Match("gap_fallback" if gap else "matched", best.union, best.method, best.on_border,
                 0.0, covering, tied if len(tied) > 1 else [])


def _nearest(conn: Connection, points: dict[int, tuple[float, float]], fallback_m: float
             ) -> dict[int, Match]:
    """The fallback answer of each numbered point: its nearest union within `fallback_m`."""
    rows = conn.execute(_NEAREST, {"i": list(points), "lon": [p[0] for p in points.values()],
                                   "lat": [p[1] for p in points.values()],
                                   "fallback_m": fallback_m}).all()
    unions = records(conn, sorted({r.id for r in rows if r.id is not None}))
    return {r.i: Match("nearest_fallback", unions[r.id], "nearest", False, float(r.d))
            if r.id is not None else Match("not_covered", distance_m=None) for r in rows}


def records(conn: Connection, ids: list[int]) -> dict[int, UnionRecord]:
    rows = conn.execute(select(*RECORD).where(U.c.id.in_(bindparam("ids", expanding=True))),
                        {"ids": ids})
    return {r.id: _record(r) for r in rows}
