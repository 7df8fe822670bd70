"""Deterministic demo data: ~300 rest stations for outdoor workers in central Shanghai.

The stations are synthetic but shaped like a real deployment: they sit along real roads (polylines
traced by hand from Chinese web maps, so the coordinates are GCJ-02), their addresses use the real
district of each road with house numbers that increase along it, and the host organisations, names,
amenities and opening hours follow the patterns of Shanghai's 户外职工爱心接力站 / 劳动者港湾 network.

Standard library only; ``demo_stations(seed)`` is a pure function of ``seed``.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from dataclasses import dataclass
from typing import TypeVar

from geo.vocab import UNION_HOTLINE

DEMO_CRS = "gcj02"  # the coordinates in this file are GCJ-02, as read off Chinese web maps

TARGET_COUNT = 300
MIN_SEPARATION_M = 15.0
BOUNDS = (121.38, 31.15, 121.62, 31.33)  # lon_min, lat_min, lon_max, lat_max

AMENITIES = (
    "drinking_water", "hot_water", "cooling", "heating", "seating", "toilet", "phone_charging",
    "microwave", "first_aid", "wifi", "umbrella_lending", "tool_kit", "ebike_parking",
    "ebike_charging", "refrigerator", "reading",
)  # fmt: skip

# Metres per degree near lat 31.2 N.
M_PER_DEG_LAT = 110_946.0
M_PER_DEG_LON = 111_320.0 * math.cos(math.radians(31.2))


@dataclass(frozen=True)
class Road:
    name: str
    district: str  # e.g. "黄浦区"
    path: tuple[tuple[float, float], ...]  # GCJ-02 (lon, lat), in order of increasing house numbers
    numbers: tuple[int, int]  # house numbers at the first and last vertex
    weight: int  # relative busyness: share of stations
    subdistricts: tuple[str, ...]  # 街道 / 镇 the road runs through, in path order


# fmt: off
ROADS: tuple[Road, ...] = (
    # --- 黄浦区 ---
    Road("南京东路", "黄浦区", ((121.4905, 31.2403), (121.4840, 31.2380), (121.4770, 31.2355)),
         (1, 830), 16, ("南京东路街道",)),
    Road("淮海中路", "黄浦区", ((121.4800, 31.2262), (121.4725, 31.2228), (121.4590, 31.2165)),
         (1, 950), 15, ("淮海中路街道", "瑞金二路街道")),
    Road("西藏南路", "黄浦区", ((121.4812, 31.2300), (121.4845, 31.2160), (121.4880, 31.2040)),
         (1, 1700), 10, ("老西门街道", "五里桥街道")),
    Road("中山南路", "黄浦区", ((121.4992, 31.2320), (121.5020, 31.2200), (121.4960, 31.2080)),
         (1, 1300), 9, ("小东门街道", "半淞园路街道")),
    # --- 静安区 ---
    Road("南京西路", "静安区", ((121.4660, 31.2325), (121.4560, 31.2295), (121.4470, 31.2245)),
         (900, 1700), 16, ("南京西路街道", "静安寺街道")),
    Road("共和新路", "静安区", ((121.4605, 31.2520), (121.4555, 31.2760), (121.4505, 31.2950)),
         (1200, 4600), 13, ("芷江西路街道", "大宁路街道", "临汾路街道")),
    Road("天目西路", "静安区", ((121.4640, 31.2475), (121.4580, 31.2478), (121.4510, 31.2482)),
         (1, 500), 8, ("天目西路街道",)),
    # --- 徐汇区 ---
    Road("肇嘉浜路", "徐汇区", ((121.4640, 31.2045), (121.4520, 31.2000), (121.4405, 31.1965)),
         (200, 1100), 12, ("斜土路街道", "枫林路街道", "徐家汇街道")),
    Road("漕溪北路", "徐汇区", ((121.4378, 31.1958), (121.4362, 31.1880), (121.4350, 31.1830)),
         (1, 700), 11, ("徐家汇街道",)),
    Road("虹桥路", "徐汇区", ((121.4355, 31.1975), (121.4260, 31.1985), (121.4160, 31.1992)),
         (1, 1100), 10, ("徐家汇街道", "天平路街道")),
    # --- 长宁区 ---
    Road("虹桥路", "长宁区", ((121.4150, 31.1993), (121.3990, 31.1975), (121.3860, 31.1945)),
         (1400, 2400), 10, ("虹桥街道", "程家桥街道")),
    Road("长宁路", "长宁区", ((121.4330, 31.2212), (121.4185, 31.2205), (121.3985, 31.2172)),
         (1, 2000), 13, ("江苏路街道", "华阳路街道", "周家桥街道")),
    Road("延安西路", "长宁区", ((121.4350, 31.2170), (121.4180, 31.2120), (121.3990, 31.2060)),
         (1000, 2400), 10, ("江苏路街道", "新华路街道", "虹桥街道")),
    # --- 普陀区 ---
    Road("长寿路", "普陀区", ((121.4490, 31.2435), (121.4400, 31.2420), (121.4320, 31.2405)),
         (1, 900), 11, ("长寿路街道",)),
    Road("武宁路", "普陀区", ((121.4315, 31.2412), (121.4140, 31.2480), (121.3960, 31.2520)),
         (1, 600), 11, ("长寿路街道", "甘泉路街道", "长风新村街道")),
    Road("曹杨路", "普陀区", ((121.4185, 31.2375), (121.4150, 31.2480), (121.4080, 31.2600)),
         (1, 1800), 10, ("长风新村街道", "曹杨新村街道")),
    # --- 虹口区 ---
    Road("四川北路", "虹口区", ((121.4885, 31.2455), (121.4860, 31.2560), (121.4825, 31.2690)),
         (1, 2200), 14, ("北外滩街道", "四川北路街道")),
    # --- 杨浦区 ---
    Road("四平路", "杨浦区", ((121.4985, 31.2720), (121.5040, 31.2840), (121.5135, 31.2990)),
         (900, 2500), 12, ("四平路街道", "五角场街道")),
    Road("大连路", "杨浦区", ((121.5125, 31.2555), (121.5090, 31.2650), (121.5020, 31.2735)),
         (1, 1800), 10, ("大桥街道", "控江路街道")),
    Road("控江路", "杨浦区", ((121.5065, 31.2690), (121.5230, 31.2720), (121.5380, 31.2760)),
         (1, 2100), 11, ("控江路街道", "延吉新村街道")),
    # --- 浦东新区 ---
    Road("世纪大道", "浦东新区", ((121.5055, 31.2400), (121.5230, 31.2330), (121.5445, 31.2225)),
         (1, 2000), 15, ("陆家嘴街道", "潍坊新村街道", "花木街道")),
    Road("浦东南路", "浦东新区", ((121.5072, 31.2445), (121.5085, 31.2300), (121.5060, 31.2100)),
         (300, 2200), 12, ("陆家嘴街道", "塘桥街道")),
    Road("张杨路", "浦东新区", ((121.5095, 31.2325), (121.5230, 31.2295), (121.5420, 31.2345)),
         (1, 3000), 12, ("潍坊新村街道", "洋泾街道")),
    Road("杨高中路", "浦东新区", ((121.5485, 31.2530), (121.5430, 31.2345), (121.5400, 31.2160)),
         (1, 2800), 9, ("洋泾街道", "花木街道")),
    Road("龙阳路", "浦东新区", ((121.5350, 31.2040), (121.5580, 31.2045), (121.5800, 31.2060)),
         (1, 2300), 9, ("花木街道", "北蔡镇")),
    Road("科苑路", "浦东新区", ((121.5880, 31.2150), (121.5900, 31.2050), (121.5930, 31.1950)),
         (1, 1500), 8, ("张江镇",)),
)
# fmt: on


# --------------------------------------------------------------------------------------------------
# Host types: who runs the station, what it is called, what it offers, when it is open.
# --------------------------------------------------------------------------------------------------

HOST_WEIGHTS: dict[str, int] = {
    "union": 27,  # 工会 户外职工爱心接力站 / 户外劳动者服务站点
    "bank": 18,  # 银行网点 劳动者港湾
    "community": 16,  # 党群服务站 / 社区服务中心
    "convenience": 12,  # 便利店
    "courier": 10,  # 快递 / 外卖 站点
    "sanitation": 10,  # 环卫 道班 / 休息点
    "petrol": 4,  # 加油站
    "health": 3,  # 社区卫生服务中心
}

BANKS: tuple[tuple[str, str, str], ...] = (
    # (operator, short name, station brand)
    ("中国工商银行", "工商银行", "劳动者港湾"),
    ("中国建设银行", "建设银行", "劳动者港湾"),
    ("中国农业银行", "农业银行", "劳动者港湾"),
    ("中国银行", "中国银行", "暖心驿站"),
    ("交通银行", "交通银行", "爱心驿站"),
    ("上海银行", "上海银行", "劳动者港湾"),
    ("上海农商银行", "上海农商银行", "劳动者港湾"),
    ("招商银行", "招商银行", "爱心驿站"),
)
PETROL: tuple[tuple[str, str], ...] = (
    ("中国石化", "中国石化易捷爱心驿站（{road}站）"),
    ("中国石化", "中国石化司机之家（{road}加油站）"),
    ("中国石油", "中国石油爱心驿站（{road}加油站）"),
)
CONVENIENCE: tuple[tuple[str, str], ...] = (
    ("全家FamilyMart", "全家便利店爱心驿站（{road}店）"),
    ("罗森", "罗森暖心驿站（{road}店）"),
    ("好德便利", "好德便利爱心接力站（{road}店）"),
    ("可的便利", "可的便利爱心接力站（{road}店）"),
    ("快客便利", "快客便利暖心驿站（{road}店）"),
    ("7-Eleven", "7-Eleven爱心驿站（{road}店）"),
)
COURIER: tuple[tuple[str, str], ...] = (
    ("顺丰速运", "顺丰速运{road}营业点·小哥驿站"),
    ("中通快递", "中通快递{road}网点·快递员之家"),
    ("圆通速递", "圆通速递{road}网点·暖心驿站"),
    ("京东物流", "京东物流{road}营业部·骑手驿站"),
    ("美团", "美团骑手之家（{road}站）"),
    ("饿了么", "饿了么骑手暖心驿站（{road}站）"),
)

# Probability of each amenity, by host type. Anything not listed has probability 0.
AMENITY_ODDS: dict[str, dict[str, float]] = {
    "union": {
        "drinking_water": 0.97, "seating": 0.95, "hot_water": 0.75, "phone_charging": 0.8,
        "cooling": 0.75, "heating": 0.45, "microwave": 0.5, "first_aid": 0.55, "wifi": 0.4,
        "toilet": 0.35, "umbrella_lending": 0.3, "tool_kit": 0.15, "refrigerator": 0.25,
        "reading": 0.2, "ebike_parking": 0.15, "ebike_charging": 0.05,
    },
    "bank": {
        "drinking_water": 0.98, "seating": 0.98, "toilet": 0.85, "phone_charging": 0.9,
        "wifi": 0.85, "first_aid": 0.8, "cooling": 0.6, "heating": 0.35, "hot_water": 0.4,
        "umbrella_lending": 0.3, "reading": 0.2, "microwave": 0.1,
    },
    "community": {
        "drinking_water": 0.95, "seating": 0.95, "hot_water": 0.7, "toilet": 0.6,
        "phone_charging": 0.7, "cooling": 0.65, "heating": 0.45, "microwave": 0.55,
        "first_aid": 0.5, "wifi": 0.45, "reading": 0.35, "refrigerator": 0.25,
        "umbrella_lending": 0.25, "tool_kit": 0.1,
    },
    "convenience": {
        "drinking_water": 0.9, "hot_water": 0.85, "microwave": 0.7, "phone_charging": 0.6,
        "seating": 0.75, "cooling": 0.6, "heating": 0.3, "umbrella_lending": 0.2, "wifi": 0.2,
        "first_aid": 0.1,
    },
    "courier": {
        "drinking_water": 0.9, "seating": 0.85, "phone_charging": 0.85, "ebike_parking": 0.6,
        "ebike_charging": 0.45, "hot_water": 0.6, "microwave": 0.45, "tool_kit": 0.45,
        "cooling": 0.5, "toilet": 0.25, "first_aid": 0.3, "wifi": 0.3, "refrigerator": 0.2,
        "umbrella_lending": 0.1,
    },
    "sanitation": {
        "drinking_water": 0.9, "seating": 0.85, "hot_water": 0.75, "microwave": 0.55,
        "toilet": 0.5, "cooling": 0.5, "heating": 0.35, "refrigerator": 0.3, "phone_charging": 0.45,
        "tool_kit": 0.3, "first_aid": 0.25,
    },
    "petrol": {
        "toilet": 0.97, "drinking_water": 0.95, "hot_water": 0.9, "microwave": 0.8,
        "seating": 0.75, "phone_charging": 0.5, "wifi": 0.35, "first_aid": 0.25, "cooling": 0.3,
        "ebike_parking": 0.1,
    },
    "health": {
        "drinking_water": 0.95, "seating": 0.95, "toilet": 0.9, "first_aid": 0.95, "hot_water": 0.6,
        "phone_charging": 0.5, "cooling": 0.5, "heating": 0.3, "wifi": 0.3, "umbrella_lending": 0.15,
    },
}  # fmt: skip

# Opening hours by host type: (value, weight); None means "not published".
HOURS: dict[str, tuple[tuple[str | None, int], ...]] = {
    "union": (
        ("Mo-Su 08:00-20:00", 5), ("Mo-Su 07:00-22:00", 3), ("24/7", 3), ("Mo-Fr 09:00-17:00; PH off", 3),
        ("Mo-Sa 08:00-18:00", 2), (None, 6),
    ),
    "bank": (
        ("Mo-Fr 09:00-17:00; PH off", 6), ("Mo-Fr 08:30-17:30; Sa,Su 10:00-16:00", 5),
        ("Mo-Fr 09:00-17:00; Sa,Su 09:30-16:00; PH off", 3), ("Mo-Su 09:00-17:00", 2), (None, 3),
    ),
    "community": (
        ("Mo-Fr 08:30-17:30", 4), ("Mo-Fr 08:30-17:30; Sa,Su 10:00-16:00", 3), ("Mo-Sa 08:30-17:00", 3),
        ("Mo-Su 08:00-20:00", 2), (None, 5),
    ),
    "convenience": (("24/7", 7), ("Mo-Su 07:00-23:00", 3), (None, 3)),
    "courier": (
        ("Mo-Su 08:00-21:00", 3), ("Mo-Su 10:00-14:00,17:00-21:00", 3), ("Mo-Sa 06:00-20:00", 2),
        ("Mo-Su 09:00-22:00", 2), (None, 4),
    ),
    "sanitation": (
        ("Mo-Su 05:00-19:00", 3), ("Mo-Sa 06:00-20:00", 3), ("Mo-Su 04:30-11:00,13:00-18:00", 2), (None, 5),
    ),
    "petrol": (("24/7", 7), ("Mo-Su 06:00-23:00", 2), (None, 1)),
    "health": (("Mo-Fr 08:00-16:30; Sa 08:00-11:30; PH off", 3), ("Mo-Su 08:00-17:00", 2), (None, 2)),
}  # fmt: skip

STATUS_WEIGHTS: tuple[tuple[str, int], ...] = (
    ("operational", 88),
    ("temporarily_closed", 5),
    ("planned", 4),
    ("removed", 3),
)

T = TypeVar("T")


# --------------------------------------------------------------------------------------------------
# Geometry
# --------------------------------------------------------------------------------------------------


def _to_m(dlon: float, dlat: float) -> tuple[float, float]:
    return dlon * M_PER_DEG_LON, dlat * M_PER_DEG_LAT


def _distance_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    dx, dy = _to_m(a[0] - b[0], a[1] - b[1])
    return math.hypot(dx, dy)


def _road_length_m(road: Road) -> float:
    return sum(_distance_m(a, b) for a, b in zip(road.path, road.path[1:], strict=False))


def point_along(road: Road, t: float, offset_m: float) -> tuple[float, float]:
    """The point at fraction ``t`` of the road's length, shifted ``offset_m`` to the left (<0: right)."""
    target = t * _road_length_m(road)
    for a, b in zip(road.path, road.path[1:], strict=False):
        seg = _distance_m(a, b)
        if target <= seg or b == road.path[-1]:
            f = min(max(target / seg, 0.0), 1.0)
            dx, dy = _to_m(b[0] - a[0], b[1] - a[1])
            nx, ny = -dy / seg, dx / seg  # unit normal, pointing left of the direction of travel
            lon = a[0] + (b[0] - a[0]) * f + nx * offset_m / M_PER_DEG_LON
            lat = a[1] + (b[1] - a[1]) * f + ny * offset_m / M_PER_DEG_LAT
            return lon, lat
        target -= seg
    raise AssertionError("unreachable")


def _station_counts() -> list[int]:
    """Split TARGET_COUNT across the roads by weight (largest-remainder, so the total is exact)."""
    total = sum(r.weight for r in ROADS)
    shares = [TARGET_COUNT * r.weight / total for r in ROADS]
    counts = [int(s) for s in shares]
    by_remainder = sorted(range(len(ROADS)), key=lambda i: (counts[i] - shares[i], i))
    for i in by_remainder[: TARGET_COUNT - sum(counts)]:
        counts[i] += 1
    return counts


# --------------------------------------------------------------------------------------------------
# Attributes
# --------------------------------------------------------------------------------------------------


def _pick(rng: random.Random, options: tuple[tuple[T, int], ...] | dict[T, int]) -> T:
    items = list(options.items()) if isinstance(options, dict) else list(options)
    values = [v for v, _ in items]
    weights = [w for _, w in items]
    return rng.choices(values, weights=weights, k=1)[0]


def _amenities(rng: random.Random, host: str) -> list[str]:
    odds = AMENITY_ODDS[host]
    # Draw for every amenity in a fixed order so the random stream doesn't depend on dict layout.
    chosen = {a for a in AMENITIES if rng.random() < odds.get(a, 0.0)}
    if not chosen:
        chosen = {"drinking_water", "seating"}
    return sorted(chosen)


def _name_and_operator(
    rng: random.Random, host: str, road: Road, subdistrict: str, place: str
) -> list[tuple[str, str]]:
    """Candidate (name, operator) pairs, most natural first; the caller takes the first unused name.

    ``place`` is what goes where a branch name would (the road, or the road plus a house number when
    the plain road name is already taken on that road).
    """
    d, s = road.district, subdistrict
    s_short = s.removesuffix("街道").removesuffix("镇")
    if host == "union":
        op = f"{d}总工会" if rng.random() < 0.6 else f"{s}总工会"
        variants = [
            f"{place}户外劳动者服务站点",
            f"{place}户外职工爱心接力站",
            f"{s}户外职工爱心接力站",
            f"{s}工会户外劳动者服务站点（{place}）",
        ]
        rng.shuffle(variants)
        return [(v, op) for v in variants]
    if host == "bank":
        banks = rng.sample(BANKS, len(BANKS))
        out = [(f"{short}{brand}（{place}支行）", op) for op, short, brand in banks]
        out += [(f"{short}{brand}（{s_short}支行）", op) for op, short, brand in banks]
        return out
    if host in ("petrol", "convenience", "courier"):
        table = {"petrol": PETROL, "convenience": CONVENIENCE, "courier": COURIER}[host]
        return [(tpl.format(road=place), op) for op, tpl in rng.sample(table, len(table))]
    if host == "sanitation":
        op = f"{d}绿化和市容管理局"
        variants = [
            f"环卫工人休息点（{place}）",
            f"环卫道班爱心驿站（{place}）",
            f"{s_short}环卫工人休息点（{place}）",
        ]
        rng.shuffle(variants)
        return [(v, op) for v in variants]
    if host == "health":
        op = f"{d}{s}社区卫生服务中心"
        return [(f"{s}社区卫生服务中心·爱心驿站", op), (f"{s}社区卫生服务站（{place}）·爱心驿站", op)]
    # community
    op = f"{s}党群服务中心" if rng.random() < 0.6 else f"{d}{s}办事处"
    variants = [
        f"{s_short}社区党群服务站·暖心驿站",
        f"{place}党群服务站·暖心驿站",
        f"{s_short}邻里汇·户外劳动者服务站点",
        f"{s_short}社区事务受理服务中心·爱心驿站",
    ]
    rng.shuffle(variants)
    return [(v, op) for v in variants]


def _first_unused(candidates: list[tuple[str, str]], used: set[str], road_name: str) -> tuple[str, str]:
    """The first candidate whose name is free, preferring names that don't stutter the road name
    (as in "四川北路环卫工人休息点（四川北路）")."""
    for name, operator in candidates:
        if name not in used and name.count(road_name) == 1:
            return name, operator
    for name, operator in candidates:
        if name not in used:
            return name, operator
    name, operator = candidates[0]
    k = 2
    while f"{name}（{k}）" in used:
        k += 1
    return f"{name}（{k}）", operator


def _house_number(road: Road, t: float, left_side: bool) -> int:
    """Odd numbers on one side of the road, even on the other, growing along the polyline."""
    lo, hi = road.numbers
    n = max(1, round(lo + (hi - lo) * t))
    want_odd = left_side
    if (n % 2 == 1) != want_odd:
        n += 1
    return n


# --------------------------------------------------------------------------------------------------
# The data set
# --------------------------------------------------------------------------------------------------


def demo_stations(seed: int = 2026) -> list[dict[str, object]]:
    """Deterministic: same seed -> identical list (use a random.Random(seed) instance only)."""
    rng = random.Random(seed)
    stations: list[dict[str, object]] = []
    points: list[tuple[float, float]] = []
    names: set[str] = set()
    addresses: set[str] = set()

    for road, count in zip(ROADS, _station_counts(), strict=True):
        busy = road.weight >= 13
        placed: list[tuple[float, bool, tuple[float, float]]] = []
        for i in range(count):
            for _attempt in range(50):
                t = min(max((i + 0.5 + rng.uniform(-0.4, 0.4)) / count, 0.002), 0.998)
                left = rng.random() < 0.5
                offset = rng.uniform(5.0, 30.0 if busy else 22.0)
                p = point_along(road, t, offset if left else -offset)
                inside = BOUNDS[0] <= p[0] <= BOUNDS[2] and BOUNDS[1] <= p[1] <= BOUNDS[3]
                if inside and all(_distance_m(p, q) >= MIN_SEPARATION_M for q in points):
                    break
            else:
                raise RuntimeError(f"could not place station {i} on {road.name}")
            points.append(p)
            placed.append((t, left, p))

        placed.sort(key=lambda item: item[0])
        for t, left, (lon, lat) in placed:
            host = _pick(rng, HOST_WEIGHTS)
            subdistrict = road.subdistricts[min(int(t * len(road.subdistricts)), len(road.subdistricts) - 1)]

            number = _house_number(road, t, left)
            while f"{road.district}{road.name}{number}号" in addresses:
                number += 2
            address = f"上海市{road.district}{road.name}{number}号"
            addresses.add(f"{road.district}{road.name}{number}号")

            candidates = _name_and_operator(rng, host, road, subdistrict, road.name)
            candidates += _name_and_operator(rng, host, road, subdistrict, f"{road.name}{number}号")
            name, operator = _first_unused(candidates, names, road.name)
            names.add(name)

            stations.append(
                {
                    "external_id": f"demo-sh-{len(stations) + 1:04d}",
                    "name": name,
                    "address": address,
                    "lon": round(lon, 6),
                    "lat": round(lat, 6),
                    "amenities": _amenities(rng, host),
                    "opening_hours": _pick(rng, HOURS[host]),
                    "status": _pick(rng, STATUS_WEIGHTS),
                    "phone": UNION_HOTLINE if host == "union" else None,
                    "operator": operator,
                }
            )
    return stations


def _bbox(stations: list[dict[str, object]]) -> tuple[float, float, float, float]:
    lons = [lon for s in stations if isinstance(lon := s["lon"], float)]
    lats = [lat for s in stations if isinstance(lat := s["lat"], float)]
    return min(lons), min(lats), max(lons), max(lats)


if __name__ == "__main__":
    data = demo_stations()
    print(f"{len(data)} stations")
    for status, n in Counter(str(s["status"]) for s in data).most_common():
        print(f"  {status}: {n}")
    lon_min, lat_min, lon_max, lat_max = _bbox(data)
    print(f"bbox ({DEMO_CRS}): lon {lon_min:.6f}..{lon_max:.6f}, lat {lat_min:.6f}..{lat_max:.6f}")
