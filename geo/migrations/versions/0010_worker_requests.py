"""Workers' requests (维权 and 诉求), their history of events, and their idempotency keys.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

CATEGORIES = ("'wages', 'injury', 'contract', 'dismissal', 'safety', 'heat_and_weather', "
              "'rest_and_facilities', 'other'")
ACTIONS = "'submitted', 'acknowledged', 'note', 'update', 'handed_over', 'escalated', 'closed', 'rated'"


def _fk(table: str, column: str, target: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"),
                                   ondelete=ondelete)


def _check(table: str, name: str, condition: str) -> sa.CheckConstraint:
    return sa.CheckConstraint(condition, name=op.f(f"ck_{table}_{name}"))


def upgrade() -> None:
    t = "worker_requests"
    op.create_table(
        t,
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("category", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("phone", sa.Text(), nullable=True),
        sa.Column("may_name_to_employer", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("member_id", sa.BigInteger(), nullable=True),
        sa.Column("workplace_id", sa.BigInteger(), nullable=True),
        sa.Column("workplace_name", sa.Text(), nullable=True),
        sa.Column("workplace_address", sa.Text(), nullable=True),
        sa.Column("workplace_location", Geometry("POINT", srid=4326, spatial_index=False, nullable=False),
                  nullable=False),
        sa.Column("h3_cell", sa.BigInteger(), nullable=False),
        sa.Column("station_id", sa.BigInteger(), nullable=True),
        sa.Column("near_station", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("union_id", sa.BigInteger(), nullable=False),
        sa.Column("route_reason", sa.Text(), nullable=False),
        sa.Column("route_distance_m", sa.Double(), nullable=True),
        sa.Column("status", sa.Text(), server_default="submitted", nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("escalated_union_id", sa.BigInteger(), nullable=True),
        sa.Column("escalation_level", sa.SmallInteger(), server_default="0", nullable=False),
        sa.Column("current_deadline", sa.Date(), nullable=False),
        sa.Column("current_deadline_estimated", sa.Boolean(), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("worker_solved", sa.Boolean(), nullable=True),
        sa.Column("rating", sa.SmallInteger(), nullable=True),
        sa.Column("rated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("token_salt", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        _check(t, "category", f"category IN ({CATEGORIES})"),
        _check(t, "status", "status IN ('submitted', 'acknowledged', 'closed')"),
        _check(t, "outcome", "outcome IN ('solved', 'partly_solved', 'not_solved', 'referred')"),
        _check(t, "description", "length(btrim(description)) BETWEEN 1 AND 2000"),
        _check(t, "anonymous_has_no_name", "name IS NULL OR phone IS NOT NULL"),
        _check(t, "anonymous_is_no_member", "member_id IS NULL OR phone IS NOT NULL"),
        _check(t, "closed_with_outcome",
               "(status = 'closed') = (outcome IS NOT NULL AND closed_at IS NOT NULL)"),
        _check(t, "rating", "rating IS NULL OR (rating BETWEEN 1 AND 5 AND status = 'closed' "
                            "AND rated_at IS NOT NULL)"),
        _fk(t, "member_id", "members", "SET NULL"),
        _fk(t, "workplace_id", "workplaces", "SET NULL"),
        _fk(t, "station_id", "stations", "SET NULL"),
        _fk(t, "union_id", "unions", "RESTRICT"),
        _fk(t, "escalated_union_id", "unions", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_worker_requests")),
    )
    op.create_index("ix_worker_requests_union_id_status", t, ["union_id", "status"])
    op.create_index("ix_worker_requests_escalated_union_id", t, ["escalated_union_id"])
    op.create_index("ix_worker_requests_status_current_deadline", t, ["status", "current_deadline"])
    e = "request_events"
    op.create_table(
        e,
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("request_id", sa.BigInteger(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.text("clock_timestamp()"),
                  nullable=False),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("from_union_id", sa.BigInteger(), nullable=True),
        sa.Column("to_union_id", sa.BigInteger(), nullable=True),
        sa.Column("deadline", sa.Date(), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        _check(e, "action", f"action IN ({ACTIONS})"),
        _fk(e, "request_id", "worker_requests", "CASCADE"),
        _fk(e, "from_union_id", "unions", "SET NULL"),
        _fk(e, "to_union_id", "unions", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_request_events")),
    )
    op.create_index("ix_request_events_request_id", e, ["request_id"])
    k = "request_idempotency_keys"
    op.create_table(
        k,
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("request_hash", sa.LargeBinary(), nullable=False),
        sa.Column("request_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        _fk(k, "request_id", "worker_requests", "CASCADE"),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_request_idempotency_keys")),
    )


def downgrade() -> None:
    op.drop_table("request_idempotency_keys")
    op.drop_table("request_events")
    op.drop_table("worker_requests")
