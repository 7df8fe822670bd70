"""A synthetic country for measuring yizhan at scale: cities of area unions five levels deep
(city, district, street, community or village, grid), stations clustered where people work, and
workplaces. Deterministic: the same scale gives the same rows, and a smaller scale is the first
cities of a larger one.

Each city is cut from one jittered lattice, so neighbours share their wiggly borders exactly.
Dense cities have grids of about 0.05 km², rural ones grids of tens of km². Some grids are left
out (gaps, where the community is the answer), some have a hole, half of those holes belonging to
a sibling grid as a second part (multipolygons), and some are split into a thin sliver and the
rest. Workplaces and stations gather around hot spots; a few workplaces lie outside every city.

National scale (1.0) is about 700,000 area unions, 200,000 stations and 6,500,000 workplaces.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from dataclasses import dataclass

import shapely
import shapely.affinity
from shapely.geometry import MultiPolygon, Polygon

from geo.areas import clean_area
from geo.coverage import coverage, own_cells
from geo.h3index import point_cell
from geo.vocab import Amenity, StationStatus, UnionLevel

NATION_CITIES = 265
NATION_STATIONS = 200_000
NATION_WORKPLACES = 6_500_000
SCALES = {"city": 1 / NATION_CITIES, "province": 16 / NATION_CITIES, "nation": 1.0}
SEED = 2026
REGION = (97.0, 21.0, 124.3, 42.0)  # where the cities' slots are laid out, lon/lat
SLOT_DEG = 1.4
LATTICE = (240, 300)  # lattice cells across and up in every city
RURAL_SHARE = 0.3
# Children per parent, as (across, up): the same tree in every city except the grids.
SPLITS = [(UnionLevel.DISTRICT, 2, 5), (UnionLevel.STREET, 1, 5), (UnionLevel.COMMUNITY, 2, 3)]
GRID_SPLIT = {False: (5, 2), True: (1, 2)}  # urban, rural
CITY_KM2 = {False: (150.0, 3_000.0), True: (3_000.0, 18_000.0)}
WORKPLACE_WEIGHT = {False: 1.25, True: 0.42}  # urban cities hold more of the country's workplaces
GAP, HOLE, EXCLAVE, SLIVER = 0.04, 0.03, 0.5, 0.02
OUTSIDE = 0.02  # workplaces beyond every city's edge, within 0.1°
HOURS = [None, "24/7", "Mo-Su 08:00-20:00", "Mo-Fr 07:00-19:00; Sa,Su 09:00-17:00",
         "Mo-Su 06:00-22:00", "Mo-Sa 08:30-18:00; PH off"]
STATUSES = [(StationStatus.OPERATIONAL, 90), (StationStatus.TEMPORARILY_CLOSED, 4),
            (StationStatus.PLANNED, 3), (StationStatus.REMOVED, 3)]
# The vocabulary as it was when the synthetic country was first drawn: the same seed keeps making
# the same data, so that benchmark runs stay comparable.
AMENITIES = list(Amenity)[:16]
COMMON = [Amenity.DRINKING_WATER, Amenity.SEATING, Amenity.PHONE_CHARGING, Amenity.TOILET]


@dataclass(frozen=True)
class CityPlan:
    index: int
    box: tuple[float, float, float, float]
    rural: bool
    stations: int
    workplaces: int
    first_union_id: int
    first_station_id: int
    first_workplace_id: int
    lattice: tuple[int, int] = LATTICE  # lattice cells across and up

    @property
    def code(self) -> str:
        return f"S{self.index:03d}"


@dataclass(frozen=True)
class UnionRow:
    id: int
    code: str
    name: str
    level: UnionLevel
    parent_id: int | None
    path: str
    area: MultiPolygon
    area_m2: float
    coverage_res: int
    interior: list[int]
    border: list[int]


UNIONS_PER_CITY = 4_000  # id block per city: more than any city's unions, slivers included


def city_count(scale: float) -> int:
    if not 0 < scale <= 1:
        raise ValueError(f"scale must be above 0 and at most 1 (national), not {scale}")
    return max(1, round(NATION_CITIES * scale))


def parse_scale(text: str) -> float:
    if text in SCALES:
        return SCALES[text]
    try:
        value = float(text)
        city_count(value)
    except ValueError:
        raise ValueError(f"scale must be one of {', '.join(SCALES)} or a fraction of the nation "
                         f"(0 < scale <= 1), not {text!r}") from None
    return value


def plan(scale: float, seed: int = SEED) -> list[CityPlan]:
    """The cities of a data set at `scale`, with their sizes and id ranges."""
    rng = random.Random(seed)
    x1, y1, x2, y2 = REGION
    slots = [(x1 + i * SLOT_DEG, y1 + j * SLOT_DEG)
             for i in range(int((x2 - x1) / SLOT_DEG)) for j in range(int((y2 - y1) / SLOT_DEG))]
    rng.shuffle(slots)
    if len(slots) < NATION_CITIES:
        raise AssertionError("the region has too few slots for the nation's cities")
    kinds = [rng.random() < RURAL_SHARE for _ in range(NATION_CITIES)]
    total_weight = sum(WORKPLACE_WEIGHT[rural] for rural in kinds)
    stations_each = NATION_STATIONS / total_weight
    workplaces_each = NATION_WORKPLACES / total_weight
    plans, station_id, workplace_id = [], 1, 1
    for index in range(city_count(scale)):
        rural = kinds[index]
        low, high = CITY_KM2[rural]
        km2 = math.exp(rng.uniform(math.log(low), math.log(high)))
        sx, sy = slots[index]
        aspect = rng.uniform(0.7, 1.4)
        height = min(math.sqrt(km2 / aspect) / 111.0, SLOT_DEG * 0.9)
        width = min(km2 / (height * 111.0) / (111.0 * math.cos(math.radians(sy))), SLOT_DEG * 0.9)
        box = (sx, sy, sx + width, sy + height)
        stations = round(stations_each * WORKPLACE_WEIGHT[rural])
        workplaces = round(workplaces_each * WORKPLACE_WEIGHT[rural])
        plans.append(CityPlan(index, box, rural, stations, workplaces,
                              1 + index * UNIONS_PER_CITY, station_id, workplace_id))
        station_id += stations
        workplace_id += workplaces
    return plans


def lattice(box: tuple[float, float, float, float], size: tuple[int, int], rng: random.Random
             ) -> list[list[tuple[float, float]]]:
    x1, y1, x2, y2 = box
    nx, ny = size
    dx, dy = (x2 - x1) / nx, (y2 - y1) / ny

    def jitter(i: int, n: int, d: float) -> float:
        return 0.0 if i in (0, n) else rng.uniform(-0.3, 0.3) * d

    return [[(x1 + i * dx + jitter(i, nx, dx), y1 + j * dy + jitter(j, ny, dy))
             for j in range(ny + 1)] for i in range(nx + 1)]


def ring(points: list[list[tuple[float, float]]], i1: int, j1: int, i2: int, j2: int) -> list[
        tuple[float, float]]:
    """The outline of lattice cells i1..i2 by j1..j2, through every lattice point on it."""
    bottom = [points[i][j1] for i in range(i1, i2 + 1)]
    right = [points[i2][j] for j in range(j1 + 1, j2 + 1)]
    top = [points[i][j2] for i in range(i2 - 1, i1 - 1, -1)]
    left = [points[i1][j] for j in range(j2 - 1, j1, -1)]
    return bottom + right + top + left


def cuts(low: int, high: int, n: int, rng: random.Random) -> list[int]:
    step = (high - low) / n
    return [low, *(round(low + step * (i + rng.uniform(-0.25, 0.25))) for i in range(1, n)),
            high]


Box = tuple[int, int, int, int]


def _split(box: Box, across: int, up: int, rng: random.Random) -> Iterator[tuple[str, Box]]:
    i1, j1, i2, j2 = box
    xs, ys = cuts(i1, i2, across, rng), cuts(j1, j2, up, rng)
    for a in range(across):
        for b in range(up):
            if xs[a] < xs[a + 1] and ys[b] < ys[b + 1]:  # a narrow parent has fewer children
                yield f"{a}{b}", (xs[a], ys[b], xs[a + 1], ys[b + 1])


def _hole(points: list[list[tuple[float, float]]], box: Box) -> Polygon:
    """A small quad in the middle lattice cell of the box's bottom row."""
    i1, j1, i2, _ = box
    i = (i1 + i2) // 2
    quad = Polygon([points[i][j1], points[i + 1][j1], points[i + 1][j1 + 1], points[i][j1 + 1]])
    return shapely.affinity.scale(quad, 0.3, 0.3, origin=quad.centroid)


def _grids(points: list[list[tuple[float, float]]], community: Box, rural: bool,
           rng: random.Random) -> list[tuple[str, list[Polygon]]]:
    """A community's grids as (suffix, polygons): gaps left out, holes, exclaves, slivers."""
    grids: list[tuple[str, list[Polygon]]] = []
    give_away: Polygon | None = None
    for suffix, box in _split(community, *GRID_SPLIT[rural], rng):
        draw = rng.random()
        if draw < GAP:
            continue
        i1, j1, i2, j2 = box
        wide = i2 - i1 >= 3
        if wide and draw < GAP + SLIVER:
            grids.append((suffix + "s", [Polygon(ring(points, i1, j1, i1 + 1, j2))]))
            i1 += 1
        shell = ring(points, i1, j1, i2, j2)
        parts = [Polygon(shell)]
        if wide and GAP + SLIVER <= draw < GAP + SLIVER + HOLE:
            hole = _hole(points, (i1, j1, i2, j2))
            holed = Polygon(shell, [hole.exterior.coords])
            if holed.is_valid and parts[0].contains(hole):
                parts = [holed]
                give_away = hole if rng.random() < EXCLAVE else None
        elif give_away is not None:
            parts.append(give_away)
            give_away = None
        grids.append((suffix, parts))
    return grids


def city_unions(city: CityPlan, seed: int = SEED) -> list[UnionRow]:
    """The city's unions, parents before children, each with its H3 coverage."""
    rng = random.Random(seed * 1_000_003 + city.index)
    points = lattice(city.box, city.lattice, rng)
    rows: list[UnionRow] = []

    def add(code: str, level: UnionLevel, parent: UnionRow | None, parts: list[Polygon]) -> UnionRow:
        area = clean_area(parts[0] if len(parts) == 1 else MultiPolygon(parts))
        cells = coverage(area.geometry, area_m2=area.area_m2)
        union_id = city.first_union_id + len(rows)
        if union_id >= city.first_union_id + UNIONS_PER_CITY:
            raise AssertionError(f"city {city.code} has more than {UNIONS_PER_CITY} unions")
        row = UnionRow(union_id, code, f"{code} {level.value}", level,
                       parent.id if parent else None,
                       f"{parent.path}.{union_id}" if parent else str(union_id), area.geometry,
                       area.area_m2, cells.res, cells.interior, cells.border)
        rows.append(row)
        return row

    whole: Box = (0, 0, *city.lattice)
    parents = [(add(city.code, UnionLevel.CITY, None, [Polygon(ring(points, *whole))]), whole)]
    for level, across, up in SPLITS:
        children = []
        for parent, box in parents:
            for suffix, child in _split(box, across, up, rng):
                union = add(f"{parent.code}-{suffix}", level, parent, [Polygon(ring(points, *child))])
                children.append((union, child))
        parents = children
    for community, box in parents:
        for suffix, parts in _grids(points, box, city.rural, rng):
            add(f"{community.code}-{suffix}", UnionLevel.GRID, community, parts)
    return rows


def _hot_spots(city: CityPlan, rng: random.Random) -> list[tuple[float, float, float]]:
    x1, y1, x2, y2 = city.box
    spread = 0.04 * max(x2 - x1, y2 - y1)
    return [(rng.uniform(x1, x2), rng.uniform(y1, y2), spread * rng.uniform(0.3, 1.5))
            for _ in range(40)]


def _near(spots: list[tuple[float, float, float]], box: tuple[float, float, float, float],
          rng: random.Random, tightness: float) -> tuple[float, float]:
    x1, y1, x2, y2 = box
    cx, cy, sigma = rng.choice(spots)
    lon = min(max(rng.gauss(cx, sigma * tightness), x1), x2)
    lat = min(max(rng.gauss(cy, sigma * tightness), y1), y2)
    return round(lon, 6), round(lat, 6)


def city_stations(city: CityPlan, seed: int = SEED) -> Iterator[tuple[object, ...]]:
    """Rows for COPY stations (id, external_id, name, location, h3_r10, amenities,
    opening_hours, status, operator)."""
    rng = random.Random(seed * 2_000_003 + city.index)
    spots = _hot_spots(city, random.Random(seed * 3_000_017 + city.index))
    statuses, weights = zip(*STATUSES, strict=True)
    for k in range(city.stations):
        if rng.random() < 0.8:
            lon, lat = _near(spots, city.box, rng, 0.6)
        else:
            lon, lat = round(rng.uniform(city.box[0], city.box[2]), 6), round(
                rng.uniform(city.box[1], city.box[3]), 6)
        amenities = {a.value for a in COMMON if rng.random() < 0.6}
        amenities |= {a.value for a in rng.sample(AMENITIES, rng.randint(0, 4))}
        yield (city.first_station_id + k, f"syn-s-{city.index}-{k}", f"{city.code} 驿站 {k + 1}",
               f"SRID=4326;POINT({lon} {lat})", point_cell(lon, lat), sorted(amenities),
               rng.choice(HOURS), rng.choices(statuses, weights)[0].value, "合成数据")


def city_workplaces(city: CityPlan, seed: int = SEED) -> Iterator[tuple[object, ...]]:
    """Rows for COPY workplaces (id, external_id, name, location, h3_cells)."""
    rng = random.Random(seed * 4_000_037 + city.index)
    spots = _hot_spots(city, random.Random(seed * 3_000_017 + city.index))
    x1, y1, x2, y2 = city.box
    for k in range(city.workplaces):
        draw = rng.random()
        if draw < OUTSIDE:
            lon, lat = round(rng.uniform(x1 - 0.1, x2 + 0.1), 6), round(rng.uniform(y2, y2 + 0.1), 6)
        elif draw < 0.7:
            lon, lat = _near(spots, city.box, rng, 1.0)
        else:
            lon, lat = round(rng.uniform(x1, x2), 6), round(rng.uniform(y1, y2), 6)
        yield (city.first_workplace_id + k, f"syn-w-{city.index}-{k}", f"{city.code} 企业 {k + 1}",
               f"SRID=4326;POINT({lon} {lat})", own_cells(lon, lat))

