"""Join applications with their events and idempotency keys; members and their memberships.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "members",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("member_no", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("phone", sa.Text(), nullable=False),
        sa.Column("id_hash", sa.LargeBinary(), nullable=True),
        sa.Column("id_masked", sa.Text(), nullable=True),
        sa.Column("occupation_group", sa.Text(), nullable=False),
        sa.Column("union_id", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.Text(), server_default="active", nullable=False),
        sa.Column("workplace_id", sa.BigInteger(), nullable=True),
        sa.Column("workplace_name", sa.Text(), nullable=True),
        sa.Column("workplace_address", sa.Text(), nullable=True),
        sa.Column("workplace_location", Geometry("POINT", srid=4326, spatial_index=False), nullable=True),
        sa.Column("joined_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("status IN ('active', 'between_jobs')", name=op.f("ck_members_status")),
        sa.ForeignKeyConstraint(
            ["union_id"], ["unions.id"], name=op.f("fk_members_union_id_unions"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["workplace_id"],
            ["workplaces.id"],
            name=op.f("fk_members_workplace_id_workplaces"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_members")),
        sa.UniqueConstraint("member_no", name=op.f("uq_members_member_no")),
    )
    op.create_index("ix_members_union_id", "members", ["union_id"], unique=False)
    op.create_index("ix_members_phone", "members", ["phone"], unique=False)
    op.create_index("ix_members_id_hash", "members", ["id_hash"], unique=False)
    op.create_table(
        "applications",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("phone", sa.Text(), nullable=False),
        sa.Column("id_hash", sa.LargeBinary(), nullable=True),
        sa.Column("id_masked", sa.Text(), nullable=True),
        sa.Column("occupation_group", sa.Text(), nullable=False),
        sa.Column("workplace_id", sa.BigInteger(), nullable=True),
        sa.Column("workplace_name", sa.Text(), nullable=False),
        sa.Column("workplace_address", sa.Text(), nullable=True),
        sa.Column(
            "workplace_location",
            Geometry("POINT", srid=4326, spatial_index=False, nullable=False),
            nullable=False,
        ),
        sa.Column("station_id", sa.BigInteger(), nullable=True),
        sa.Column("union_id", sa.BigInteger(), nullable=False),
        sa.Column("route_reason", sa.Text(), nullable=False),
        sa.Column("route_distance_m", sa.Double(), nullable=True),
        sa.Column("status", sa.Text(), server_default="submitted", nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("deadline_estimated", sa.Boolean(), nullable=False),
        sa.Column("consent_notice", sa.Text(), nullable=False),
        sa.Column("token_salt", sa.LargeBinary(), nullable=False),
        sa.Column("member_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "occupation_group IN ('truck_driver', 'courier', 'care_worker', 'domestic_worker', "
            "'mall_staff', 'food_delivery_rider', 'estate_agent', 'security_guard', 'other')",
            name=op.f("ck_applications_occupation_group"),
        ),
        sa.CheckConstraint(
            "status IN ('submitted', 'contacted', 'approved', 'rejected')",
            name=op.f("ck_applications_status"),
        ),
        sa.CheckConstraint("length(btrim(name)) BETWEEN 1 AND 100", name=op.f("ck_applications_name")),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_applications_member_id_members"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["station_id"],
            ["stations.id"],
            name=op.f("fk_applications_station_id_stations"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["union_id"], ["unions.id"], name=op.f("fk_applications_union_id_unions"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["workplace_id"],
            ["workplaces.id"],
            name=op.f("fk_applications_workplace_id_workplaces"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_applications")),
    )
    op.create_index("ix_applications_union_id_status", "applications", ["union_id", "status"], unique=False)
    op.create_index(
        "uq_applications_open_id_hash",
        "applications",
        ["id_hash"],
        unique=True,
        postgresql_where=sa.text("status IN ('submitted', 'contacted') AND id_hash IS NOT NULL"),
    )
    op.create_index(
        "uq_applications_open_phone",
        "applications",
        ["phone"],
        unique=True,
        postgresql_where=sa.text("status IN ('submitted', 'contacted')"),
    )
    op.create_table(
        "memberships",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("member_id", sa.BigInteger(), nullable=False),
        sa.Column("union_id", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_memberships_member_id_members"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["union_id"], ["unions.id"], name=op.f("fk_memberships_union_id_unions"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_memberships")),
    )
    op.create_index("ix_memberships_member_id", "memberships", ["member_id"], unique=False)
    op.create_index(
        "uq_memberships_open",
        "memberships",
        ["member_id"],
        unique=True,
        postgresql_where=sa.text("ended_at IS NULL"),
    )
    op.create_table(
        "application_events",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("application_id", sa.BigInteger(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("from_union_id", sa.BigInteger(), nullable=True),
        sa.Column("to_union_id", sa.BigInteger(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_application_events_application_id_applications"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["from_union_id"],
            ["unions.id"],
            name=op.f("fk_application_events_from_union_id_unions"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["to_union_id"],
            ["unions.id"],
            name=op.f("fk_application_events_to_union_id_unions"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_application_events")),
    )
    op.create_index(
        "ix_application_events_application_id", "application_events", ["application_id"], unique=False
    )
    op.create_table(
        "idempotency_keys",
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("request_hash", sa.LargeBinary(), nullable=False),
        sa.Column("application_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_idempotency_keys_application_id_applications"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_idempotency_keys")),
    )


def downgrade() -> None:
    for table in ("idempotency_keys", "application_events", "memberships", "applications", "members"):
        op.drop_table(table)
