"""What a CQL2 filter costs on /ogc items, against the same question asked with the collection's
own parameters, in one process over the database yizhan is configured with (the local
cluster's by default; `yizhan seed demo` or `yizhan seed synthetic` fill it).

    .venv/bin/python -m bench.ogc_filter [--rounds 300]

Each row: the median and 90th percentile of a whole request through the app (parse, translate,
count, page of 100 as GeoJSON), and its ratio to the first row, measured in the same run.
"""

from __future__ import annotations

import argparse
import json
import secrets
import statistics
import time

from fastapi.testclient import TestClient

from api.app import create_app
from yizhan.settings import Settings

ITEMS = "/ogc/collections/stations/items"
CASES = [
    ("parameters: status, amenity, bbox (baseline)",
     {"status": "operational", "amenity": "toilet", "bbox": "121.40,31.18,121.55,31.30"}),
    ("cql2-text: the same",
     {"filter": "status = 'operational' AND A_CONTAINS(amenities, ('toilet')) AND "
                "BBOX(geometry, 121.40, 31.18, 121.55, 31.30)"}),
    ("cql2-json: the same",
     {"filter-lang": "cql2-json", "filter": json.dumps({"op": "and", "args": [
         {"op": "=", "args": [{"property": "status"}, "operational"]},
         {"op": "a_contains", "args": [{"property": "amenities"}, ["toilet"]]},
         {"op": "s_intersects", "args": [{"property": "geometry"},
                                         {"bbox": [121.40, 31.18, 121.55, 31.30]}]}]})}),
    ("cql2-text, sortby=-name", {"filter": "status = 'operational' AND A_CONTAINS(amenities, "
                                           "('toilet'))", "sortby": "-name"}),
    ("cql2-text: LIKE and OR", {"filter": "name LIKE '%驿站%' OR phone IS NULL"}),
]


def measure(client: TestClient, params: dict[str, str], rounds: int) -> list[float]:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        answer = client.get(ITEMS, params={**params, "limit": "100"})
        times.append((time.perf_counter() - start) * 1000)
        assert answer.status_code == 200, answer.text
    return sorted(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=300)
    args = parser.parse_args()
    with TestClient(create_app(Settings(secret_key=secrets.token_hex(32)))) as client:
        for _, params in CASES:  # warm the pool, the plans and the parser
            measure(client, params, 20)
        base = None
        print(f"{'request':48} {'median ms':>10} {'p90 ms':>8} {'ratio':>6}  matched")
        for name, params in CASES:
            times = measure(client, params, args.rounds)
            median = statistics.median(times)
            base = base or median
            matched = client.get(ITEMS, params=params).json()["numberMatched"]
            print(f"{name:48} {median:10.2f} {times[int(len(times) * 0.9)]:8.2f} "
                  f"{median / base:6.2f}  {matched}")


if __name__ == "__main__":
    main()
