"""Coverage cells are stored at their area's own resolution, no longer compacted, so that a point
is looked up by one cell per resolution (see geo.coverage); unions keep their level's rank in a
generated column, so that matching compares stored integers.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""

import h3
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# An H3 index keeps its resolution in bits 52-55.
TAKE_COMPACTED = ("DELETE FROM union_cells WHERE interior AND (cell >> 52) & 15 < res "
                  "RETURNING union_id, res, cell")
INSERT = ("INSERT INTO union_cells (union_id, res, cell, interior) SELECT u, r, c, true "
          "FROM unnest(CAST(:u AS bigint[]), CAST(:r AS smallint[]), CAST(:c AS bigint[])) "
          "AS t(u, r, c)")


def upgrade() -> None:
    op.add_column("unions", sa.Column("level_rank", sa.SmallInteger, sa.Computed(
        "union_level_rank(level)", persisted=True), nullable=False))
    conn = op.get_bind()
    rows: dict[str, list[int]] = {"u": [], "r": [], "c": []}
    for union_id, res, cell in conn.execute(sa.text(TAKE_COMPACTED)).all():
        for child in h3.cell_to_children(h3.int_to_str(cell), res):
            rows["u"].append(union_id)
            rows["r"].append(res)
            rows["c"].append(int(h3.str_to_int(child)))
    if rows["c"]:
        conn.execute(sa.text(INSERT), rows)


def downgrade() -> None:
    # Uncompacted cells answer the old lookups too (a point's own cell is one of them).
    op.drop_column("unions", "level_rank")
