"""Requests counted for officers: per category for a jurisdiction, per union one level below,
and by H3 cell on a map (counts only: no name, phone, text or point leaves here)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import Any

import h3
from sqlalchemy import ColumnElement, Connection, func, select

from geo.h3index import cell_polygon, to_hex
from geo.jurisdiction import Jurisdiction
from geo.models import Union
from membership.worker_requests.core import R
from membership.worker_requests.vocab import OPEN_REQUEST_STATUSES, Category, Outcome

U = Union.__table__
FIGURES = ("open", "overdue", "escalated", "closed", "solved")


def _figures(today: date) -> list[ColumnElement[int]]:
    is_open = R.c.status.in_(OPEN_REQUEST_STATUSES)
    return [func.count().filter(is_open).label("open"),
            func.count().filter(is_open & (R.c.deadline < today)).label("overdue"),
            func.count().filter(is_open & (R.c.escalation_level > 0)).label("escalated"),
            func.count().filter(~is_open).label("closed"),
            func.count().filter(R.c.outcome == Outcome.SOLVED.value).label("solved")]


def _shaped(found: dict[str, Counter[str]]) -> dict[str, Any]:
    """Every category (zeros included) and `all`, each with the share of closed ones solved
    (None while none is closed)."""
    total: Counter[str] = Counter()
    for figures in found.values():
        total.update(figures)

    def one(figures: Counter[str]) -> dict[str, Any]:
        closed = figures["closed"]
        return {**{f: figures[f] for f in FIGURES},
                "share_solved": round(figures["solved"] / closed, 4) if closed else None}
    return {"categories": {c.value: one(found.get(c.value, Counter())) for c in Category},
            "all": one(total)}


def counts(conn: Connection, within: Jurisdiction, today: date) -> dict[str, Any]:
    """Open, overdue (past the handling union's deadline), escalated, closed and solved requests
    of the jurisdiction, per category."""
    rows = conn.execute(select(R.c.category, *_figures(today)).where(within.union(R.c.union_id))
                        .group_by(R.c.category))
    return _shaped({r.category: Counter({f: getattr(r, f) for f in FIGURES}) for r in rows})


def counts_below(conn: Connection, union_id: int, today: date) -> list[dict[str, Any]]:
    """The same figures for each union one level below `union_id` (its subtree's requests), and
    for the requests `union_id` handles itself; children with none are listed with zeros."""
    root = conn.execute(select(U.c.path, func.nlevel(U.c.path)).where(U.c.id == union_id)).first()
    if root is None:
        return []
    child = func.ltree2text(func.subpath(U.c.path, root[1], 1)).label("child")
    rows = conn.execute(
        select(R.c.category, child, *_figures(today))
        .select_from(R.join(U, U.c.id == R.c.union_id))
        .where(U.c.path.op("<@")(root[0]), func.nlevel(U.c.path) > root[1])
        .group_by(child, R.c.category))
    found: dict[int, dict[str, Counter[str]]] = {}
    for r in rows:
        found.setdefault(int(r.child), {})[r.category] = Counter({f: getattr(r, f) for f in FIGURES})
    own = conn.execute(select(R.c.category, *_figures(today)).where(R.c.union_id == union_id)
                       .group_by(R.c.category))
    children = conn.execute(select(U.c.id, U.c.code, U.c.name).where(U.c.parent_id == union_id)
                            .order_by(U.c.code)).all()
    table = [{"union": {"id": c.id, "code": c.code, "name": c.name}, **_shaped(found.get(c.id, {}))}
             for c in children]
    themselves = {r.category: Counter({f: getattr(r, f) for f in FIGURES}) for r in own}
    return [*table, {"union": None, **_shaped(themselves)}]


@dataclass(frozen=True)
class RequestCell:
    cell: str
    requests: int


def cells(conn: Connection, within: Jurisdiction, res: int, *, category: Category | None = None,
          open_only: bool = False) -> list[RequestCell]:
    """The jurisdiction's requests counted by the H3 cell at `res` of the workplace, the fullest
    first. Counted by the stored resolution-10 cell, whose parent at `res` is exact."""
    conditions = [within.union(R.c.union_id)]
    if category is not None:
        conditions.append(R.c.category == category.value)
    if open_only:
        conditions.append(R.c.status.in_(OPEN_REQUEST_STATUSES))
    by_cell: Counter[str] = Counter()
    for cell, n in conn.execute(select(R.c.h3_cell, func.count()).where(*conditions)
                                .group_by(R.c.h3_cell)):
        by_cell[h3.cell_to_parent(to_hex(cell), res)] += n
    return [RequestCell(c, n) for c, n in sorted(by_cell.items(), key=lambda x: (-x[1], x[0]))]


def cells_geojson(found: list[RequestCell], res: int,
                  category: Category | None) -> dict[str, Any]:
    features = [{"type": "Feature", "id": c.cell, "geometry": cell_polygon(c.cell),
                 "properties": {"cell": c.cell, "requests": c.requests}} for c in found]
    return {"type": "FeatureCollection", "res": res,
            "category": category.value if category else None, "features": features}
