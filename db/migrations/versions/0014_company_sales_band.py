"""Company: its yearly sales band (売上高帯, optional), as hubs publish their firms' size.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 16:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A plain ADD COLUMN: the table (and its summary triggers) stays as it is.
    op.add_column("company", sa.Column("sales_band", sa.String(length=20), nullable=True))


def downgrade() -> None:
    # DROP COLUMN in place (SQLite 3.35+, PostgreSQL): a batch copy of the table would break the
    # summary triggers that name it.
    op.execute("ALTER TABLE company DROP COLUMN sales_band")
