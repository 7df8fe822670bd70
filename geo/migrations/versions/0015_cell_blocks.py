"""Coverage stored as blocks of 49 cells: one row per union and H3 cell two resolutions coarser
than the coverage (a block), whose 49 children are the bits 0-48 of two masks, `cells` (the
union's cells in the block) and `interior` (those of them wholly inside). A union of 200 cells
then takes about ten rows instead of 200: at city scale 33,601 rows held 548,415 cells.

A point's cell is found by its block and its slot, both read off the cell's id (the digits of
its last two resolutions), by the functions made here; `union_cells` stays as a view of the
cells one by one, for reading.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04
"""

from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

# An H3 cell id keeps its resolution r in bits 52-55 and the digit (0-6) of each resolution k in
# bits 3*(15-k) to 3*(15-k)+2, with 7 in every digit past r.
FUNCTIONS = """
CREATE FUNCTION h3_block(cell bigint) RETURNS bigint LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN (cell & ~(15::bigint << 52)) | ((((cell >> 52) & 15) - 2) << 52)
       | ((1::bigint << (3 * (17 - ((cell >> 52) & 15)))::integer) - 1);

CREATE FUNCTION h3_slot(cell bigint) RETURNS integer LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN (((cell >> (3 * (16 - ((cell >> 52) & 15)))::integer) & 7) * 7
        + ((cell >> (3 * (15 - ((cell >> 52) & 15)))::integer) & 7))::integer;

CREATE FUNCTION h3_block_child(block bigint, slot integer) RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN (block & ~(15::bigint << 52) & ~(63::bigint << (3 * (13 - ((block >> 52) & 15)))::integer))
       | ((((block >> 52) & 15) + 2) << 52)
       | ((slot / 7)::bigint << (3 * (14 - ((block >> 52) & 15)))::integer)
       | ((slot % 7)::bigint << (3 * (13 - ((block >> 52) & 15)))::integer);
"""

VIEW = """
CREATE VIEW union_cells AS
SELECT h3_block_child(b.block, s) AS cell, b.union_id, (b.interior >> s) & 1 = 1 AS interior
FROM union_cell_blocks b, generate_series(0, 48) AS s
WHERE (b.cells >> s) & 1 = 1
"""


def upgrade() -> None:
    op.execute("SET LOCAL maintenance_work_mem = '1GB'")
    op.execute(FUNCTIONS)
    op.execute("CREATE TABLE union_cell_blocks (block bigint NOT NULL, union_id integer NOT NULL, "
               "cells bigint NOT NULL, interior bigint NOT NULL)")
    op.execute("INSERT INTO union_cell_blocks SELECT h3_block(cell), union_id, "
               "bit_or(1::bigint << h3_slot(cell)), "
               "bit_or(CASE WHEN interior THEN 1::bigint << h3_slot(cell) ELSE 0 END) "
               "FROM union_cells GROUP BY 1, 2 ORDER BY 1, 2")
    op.execute("DROP TABLE union_cells")
    op.execute("ALTER TABLE union_cell_blocks ADD CONSTRAINT pk_union_cell_blocks "
               "PRIMARY KEY (block, union_id) INCLUDE (cells, interior)")
    op.execute("ALTER TABLE union_cell_blocks ADD CONSTRAINT fk_union_cell_blocks_union_id_unions "
               "FOREIGN KEY (union_id) REFERENCES unions (id) ON DELETE CASCADE")
    op.execute("CREATE INDEX ix_union_cell_blocks_union_id ON union_cell_blocks (union_id)")
    op.execute(VIEW)
    op.execute("ANALYZE union_cell_blocks")


def downgrade() -> None:
    op.execute("SET LOCAL maintenance_work_mem = '1GB'")
    op.execute("CREATE TABLE union_cells_next (cell bigint NOT NULL, union_id integer NOT NULL, "
               "interior boolean NOT NULL)")
    op.execute("INSERT INTO union_cells_next SELECT cell, union_id, interior FROM union_cells "
               "ORDER BY cell, union_id")
    op.execute("DROP VIEW union_cells")
    op.execute("DROP TABLE union_cell_blocks")
    op.execute("DROP FUNCTION h3_block_child(bigint, integer), h3_slot(bigint), h3_block(bigint)")
    op.execute("ALTER TABLE union_cells_next RENAME TO union_cells")
    op.execute("ALTER TABLE union_cells ADD CONSTRAINT pk_union_cells PRIMARY KEY (cell, union_id) "
               "INCLUDE (interior)")
    op.execute("ALTER TABLE union_cells ADD CONSTRAINT fk_union_cells_union_id_unions "
               "FOREIGN KEY (union_id) REFERENCES unions (id) ON DELETE CASCADE")
    op.execute("CREATE INDEX ix_union_cells_union_id ON union_cells (union_id)")
    op.execute("ANALYZE union_cells")
