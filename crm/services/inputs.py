"""Input shapes for every create and edit, validated at the boundary with Japanese messages.

Forms, the CSV importer and the CLI all build these through ``crm.validation.parse_input``, so a
value refused on one path is refused on all of them with the same words.
"""

import datetime as dt
import re

from pydantic import BaseModel, ConfigDict, Field, field_validator

from crm.reference import (
    JSIC_DIVISIONS,
    PREFECTURES,
    AgeBand,
    Channel,
    Engagement,
    PartnerKind,
    ReferralOutcome,
    Residence,
    SalaryBand,
    Stance,
)
from crm.rules import not_a_choice
from crm.validation import normalize_corporate_number, normalize_text, not_in_future

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class _Input(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="ignore")

    @field_validator("*", mode="before")
    @classmethod
    def _nfkc(cls, value):
        # Full-width digits and spaces from Japanese keyboards and spreadsheets.
        if isinstance(value, str):
            return normalize_text(value)
        return value


def _choice(enum_type, value):
    if value is None:
        return None
    try:
        return enum_type.from_label_or_code(str(value)).value
    except ValueError:
        raise ValueError(not_a_choice(value)) from None


class CompanyInput(_Input):
    name: str = Field(min_length=1, max_length=200)
    kana: str | None = Field(default=None, max_length=200)
    corporate_number: str | None = None
    prefecture_code: str
    city: str | None = Field(default=None, max_length=100)
    industry: str | None = None
    employees: int | None = Field(default=None, ge=0)
    capital_jpy: int | None = Field(default=None, ge=0)
    notes: str | None = None

    @field_validator("corporate_number")
    @classmethod
    def _corporate_number(cls, value):
        return normalize_corporate_number(value)

    @field_validator("prefecture_code", mode="before")
    @classmethod
    def _prefecture(cls, value):
        text = normalize_text(value) if value is not None else None
        if text is None:
            return text
        if text.isdigit():
            text = text.zfill(2)
        for code, (ja, en) in PREFECTURES.items():
            if text in (code, ja, en):
                return code
        raise ValueError(f"都道府県コードが正しくありません: {value}")

    @field_validator("industry", mode="before")
    @classmethod
    def _industry(cls, value):
        text = normalize_text(value) if value is not None else None
        if text is None:
            return None
        for code, name in JSIC_DIVISIONS.items():
            if text.upper() == code or text == name:
                return code
        raise ValueError(f"日本標準産業分類（大分類 A〜T）にない値です: {value}")


class ContactInput(_Input):
    name: str = Field(min_length=1, max_length=120)
    title: str | None = Field(default=None, max_length=120)
    email: str | None = Field(default=None, max_length=254)
    phone: str | None = Field(default=None, max_length=40)

    @field_validator("email")
    @classmethod
    def _email(cls, value):
        if value is not None and not _EMAIL.match(value):
            raise ValueError("メールアドレスの形式が正しくありません")
        return value


class PartnerInput(_Input):
    kind: str
    name: str = Field(min_length=1, max_length=200)
    prefecture_code: str | None = None
    active: bool = True

    _kind = field_validator("kind")(lambda cls, v: _choice(PartnerKind, v))


class ConsultationInput(_Input):
    company_id: int
    consulted_on: dt.date
    channel: str
    summary: str = Field(min_length=1, max_length=4000)
    stance: str | None = None
    next_action: str | None = None
    next_action_on: dt.date | None = None

    _channel = field_validator("channel")(lambda cls, v: _choice(Channel, v))
    _stance = field_validator("stance")(lambda cls, v: _choice(Stance, v))
    _date = field_validator("consulted_on")(lambda cls, v: not_in_future(v))


class NeedInput(_Input):
    company_id: int
    consultation_id: int | None = None
    category_id: int
    engagement: str
    role_title: str = Field(min_length=1, max_length=200)
    headcount: int = Field(default=1, ge=1)
    salary_band: str | None = None
    opened_on: dt.date
    notes: str | None = None

    _engagement = field_validator("engagement")(lambda cls, v: _choice(Engagement, v))
    _salary = field_validator("salary_band")(lambda cls, v: _choice(SalaryBand, v))
    _date = field_validator("opened_on")(lambda cls, v: not_in_future(v))


class ReferralInput(_Input):
    need_id: int
    partner_id: int
    referred_on: dt.date
    outcome: str = ReferralOutcome.PENDING.value
    notes: str | None = None

    _outcome = field_validator("outcome")(lambda cls, v: _choice(ReferralOutcome, v))
    _date = field_validator("referred_on")(lambda cls, v: not_in_future(v))


class PlacementInput(_Input):
    need_id: int
    placed_on: dt.date
    engagement: str | None = None  # defaults to the need's engagement
    partner_id: int | None = None
    salary_band: str | None = None
    age_band: str | None = None
    previous_residence: str | None = None
    notes: str | None = None

    _engagement = field_validator("engagement")(lambda cls, v: _choice(Engagement, v))
    _salary = field_validator("salary_band")(lambda cls, v: _choice(SalaryBand, v))
    _age = field_validator("age_band")(lambda cls, v: _choice(AgeBand, v))
    _residence = field_validator("previous_residence")(lambda cls, v: _choice(Residence, v))
    _date = field_validator("placed_on")(lambda cls, v: not_in_future(v))


class FollowUpInput(_Input):
    company_id: int | None = None
    placement_id: int | None = None
    due_on: dt.date
    done_on: dt.date | None = None
    notes: str | None = None

    _done = field_validator("done_on")(lambda cls, v: not_in_future(v))
