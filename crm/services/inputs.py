"""Input shapes for every create and edit, validated at the boundary with Japanese messages.

Forms, the CSV importer and the CLI all build these through ``crm.validation.parse_input``, so a
value refused on one path is refused on all of them with the same words.

Bounds at the boundary: every text has a maximum length that fits its column; control
characters (NUL, escape, …; tab and line breaks are kept) are refused; a stray byte-order mark
(U+FEFF) anywhere in a value is dropped; dates lie between ``rules.EARLIEST_DATE`` and
``rules.latest_date()``; whole numbers within their column's range.

Text is kept as typed: names, kana, notes and summaries are stored exactly as entered (only
trimmed), so ①株式会社 and ㈱ stay what they are. NFKC (full-width digits and letters to
half-width) is applied only to the values that are parsed: codes, numbers, dates, corporate
numbers, e-mail addresses and telephone numbers. Matching and search fold separately
(``crm.textnorm``).
"""

import datetime as dt
import re
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from crm import rules
from crm.areas import prefecture_code
from crm.reference import (
    JSIC_DIVISIONS,
    PREFECTURES,
    AgeBand,
    Channel,
    Engagement,
    NeedStatus,
    PartnerKind,
    ReferralOutcome,
    Residence,
    SalaryBand,
    Stance,
)
from crm.rules import not_a_choice
from crm.validation import (
    clean_typed_text,
    normalize_corporate_number,
    normalize_text,
    not_in_future,
)

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class _Input(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="ignore")
    # Fields stored exactly as typed (only trimmed); every other text is NFKC-normalised.
    as_typed: ClassVar[frozenset[str]] = frozenset()
    # Dates of what already happened: refused in the future (then within the programme's range).
    past_only: ClassVar[frozenset[str]] = frozenset()

    @field_validator("*", mode="before")
    @classmethod
    def _boundary(cls, value, info: ValidationInfo):
        if isinstance(value, str):
            text = clean_typed_text(value)  # control characters refused, BOMs dropped
            # Full-width digits and letters of codes, numbers and dates from Japanese keyboards
            # and spreadsheets; names and notes keep what was typed.
            if info.field_name in cls.as_typed:
                return text.strip() or None
            return normalize_text(text)
        return value

    @field_validator("*", mode="after")
    @classmethod
    def _date_range(cls, value, info: ValidationInfo):
        if isinstance(value, dt.date):
            if info.field_name in cls.past_only:
                not_in_future(value)
            if reason := rules.date_range_reason(value):
                raise ValueError(reason)
        return value


def _choice(enum_type, value):
    if value is None:
        return None
    try:
        return enum_type.from_label_or_code(str(value)).value
    except ValueError:
        raise ValueError(not_a_choice(value)) from None


class CompanyInput(_Input):
    as_typed = frozenset({"name", "kana", "city", "notes"})
    name: str = Field(min_length=1, max_length=200)
    kana: str | None = Field(default=None, max_length=200)
    corporate_number: str | None = None
    prefecture_code: str
    city: str | None = Field(default=None, max_length=100)
    industry: str | None = None
    employees: int | None = Field(default=None, ge=0, le=rules.MAX_EMPLOYEES)
    capital_jpy: int | None = Field(default=None, ge=0, le=rules.MAX_CAPITAL_JPY)
    notes: str | None = Field(default=None, max_length=rules.MAX_NOTE)

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
    as_typed = frozenset({"name", "title"})
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
    as_typed = frozenset({"name"})
    kind: str
    name: str = Field(min_length=1, max_length=200)
    prefecture_code: str | None = None
    active: bool = True

    _kind = field_validator("kind")(lambda cls, v: _choice(PartnerKind, v))


class ConsultationInput(_Input):
    as_typed = frozenset({"summary", "next_action"})
    past_only = frozenset({"consulted_on"})
    company_id: int
    consulted_on: dt.date
    channel: str
    summary: str = Field(min_length=1, max_length=rules.MAX_NOTE)
    stance: str | None = None
    next_action: str | None = Field(default=None, max_length=rules.MAX_NEXT_ACTION)
    next_action_on: dt.date | None = None

    _channel = field_validator("channel")(lambda cls, v: _choice(Channel, v))
    _stance = field_validator("stance")(lambda cls, v: _choice(Stance, v))


class NeedInput(_Input):
    as_typed = frozenset({"role_title", "notes"})
    past_only = frozenset({"opened_on"})
    company_id: int
    consultation_id: int | None = None
    category_id: int
    engagement: str
    role_title: str = Field(min_length=1, max_length=200)
    headcount: int = Field(default=1, ge=1, le=rules.MAX_HEADCOUNT)
    salary_band: str | None = None
    opened_on: dt.date
    notes: str | None = Field(default=None, max_length=rules.MAX_NOTE)

    _engagement = field_validator("engagement")(lambda cls, v: _choice(Engagement, v))
    _salary = field_validator("salary_band")(lambda cls, v: _choice(SalaryBand, v))


class ReferralInput(_Input):
    as_typed = frozenset({"notes"})
    past_only = frozenset({"referred_on"})
    need_id: int
    partner_id: int
    referred_on: dt.date
    outcome: str = ReferralOutcome.PENDING.value
    notes: str | None = Field(default=None, max_length=rules.MAX_NOTE)

    _outcome = field_validator("outcome")(lambda cls, v: _choice(ReferralOutcome, v))


class PlacementInput(_Input):
    as_typed = frozenset({"notes"})
    past_only = frozenset({"placed_on"})
    need_id: int
    placed_on: dt.date
    engagement: str | None = None  # defaults to the need's engagement
    partner_id: int | None = None
    salary_band: str | None = None
    age_band: str | None = None
    previous_residence: str | None = None
    previous_prefecture: str | None = None
    notes: str | None = Field(default=None, max_length=rules.MAX_NOTE)

    _engagement = field_validator("engagement")(lambda cls, v: _choice(Engagement, v))
    _salary = field_validator("salary_band")(lambda cls, v: _choice(SalaryBand, v))
    _age = field_validator("age_band")(lambda cls, v: _choice(AgeBand, v))
    _residence = field_validator("previous_residence")(lambda cls, v: _choice(Residence, v))
    _prev_pref = field_validator("previous_prefecture")(lambda cls, v: prefecture_code(v))


class StatusChangeInput(_Input):
    """One step of a need's status history, as a restore brings it (the pipeline services
    write these themselves)."""

    as_typed = frozenset({"note"})
    past_only = frozenset({"changed_on"})
    need_id: int
    from_status: str | None = None
    to_status: str
    changed_on: dt.date
    note: str | None = Field(default=None, max_length=rules.MAX_NOTE)

    _from = field_validator("from_status")(lambda cls, v: _choice(NeedStatus, v))
    _to = field_validator("to_status")(lambda cls, v: _choice(NeedStatus, v))


class FollowUpInput(_Input):
    as_typed = frozenset({"notes"})
    past_only = frozenset({"done_on"})
    company_id: int | None = None
    placement_id: int | None = None
    due_on: dt.date
    done_on: dt.date | None = None
    notes: str | None = Field(default=None, max_length=rules.MAX_NOTE)
