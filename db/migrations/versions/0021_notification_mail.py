"""Notifications by e-mail: each person's choice per kind (now, or in the morning digest), and
the moment a notification was claimed for its mail (sent at most once).

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-08 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "notification_mail",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("user_account.id"), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("delivery", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    )
    op.create_index("ux_notification_mail", "notification_mail", ["user_id", "kind"], unique=True)
    op.add_column(
        "notification", sa.Column("mailed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
    )
    op.create_index("ix_notification_unmailed", "notification", ["mailed_at", "user_id"])


def downgrade() -> None:
    op.drop_index("ix_notification_unmailed", table_name="notification")
    op.execute("ALTER TABLE notification DROP COLUMN mailed_at")
    op.drop_index("ux_notification_mail", table_name="notification_mail")
    op.drop_table("notification_mail")
