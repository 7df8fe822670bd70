"""The coverage is stored in blocks of 49 cells (migration 0015): a cell's block is its H3 parent
two resolutions up, its slot one of 49 bits, and block and slot give the cell back. Checked
against h3's own parent and children, pentagons and both sides of the antimeridian included."""

from __future__ import annotations

import h3
from h3.api import basic_int
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, text

from geo.coverage import MAX_RES, MIN_RES

_CHECK = text("""
SELECT c, h3_block(c), h3_slot(c), h3_block_child(h3_block(c), h3_slot(c))
FROM unnest(CAST(:cells AS bigint[])) AS c""")


def _check(engine: Engine, cells: list[int]) -> None:
    with engine.connect() as conn:
        rows = conn.execute(_CHECK, {"cells": cells}).all()
    for cell, block, slot, back in rows:
        res = basic_int.get_resolution(cell)
        assert block == basic_int.cell_to_parent(cell, res - 2)
        assert 0 <= slot <= 48 and back == cell
    slots: dict[int, set[int]] = {}
    for _cell, block, slot, _ in rows:
        slots.setdefault(block, set()).add(slot)
    assert sum(len(s) for s in slots.values()) == len(set(cells))  # no two cells share a bit


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.floats(-90, 90), st.floats(-180, 180), st.integers(MIN_RES, MAX_RES)),
                min_size=1, max_size=50))
def test_a_cells_block_and_slot_give_it_back(engine: Engine,
                                             points: list[tuple[float, float, int]]) -> None:
    _check(engine, [basic_int.latlng_to_cell(lat, lon, res) for lat, lon, res in points])


def test_every_child_of_a_block_has_its_own_slot(engine: Engine) -> None:
    """All children of hexagon and pentagon blocks, at the finest and coarsest resolutions."""
    hexagon = basic_int.latlng_to_cell(31.23, 121.47, MIN_RES - 2)
    pentagon = basic_int.get_pentagons(MAX_RES - 2)[3]
    across = basic_int.latlng_to_cell(0.0, 179.999, MAX_RES - 2)
    for block in (hexagon, pentagon, across):
        children = basic_int.cell_to_children(block, basic_int.get_resolution(block) + 2)
        assert len(children) == (41 if h3.is_pentagon(h3.int_to_str(block)) else 49)
        _check(engine, list(children))
