"""An index of the unions that have an area, by parent: whether a matched union has area
children (if so, its point lies in a gap of theirs) is then read from the index alone, without
visiting each child's row to see whether its area is there.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04
"""

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE INDEX ix_unions_parent_id_with_area ON unions (parent_id) "
               "WHERE area IS NOT NULL")


def downgrade() -> None:
    op.execute("DROP INDEX ix_unions_parent_id_with_area")
