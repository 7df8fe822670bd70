"""Officer accounts, the append-only audit log, station reports and rate-limit counters.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from geo.models import Ltree

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

APPEND_ONLY = """
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % is not allowed', TG_OP;
END $$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
"""


def upgrade() -> None:
    op.create_table(
        "officers",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("username", sa.Text(), nullable=False),
        sa.Column("display_name", sa.Text(), nullable=False),
        sa.Column("role", sa.Text(), nullable=False),
        sa.Column("union_id", sa.BigInteger(), nullable=True),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column("token_version", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
                  nullable=False),
        sa.Column("password_changed_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
                  nullable=False),
        sa.CheckConstraint("username ~ '^[a-z0-9][a-z0-9._-]{1,49}$'", name=op.f("ck_officers_username")),
        sa.CheckConstraint("length(btrim(display_name)) BETWEEN 1 AND 100",
                           name=op.f("ck_officers_display_name")),
        sa.CheckConstraint("role IN ('officer', 'admin')", name=op.f("ck_officers_role")),
        sa.CheckConstraint("role = 'admin' OR union_id IS NOT NULL",
                           name=op.f("ck_officers_officer_has_union")),
        sa.ForeignKeyConstraint(["union_id"], ["unions.id"], name=op.f("fk_officers_union_id_unions"),
                                ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_officers")),
        sa.UniqueConstraint("username", name=op.f("uq_officers_username")),
    )
    op.create_index("ix_officers_union_id", "officers", ["union_id"], unique=False)
    op.create_table(
        "login_failures",
        sa.Column("username", sa.Text(), nullable=False),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("username", "address", name=op.f("pk_login_failures")),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.text("clock_timestamp()"),
                  nullable=False),
        sa.Column("officer_id", sa.BigInteger(), nullable=True),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("object_type", sa.Text(), nullable=False),
        sa.Column("object_id", sa.BigInteger(), nullable=True),
        sa.Column("union_id", sa.BigInteger(), nullable=True),
        sa.Column("union_path", Ltree(), nullable=True),
        sa.Column("ip", sa.Text(), nullable=True),
        sa.Column("user_agent", sa.Text(), nullable=True),
        sa.Column("detail", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index("ix_audit_log_union_path", "audit_log", ["union_path"], unique=False,
                    postgresql_using="gist")
    op.create_index("ix_audit_log_object_type_object_id", "audit_log", ["object_type", "object_id"],
                    unique=False)
    op.create_index("ix_audit_log_at", "audit_log", ["at"], unique=False)
    op.execute(APPEND_ONLY)
    op.create_table(
        "station_reports",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("station_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("photo_url", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
                  nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_by", sa.BigInteger(), nullable=True),
        sa.Column("resolution", sa.Text(), nullable=True),
        sa.CheckConstraint("kind IN ('closed', 'no_water', 'broken', 'crowded', 'wrong_location')",
                           name=op.f("ck_station_reports_kind")),
        sa.ForeignKeyConstraint(["resolved_by"], ["officers.id"],
                                name=op.f("fk_station_reports_resolved_by_officers"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["station_id"], ["stations.id"],
                                name=op.f("fk_station_reports_station_id_stations"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_station_reports")),
    )
    op.create_index("ix_station_reports_station_id", "station_reports", ["station_id"],
                    unique=False)
    op.create_table(
        "rate_limit_hits",
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("key", "window_start", name=op.f("pk_rate_limit_hits")),
        prefixes=["UNLOGGED"],
    )


def downgrade() -> None:
    op.drop_table("rate_limit_hits")
    op.drop_index("ix_station_reports_station_id", table_name="station_reports")
    op.drop_table("station_reports")
    op.drop_table("audit_log")
    op.execute("DROP FUNCTION audit_log_append_only()")
    op.drop_table("login_failures")
    op.drop_index("ix_officers_union_id", table_name="officers")
    op.drop_table("officers")
