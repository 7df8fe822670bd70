"""Import union areas from GeoJSON, Shapefile or GeoPackage (read by pyogrio/GDAL).

Features sharing a code are one union (their areas are merged). Parents load before children,
everything in one transaction: a failure while writing leaves nothing behind. Bad features are
reported with the reason and skipped; repaired areas are reported too. A feature without a
geometry at a level that needs an area refuses the whole file: its union would silently lose
its area, or part of it.
"""

from __future__ import annotations

import math
import warnings
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pyogrio.errors import DataSourceError
from pyogrio.raw import read
from sqlalchemy import Engine

from geo import unions
from geo.areas import AreaError, clean_area, from_wkb
from geo.crs import Crs
from geo.db import analyze
from geo.unions import KEEP, Keep, UnionData, UnionTreeError
from geo.vocab import UnionLevel
from seed.station_import import ImportFormatError, Problem

MAX_CODE = 100  # characters, as the unions table allows


@dataclass
class UnionImportResult:
    features: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    repaired: list[Problem] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    merged: int = 0

    def summary(self) -> str:
        return (f"{self.features} features: {self.created} unions new, {self.updated} updated, "
                f"{self.unchanged} unchanged, "
                f"{self.merged} features merged into a union of the same code, "
                f"{len(self.repaired)} {'area' if len(self.repaired) == 1 else 'areas'} "
                f"repaired, {len(self.problems)} rejected")


@dataclass(frozen=True)
class FieldMap:
    code: str
    name: str
    parent: str | None = None
    level: str | None = None  # a field holding the level; else `default_level` for all
    parent_prefix: int | None = None  # or the parent's code is the code's first N characters

    def parent_of(self, code: str, row: dict[str, Any]) -> str | Keep | None:
        """The parent's code; KEEP (an existing union's parent stays) when the file names none."""
        if self.parent_prefix is not None:
            if len(code) <= self.parent_prefix:
                raise ValueError(f"code {code!r} has no parent prefix of {self.parent_prefix} "
                                 "characters")
            return code[:self.parent_prefix]
        if self.parent:
            return _text(row[self.parent])
        return KEEP


def _text(value: Any) -> str | None:
    """A field's value as text, None when null or blank. pyogrio reads an integer column with
    nulls as floats, the nulls as NaN: 110000.0 is the code 110000, NaN no code at all."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip() or None


def _read(path: Path, where: str | None) -> tuple[list[str], list[Any], Any]:
    if not path.exists():
        raise ImportFormatError(f"{path} does not exist")
    try:
        with warnings.catch_warnings():  # each open ring is named in the feature's problem
            warnings.filterwarnings("ignore", "Non closed ring detected", RuntimeWarning)
            meta, _, geometries, columns = read(path, where=where)
    except DataSourceError as exc:
        raise ImportFormatError(f"cannot read {path.name} as GeoJSON, Shapefile or GeoPackage: "
                                f"{exc}") from None
    except ValueError as exc:  # pyogrio's word for a bad --where
        raise ImportFormatError(str(exc).split(" for layer")[0]) from None
    return list(meta["fields"]), columns, geometries


def import_unions(engine: Engine, path: Path, crs: Crs | int, fields: FieldMap,
                  default_level: UnionLevel | None, where: str | None = None) -> UnionImportResult:
    names, columns, geometries = _read(path, where)
    missing = [f for f in (fields.code, fields.name, fields.parent, fields.level)
               if f and f not in names]
    if missing:
        raise ImportFormatError(f"no field {', '.join(missing)}; the file has {', '.join(names)}")
    if fields.parent and fields.parent_prefix is not None:
        raise ImportFormatError("give --parent-field or --parent-code-prefix, not both")
    if fields.level is None and default_level is None:
        raise ImportFormatError("say the level with --level, or name a --level-field")
    value = {name: column for name, column in zip(names, columns, strict=True)}
    result = UnionImportResult(features=len(geometries))
    grouped: dict[str, dict[str, Any]] = defaultdict(
        lambda: {"parts": [], "where": [], "unreadable": [], "no_geometry": []})
    for i, wkb in enumerate(geometries):
        where = f"feature {i + 1}"
        code = _text(value[fields.code][i])
        if code is None:
            result.problems.append(Problem(where, f"no {fields.code}"))
            continue
        if len(code) > MAX_CODE:
            result.problems.append(Problem(where, f"{fields.code} has {len(code)} characters; at "
                                                  f"most {MAX_CODE} are allowed"))
            continue
        level_text = str(value[fields.level][i]) if fields.level else str(default_level)
        try:
            level = UnionLevel.parse(level_text)
        except ValueError as exc:
            result.problems.append(Problem(where, f"union {code!r}: {exc}"))
            continue
        try:
            parent = fields.parent_of(code, {f: value[f][i] for f in ([fields.parent]
                                                                      if fields.parent else [])})
        except ValueError as exc:
            result.problems.append(Problem(where, str(exc)))  # it names the code
            continue
        group = grouped[code]
        group["where"].append(where)
        name = _text(value[fields.name][i])
        group |= {"name": name[:200] if name else group.get("name", KEEP), "level": level,
                  "parent": parent}
        if wkb is None:  # null in the file, or a geometry GDAL could not read
            group["no_geometry"].append(where)
        else:
            try:
                group["parts"].append(from_wkb(wkb))
            except AreaError as exc:
                group["unreadable"].append((where, str(exc)))
    _refuse_missing_areas(grouped)
    result.merged = sum(len(g["where"]) - 1 for g in grouped.values())
    with engine.begin() as conn:
        for code, group in sorted(grouped.items(), key=lambda kv: (kv[1]["level"].rank, kv[0])):
            where = ", ".join(group["where"][:3]) + (" …" if len(group["where"]) > 3 else "")
            try:
                if group["unreadable"]:  # which of the features merged under one code
                    raise AreaError("; ".join(f"{w}: {why}" if len(group["where"]) > 1 else why
                                              for w, why in group["unreadable"]))
                area = clean_area(group["parts"], crs) if group["parts"] else None
                with conn.begin_nested():
                    _, saved = unions.save(conn, UnionData(
                        code, group["name"], group["level"], group["parent"], area,
                        contact_address=KEEP, contact_phone=KEEP, area_effective_at=KEEP))
            except (AreaError, UnionTreeError) as exc:
                result.problems.append(Problem(f"{where} ({code})", str(exc)))
                continue
            if area and area.repaired:
                result.repaired.append(Problem(f"{where} ({code})", f"repaired: {area.note}"))
            setattr(result, saved, getattr(result, saved) + 1)
    analyze(engine, "unions", "union_cell_blocks")
    result.problems.sort(key=_in_file_order)
    result.repaired.sort(key=_in_file_order)
    return result


def _in_file_order(problem: Problem) -> int:
    """Problems are found feature by feature, then union by union (parents first)."""
    return int(problem.where.split(",")[0].split()[1])


def _refuse_missing_areas(grouped: dict[str, dict[str, Any]]) -> None:
    missing = [f"{where} ({code}): {why}, and the feature has no geometry (null, or one GDAL "
               "cannot read)"
               for code, group in grouped.items() if (why := unions.area_required(group["level"]))
               for where in group["no_geometry"]]
    if missing:
        more = f"; and {len(missing) - 5} more" if len(missing) > 5 else ""
        raise ImportFormatError("; ".join(missing[:5]) + more + "; nothing was imported")
