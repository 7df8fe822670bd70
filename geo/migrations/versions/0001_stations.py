"""PostGIS and the stations table.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects.postgresql import ARRAY

# Frozen copies of the vocabularies as they were at this revision; later changes need a migration.
AMENITIES = (
    "drinking_water", "hot_water", "cooling", "heating", "seating", "toilet", "phone_charging",
    "microwave", "first_aid", "wifi", "umbrella_lending", "tool_kit", "ebike_parking",
    "ebike_charging", "refrigerator", "reading",
)
STATUSES = ("operational", "temporarily_closed", "planned", "removed")
AMENITY_SQL = "ARRAY[" + ", ".join(f"'{a}'" for a in AMENITIES) + "]::text[]"
STATUS_SQL = ", ".join(f"'{s}'" for s in STATUSES)

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    op.create_table(
        "stations",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("external_id", sa.Text, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("address", sa.Text),
        sa.Column(
            "location",
            Geometry("POINT", srid=4326, spatial_index=False, nullable=False),
            nullable=False,
        ),
        sa.Column("h3_r10", sa.BigInteger, nullable=False),
        sa.Column("amenities", ARRAY(sa.Text), nullable=False, server_default=sa.text("'{}'")),
        sa.Column("opening_hours", sa.Text),
        sa.Column("timezone", sa.Text, nullable=False, server_default=sa.text("'Asia/Shanghai'")),
        sa.Column("status", sa.Text, nullable=False, server_default=sa.text("'operational'")),
        sa.Column("operator", sa.Text),
        sa.Column("union_id", sa.BigInteger),
        sa.Column("phone", sa.Text),
        sa.Column("last_verified_at", sa.DateTime(timezone=True)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.func.now()),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.func.now()),
        sa.PrimaryKeyConstraint("id", name="pk_stations"),
        sa.UniqueConstraint("external_id", name="uq_stations_external_id"),
        sa.CheckConstraint(f"status IN ({STATUS_SQL})", name=op.f("ck_stations_status")),
        sa.CheckConstraint(f"amenities <@ {AMENITY_SQL}", name=op.f("ck_stations_amenities")),
        sa.CheckConstraint("length(btrim(name)) BETWEEN 1 AND 200", name=op.f("ck_stations_name")),
        sa.CheckConstraint("length(external_id) BETWEEN 1 AND 200",
                           name=op.f("ck_stations_external_id")),
    )
    op.create_index("ix_stations_location", "stations", ["location"], postgresql_using="gist")
    op.create_index("ix_stations_location_geog", "stations", [sa.text("(location::geography)")],
                    postgresql_using="gist")
    op.create_index("ix_stations_amenities", "stations", ["amenities"], postgresql_using="gin")
    op.create_index("ix_stations_h3_r10", "stations", ["h3_r10"])
    op.create_index("ix_stations_status", "stations", ["status"])


def downgrade() -> None:
    op.drop_table("stations")
