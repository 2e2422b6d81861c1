"""Partners in the loop and where firms come from (issue 28): partner accounts, what a hub
shares with a partner on a referral and the partner's progress reports; events (seminars with
co-hosts and attending firms) and introductions; a consultation's source.

Columns are added in place so that the tables' triggers stay as they are.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-08 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_text = sqlmodel.sql.sqltypes.AutoString


def _tracked() -> list[sa.Column]:
    return [
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.Integer(), sa.ForeignKey("user_account.id"), nullable=True),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_by", sa.Integer(), sa.ForeignKey("user_account.id"), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
    ]


def _hub(nullable: bool = False) -> sa.Column:
    return sa.Column("hub_code", _text(length=2), sa.ForeignKey("hub.code"), nullable=nullable)


def upgrade() -> None:
    op.add_column(
        "user_account",
        sa.Column("partner_id", sa.Integer(), nullable=True),
    )
    op.create_table(
        "outreach_event",
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("kind", _text(length=20), nullable=False),
        sa.Column("title", _text(length=200), nullable=False),
        sa.Column("venue", _text(length=200), nullable=True),
        sa.Column("notes", _text(), nullable=True),
        *_tracked(),
        sa.Column("id", sa.Integer(), primary_key=True),
        _hub(),
    )
    op.create_index("ix_event_hub_held", "outreach_event", ["hub_code", "held_on"])
    op.create_index("ix_outreach_event_created_at", "outreach_event", ["created_at"])
    op.create_index("ix_outreach_event_updated_at", "outreach_event", ["updated_at"])
    op.create_table(
        "event_cohost",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("event_id", sa.Integer(), sa.ForeignKey("outreach_event.id"), nullable=False),
        sa.Column("partner_id", sa.Integer(), sa.ForeignKey("partner.id"), nullable=False),
        _hub(),
    )
    op.create_index("ux_event_cohost", "event_cohost", ["event_id", "partner_id"], unique=True)
    op.create_index("ix_event_cohost_partner_id", "event_cohost", ["partner_id"])
    op.create_table(
        "event_attendee",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("event_id", sa.Integer(), sa.ForeignKey("outreach_event.id"), nullable=False),
        sa.Column("company_id", sa.Integer(), sa.ForeignKey("company.id"), nullable=False),
        _hub(),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.Integer(), sa.ForeignKey("user_account.id"), nullable=True),
    )
    op.create_index("ux_event_attendee", "event_attendee", ["event_id", "company_id"], unique=True)
    op.create_index("ix_event_attendee_company", "event_attendee", ["company_id"])
    op.create_table(
        "introduction",
        sa.Column("partner_id", sa.Integer(), sa.ForeignKey("partner.id"), nullable=False),
        sa.Column("company_id", sa.Integer(), sa.ForeignKey("company.id"), nullable=False),
        sa.Column("introduced_on", sa.Date(), nullable=False),
        sa.Column("notes", _text(), nullable=True),
        *_tracked(),
        sa.Column("id", sa.Integer(), primary_key=True),
        _hub(),
    )
    op.create_index("ix_introduction_hub_on", "introduction", ["hub_code", "introduced_on"])
    op.create_index("ix_introduction_partner_id", "introduction", ["partner_id"])
    op.create_index("ix_introduction_company_id", "introduction", ["company_id"])
    op.create_index("ix_introduction_created_at", "introduction", ["created_at"])
    op.create_index("ix_introduction_updated_at", "introduction", ["updated_at"])
    op.add_column(
        "consultation",
        sa.Column("event_id", sa.Integer(), nullable=True),
    )
    op.add_column(
        "consultation",
        sa.Column("introduction_id", sa.Integer(), nullable=True),
    )
    op.create_index("ix_consultation_event_id", "consultation", ["event_id"])
    op.create_index("ix_consultation_introduction_id", "consultation", ["introduction_id"])
    op.add_column("talent_need", sa.Column("partner_notes", _text(), nullable=True))
    op.add_column(
        "referral", sa.Column("shared", sa.Boolean(), nullable=False, server_default=sa.false())
    )
    op.add_column(
        "referral",
        sa.Column("share_firm_name", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column("referral", sa.Column("stage", _text(length=20), nullable=True))
    op.add_column("referral", sa.Column("candidate_count", sa.Integer(), nullable=True))
    op.add_column("referral", sa.Column("decline_reason", _text(length=20), nullable=True))
    op.add_column(
        "referral",
        sa.Column("stage_reported_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    )
    op.add_column("referral", sa.Column("reported_placed_on", sa.Date(), nullable=True))
    op.add_column(
        "referral",
        sa.Column("placement_id", sa.Integer(), nullable=True),
    )
    op.create_index("ix_referral_partner_stage", "referral", ["partner_id", "stage"])
    op.create_table(
        "referral_report",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("referral_id", sa.Integer(), sa.ForeignKey("referral.id"), nullable=False),
        _hub(),
        sa.Column("partner_id", sa.Integer(), sa.ForeignKey("partner.id"), nullable=False),
        sa.Column("stage", _text(length=20), nullable=False),
        sa.Column("candidate_count", sa.Integer(), nullable=True),
        sa.Column("decline_reason", _text(length=20), nullable=True),
        sa.Column("placed_on", sa.Date(), nullable=True),
        sa.Column("reported_on", sa.Date(), nullable=False),
        sa.Column("reported_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("reported_by", sa.Integer(), sa.ForeignKey("user_account.id"), nullable=True),
    )
    op.create_index(
        "ix_referral_report_referral", "referral_report", ["referral_id", "reported_at"]
    )


def downgrade() -> None:
    op.drop_table("referral_report")
    op.drop_index("ix_referral_partner_stage", table_name="referral")
    # In place (SQLite 3.35+, PostgreSQL): a batch copy would break the triggers.
    for column in (
        "shared",
        "share_firm_name",
        "stage",
        "candidate_count",
        "decline_reason",
        "stage_reported_at",
        "reported_placed_on",
        "placement_id",
    ):
        op.execute(f"ALTER TABLE referral DROP COLUMN {column}")
    op.execute("ALTER TABLE talent_need DROP COLUMN partner_notes")
    op.drop_index("ix_consultation_introduction_id", table_name="consultation")
    op.drop_index("ix_consultation_event_id", table_name="consultation")
    op.execute("ALTER TABLE consultation DROP COLUMN event_id")
    op.execute("ALTER TABLE consultation DROP COLUMN introduction_id")
    op.execute("ALTER TABLE user_account DROP COLUMN partner_id")
    op.drop_table("introduction")
    op.drop_table("event_attendee")
    op.drop_table("event_cohost")
    op.drop_table("outreach_event")
