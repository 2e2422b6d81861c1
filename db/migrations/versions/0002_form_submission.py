"""One-time tokens of create forms (form_submission).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 21:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "form_submission",
        sa.Column("token", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("entity", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("entity_id", sa.Integer(), nullable=True),
        sa.Column("submitted_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"]),
        sa.PrimaryKeyConstraint("token"),
    )
    op.create_index(
        "ix_form_submission_submitted_at", "form_submission", ["submitted_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_form_submission_submitted_at", table_name="form_submission")
    op.drop_table("form_submission")
