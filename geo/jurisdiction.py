"""What an officer may see: their union's subtree, as a condition inside every query.

Rows that belong to a union (applications, members, workplaces) are in the jurisdiction when
their union is in the subtree. Stations belong to no union's queue: they are in it when an area
of the subtree covers them (borders included, so a station on a shared border is in both)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Connection,
    Table,
    any_,
    exists,
    func,
    literal,
    select,
    true,
)

from geo.models import Union

U = Union.__table__


@dataclass(frozen=True)
class Jurisdiction:
    """`path` is the root union's ltree path; None means everything (an admin)."""

    path: str | None

    @property
    def everything(self) -> bool:
        return self.path is None

    def _in_subtree(self, table: Table) -> ColumnElement[bool]:
        return table.c.path.op("<@")(func.text2ltree(self.path))

    def union(self, union_id: ColumnElement[Any]) -> ColumnElement[bool]:
        """`union_id` (a column) names a union of the subtree. The subtree's ids are gathered
        once (an InitPlan) into an array, so that the column's own index answers `= ANY`; as
        `IN (subquery)` the planner scanned every row and tested each."""
        if self.path is None:
            return true()
        return union_id == any_(func.array(select(U.c.id).where(self._in_subtree(U))
                                           .scalar_subquery()))

    def holds(self, conn: Connection, union_id: int) -> bool:
        """Whether the union is in the subtree."""
        return bool(conn.execute(select(self.union(literal(union_id, BigInteger)))).scalar())

    def location(self, point: Any) -> ColumnElement[bool]:
        """`point` (a WGS84 geometry column or expression) lies in an area of the subtree."""
        if self.path is None:
            return true()
        return exists(select(1).select_from(U).where(
            self._in_subtree(U), U.c.area.is_not(None), func.ST_Covers(U.c.area, point)))


EVERYWHERE = Jurisdiction(None)
