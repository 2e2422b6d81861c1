"""Counts kept on write: the summary tables (consultations, needs and placements per hub, month
and dimension), the triggers that keep them in the writer's transaction, and a first count.

The tables and the trigger SQL are defined once in ``crm.summaries``; this migration creates
what they describe at this revision. A later SQLite migration that rebuilds ``consultation``,
``talent_need``, ``placement`` or ``company`` in batch mode drops their triggers with the old
table and must create them again (``crm.summaries.triggers.ddl``).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 08:30:00
"""

from collections.abc import Sequence

from alembic import op

from crm.summaries.check import rebuild_summaries
from crm.summaries.tables import TABLES
from crm.summaries.triggers import ddl, drop_ddl

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    bind = op.get_bind()
    for table in TABLES:
        table.create(bind)
    for statement in ddl(bind.dialect.name):
        op.execute(statement)
    rebuild_summaries(bind)


def downgrade() -> None:
    bind = op.get_bind()
    for statement in drop_ddl(bind.dialect.name):
        op.execute(statement)
    for table in reversed(TABLES):
        table.drop(bind)
