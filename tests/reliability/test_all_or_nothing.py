"""Union imports and coverage rebuilds are all-or-nothing and safe to run again: a crash half-way
leaves the database as it was, and a second run of a finished one changes nothing."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text

from geo import unions
from geo.crs import Crs
from geo.vocab import UnionLevel
from seed.union_import import FieldMap, import_unions
from tests.faults import CrashOnCall

FIELDS = FieldMap(code="code", name="name", parent="parent")


def areas_file(tmp_path: Path) -> Path:
    def square(x: float, y: float) -> dict[str, Any]:
        ring = [[x, y], [x + 0.1, y], [x + 0.1, y + 0.1], [x, y + 0.1], [x, y]]
        return {"type": "Polygon", "coordinates": [ring]}
    features = [{"type": "Feature", "geometry": square(121.0 + 0.1 * i, 31.0),
                 "properties": {"code": f"R{i}", "name": f"区域{i}", "parent": None}}
                for i in range(4)]
    path = tmp_path / "areas.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


def state(engine: Engine) -> tuple[Sequence[Any], Sequence[Any]]:
    with engine.connect() as conn:
        return (conn.execute(text("SELECT code, name, ST_AsText(area) FROM unions ORDER BY code")).all(),
                conn.execute(text("SELECT union_id, cell, interior FROM union_cells "
                                  "ORDER BY 1, 2")).all())


def test_a_crash_in_a_union_import_leaves_nothing_and_a_rerun_changes_nothing(
        engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.union_data import clear

    clear(engine)
    path = areas_file(tmp_path)
    save = unions.save
    monkeypatch.setattr(unions, "save",
                        CrashOnCall(save, 3, RuntimeError("the machine fell over")))
    with pytest.raises(RuntimeError):
        import_unions(engine, path, Crs.WGS84, FIELDS, UnionLevel.DISTRICT)
    assert state(engine) == ([], [])  # the two saved before the crash went with it
    monkeypatch.setattr(unions, "save", save)
    first = import_unions(engine, path, Crs.WGS84, FIELDS, UnionLevel.DISTRICT)
    assert first.created == 4 and not first.problems
    done = state(engine)
    again = import_unions(engine, path, Crs.WGS84, FIELDS, UnionLevel.DISTRICT)
    assert again.created == 0 and state(engine) == done
    clear(engine)


def test_a_crash_in_a_coverage_rebuild_leaves_the_cells_as_they_were(
        engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.union_data import clear

    clear(engine)
    import_unions(engine, areas_file(tmp_path), Crs.WGS84, FIELDS, UnionLevel.DISTRICT)
    before = state(engine)
    rebuild = unions.rebuild_coverage
    monkeypatch.setattr(unions, "rebuild_coverage", CrashOnCall(rebuild, 3, RuntimeError("out of memory")))
    with pytest.raises(RuntimeError), engine.begin() as conn:  # as `yizhan unions rebuild-coverage`
        unions.rebuild_all(conn)
    assert state(engine) == before
    monkeypatch.setattr(unions, "rebuild_coverage", rebuild)
    with engine.begin() as conn:
        assert unions.rebuild_all(conn) == 4
    assert state(engine) == before  # rebuilt from the same areas: the same cells
    clear(engine)
