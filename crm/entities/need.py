"""人材ニーズ: a concrete hiring need, its dated pipeline, and its referrals to partners."""

import datetime as dt
from typing import Annotated

from sqlalchemy import Index
from sqlmodel import AutoString, Field, SQLModel

from crm import rules
from crm.entities.declare import FileLayout, InputShape, Spec
from crm.entities.tracked import Tracked
from crm.reference import (
    DeclineReason,
    Engagement,
    NeedStatus,
    ReferralOutcome,
    ReferralStage,
    SalaryBand,
)
from crm.timeutil import utcnow


# Shared fields: a need as the hub manager opens it from a consultation.
class NeedFields(InputShape):
    company_id: Annotated[int, Spec("企業ID", refers="companies")] = Field(
        foreign_key="company.id", index=True
    )
    consultation_id: Annotated[int | None, Spec("相談ID", refers="consultations")] = Field(
        default=None, foreign_key="consultation.id", index=True
    )
    category_id: Annotated[
        int, Spec("人材区分", en="category", column="category", note="区分名またはコード")
    ] = Field(foreign_key="talent_category.id")
    engagement: Annotated[str, Spec("採用形態", choices=Engagement)] = Field(max_length=20)
    role_title: Annotated[str, Spec("役職・職種", typed=True)] = Field(min_length=1, max_length=200)
    headcount: Annotated[int, Spec("人数", unit="人")] = Field(
        default=1, ge=1, le=rules.MAX_HEADCOUNT
    )
    salary_band: Annotated[str | None, Spec("年収帯", choices=SalaryBand)] = Field(
        default=None, max_length=20
    )
    opened_on: Annotated[dt.date, Spec("受付日", past=True)]
    notes: Annotated[str | None, Spec("備考", typed=True, lines=True)] = Field(
        default=None, max_length=rules.MAX_NOTE, sa_type=AutoString
    )


# Input shape: opening or editing a need (its status moves only through the pipeline).
class NeedInput(NeedFields):
    pass


# Table model.
class TalentNeed(NeedFields, Tracked, table=True):
    """人材ニーズ: a concrete hiring need that came out of a consultation."""

    __tablename__ = "talent_need"
    __table_args__ = (
        Index("ix_need_hub_status", "hub_code", "status"),
        Index("ix_need_hub_assignee", "hub_code", "assignee_id"),
        # Dashboards count needs by their opening date, nationally and per hub.
        Index("ix_need_opened", "opened_on"),
        Index("ix_need_hub_opened", "hub_code", "opened_on"),
    )
    id: int | None = Field(default=None, primary_key=True)
    hub_code: str = Field(foreign_key="hub.code", max_length=2)
    status: Annotated[str, Spec("状況", choices=NeedStatus)] = Field(default="open", max_length=20)
    # What the hub shares with the partners it refers this need to (パートナー向けメモ).
    partner_notes: str | None = Field(default=None, max_length=rules.MAX_NOTE, sa_type=AutoString)
    # 担当者: the hub's account in charge (crm.services.assignments); set by assignment only,
    # never by a form or a file of the record. Accounts are disabled, never deleted: no FK.
    assignee_id: int | None = None


NEED_FILE = FileLayout(
    "needs",
    "人材ニーズ",
    (
        "id",
        "hub_code",
        "company_id",
        "company_name",
        "consultation_id",
        "category",
        "engagement",
        "role_title",
        "headcount",
        "salary_band",
        "status",
        "opened_on",
        "notes",
        "version",
        "created_at",
        "updated_at",
        "entry_kind",
        "status_changed_on",
    ),
    date_keys=("opened_on",),
    id_term="ニーズID",
)


# Shared fields: one dated step of a need along its pipeline.
class StatusChangeFields(InputShape):
    need_id: Annotated[int, Spec("ニーズID", refers="needs")] = Field(
        foreign_key="talent_need.id", index=True
    )
    from_status: Annotated[str | None, Spec("変更前の状況", choices=NeedStatus)] = Field(
        default=None, max_length=20
    )
    to_status: Annotated[str, Spec("変更後の状況", choices=NeedStatus)] = Field(max_length=20)
    changed_on: Annotated[dt.date, Spec("状況の日付", past=True)]
    note: Annotated[str | None, Spec("備考", typed=True, lines=True)] = Field(
        default=None, max_length=rules.MAX_NOTE, sa_type=AutoString
    )


# Input shape: a step as a restore brings it (the pipeline writes its own steps).
class StatusChangeInput(StatusChangeFields):
    pass


# Table model (append-only, not Tracked).
class NeedStatusChange(StatusChangeFields, table=True):
    """One dated step of a need along its pipeline (append-only)."""

    __tablename__ = "need_status_change"
    # The weekly export finds the week's steps by either date (migration 0013).
    __table_args__ = (
        Index("ix_need_status_change_changed_on", "changed_on"),
        Index("ix_need_status_change_changed_at", "changed_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    hub_code: str = Field(foreign_key="hub.code", max_length=2)
    changed_at: dt.datetime = Field(default_factory=utcnow)
    changed_by: int | None = Field(default=None, foreign_key="user_account.id")


STATUS_CHANGE_FILE = FileLayout(
    "need_history",
    "ニーズの状況の履歴",
    ("id", "hub_code", "need_id", "from_status", "to_status", "changed_on", "changed_at", "note"),
    id_term="履歴ID",
)


# Shared fields: a need handed to a partner who searches for candidates.
class ReferralFields(InputShape):
    need_id: Annotated[int, Spec("ニーズID", refers="needs")] = Field(
        foreign_key="talent_need.id", index=True
    )
    partner_id: Annotated[int, Spec("パートナーID", refers="partners")] = Field(
        foreign_key="partner.id", index=True
    )
    referred_on: Annotated[dt.date, Spec("紹介日", past=True)]
    outcome: Annotated[str, Spec("結果", choices=ReferralOutcome)] = Field(
        default=ReferralOutcome.PENDING.value, max_length=20
    )
    notes: Annotated[str | None, Spec("備考", typed=True, lines=True)] = Field(
        default=None, max_length=rules.MAX_NOTE, sa_type=AutoString
    )


# Input shape: referring a need, or recording the referral's outcome.
class ReferralInput(ReferralFields):
    pass


# Table model.
class Referral(ReferralFields, Tracked, table=True):
    """A need handed to a partner who searches for candidates."""

    __table_args__ = (
        Index("ix_referral_referred_on", "referred_on"),
        Index("ix_referral_partner_stage", "partner_id", "stage"),
    )
    id: int | None = Field(default=None, primary_key=True)
    hub_code: str = Field(foreign_key="hub.code", index=True, max_length=2)
    # What the partner's people see and report (crm.services.partner_portal); set by the hub
    # when it invites the partner, and by the partner's reports, never by a file of the record.
    shared: bool = False  # the partner's accounts may see this referral
    share_firm_name: bool = False  # else the firm shows as an anonymised label
    stage: Annotated[str | None, Spec("パートナー報告の段階", choices=ReferralStage)] = Field(
        default=None, max_length=20
    )  # the latest report's
    candidate_count: int | None = None
    decline_reason: Annotated[str | None, Spec("見送りの理由", choices=DeclineReason)] = Field(
        default=None, max_length=20
    )
    stage_reported_at: dt.datetime | None = None
    reported_placed_on: dt.date | None = None  # the partner's 成約日, until the hub confirms
    placement_id: int | None = None  # the placement the hub confirmed from the report


class ReferralReport(SQLModel, table=True):
    """One progress report by a partner on a referral (append-only): what stage, how many
    candidates, why it stopped. Holds no candidate's name or any personal data."""

    __tablename__ = "referral_report"
    __table_args__ = (Index("ix_referral_report_referral", "referral_id", "reported_at"),)
    id: int | None = Field(default=None, primary_key=True)
    referral_id: int = Field(foreign_key="referral.id")
    hub_code: str = Field(foreign_key="hub.code", max_length=2)
    partner_id: int = Field(foreign_key="partner.id")
    stage: str = Field(max_length=20)
    candidate_count: int | None = None
    decline_reason: str | None = Field(default=None, max_length=20)
    placed_on: dt.date | None = None
    reported_on: dt.date
    reported_at: dt.datetime = Field(default_factory=utcnow)
    reported_by: int | None = Field(default=None, foreign_key="user_account.id")


REFERRAL_FILE = FileLayout(
    "referrals",
    "紹介",
    (
        "id",
        "hub_code",
        "need_id",
        "company_id",
        "partner_id",
        "partner_name",
        "referred_on",
        "outcome",
        "notes",
        "version",
        "created_at",
        "updated_at",
        "entry_kind",
    ),
    date_keys=("referred_on",),
    id_term="紹介ID",
)
