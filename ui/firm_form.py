"""The one firm form: registering a firm (the 企業 page, and the 相談記録 page's 「新しい企業」,
which registers it with its first consultation) and editing it. Its fields are CompanyInput's
declarations (``ui.fields``), so both pages show the same fields, labels, help and bounds."""

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import streamlit as st

from crm.actor import Actor
from crm.entities import CompanyInput
from crm.models import Company, stored_id
from crm.presentation.labels import FIELD_LABELS
from crm.services.companies import create_company, update_company
from crm.services.intake import COMPANY_PREFIX
from crm.services.merge import ALLOW_DUPLICATE_HELP, ALLOW_DUPLICATE_LABEL
from ui import form_state as fs
from ui.fields import FieldSet

NEW_FORM = "company_new"
DUPLICATE = "allow_duplicate"  # registering: the user confirmed a look-alike is another firm

FIRM = FieldSet(
    CompanyInput,
    columns=2,
    placeholder={
        "kana": "例: ヤマガタセイミツ（検索に使います）",
        "corporate_number": "13桁（全角・ハイフン可）。個人事業主は空欄",
    },
)
# The firm's part of the consultation form: its fields are named apart from the
# consultation's, as the service names their refusals (crm.services.intake).
WITH_CONSULTATION = replace(FIRM, prefix=COMPANY_PREFIX)


def firm_fields(
    form: str, fields: FieldSet = FIRM, *, hub: str | None = None, registering: bool = False
) -> None:
    """The firm's widgets on ``form``; a new firm starts in the hub's prefecture and may be
    confirmed as another firm than a look-alike the hub has."""
    fields.draw(form, None if hub is None else {"prefecture_code": hub})
    if registering:
        st.checkbox(
            ALLOW_DUPLICATE_LABEL,
            key=fs.key(form, fields.key(DUPLICATE)),
            help=ALLOW_DUPLICATE_HELP,
        )


def firm_values(form: str, fields: FieldSet = FIRM, *, registering: bool = False) -> dict:
    data: dict[str, Any] = fields.values(form)
    if registering:
        data[DUPLICATE] = bool(fs.value(form, fields.key(DUPLICATE)))
    return data


def labels(fields: FieldSet = FIRM) -> dict[str, str]:
    return FIELD_LABELS | fields.labels()


def register_form(actor: Actor, on_created: Callable[[Company], None]) -> None:
    """The 企業 page's registration form (the firm's page opens on success)."""
    with fs.form(NEW_FORM):
        firm_fields(NEW_FORM, hub=actor.hub_code, registering=True)
        fs.feedback(NEW_FORM, labels())
        fs.submit_button(
            NEW_FORM,
            "企業を登録",
            lambda s: create_company(s, actor, firm_values(NEW_FORM, registering=True)),
            lambda company: f"{company.name} を登録しました。",
            on_created,
            actor=actor,
            creates=True,
            type="primary",
        )


def edit_form(actor: Actor, company: Company) -> None:
    """Editing a firm from the version the user opened (a conflicting save shows the change)."""
    form = f"company_edit.{company.id}"
    fs.prefill(form, FIRM.record(company), version=company.version, token=company.id)
    with fs.form(form):
        firm_fields(form)
        st.caption(f"編集を始めた時点の版: {fs.expected_version(form)}")
        fs.feedback(form, labels())
        fs.submit_button(
            form,
            "変更を保存",
            lambda s: update_company(
                s, actor, stored_id(company.id), firm_values(form), fs.expected_version(form)
            ),
            "企業情報を更新しました。",
            lambda _company: fs.reset(form),
            actor=actor,
            type="primary",
        )
    st.button(
        "入力を破棄して最新の内容を読み込む",
        key=f"{form}.reload",
        on_click=fs.reset,
        args=(form,),
    )
