"""Area unions in a tree, their H3 coverage, and stations' operating union.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry

from geo.models import Ltree

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

LEVELS = ("city", "district", "street", "community", "grid")  # frozen as at this revision
LEVEL_SQL = ", ".join(f"'{level}'" for level in LEVELS)


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS ltree")
    op.create_table(
        "unions",
        sa.Column("id", sa.BigInteger, sa.Identity(), nullable=False),
        sa.Column("code", sa.Text, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("level", sa.Text, nullable=False),
        sa.Column("parent_id", sa.BigInteger),
        sa.Column("path", Ltree(), nullable=False),
        sa.Column("area", Geometry("MULTIPOLYGON", srid=4326, spatial_index=False)),
        sa.Column("area_m2", sa.Double),
        sa.Column("coverage_res", sa.SmallInteger),
        sa.Column("repaired", sa.Boolean, nullable=False, server_default=sa.text("false")),
        sa.Column("contact_address", sa.Text),
        sa.Column("contact_phone", sa.Text),
        sa.Column("area_effective_at", sa.DateTime(timezone=True)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.func.now()),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.func.now()),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unions")),
        sa.UniqueConstraint("code", name=op.f("uq_unions_code")),
        sa.ForeignKeyConstraint(["parent_id"], ["unions.id"], ondelete="RESTRICT",
                                name=op.f("fk_unions_parent_id_unions")),
        sa.CheckConstraint(f"level IN ({LEVEL_SQL})", name=op.f("ck_unions_level")),
        sa.CheckConstraint("length(btrim(name)) BETWEEN 1 AND 200", name=op.f("ck_unions_name")),
        sa.CheckConstraint("length(code) BETWEEN 1 AND 100", name=op.f("ck_unions_code")),
        sa.CheckConstraint("area IS NULL OR (ST_IsValid(area) AND NOT ST_IsEmpty(area))",
                           name=op.f("ck_unions_area")),
    )
    op.create_index("ix_unions_area", "unions", ["area"], postgresql_using="gist")
    op.create_index("ix_unions_area_geog", "unions", [sa.text("(area::geography)")],
                    postgresql_using="gist")
    op.create_index("ix_unions_path", "unions", ["path"], postgresql_using="gist")
    op.create_index("ix_unions_parent_id", "unions", ["parent_id"])
    op.create_table(
        "union_cells",
        sa.Column("cell", sa.BigInteger, nullable=False),
        sa.Column("res", sa.SmallInteger, nullable=False),
        sa.Column("union_id", sa.BigInteger, nullable=False),
        sa.Column("interior", sa.Boolean, nullable=False),
        sa.PrimaryKeyConstraint("cell", "res", "union_id", name=op.f("pk_union_cells")),
        sa.ForeignKeyConstraint(["union_id"], ["unions.id"], ondelete="CASCADE",
                                name=op.f("fk_union_cells_union_id_unions")),
    )
    op.create_index("ix_union_cells_union_id", "union_cells", ["union_id"])
    op.create_foreign_key(op.f("fk_stations_union_id_unions"), "stations", "unions",
                          ["union_id"], ["id"], ondelete="SET NULL")


def downgrade() -> None:
    op.drop_constraint(op.f("fk_stations_union_id_unions"), "stations", type_="foreignkey")
    op.drop_table("union_cells")
    op.drop_table("unions")
