"""成約: one hire, and the follow-ups after it. Describes the hire, never the person."""

import datetime as dt
from typing import Annotated

from sqlalchemy import Index
from sqlmodel import AutoString, Field

from crm import rules
from crm.areas import prefecture_code
from crm.entities.code_lists import PREFECTURE
from crm.entities.declare import FileLayout, InputShape, Spec
from crm.entities.tracked import Tracked
from crm.reference import AgeBand, Engagement, Residence, SalaryBand


def _prefecture(text: str) -> str | None:
    return prefecture_code(text)


# Shared fields: what the hub records of a hire (hubs hold no job-seeker data).
class PlacementFields(InputShape):
    need_id: Annotated[int, Spec("ニーズID", refers="needs")] = Field(
        foreign_key="talent_need.id", index=True
    )
    placed_on: Annotated[dt.date, Spec("成約日", past=True)]
    engagement: Annotated[str, Spec("採用形態", choices=Engagement)] = Field(max_length=20)
    partner_id: Annotated[int | None, Spec("パートナーID", refers="partners")] = Field(
        default=None, foreign_key="partner.id"
    )
    salary_band: Annotated[str | None, Spec("年収帯", choices=SalaryBand)] = Field(
        default=None, max_length=20
    )
    age_band: Annotated[str | None, Spec("年齢層", choices=AgeBand)] = Field(
        default=None, max_length=20
    )
    previous_residence: Annotated[str | None, Spec("前居住地", choices=Residence)] = Field(
        default=None, max_length=20
    )
    # JIS code of the prefecture lived in before (the origin area is derived: crm.areas).
    previous_prefecture: Annotated[
        str | None,
        Spec(
            "前居住地（都道府県）",
            parse=_prefecture,
            codes=PREFECTURE,
            note="JIS X 0401 2桁（前居住地はここから導出）",
        ),
    ] = Field(default=None, max_length=2)
    notes: Annotated[str | None, Spec("備考", typed=True, lines=True)] = Field(
        default=None, max_length=rules.MAX_NOTE, sa_type=AutoString
    )


# Input shape: recording or editing a hire (the engagement defaults to the need's).
class PlacementInput(PlacementFields):
    engagement: Annotated[str | None, Spec("採用形態", choices=Engagement)] = None  # type: ignore[assignment]


# Table model.
class Placement(PlacementFields, Tracked, table=True):
    """成約: one hire. Describes the hire, never the person (hubs hold no job-seeker data)."""

    __table_args__ = (
        Index("ix_placement_hub_date", "hub_code", "placed_on", "company_id"),
        Index("ix_placement_date", "placed_on", "company_id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    hub_code: str = Field(foreign_key="hub.code", max_length=2)
    company_id: Annotated[int, Spec("企業ID", refers="companies", derived=True)] = Field(
        foreign_key="company.id", index=True
    )


PLACEMENT_FILE = FileLayout(
    "placements",
    "成約",
    (
        "id",
        "hub_code",
        "need_id",
        "company_id",
        "company_name",
        "placed_on",
        "engagement",
        "partner_id",
        "partner_name",
        "salary_band",
        "age_band",
        "previous_residence",
        "notes",
        "version",
        "created_at",
        "updated_at",
        "entry_kind",
        # Appended (the published order never changes).
        "previous_prefecture",
    ),
    date_keys=("placed_on",),
    id_term="成約ID",
)


# Shared fields: a reminder to check on a firm or a placement; done when done_on is set.
class FollowUpFields(InputShape):
    company_id: Annotated[int, Spec("企業ID", refers="companies")] = Field(
        foreign_key="company.id", index=True
    )
    placement_id: Annotated[int | None, Spec("成約ID", refers="placements")] = Field(
        default=None, foreign_key="placement.id", index=True
    )
    due_on: Annotated[dt.date, Spec("予定日")]
    done_on: Annotated[dt.date | None, Spec("実施日", past=True)] = None
    notes: Annotated[str | None, Spec("備考", typed=True, lines=True)] = Field(
        default=None, max_length=rules.MAX_NOTE, sa_type=AutoString
    )


# Input shape: scheduling or completing a follow-up (the firm may follow from the placement).
class FollowUpInput(FollowUpFields):
    company_id: Annotated[int | None, Spec("企業ID", refers="companies")] = None  # type: ignore[assignment]


# Table model.
class FollowUp(FollowUpFields, Tracked, table=True):
    """A reminder to check on a firm or a placement; done when ``done_on`` is set."""

    __tablename__ = "follow_up"
    __table_args__ = (
        Index("ix_follow_up_hub_due", "hub_code", "done_on", "due_on"),
        Index("ix_follow_up_hub_assignee", "hub_code", "assignee_id"),
        # The weekly export's follow-ups due or done in the week (migration 0013).
        Index("ix_follow_up_due_on", "due_on"),
        Index("ix_follow_up_done_on", "done_on"),
    )
    id: int | None = Field(default=None, primary_key=True)
    hub_code: str = Field(foreign_key="hub.code", max_length=2)
    # 担当者: the hub's account in charge (crm.services.assignments); set by assignment only,
    # never by a form or a file of the record. Accounts are disabled, never deleted: no FK.
    assignee_id: int | None = None


FOLLOW_UP_FILE = FileLayout(
    "follow_ups",
    "フォローアップ",
    (
        "id",
        "hub_code",
        "company_id",
        "company_name",
        "placement_id",
        "due_on",
        "done_on",
        "notes",
        "version",
        "created_at",
        "updated_at",
        "entry_kind",
    ),
    date_keys=("due_on", "done_on"),
    id_term="フォローアップID",
)
