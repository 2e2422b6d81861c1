"""Indexes for the filters the pages and exports use: needs by opening date (national and per
hub), and every tracked table's created/updated stamps (the weekly export's week).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 23:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TRACKED = (
    "talent_category",
    "partner",
    "company",
    "contact",
    "consultation",
    "talent_need",
    "referral",
    "placement",
    "follow_up",
    "kpi_target",
)


def upgrade() -> None:
    op.create_index("ix_need_opened", "talent_need", ["opened_on"])
    op.create_index("ix_need_hub_opened", "talent_need", ["hub_code", "opened_on"])
    for table in TRACKED:
        for column in ("created_at", "updated_at"):
            op.create_index(f"ix_{table}_{column}", table, [column])


def downgrade() -> None:
    for table in TRACKED:
        for column in ("created_at", "updated_at"):
            op.drop_index(f"ix_{table}_{column}", table_name=table)
    op.drop_index("ix_need_hub_opened", table_name="talent_need")
    op.drop_index("ix_need_opened", table_name="talent_need")
