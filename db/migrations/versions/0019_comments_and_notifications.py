"""Comments on records with @mentions, and each person's notifications (issue 25).

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-08 07:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _tracked() -> list[sa.Column]:
    return [
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.Integer(), sa.ForeignKey("user_account.id"), nullable=True),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_by", sa.Integer(), sa.ForeignKey("user_account.id"), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "comment",
        sa.Column("body", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        *_tracked(),
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "hub_code",
            sqlmodel.sql.sqltypes.AutoString(length=2),
            sa.ForeignKey("hub.code"),
            nullable=False,
        ),
        sa.Column("entity", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
    )
    op.create_index("ix_comment_record", "comment", ["entity", "record_id", "created_at"])
    op.create_index("ix_comment_created_at", "comment", ["created_at"])
    op.create_index("ix_comment_updated_at", "comment", ["updated_at"])
    op.create_table(
        "notification",
        *_tracked(),
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("user_account.id"), nullable=False),
        sa.Column(
            "hub_code",
            sqlmodel.sql.sqltypes.AutoString(length=2),
            sa.ForeignKey("hub.code"),
            nullable=True,
        ),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("entity", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("comment_id", sa.Integer(), sa.ForeignKey("comment.id"), nullable=True),
        sa.Column("text", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("read_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    )
    op.create_index("ix_notification_inbox", "notification", ["user_id", "read_at", "created_at"])
    op.create_index("ix_notification_created_at", "notification", ["created_at"])
    op.create_index("ix_notification_updated_at", "notification", ["updated_at"])


def downgrade() -> None:
    op.drop_table("notification")
    op.drop_table("comment")
