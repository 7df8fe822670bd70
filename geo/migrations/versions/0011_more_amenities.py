"""Amenities that stations in the field offer beyond the first list: battery swap (换电), meals
(爱心餐), common medicines, legal aid, haircuts, a shower.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04
"""

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

BEFORE = ("drinking_water", "hot_water", "cooling", "heating", "seating", "toilet",
          "phone_charging", "microwave", "first_aid", "wifi", "umbrella_lending", "tool_kit",
          "ebike_parking", "ebike_charging", "refrigerator", "reading")
ADDED = ("battery_swap", "meals", "medicine", "legal_aid", "haircut", "shower")


def _allow(amenities: tuple[str, ...]) -> None:
    listed = ", ".join(f"'{a}'" for a in amenities)
    op.drop_constraint(op.f("ck_stations_amenities"), "stations", type_="check")
    op.create_check_constraint(op.f("ck_stations_amenities"), "stations",
                               f"amenities <@ ARRAY[{listed}]::text[]")


def upgrade() -> None:
    _allow(BEFORE + ADDED)


def downgrade() -> None:
    listed = ", ".join(f"'{a}'" for a in ADDED)
    op.execute(f"UPDATE stations SET amenities = ARRAY(SELECT a FROM unnest(amenities) a "
               f"WHERE a <> ALL (ARRAY[{listed}])) WHERE amenities && ARRAY[{listed}]::text[]")
    _allow(BEFORE)
