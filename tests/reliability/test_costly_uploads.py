"""What one area upload may cost is bounded: an outline whose edges cross each other at more
places than are repaired is refused with a 422 that says the limit, and nothing is written; a
detailed outline (30,000 vertices in teeth narrower than a metre) is stored with a sound
coverage."""

from __future__ import annotations

import random
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from geo.areas import MAX_CROSSINGS, crossings, from_geojson
from tests.coverage_oracle import comb
from tests.reliability.test_area_uploads import assert_sound_coverage, stored
from tests.union_data import clear


def scribble(n: int, seed: int) -> dict[str, Any]:
    """A ring through n random points: its edges cross each other hundreds of times."""
    rng = random.Random(seed)
    ring = [[round(121.4 + rng.random() * 0.05, 6), round(31.2 + rng.random() * 0.05, 6)]
            for _ in range(n)]
    return {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}


def test_an_area_crossing_itself_too_often_is_refused_with_the_limit(
        client: TestClient, admin: dict[str, str], engine: Engine) -> None:
    clear(engine)
    area = scribble(150, 1)
    assert crossings([from_geojson(area)], MAX_CROSSINGS) > MAX_CROSSINGS
    answer = client.post("/unions", headers=admin, json={
        "code": "X1", "name": "乱画", "level": "community", "area": area})
    assert answer.status_code == 422
    assert answer.json()["message"] == (
        f"body field 'area': the area's edges cross or overlap each other at more than "
        f"{MAX_CROSSINGS} places; at most {MAX_CROSSINGS} are repaired: draw the outline again "
        "without crossings, or split it into several areas")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM unions")).scalar_one() == 0
    few = scribble(12, 2)  # a few crossings are repaired as before
    assert client.post("/unions", headers=admin, json={
        "code": "X2", "name": "小乱画", "level": "community", "area": few}).status_code == 201
    clear(engine)


def test_a_30000_vertex_comb_is_stored_with_a_sound_coverage(
        client: TestClient, admin: dict[str, str], engine: Engine) -> None:
    clear(engine)
    area = comb(30_000)
    area["coordinates"] = [[[round(x, 7), round(y, 7)] for x, y in area["coordinates"][0]]]
    answer = client.post("/unions", headers=admin, json={
        "code": "COMB", "name": "梳子", "level": "community", "area": area})
    assert answer.status_code == 201, answer.text
    got = stored(engine, "COMB")
    assert got is not None and got.cells
    assert_sound_coverage(got.area, got.coverage_res, got.cells, random.Random(3))
    clear(engine)


def test_an_empty_part_has_no_crossings() -> None:
    """Hypothesis found a part with an empty ring among the uploads (numpy refused to repeat -1)."""
    from shapely.geometry import Polygon

    from geo.areas import crossings

    assert crossings([Polygon([(0, 0), (1, 0), (1, 1), (0, 0)]), Polygon()], 500) == 0
