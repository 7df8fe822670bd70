"""A CQL2 filter (OGC API - Features Part 3) turned into a SQLAlchemy condition over a
collection's queryables, and `sortby`. Only the queryables' columns can be named, every value is
bound as a parameter, and each operator is checked against the property's type: nothing of the
filter's text reaches SQL."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

import numpy as np
import shapely
from pygeofilter import ast, values
from shapely.geometry import shape
from sqlalchemy import (
    ARRAY,
    BigInteger,
    DateTime,
    Double,
    Float,
    Integer,
    Numeric,
    Text,
    and_,
    bindparam,
    false,
    func,
    not_,
    or_,
    true,
)
from sqlalchemy.sql.elements import ColumnElement

from geo.areas import transformer_to_wgs84
from ogc.cql2 import BadFilter
from ogc.crs import OgcCrs

STRING, INTEGER, NUMBER, DATETIME, ARRAY_OF, GEOMETRY = (
    "string", "integer", "number", "date-time", "array", "geometry")


@dataclass(frozen=True)
class Queryable:
    """A property a filter may name: its column, its type and, for a code, the values it takes."""
    name: str
    column: ColumnElement[Any]
    kind: str
    title: str
    choices: tuple[str, ...] = ()  # a code's values (of its items, for an array)

    def schema(self) -> dict[str, Any]:
        """Its JSON Schema, as /queryables lists it."""
        if self.kind == GEOMETRY:
            return {"title": self.title, "format": "geometry-any"}
        if self.kind == ARRAY_OF:
            return {"title": self.title, "type": "array",
                    "items": {"type": "string", "enum": list(self.choices)}}
        found: dict[str, Any] = {"title": self.title}
        found["type"] = "string" if self.kind == DATETIME else self.kind
        if self.kind == DATETIME:
            found["format"] = "date-time"
        if self.choices:
            found["enum"] = list(self.choices)
        return found

    @property
    def sortable(self) -> bool:
        return self.kind not in (GEOMETRY, ARRAY_OF)


def queryable(column: Any, title: str, choices: type[StrEnum] | None = None,
              name: str | None = None) -> Queryable:
    """A queryable of a table's column, its type read from the column's."""
    kinds: list[tuple[type, str]] = [(ARRAY, ARRAY_OF), (DateTime, DATETIME),
                                     ((Integer, BigInteger), INTEGER),  # type: ignore[list-item]
                                     ((Double, Float, Numeric), NUMBER), (Text, STRING)]  # type: ignore[list-item]
    kind = next(k for t, k in kinds if isinstance(column.type, t))
    return Queryable(name or column.name, column, kind, title,
                     tuple(c.value for c in choices) if choices else ())


def geometry_queryable(column: Any, title: str) -> Queryable:
    return Queryable("geometry", column, GEOMETRY, title)


class _Translator:
    """One filter's translation; `mentioned` collects the properties it names."""

    def __init__(self, queryables: dict[str, Queryable], crs: OgcCrs):
        self.queryables, self.crs = queryables, crs
        self.mentioned: set[str] = set()

    def property(self, node: Any, what: str) -> Queryable:
        if not isinstance(node, ast.Attribute):
            raise BadFilter(f"filter: {what} takes a property on one side and a value on the "
                            f"other; got {_shown(node)}")
        found = self.queryables.get(node.name)
        if found is None:
            raise BadFilter(f"filter: {node.name!r} is not a queryable property; there are "
                            f"{', '.join(self.queryables)} (see the collection's queryables)")
        self.mentioned.add(found.name)
        return found

    def condition(self, node: Any) -> ColumnElement[bool]:
        for kinds, handler in self.HANDLERS:
            if isinstance(node, kinds):
                return handler(self, node)
        raise BadFilter(f"filter: {_shown(node)} is not offered; yizhan takes comparisons, "
                        "AND/OR/NOT, IN, BETWEEN, LIKE, IS NULL, CASEI, S_INTERSECTS and the "
                        "other S_ functions, BBOX and A_CONTAINS and the other A_ functions")

    def logical(self, node: ast.Not | ast.And | ast.Or) -> ColumnElement[bool]:
        if isinstance(node, ast.Not):
            return not_(self.condition(node.sub_node))
        parts = [self.condition(node.lhs), self.condition(node.rhs)]
        return and_(*parts) if isinstance(node, ast.And) else or_(*parts)

    def include(self, node: ast.Include) -> ColumnElement[bool]:
        return false() if node.not_ else true()

    def operand(self, node: Any, what: str) -> tuple[Queryable, ColumnElement[Any], bool]:
        """A property, or CASEI of one: the queryable, its SQL and whether it is case-folded."""
        if isinstance(node, ast.Function):
            prop = self.property(node.arguments[0] if len(node.arguments) == 1 else None, what)
            if node.name != "lower" or prop.kind != STRING:
                raise BadFilter(f"filter: {_shown(node)} is not offered; CASEI of a text property "
                                "is the one function")
            return prop, func.lower(prop.column), True
        prop = self.property(node, what)
        return prop, prop.column, False

    def value(self, prop: Queryable, node: Any, folded: bool = False) -> Any:
        """A literal checked against the property's type (CASEI('x') where the property is
        case-folded)."""
        if isinstance(node, ast.Function) and node.name == "lower" and len(node.arguments) == 1 \
                and folded and isinstance(node.arguments[0], str):
            return node.arguments[0].lower()
        if isinstance(node, ast.Node | list):
            raise BadFilter(f"filter: {prop.name} is compared with a value (a string, a number, "
                            f"TIMESTAMP('…')); got {_shown(node)}")
        if prop.kind == DATETIME and isinstance(node, str):
            node = _iso_time(node, prop.name)  # as GDAL before 3.7 writes a time: '2025-06-01T…'
        expected = {STRING: "a string in single quotes", INTEGER: "an integer",
                    NUMBER: "a number", DATETIME: "TIMESTAMP('2025-06-01T00:00:00Z') or "
                    "DATE('2025-06-01')", GEOMETRY: "a geometry", ARRAY_OF: "an array"}[prop.kind]
        fits = {STRING: isinstance(node, str), NUMBER: isinstance(node, int | float),
                INTEGER: isinstance(node, int), DATETIME: isinstance(node, date)
                }.get(prop.kind, False) and not isinstance(node, bool)
        if not fits:
            raise BadFilter(f"filter: {prop.name} is {prop.kind}: compare it with {expected}, "
                            f"not {_shown(node)}")
        if prop.kind == INTEGER and not -2**63 <= node < 2**63:
            raise BadFilter(f"filter: {node} is out of range for {prop.name}")
        if prop.choices and not folded and node not in prop.choices:
            raise BadFilter(f"filter: {prop.name} is one of {', '.join(prop.choices)}; not {node!r}")
        return node.lower() if folded else node

    def comparison(self, node: ast.Comparison) -> ColumnElement[bool]:
        lhs, rhs, op = node.lhs, node.rhs, node.op.value
        if not isinstance(lhs, ast.Attribute | ast.Function):
            lhs, rhs = rhs, lhs
            op = {"<": ">", ">": "<", "<=": ">=", ">=": "<="}.get(op, op)
        prop, column, folded = self.operand(lhs, f"'{node.op.value}'")
        if prop.kind in (GEOMETRY, ARRAY_OF):
            raise BadFilter(f"filter: {prop.name} is {prop.kind}: use the "
                            f"{'S_' if prop.kind == GEOMETRY else 'A_'} functions, not '{op}'")
        value = bindparam(None, self.value(prop, rhs, folded), type_=prop.column.type)
        return {"=": column == value, "<>": column != value, "<": column < value,
                ">": column > value, "<=": column <= value, ">=": column >= value}[op]

    def between(self, node: ast.Between) -> ColumnElement[bool]:
        prop, column, _ = self.operand(node.lhs, "BETWEEN")
        if prop.kind not in (INTEGER, NUMBER, DATETIME):
            raise BadFilter(f"filter: BETWEEN takes a number or a time; {prop.name} is {prop.kind}")
        found = column.between(self.value(prop, node.low), self.value(prop, node.high))
        return not_(found) if node.not_ else found

    def like(self, node: ast.Like) -> ColumnElement[bool]:
        prop, column, folded = self.operand(node.lhs, "LIKE")
        if prop.kind != STRING:
            raise BadFilter(f"filter: LIKE takes a text property; {prop.name} is {prop.kind}")
        pattern = self.value(Queryable(prop.name, column, STRING, ""), node.pattern, folded)
        found = column.ilike(pattern) if node.nocase else column.like(pattern)
        return not_(found) if node.not_ else found

    def in_(self, node: ast.In) -> ColumnElement[bool]:
        prop, column, folded = self.operand(node.lhs, "IN")
        if prop.kind in (GEOMETRY, ARRAY_OF):
            raise BadFilter(f"filter: IN takes a text, number or time property; {prop.name} is "
                            f"{prop.kind}")
        found = column.in_([self.value(prop, v, folded) for v in node.sub_nodes])
        return not_(found) if node.not_ else found

    def null(self, node: ast.IsNull) -> ColumnElement[bool]:
        prop = self.property(node.lhs, "IS NULL")
        return prop.column.is_not(None) if node.not_ else prop.column.is_(None)

    def geometry(self, node: Any) -> ColumnElement[Any]:
        if not isinstance(node, values.Geometry | values.Envelope):
            raise BadFilter(f"filter: a spatial function compares the geometry with a geometry "
                            f"(WKT such as POINT(121.47 31.23), or GeoJSON); got {_shown(node)}")
        return _bound_geometry(node.geometry, self.crs)

    def spatial(self, node: ast.SpatialComparisonPredicate | ast.BBox) -> ColumnElement[bool]:
        if isinstance(node, ast.BBox):
            lhs: Any = node.lhs
            rhs: Any = values.Envelope(node.minx, node.maxx, node.miny, node.maxy)
            op = "INTERSECTS"
        else:
            lhs, rhs, op = node.lhs, node.rhs, node.op.value
        if not isinstance(lhs, ast.Attribute):
            lhs, rhs = rhs, lhs
            op = {"WITHIN": "CONTAINS", "CONTAINS": "WITHIN"}.get(op, op)
        prop = self.property(lhs, f"S_{op}")
        if prop.kind != GEOMETRY:
            raise BadFilter(f"filter: S_{op} takes the geometry; {prop.name} is {prop.kind}")
        other = self.geometry(rhs)
        if op == "DISJOINT":
            return not_(func.ST_Intersects(prop.column, other))
        return getattr(func, f"ST_{op.title()}")(prop.column, other)  # type: ignore[no-any-return]

    def array(self, node: ast.ArrayPredicate) -> ColumnElement[bool]:
        prop = self.property(node.lhs, node.op.value)
        if prop.kind != ARRAY_OF:
            raise BadFilter(f"filter: {node.op.value} takes an array property; {prop.name} is "
                            f"{prop.kind}")
        if not isinstance(node.rhs, list) or not all(isinstance(v, str) for v in node.rhs):
            raise BadFilter(f"filter: {node.op.value}'s second argument is a list of "
                            f"strings such as ('toilet', 'wifi'); got {_shown(node.rhs)}")
        unknown = [v for v in node.rhs if v not in prop.choices]
        if unknown:
            raise BadFilter(f"filter: {prop.name} holds {', '.join(prop.choices)}; not "
                            f"{', '.join(map(repr, unknown))}")
        items, column = list(node.rhs), prop.column
        found: ColumnElement[bool] = {
            "AEQUALS": and_(column.contains(items), column.contained_by(items)),
            "ACONTAINS": column.contains(items), "ACONTAINEDBY": column.contained_by(items),
            "AOVERLAPS": column.overlap(items)}[node.op.value]
        return found

    HANDLERS: tuple[tuple[Any, Callable[[_Translator, Any], ColumnElement[bool]]], ...] = (
        ((ast.Not, ast.And, ast.Or), logical), (ast.Include, include),
        (ast.Comparison, comparison), (ast.Between, between), (ast.Like, like), (ast.In, in_),
        (ast.IsNull, null), ((ast.SpatialComparisonPredicate, ast.BBox), spatial),
        (ast.ArrayPredicate, array))


def _iso_time(text: str, name: str) -> datetime:
    try:
        found = datetime.fromisoformat(text.removesuffix("T"))  # GDAL 3.6 writes a date so
    except ValueError:
        raise BadFilter(f"filter: {name} is a time: compare it with TIMESTAMP('2025-06-01T00:00:00Z'), "
                        f"not {text!r}") from None
    return found if found.tzinfo else found.replace(tzinfo=UTC)


def _shown(node: Any) -> str:
    if isinstance(node, ast.Attribute):
        return f"the property {node.name!r}"
    if isinstance(node, ast.Node):
        return type(node).__name__
    if isinstance(node, datetime | date):
        return f"the time {node.isoformat()}"
    if isinstance(node, values.Geometry | values.Envelope):
        return "a geometry"
    return repr(node)[:80]


def _bound_geometry(geojson: dict[str, Any], crs: OgcCrs) -> ColumnElement[Any]:
    """A geometry of the filter, in `crs`, as a bound WKB parameter in WGS84."""
    try:
        geometry = shape(geojson)
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, shapely.errors.ShapelyError
            ) as exc:
        raise BadFilter(f"filter: not a geometry ({exc}); a polygon's ring is closed and has "
                        "at least four points, such as POLYGON((121 31, 122 31, 122 32, 121 31))"
                        ) from None
    coordinates = shapely.get_coordinates(geometry)
    if geometry.is_empty or not np.isfinite(coordinates).all():
        raise BadFilter("filter: a geometry with no points, or with a coordinate that is not a "
                        "finite number")
    if crs.lat_first:
        geometry = shapely.transform(geometry, lambda xy: xy[:, ::-1])
    elif crs.srid == 3857:
        to_wgs84 = transformer_to_wgs84(3857)
        geometry = shapely.transform(geometry, lambda xy: np.column_stack(
            to_wgs84.transform(xy[:, 0], xy[:, 1])))
    lon, lat = shapely.get_coordinates(geometry).T
    if not ((np.abs(lon) <= 180) & (np.abs(lat) <= 90)).all():
        order = "lat lon" if crs.lat_first else "lon lat"
        raise BadFilter(f"filter: a geometry outside the world; in {crs.uri} a point is "
                        f"{order} (set filter-crs for another system)")
    if not geometry.is_valid:
        why = shapely.is_valid_reason(geometry)
        raise BadFilter(f"filter: the geometry is not valid ({why})")
    return func.ST_GeomFromWKB(bindparam(None, shapely.to_wkb(geometry)), 4326)


@dataclass(frozen=True)
class Translated:
    condition: ColumnElement[bool]
    mentioned: frozenset[str]  # the properties the filter names


def translate(node: ast.Node, queryables: dict[str, Queryable], crs: OgcCrs) -> Translated:
    """The filter as a condition; BadFilter for what cannot be used."""
    translator = _Translator(queryables, crs)
    condition = translator.condition(node)
    return Translated(condition, frozenset(translator.mentioned))


def during(value: str, column: ColumnElement[Any]) -> ColumnElement[bool]:
    """Part 1's `datetime`: an instant (equal to it) or an interval start/end, either end open
    (..), both ends included."""
    def instant(text: str) -> datetime:
        try:
            return _iso_time(text, "datetime")
        except BadFilter:
            raise BadFilter(f"datetime: {value!r} is not a time or an interval; give "
                            "2025-06-01T00:00:00Z, 2025-06-01/2025-06-30, 2025-06-01/.. or "
                            "../2025-06-30") from None
    if "/" not in value:
        return column == instant(value)
    start, end = (part.strip() for part in value.split("/", 1))
    found = [column >= instant(start)] if start not in ("", "..") else []
    found += [column <= instant(end)] if end not in ("", "..") else []
    return and_(*found) if found else true()


def _names(value: str, what: str) -> Iterator[str]:
    for part in value.split(","):
        name = part.strip()
        if not name:
            raise BadFilter(f"{what}: {value!r} has an empty name; give names separated by commas")
        yield name


def sort_order(value: str, queryables: dict[str, Queryable], key: ColumnElement[Any]
               ) -> list[ColumnElement[Any]]:
    """`sortby` (+name,-updated_at: ascending unless `-`) as ORDER BY, the id last so that pages
    never overlap."""
    order: list[ColumnElement[Any]] = []
    sortable = [q for q in queryables.values() if q.sortable]
    for name in _names(value, "sortby"):
        descending = name.startswith("-")
        bare = name.lstrip("+-").strip()
        prop = queryables.get(bare)
        if prop is None or not prop.sortable:
            raise BadFilter(f"sortby: {bare!r} cannot be sorted by; use "
                            f"{', '.join(q.name for q in sortable)}, each with - for descending")
        order.append(prop.column.desc() if descending else prop.column.asc())
    return [*order, key.asc()]


def chosen_properties(value: str, offered: list[str]) -> list[str]:
    """`properties`: the names of the properties to return (none when empty)."""
    if not value.strip():
        return []
    names = list(_names(value, "properties"))
    unknown = [n for n in names if n not in offered]
    if unknown:
        raise BadFilter(f"properties: {', '.join(map(repr, unknown))} is not a property; there "
                        f"are {', '.join(offered)}")
    return names
