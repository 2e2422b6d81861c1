"""Indexes for the orders the record lists offer (crm.services.record_views): firms by kana
across every hub (the secretariat's default order) and by registration within a hub;
follow-ups by due date within a hub, whatever their state.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-08 10:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_company_kana_key", "company", ["kana_key"])
    op.create_index("ix_company_hub_created_at", "company", ["hub_code", "created_at"])
    op.create_index("ix_follow_up_hub_due_on", "follow_up", ["hub_code", "due_on"])


def downgrade() -> None:
    op.drop_index("ix_follow_up_hub_due_on", table_name="follow_up")
    op.drop_index("ix_company_hub_created_at", table_name="company")
    op.drop_index("ix_company_kana_key", table_name="company")
