"""Workplaces, kept matched to the area union that covers them; SQL helpers for in-database
bulk re-matching.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects.postgresql import ARRAY

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# An H3 index keeps its resolution in bits 52-55 and one 3-bit digit per resolution below;
# digits past the resolution are all ones. The parent clears finer digits to ones.
H3_PARENT = """
CREATE FUNCTION h3_parent(cell bigint, res int) RETURNS bigint
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT (cell & ~(15::bigint << 52) & ~((1::bigint << (3 * (15 - res))) - 1))
           | (res::bigint << 52) | ((1::bigint << (3 * (15 - res))) - 1)
$$
"""
LEVEL_RANK = """
CREATE FUNCTION union_level_rank(level text) RETURNS int
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT array_position(ARRAY['city', 'district', 'street', 'community', 'grid'], level)
$$
"""


def upgrade() -> None:
    op.execute(H3_PARENT)
    op.execute(LEVEL_RANK)
    op.create_table(
        "workplaces",
        sa.Column("id", sa.BigInteger, sa.Identity(), nullable=False),
        sa.Column("external_id", sa.Text, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("uscc", sa.Text),
        sa.Column("address", sa.Text),
        sa.Column("location", Geometry("POINT", srid=4326, spatial_index=False, nullable=False),
                  nullable=False),
        sa.Column("h3_cells", ARRAY(sa.BigInteger), nullable=False),
        sa.Column("own_union_id", sa.BigInteger),
        sa.Column("matched_union_id", sa.BigInteger),
        sa.Column("match_status", sa.Text),
        sa.Column("match_method", sa.Text),
        sa.Column("match_distance_m", sa.Double),
        sa.Column("matched_at", sa.DateTime(timezone=True)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.func.now()),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.func.now()),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workplaces")),
        sa.UniqueConstraint("external_id", name=op.f("uq_workplaces_external_id")),
        sa.ForeignKeyConstraint(["own_union_id"], ["unions.id"], ondelete="SET NULL",
                                name=op.f("fk_workplaces_own_union_id_unions")),
        sa.ForeignKeyConstraint(["matched_union_id"], ["unions.id"], ondelete="SET NULL",
                                name=op.f("fk_workplaces_matched_union_id_unions")),
        sa.CheckConstraint("length(btrim(name)) BETWEEN 1 AND 200",
                           name=op.f("ck_workplaces_name")),
        sa.CheckConstraint("length(external_id) BETWEEN 1 AND 200",
                           name=op.f("ck_workplaces_external_id")),
    )
    op.create_index("ix_workplaces_location", "workplaces", ["location"], postgresql_using="gist")
    op.create_index("ix_workplaces_matched_union_id", "workplaces", ["matched_union_id"])
    op.create_index("ix_workplaces_own_union_id", "workplaces", ["own_union_id"])


def downgrade() -> None:
    op.drop_table("workplaces")
    op.execute("DROP FUNCTION union_level_rank(text)")
    op.execute("DROP FUNCTION h3_parent(bigint, int)")
