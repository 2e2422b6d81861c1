"""The audit trail by record: a record's own history (変更履歴, issue 25) reads the entries of
one record (entity, id) newest first, by an index instead of a scan of the whole trail.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-08 06:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_audit_record", "audit_log", ["entity", "entity_id", "at"])


def downgrade() -> None:
    op.drop_index("ix_audit_record", table_name="audit_log")
