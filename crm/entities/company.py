"""企業: a local firm a hub works with, and the people there (担当者)."""

from typing import Annotated

from sqlalchemy import BigInteger, Index
from sqlmodel import AutoString, Field

from crm import rules
from crm.areas import prefecture_code
from crm.entities.code_lists import INDUSTRY, LOCATION
from crm.entities.declare import FileLayout, InputShape, Spec
from crm.entities.tracked import Tracked
from crm.reference import JSIC_DIVISIONS, SalesBand
from crm.textnorm import company_key_default
from crm.validation import normalize_corporate_number, normalize_email


def industry_code(text: str) -> str:
    """A JSIC major division given by its letter or its Japanese name, as its letter."""
    for code, name in JSIC_DIVISIONS.items():
        if text.upper() == code or text == name:
            return code
    raise ValueError(f"日本標準産業分類（大分類 A〜T）にない値です: {text}")


def _corporate_number(text: str) -> str | None:
    return normalize_corporate_number(text)


def _prefecture(text: str) -> str | None:
    return prefecture_code(text)


# Shared fields: what a person enters about a firm (table and input shapes derive from it).
class CompanyFields(InputShape):
    name: Annotated[str, Spec("企業名", typed=True)] = Field(min_length=1, max_length=200)
    kana: Annotated[str | None, Spec("企業名カナ", typed=True)] = Field(
        default=None, max_length=200
    )
    corporate_number: Annotated[
        str | None,
        Spec("法人番号", parse=_corporate_number, note="13桁。既存の企業とは法人番号で照合"),
    ] = Field(default=None, unique=True, max_length=13)
    prefecture_code: Annotated[
        str, Spec("都道府県コード", parse=_prefecture, codes=LOCATION, note="JIS X 0401 2桁")
    ] = Field(max_length=2)
    city: Annotated[str | None, Spec("市区町村", typed=True)] = Field(default=None, max_length=100)
    industry: Annotated[
        str | None,
        Spec("業種", parse=industry_code, codes=INDUSTRY, note="日本標準産業分類の大分類 A〜T"),
    ] = Field(default=None, max_length=1)
    employees: Annotated[int | None, Spec("従業員数", unit="人")] = Field(
        default=None, ge=0, le=rules.MAX_EMPLOYEES
    )
    capital_jpy: Annotated[int | None, Spec("資本金（円）", unit="円")] = Field(
        default=None, ge=0, le=rules.MAX_CAPITAL_JPY, sa_type=BigInteger
    )
    notes: Annotated[str | None, Spec("備考", typed=True, lines=True)] = Field(
        default=None, max_length=rules.MAX_NOTE, sa_type=AutoString
    )
    sales_band: Annotated[str | None, Spec("売上高帯", choices=SalesBand)] = Field(
        default=None, max_length=20
    )


# Input shape: registering or editing a firm (forms, file import, CLI).
class CompanyInput(CompanyFields):
    pass


# Table model.
class Company(CompanyFields, Tracked, table=True):
    """A local firm a hub works with."""

    __table_args__ = (
        Index("ix_company_hub_name", "hub_code", "name"),
        Index("ix_company_hub_assignee", "hub_code", "assignee_id"),
        Index("ix_company_hub_name_key", "hub_code", "name_key"),
        Index("ix_company_hub_kana_key", "hub_code", "kana_key"),
    )
    id: int | None = Field(default=None, primary_key=True)
    hub_code: str = Field(foreign_key="hub.code", index=True, max_length=2)
    # Derived from name and kana (crm.textnorm.company_keys), filled on insert and by every
    # write of name or kana: what search matches, what duplicate detection compares, and
    # the 五十音 order of lists.
    search_key: str | None = Field(
        default=None,
        max_length=420,
        sa_column_kwargs={"default": company_key_default("search_key")},
    )
    name_key: str | None = Field(
        default=None, max_length=200, sa_column_kwargs={"default": company_key_default("name_key")}
    )
    kana_key: str | None = Field(
        default=None, max_length=200, sa_column_kwargs={"default": company_key_default("kana_key")}
    )
    # Set when this firm was merged into another: its records moved there and its old
    # address (?company=ID) opens the kept firm.
    merged_into: int | None = Field(default=None, foreign_key="company.id")
    # 担当者: the hub's account in charge (crm.services.assignments); set by assignment only,
    # never by a form or a file of the record. Accounts are disabled, never deleted: no FK.
    assignee_id: int | None = None


COMPANY_FILE = FileLayout(
    "companies",
    "企業",
    (
        "id",
        "hub_code",
        "name",
        "kana",
        "corporate_number",
        "prefecture_code",
        "city",
        "industry",
        "employees",
        "capital_jpy",
        "notes",
        "version",
        "created_at",
        "updated_at",
        "sales_band",
    ),
    id_term="企業ID",
)


# Shared fields: a person at a firm the hub deals with (owner, executive, HR).
class ContactFields(InputShape):
    name: Annotated[str, Spec("担当者名", typed=True)] = Field(min_length=1, max_length=120)
    title: Annotated[str | None, Spec("担当者の役職", typed=True)] = Field(
        default=None, max_length=120
    )
    email: Annotated[str | None, Spec("メールアドレス", parse=normalize_email)] = Field(
        default=None, max_length=254
    )
    phone: Annotated[str | None, Spec("電話番号")] = Field(default=None, max_length=40)


# Input shape: a contact person (the firm is named apart: the page or the file's 企業ID).
class ContactInput(ContactFields):
    pass


# Table model.
class Contact(ContactFields, Tracked, table=True):
    """A person at a company the hub deals with (owner, executive, HR)."""

    id: int | None = Field(default=None, primary_key=True)
    hub_code: str = Field(foreign_key="hub.code", index=True, max_length=2)
    company_id: Annotated[int, Spec("企業ID", refers="companies")] = Field(
        foreign_key="company.id", index=True
    )


CONTACT_FILE = FileLayout(
    "contacts",
    "企業の担当者",
    (
        "id",
        "hub_code",
        "company_id",
        "company_name",
        "name",
        "title",
        "email",
        "phone",
        "version",
        "created_at",
        "updated_at",
    ),
    id_term="担当者ID",
)
