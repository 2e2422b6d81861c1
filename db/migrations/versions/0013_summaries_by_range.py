"""Secretariat reads whose cost follows the period, not the data held.

The summary tables are recreated with the primary keys ``crm.summaries.tables`` now gives them
(dimension and month first, so a period is one range of the key), with the plain placement
count under its own dimension (``total``, one row per hub, month, category and engagement)
and where the hire lived before (``origin``, for 人材還流), then recounted from the rows; their
triggers are recreated around them (``crm.summaries.triggers``).

The date indexes of consultations and placements carry the firm, and consultations gain
(firm, date): distinct firms of a period, repeat placements and each placed firm's first
consultation (the median's histogram) are then read from the indexes alone; so are
今日やること's next actions (the next-action index carries what the list filters on). Every date
the weekly export selects by (referrals, follow-ups due and done, need status steps by date and
by entry) gets an index, so the export reads the week's rows only.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 13:40:00
"""

from collections.abc import Sequence

from alembic import op

from crm.summaries.check import rebuild_summaries
from crm.summaries.tables import TABLES
from crm.summaries.triggers import ddl, drop_ddl

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# name → (table, columns before, columns after)
INDEXES = {
    "ix_consultation_date": ("consultation", ["consulted_on"], ["consulted_on", "company_id"]),
    "ix_consultation_hub_date": (
        "consultation",
        ["hub_code", "consulted_on"],
        ["hub_code", "consulted_on", "company_id"],
    ),
    "ix_placement_date": ("placement", ["placed_on"], ["placed_on", "company_id"]),
    # 今日やること's next actions of a few weeks, answered from the index alone.
    "ix_consultation_next_action": (
        "consultation",
        ["next_action_on"],
        ["next_action_on", "next_action_done_on", "hub_code", "company_id", "consulted_on"],
    ),
    "ix_placement_hub_date": (
        "placement",
        ["hub_code", "placed_on"],
        ["hub_code", "placed_on", "company_id"],
    ),
}


def _recreate_summaries() -> None:
    bind = op.get_bind()
    for statement in drop_ddl(bind.dialect.name):
        op.execute(statement)
    for table in TABLES:
        table.drop(bind, checkfirst=True)
        table.create(bind)
    for statement in ddl(bind.dialect.name):
        op.execute(statement)
    rebuild_summaries(bind)


def _indexes(position: int) -> None:
    for name, (table, *columns) in INDEXES.items():
        op.drop_index(name, table_name=table)
        op.create_index(name, table, columns[position])


# name → (table, columns): new indexes.
NEW_INDEXES = {
    "ix_consultation_company_date": ("consultation", ["company_id", "consulted_on"]),
    # The weekly export finds each dated column's rows of the week through an index.
    "ix_referral_referred_on": ("referral", ["referred_on"]),
    "ix_follow_up_due_on": ("follow_up", ["due_on"]),
    "ix_follow_up_done_on": ("follow_up", ["done_on"]),
    "ix_need_status_change_changed_on": ("need_status_change", ["changed_on"]),
    "ix_need_status_change_changed_at": ("need_status_change", ["changed_at"]),
}


def upgrade() -> None:
    _indexes(1)
    for name, (table, columns) in NEW_INDEXES.items():
        op.create_index(name, table, columns)
    _recreate_summaries()


def downgrade() -> None:
    # The summaries keep the one layout crm.summaries describes (revision 0012 reads it too).
    for name, (table, _columns) in NEW_INDEXES.items():
        op.drop_index(name, table_name=table)
    _indexes(0)
