"""Placement: the prefecture lived in before (JIS code, optional); the origin area is derived.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 23:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("placement") as batch:
        batch.add_column(sa.Column("previous_prefecture", sa.String(length=2), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("placement") as batch:
        batch.drop_column("previous_prefecture")
