"""相談: one meeting or contact with a firm, logged by the hub manager."""

import datetime as dt
from typing import Annotated

from sqlalchemy import Index
from sqlmodel import AutoString, Field

from crm import rules
from crm.entities.declare import FileLayout, InputShape, Spec
from crm.entities.tracked import Tracked
from crm.reference import Channel, Stance


# Shared fields: what a hub manager logs after a visit.
class ConsultationFields(InputShape):
    company_id: Annotated[int, Spec("企業ID", refers="companies")] = Field(
        foreign_key="company.id", index=True
    )
    consulted_on: Annotated[dt.date, Spec("相談日", past=True)]
    channel: Annotated[str, Spec("相談経路", choices=Channel)] = Field(max_length=40)
    summary: Annotated[str, Spec("相談内容", typed=True, lines=True)] = Field(
        min_length=1, max_length=rules.MAX_NOTE
    )
    stance: Annotated[str | None, Spec("経営姿勢", choices=Stance)] = Field(
        default=None, max_length=20
    )
    next_action: Annotated[str | None, Spec("次のアクション", typed=True)] = Field(
        default=None, max_length=rules.MAX_NEXT_ACTION, sa_type=AutoString
    )
    next_action_on: Annotated[dt.date | None, Spec("次回予定日")] = None


# Input shape: logging or editing a consultation (forms, file import, CLI).
class ConsultationInput(ConsultationFields):
    pass


# Table model.
class Consultation(ConsultationFields, Tracked, table=True):
    """相談: one meeting or contact with a firm, logged by the hub manager."""

    __table_args__ = (
        # With the firm: distinct firms of a period and each firm's first consultation are
        # read from the index alone (migration 0013).
        Index("ix_consultation_hub_date", "hub_code", "consulted_on", "company_id"),
        Index("ix_consultation_date", "consulted_on", "company_id"),
        Index("ix_consultation_company_date", "company_id", "consulted_on"),
        # 今日やること reads next actions of a few weeks around today, in every hub.
        Index(
            "ix_consultation_next_action",
            "next_action_on",
            "next_action_done_on",
            "hub_code",
            "company_id",
            "consulted_on",
        ),
    )
    id: int | None = Field(default=None, primary_key=True)
    hub_code: str = Field(foreign_key="hub.code", max_length=2)
    # When the next action was marked done (今日やること), or None while it is open.
    next_action_done_on: dt.date | None = None
    logged_by: int | None = Field(default=None, foreign_key="user_account.id")
    # Where the firm came from (crm.entities.outreach): at most one of the two. Plain integers
    # added in place (the table's triggers stay), checked by the consultation service.
    event_id: int | None = Field(default=None, index=True)
    introduction_id: int | None = Field(default=None, index=True)


CONSULTATION_FILE = FileLayout(
    "consultations",
    "相談",
    (
        "id",
        "hub_code",
        "company_id",
        "company_name",
        "consulted_on",
        "channel",
        "stance",
        "summary",
        "next_action",
        "next_action_on",
        "version",
        "created_at",
        "updated_at",
        "entry_kind",
    ),
    date_keys=("consulted_on",),
    id_term="相談ID",
)
