"""The read shapes: a record as the API answers it, derived from its table model's declaration.

``read_shape(Company)`` is a pydantic model with every column of the table, in the table's
order: the declared fields titled with their Japanese term (``Spec.term``), described by their
note, unit and, for a coded value, its codes and labels; the id, the hub and the bookkeeping
(``Tracked``) titled with the terms the files use. ``page_shape(Company)`` is a page of them
(``total``, ``limit``, ``offset``, ``items``). The API serialises its records through these
shapes and its OpenAPI document shows them, so the two cannot disagree, and a field declared on
an entity appears in both without a line of API code.
"""

from functools import cache
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, Field, create_model
from pydantic.fields import FieldInfo
from sqlmodel import SQLModel

from crm.entities.company import COMPANY_FILE, CONTACT_FILE, Company, Contact
from crm.entities.consultation import CONSULTATION_FILE, Consultation
from crm.entities.declare import FileLayout, Spec, spec_of
from crm.entities.need import (
    NEED_FILE,
    REFERRAL_FILE,
    STATUS_CHANGE_FILE,
    NeedStatusChange,
    Referral,
    TalentNeed,
)
from crm.entities.partner import PARTNER_FILE, Partner
from crm.entities.placement import FOLLOW_UP_FILE, PLACEMENT_FILE, FollowUp, Placement

# Each table's file layout: its id's term (企業ID …) and its Japanese name.
_LAYOUTS: dict[type[SQLModel], FileLayout] = {
    Company: COMPANY_FILE,
    Contact: CONTACT_FILE,
    Consultation: CONSULTATION_FILE,
    TalentNeed: NEED_FILE,
    NeedStatusChange: STATUS_CHANGE_FILE,
    Referral: REFERRAL_FILE,
    Partner: PARTNER_FILE,
    Placement: PLACEMENT_FILE,
    FollowUp: FOLLOW_UP_FILE,
}

# The columns no entity declares: the hub, the bookkeeping every tracked record carries (the
# terms of the file headers, crm.csvio.columns) and the few columns the system keeps for itself.
_UNDECLARED: dict[str, tuple[str, str]] = {
    "id": ("ID", ""),
    "hub_code": ("拠点コード", "拠点の都道府県コード（JIS X 0401 2桁）"),
    "created_at": ("登録日時", "UTC"),
    "created_by": ("登録者ID", "登録した利用者のID"),
    "updated_at": ("更新日時", "UTC"),
    "updated_by": ("更新者ID", "最後に更新した利用者のID"),
    "version": ("版", "更新のたびに1増える（更新の競合検出）"),
    "changed_at": ("変更日時", "UTC"),
    "changed_by": ("変更者ID", "状況を変更した利用者のID"),
    "logged_by": ("記録者ID", "相談を記録した利用者のID"),
    "next_action_done_on": ("次のアクションの完了日", "未完了なら null"),
    "merged_into": ("統合先の企業ID", "他の企業に統合された企業のみ。記録は統合先に移っている"),
    "search_key": ("検索キー", "企業名とカナから導出。内部の検索用で、形式は変わることがある"),
    "name_key": ("企業名の照合キー", "企業名から導出。内部の照合用で、形式は変わることがある"),
    "kana_key": ("企業名カナの照合キー", "カナから導出。内部の照合用で、形式は変わることがある"),
    "assignee_id": ("拠点担当者の利用者ID", "拠点でこの記録を担当する利用者のID。未割り当てはnull"),
    "event_id": (
        "きっかけのイベントID",
        "企業が参加したセミナー等から相談に至った場合。なければnull",
    ),
    "introduction_id": ("きっかけの紹介ID", "パートナーが企業を拠点に紹介した場合。なければnull"),
    "partner_notes": ("パートナー向けメモ", "紹介先のパートナーに共有する内容"),
    "shared": ("パートナーに共有", "true: 紹介先パートナーの利用者がこの紹介を閲覧・報告できる"),
    "share_firm_name": ("企業名を共有", "false: パートナーには匿名の表示（都道府県・業種・規模）"),
    "candidate_count": (
        "候補者数",
        "パートナーが報告した紹介中の候補者の人数（個人情報は持たない）",
    ),
    "stage_reported_at": ("パートナー報告日時", "UTC。最後の報告"),
    "reported_placed_on": ("報告された成約日", "パートナーが成約を報告した日付。拠点の確認前"),
    "placement_id": ("成約ID", "拠点が報告を確認して記録した成約"),
}


def _described(spec: Spec) -> str:
    parts = [spec.note] if spec.note else []
    if spec.unit:
        parts.append(f"単位: {spec.unit}")
    if spec.choices is not None:
        codes = ", ".join(f"{code}={label}" for code, label in spec.choices.labels().items())
        parts.append(f"コード: {codes}")
    return "。".join(part.rstrip("。") for part in parts)


def _read_field(table: type[SQLModel], name: str, info: FieldInfo) -> tuple[Any, Any]:
    """A column as the read shape has it: its type, its Japanese title and description;
    always present (``null`` when empty), so required, and never re-checked against the
    input's bounds (what is stored is answered)."""
    spec = spec_of(info)
    if spec is not None:
        title, description = spec.term, _described(spec)
    elif name == "id" and table in _LAYOUTS:
        title, description = _LAYOUTS[table].id_term or "ID", ""
    else:
        title, description = _UNDECLARED.get(name, (name, ""))
    return info.annotation, Field(title=title, description=description or None)


@cache
def read_shape(table: type[SQLModel]) -> type[BaseModel]:
    """The read shape of table model ``table`` (``CompanyRead`` …): every column, in order."""
    fields: dict[str, Any] = {
        name: _read_field(table, name, info) for name, info in table.model_fields.items()
    }
    layout = _LAYOUTS.get(table)
    return create_model(
        f"{table.__name__}Read",
        __doc__=f"{layout.label}: {table.__doc__}" if layout else table.__doc__,
        **fields,
    )


Item = TypeVar("Item", bound=BaseModel)


class Page(BaseModel, Generic[Item]):
    """A page of a list: the true total, the page's bounds and its records."""

    total: int = Field(title="総件数", description="条件に合う記録の数（全ページ）")
    limit: int = Field(title="件数の上限", description="このページの最大件数")
    offset: int = Field(title="開始位置", description="先頭から飛ばした件数")
    items: list[Item] = Field(title="記録")


@cache
def page_shape(table: type[SQLModel]) -> type[Page[Any]]:
    """A page of ``table``'s read shape (``CompanyPage`` …)."""
    layout = _LAYOUTS.get(table)
    base: type[Page[Any]] = Page[read_shape(table)]  # type: ignore[misc, assignment]
    return create_model(
        f"{table.__name__}Page",
        __base__=base,
        __doc__=f"{layout.label}の一覧（ページ）" if layout else None,
    )
