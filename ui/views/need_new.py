"""Opening a need from a consultation (人材ニーズ): the firm is the consultation's."""

import streamlit as st

from crm.actor import Actor
from crm.entities import NeedInput
from crm.models import TalentNeed
from crm.presentation.labels import FIELD_LABELS
from crm.services.lookups import consultation_choices, consultation_company
from crm.services.needs import open_need
from ui import form_state as fs
from ui import pickers
from ui.cache import cached_read
from ui.fields import FieldSet

FORM = "need_new"


def _need_fields(categories: dict[int, str], active: list[int]) -> FieldSet:
    def category(key: str, label: str) -> None:
        st.selectbox(
            label,
            active,
            index=None,
            key=key,
            format_func=categories.__getitem__,
            placeholder="選択してください",
        )

    # The consultation is chosen above the fields; the firm follows from it.
    return FieldSet(
        NeedInput,
        exclude=("company_id", "consultation_id"),
        columns=2,
        pickers={"category_id": category},
        placeholder={"role_title": "例: 営業部長"},
    )


def new_need_form(
    actor: Actor,
    company_filter: int | None,
    categories: dict[int, str],
    active_categories: list[int],
) -> None:
    preselect = pickers.query_id("consultation", "相談")
    need = _need_fields(categories, active_categories)

    def save(s) -> TalentNeed:
        consultation_id = fs.value(FORM, "consultation_id")
        company_id = (
            None if consultation_id is None else consultation_company(s, actor, consultation_id)
        )
        return open_need(
            s,
            actor,
            {**need.values(FORM), "consultation_id": consultation_id, "company_id": company_id},
        )

    with st.expander(
        "新しい人材ニーズ（相談から登録）",
        expanded=preselect is not None or fs.just_sent(FORM),
        icon=":material/add_task:",
    ):
        consultation_key = fs.key(FORM, "consultation_id")
        typed = pickers.record_search(
            consultation_key,
            "相談を検索",
            "入力すると下の選択肢が、その企業の相談に絞り込まれます。",
        )
        choices = cached_read(
            consultation_choices,
            actor,
            company_id=company_filter,
            typed=typed,
            keep=pickers.kept_choice(consultation_key, preselect),
        )
        with fs.form(FORM):
            pickers.pick(
                "元の相談 *",
                choices,
                consultation_key,
                preselect=preselect,
                help="ニーズが生まれた相談（企業はその相談の企業になります）。",
            )
            fs.error(FORM, "consultation_id", "company_id")
            need.draw(FORM)
            fs.feedback(FORM, FIELD_LABELS | need.labels())
            fs.submit_button(
                FORM,
                "人材ニーズを登録",
                save,
                lambda need: f"人材ニーズ「{need.role_title}」を登録しました。",
                opened,
                actor=actor,
                creates=True,
                type="primary",
            )


def opened(need: TalentNeed) -> None:
    """The new need's page opens; the form starts afresh."""
    fs.reset(FORM)
    st.query_params.pop("consultation", None)
    st.query_params["need"] = str(need.id)
