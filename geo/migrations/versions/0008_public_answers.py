"""Public answers that tell nothing about others (issue 23): a second application of a person with
an open one is merged into it (status `merged`, `merged_into_id`) instead of refused, and one from
a member is taken and flagged (`existing_member_id`); anonymous actors' addresses in the audit log
are kept only as keyed hashes from now on, and the ones kept in clear before are removed (a
migration has no key to hash them with).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

STATUSES = "'submitted', 'contacted', 'approved', 'rejected'"
PUBLIC_ACTORS = "('applicant', 'public')"


def _status_check(statuses: str) -> None:
    op.drop_constraint(op.f("ck_applications_status"), "applications", type_="check")
    op.create_check_constraint(op.f("ck_applications_status"), "applications",
                               f"status IN ({statuses})")


def upgrade() -> None:
    op.add_column("applications", sa.Column("merged_into_id", sa.BigInteger(), nullable=True))
    op.add_column("applications", sa.Column("existing_member_id", sa.BigInteger(),
                                             nullable=True))
    op.create_foreign_key(op.f("fk_applications_merged_into_id_applications"), "applications",
                          "applications", ["merged_into_id"], ["id"], ondelete="SET NULL")
    op.create_foreign_key(op.f("fk_applications_existing_member_id_members"), "applications",
                          "members", ["existing_member_id"], ["id"], ondelete="SET NULL")
    op.create_index("ix_applications_merged_into_id", "applications", ["merged_into_id"],
                    postgresql_where=sa.text("merged_into_id IS NOT NULL"))
    _status_check(f"{STATUSES}, 'merged'")
    op.execute("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only")
    op.execute(f"UPDATE audit_log SET ip = NULL, user_agent = NULL WHERE actor IN {PUBLIC_ACTORS} "
               "AND (ip IS NOT NULL OR user_agent IS NOT NULL)")
    op.execute("ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only")


def downgrade() -> None:
    op.execute("UPDATE applications SET status = 'rejected' WHERE status = 'merged'")
    _status_check(STATUSES)
    op.drop_index("ix_applications_merged_into_id", table_name="applications")
    op.drop_constraint(op.f("fk_applications_existing_member_id_members"), "applications",
                       type_="foreignkey")
    op.drop_constraint(op.f("fk_applications_merged_into_id_applications"), "applications",
                       type_="foreignkey")
    op.drop_column("applications", "existing_member_id")
    op.drop_column("applications", "merged_into_id")
