"""Applicants' personal data can be erased (China's Personal Information Protection Law): an
application may be withdrawn, and name, phone and workplace name are empty once `erased_at` is
set (officers/erasure.py).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

STATUSES = "'submitted', 'contacted', 'approved', 'rejected', 'merged'"


def upgrade() -> None:
    op.add_column("applications", sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True))
    for column in ("name", "phone", "workplace_name"):
        op.alter_column("applications", column, nullable=True)
    op.create_check_constraint(
        op.f("ck_applications_personal_data"), "applications",
        "erased_at IS NOT NULL OR (name IS NOT NULL AND phone IS NOT NULL AND "
        "workplace_name IS NOT NULL)")
    op.drop_constraint(op.f("ck_applications_status"), "applications", type_="check")
    op.create_check_constraint(op.f("ck_applications_status"), "applications",
                               f"status IN ({STATUSES}, 'withdrawn')")


def downgrade() -> None:
    # The old schema cannot hold an erased application without inventing data: it goes.
    op.execute("DELETE FROM applications WHERE erased_at IS NOT NULL OR status = 'withdrawn'")
    op.drop_constraint(op.f("ck_applications_status"), "applications", type_="check")
    op.create_check_constraint(op.f("ck_applications_status"), "applications",
                               f"status IN ({STATUSES})")
    op.drop_constraint(op.f("ck_applications_personal_data"), "applications", type_="check")
    for column in ("name", "phone", "workplace_name"):
        op.alter_column("applications", column, nullable=False)
    op.drop_column("applications", "erased_at")
