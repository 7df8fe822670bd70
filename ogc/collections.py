"""The feature collections yizhan offers through OGC API - Features: what each holds, its
properties, the filters it takes, and one page of its items in the asked-for system."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import Column, Connection, Table, and_, func, or_, select, text, true
from sqlalchemy.sql.elements import ColumnElement

from geo import unions
from geo.db import wgs84_box
from geo.hours import ALWAYS_OPEN
from geo.jurisdiction import EVERYWHERE, Jurisdiction
from geo.stations import T
from geo.unions import U
from geo.vocab import Amenity, StationStatus, UnionLevel, parse_list
from geo.workplaces import W, in_jurisdiction
from ogc.crs import OgcCrs
from ogc.filtering import Queryable, Translated, during, geometry_queryable, queryable

Box = tuple[float, float, float, float]  # CRS84: min lon, min lat, max lon, max lat


class BadValue(ValueError):
    """A parameter's value that cannot be used; the message says what is allowed."""


E = TypeVar("E", Amenity, StationStatus, UnionLevel)


def _choices(kind: type[E], name: str, value: str) -> list[E]:
    try:
        return parse_list(kind, [value])
    except ValueError as exc:
        raise BadValue(f"{name}: {exc}") from None


def _union_id(conn: Connection, name: str, value: str) -> unions.UnionRecord:
    """A union by id or by code, as people name it: a number is an id when a union has it,
    anything else (or a number no id has, such as an administrative code) a code."""
    union = unions.get(conn, int(value)) if value.isdigit() and 1 <= int(value) < 2**63 else None
    union = union or unions.by_code(conn, value)
    if union is None:
        raise BadValue(f"{name}: there is no union with id or code {value!r}")
    return union


@dataclass(frozen=True)
class Filter:
    description: str
    condition: Callable[[Connection, str], ColumnElement[bool]]  # raises BadValue


@dataclass(frozen=True)
class Collection:
    id: str
    title: str
    description: str
    table: Table
    geometry: Column[Any]
    properties: list[ColumnElement[Any]]
    filters: dict[str, Filter]
    queryables: dict[str, Queryable]
    default: Callable[[set[str]], list[ColumnElement[bool]]] = lambda _: []  # given filters' names
    scope: Callable[[Jurisdiction], ColumnElement[bool]] | None = None  # None: public

    @property
    def property_names(self) -> list[str]:
        return [p.name for p in self.properties]

    @property
    def officers_only(self) -> bool:
        return self.scope is not None


def _always_open(value: str) -> ColumnElement[bool]:
    if value not in ("true", "false"):
        raise BadValue(f"open_24_7: {value!r} is neither true nor false")
    condition = func.regexp_replace(T.c.opening_hours, r"\s", "", "g").in_(ALWAYS_OPEN)
    return condition if value == "true" else ~func.coalesce(condition, False)


def _stations_in_union(conn: Connection, value: str) -> ColumnElement[bool]:
    return Jurisdiction(_union_id(conn, "union", value).path).location(T.c.location)


def _queryables(*found: Queryable) -> dict[str, Queryable]:
    return {q.name: q for q in found}


STATIONS = Collection(
    "stations", "Rest stations for outdoor workers", "户外劳动者驿站: water, shade, toilets, "
    "chargers; every station but removed ones unless `status` asks for them.",
    T, T.c.location,
    [T.c.external_id, T.c.name, T.c.address,
     func.array_to_string(T.c.amenities, ",").label("amenities"), T.c.opening_hours,
     T.c.timezone, T.c.status, T.c.operator, T.c.phone, T.c.last_verified_at, T.c.updated_at],
    {"amenity": Filter("Stations with all these amenities (comma-separated)",
                       lambda _, v: T.c.amenities.contains(
                           [a.value for a in _choices(Amenity, "amenity", v)])),
     "status": Filter("Stations with one of these statuses (comma-separated)",
                      lambda _, v: T.c.status.in_(
                          [s.value for s in _choices(StationStatus, "status", v)])),
     "open_24_7": Filter("Stations open 24 hours every day (true), or not (false)",
                         lambda _, v: _always_open(v)),
     "union": Filter("Stations inside this union's area or the areas below it (union id or code)",
                     _stations_in_union)},
    _queryables(
        queryable(T.c.external_id, "The station's id in its operator's records"),
        queryable(T.c.name, "Name"), queryable(T.c.address, "Address"),
        queryable(T.c.amenities, "Amenities", Amenity),
        queryable(T.c.opening_hours, "Opening hours (OSM syntax)"),
        queryable(T.c.timezone, "Time zone"), queryable(T.c.status, "Status", StationStatus),
        queryable(T.c.operator, "Operator"), queryable(T.c.phone, "Phone"),
        queryable(T.c.last_verified_at, "Last checked on site"),
        queryable(T.c.updated_at, "Last changed"), geometry_queryable(T.c.location, "Location")),
    default=lambda given: [] if "status" in given else [T.c.status != StationStatus.REMOVED.value],
)

UNIONS = Collection(
    "unions", "Area unions", "Grid-based community unions and those above them, with the area "
    "each covers; filter by `level`, `parent` or `union` (a union and everything below it).",
    U, U.c.area,
    [U.c.code, U.c.name, U.c.level, U.c.parent_id, U.c.area_m2, U.c.contact_address,
     U.c.contact_phone, U.c.updated_at],
    {"level": Filter("Unions of these levels (comma-separated)",
                     lambda _, v: U.c.level.in_([x.value for x in _choices(UnionLevel, "level", v)])),
     "parent": Filter("The unions directly below this one (union id or code)",
                      lambda c, v: U.c.parent_id == _union_id(c, "parent", v).id),
     "union": Filter("This union and every union below it (union id or code)",
                     lambda c, v: U.c.path.op("<@")(func.text2ltree(_union_id(c, "union", v).path)))},
    _queryables(
        queryable(U.c.code, "Code"), queryable(U.c.name, "Name"),
        queryable(U.c.level, "Level", UnionLevel), queryable(U.c.parent_id, "The union above"),
        queryable(U.c.area_m2, "Area in square metres"),
        queryable(U.c.contact_address, "Contact address"),
        queryable(U.c.contact_phone, "Contact phone"), queryable(U.c.updated_at, "Last changed"),
        geometry_queryable(U.c.area, "Area")),
)


def _workplaces_of(union_id: int) -> ColumnElement[bool]:
    return or_(W.c.own_union_id == union_id, W.c.matched_union_id == union_id)


WORKPLACES = Collection(
    "workplaces", "Workplaces", "Employers of outdoor workers and the union each belongs to; "
    "for officers only, within their jurisdiction.",
    W, W.c.location,
    [W.c.external_id, W.c.name, W.c.uscc, W.c.address, W.c.own_union_id, W.c.matched_union_id,
     W.c.match_status, W.c.updated_at],
    {"union": Filter("Workplaces of this union: its own or the area union it is matched to",
                     lambda c, v: _workplaces_of(_union_id(c, "union", v).id))},
    _queryables(
        queryable(W.c.external_id, "The workplace's id in its source's records"),
        queryable(W.c.name, "Name"), queryable(W.c.uscc, "Unified social credit code"),
        queryable(W.c.address, "Address"), queryable(W.c.own_union_id, "Its own union"),
        queryable(W.c.matched_union_id, "The area union it is matched to"),
        queryable(W.c.match_status, "How it was matched"),
        queryable(W.c.updated_at, "Last changed"), geometry_queryable(W.c.location, "Location")),
    scope=in_jurisdiction,
)

COLLECTIONS = {c.id: c for c in (STATIONS, UNIONS, WORKPLACES)}


def _in_box(geometry: Column[Any], box: Box) -> ColumnElement[bool]:
    """Intersects the box; a box whose west edge lies east of its east edge crosses 180°."""
    west, south, east, north = box
    parts = [(west, east)] if west <= east else [(west, 180.0), (-180.0, east)]
    envelopes = [wgs84_box(w, south, e, north) for w, e in parts]
    return or_(*(and_(geometry.op("&&")(env), func.ST_Intersects(env, geometry)) for env in envelopes))


@dataclass
class Query:
    """What one items request asks of a collection."""
    filters: dict[str, str] = field(default_factory=dict)
    box: Box | None = None
    within: Jurisdiction = EVERYWHERE
    cql: Translated | None = None  # the `filter` parameter's
    when: str | None = None  # `datetime`, over updated_at


def conditions(conn: Connection, c: Collection, q: Query) -> list[ColumnElement[bool]]:
    """Raises BadValue for a filter value that cannot be used (BadFilter for `datetime`). A CQL2
    filter naming a property counts as asking for it (`status`: removed stations too); the
    jurisdiction is always ANDed."""
    found = c.default(set(q.filters) | (set(q.cql.mentioned) if q.cql else set()))
    if q.cql is not None:
        found.append(q.cql.condition)
    if q.when is not None:
        found.append(during(q.when, c.table.c.updated_at))
    found += [c.filters[name].condition(conn, value) for name, value in q.filters.items()]
    if q.box is not None:
        found.append(_in_box(c.geometry, q.box))
    if c.scope is not None:
        found.append(c.scope(q.within))
    return found or [true()]


def _chosen(c: Collection, names: list[str] | None) -> list[ColumnElement[Any]]:
    return c.properties if names is None else [p for p in c.properties if p.name in names]


def page(conn: Connection, c: Collection, where: list[ColumnElement[bool]], crs: OgcCrs,
         limit: int, offset: int, order: list[ColumnElement[Any]] | None = None,
         names: list[str] | None = None) -> tuple[int, list[dict[str, Any]]]:
    """How many match, and one page of them as GeoJSON features, by id unless `order` says
    otherwise, with every property or only those `names` gives."""
    matched = conn.execute(select(func.count()).select_from(c.table).where(*where)).scalar_one()
    rows = conn.execute(select(c.table.c.id, crs.geometry_json(c.geometry).label("geojson"),
                               *_chosen(c, names)).where(*where)
                        .order_by(*(order or [c.table.c.id])).limit(limit).offset(offset))
    return matched, [feature(c, crs, row) for row in rows]


def one(conn: Connection, c: Collection, feature_id: int, crs: OgcCrs,
        where: list[ColumnElement[bool]], names: list[str] | None = None) -> dict[str, Any] | None:
    row = conn.execute(select(c.table.c.id, crs.geometry_json(c.geometry).label("geojson"),
                              *_chosen(c, names)).where(c.table.c.id == feature_id, *where)).first()
    return feature(c, crs, row) if row else None


def feature(c: Collection, crs: OgcCrs, row: Any) -> dict[str, Any]:
    values = dict(row._mapping)
    if "amenities" in values:
        values["amenities"] = values["amenities"] or ""
    return {"type": "Feature", "id": values.pop("id"),
            "geometry": crs.geometry(values.pop("geojson")), "properties": values}


def extent(conn: Connection, c: Collection) -> list[float] | None:
    """The collection's CRS84 bbox: PostGIS's estimate from the planner's statistics (imports
    ANALYZE), else computed."""
    table, column = c.table.name, c.geometry.name
    box = conn.execute(text("SELECT ST_EstimatedExtent(:t, :c)::text"), {"t": table, "c": column}
                       ).scalar() or conn.execute(select(func.ST_Extent(c.geometry))).scalar()
    if box is None:
        return None
    numbers = box[box.index("(") + 1:-1].replace(",", " ").split()
    return [float(n) for n in numbers]
