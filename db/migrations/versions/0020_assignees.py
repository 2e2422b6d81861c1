"""担当者: the hub's account in charge of a firm, a need or a follow-up (issue 25, item 1).

A plain integer column (accounts are disabled, never deleted), added in place so that the
tables' triggers stay as they are, with an index per hub for the lists' 担当者 filter.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-08 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = {"company": "company", "talent_need": "need", "follow_up": "follow_up"}


def upgrade() -> None:
    for table, short in TABLES.items():
        op.add_column(table, sa.Column("assignee_id", sa.Integer(), nullable=True))
        op.create_index(f"ix_{short}_hub_assignee", table, ["hub_code", "assignee_id"])


def downgrade() -> None:
    for table, short in TABLES.items():
        op.drop_index(f"ix_{short}_hub_assignee", table_name=table)
        # In place (SQLite 3.35+, PostgreSQL): a batch copy would break the triggers.
        op.execute(f"ALTER TABLE {table} DROP COLUMN assignee_id")
