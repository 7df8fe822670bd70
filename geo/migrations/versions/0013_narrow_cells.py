"""Coverage cells keyed by (cell, union) alone, the union as a 4-byte integer: the resolution
column went (H3 keeps it in the cell's id), and each index entry shrinks from 32 to 24 bytes.
The table is written anew in cell order and its indexes built after it, so that they are packed
full (an index grown by random inserts is about two thirds full).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04
"""

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def _rewrite(columns: str, select: str, key: str, include: str) -> None:
    op.execute("SET LOCAL maintenance_work_mem = '1GB'")
    op.execute(f"CREATE TABLE union_cells_next ({columns}, interior boolean NOT NULL)")
    op.execute(f"INSERT INTO union_cells_next SELECT {select}, interior FROM union_cells "
               "ORDER BY cell, union_id")
    op.execute("DROP TABLE union_cells")
    op.execute("ALTER TABLE union_cells_next RENAME TO union_cells")
    op.execute(f"ALTER TABLE union_cells ADD CONSTRAINT pk_union_cells PRIMARY KEY ({key}) "
               f"{include}")
    op.execute("ALTER TABLE union_cells ADD CONSTRAINT fk_union_cells_union_id_unions "
               "FOREIGN KEY (union_id) REFERENCES unions (id) ON DELETE CASCADE")
    op.execute("CREATE INDEX ix_union_cells_union_id ON union_cells (union_id)")
    op.execute("ANALYZE union_cells")


def upgrade() -> None:
    _rewrite("cell bigint NOT NULL, union_id integer NOT NULL", "cell, union_id",
             "cell, union_id", "INCLUDE (interior)")


def downgrade() -> None:
    _rewrite("cell bigint NOT NULL, res smallint NOT NULL, union_id bigint NOT NULL",
             "cell, ((cell >> 52) & 15)::smallint, union_id", "cell, res, union_id",
             "INCLUDE (interior)")
