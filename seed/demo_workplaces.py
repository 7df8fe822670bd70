"""Deterministic demo workplaces of outdoor workers (courier depots, delivery hubs, sanitation
yards, building sites) in the demo city: most near the demo roads, where the stations are, and
some scattered across the whole city, so that the officers' gap map has gaps to show.

Coordinates are GCJ-02, like the demo stations. Synthetic: real employers are not ours to ship."""

from __future__ import annotations

import random

from seed.demo_data import BOUNDS, ROADS, point_along

NEAR_ROADS = 320
SCATTERED = 160
KINDS = (("快递网点", 5), ("外卖配送站", 5), ("物流仓库", 2), ("环卫作业所", 2), ("建筑工地", 2),
         ("网约车服务中心", 1))
BRANDS = ("顺达", "中迅", "申通达", "云递", "快蜂", "优送", "鲜到家", "城配", "安途", "沪捷")


def demo_workplaces(seed: int = 2026) -> list[dict[str, object]]:
    """Same seed, same list; each a record for `yizhan import workplaces`."""
    rng = random.Random(seed)
    kinds, weights = zip(*KINDS, strict=True)
    found: list[dict[str, object]] = []

    def add(lon: float, lat: float, place: str, address: str | None) -> None:
        kind = rng.choices(kinds, weights)[0]
        brand = rng.choice(BRANDS) if kind not in ("环卫作业所", "建筑工地") else ""
        number = len(found) + 1
        found.append({"external_id": f"demo-wp-{number:04d}",
                      "name": f"{brand}{place}{kind}（演示{number}）", "address": address,
                      "lon": round(lon, 6), "lat": round(lat, 6)})

    for _ in range(NEAR_ROADS):
        road = rng.choice(ROADS)
        offset = rng.uniform(40.0, 600.0) * rng.choice((1, -1))
        lon, lat = point_along(road, rng.random(), offset)
        if BOUNDS[0] <= lon <= BOUNDS[2] and BOUNDS[1] <= lat <= BOUNDS[3]:
            add(lon, lat, road.name, f"上海市{road.district}{road.name}附近")
    x1, y1, x2, y2 = BOUNDS
    for _ in range(SCATTERED):
        add(rng.uniform(x1, x2), rng.uniform(y1, y2), "", None)
    return found
