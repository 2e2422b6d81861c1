"""Recording a placement (成約) against an open or referred need; its follow-up is scheduled by
the service. The fields describe the hire, never the person."""

from collections.abc import Mapping

import streamlit as st

from crm.actor import Actor
from crm.calendar_jp import day_with_weekday, follow_up_due
from crm.entities import PlacementInput
from crm.models import Partner, Placement
from crm.presentation.labels import FIELD_LABELS
from crm.reference import NeedStatus, PartnerKind
from crm.services.lookups import need_choices
from crm.services.placements import record_placement
from crm.vocabulary import term
from ui import form_state as fs
from ui import pickers
from ui.cache import cached_read
from ui.fields import FieldSet

FORM = "placement_new"
LAST_NEED = "placements.last_need"


def _placement_fields(partners: Mapping[int, Partner]) -> FieldSet:
    active = [pid for pid, p in partners.items() if p.active]

    def partner(key: str, _label: str) -> None:
        st.selectbox(
            term("partner"),
            [None, *active],
            key=key,
            format_func=lambda pid: (
                "なし・不明"
                if pid is None
                else f"{partners[pid].name}（{PartnerKind(partners[pid].kind).label}）"
            ),
        )

    # The need is chosen above the fields (it names the firm and the default engagement).
    return FieldSet(
        PlacementInput,
        exclude=("need_id",),
        columns=3,
        pickers={"partner_id": partner},
        blank={"engagement": "ニーズと同じ"},
        help={
            "previous_prefecture": (
                "採用された方が以前住んでいた都道府県（人材還流マップに使います）。"
                "県内・首都圏・大阪圏・名古屋圏・その他の地域の区分はここから決まります。"
            ),
            "previous_residence": "都道府県が分からないときだけ、おおまかな区分を選んでください。",
            "notes": "個人を特定できる内容（氏名・連絡先など）は書かないでください。",
        },
    )


def record_form(actor: Actor, partners: Mapping[int, Partner]) -> None:
    preselect = pickers.query_id("need", "人材ニーズ")
    need_key = fs.key(FORM, "need_id")
    placement = _placement_fields(partners)
    # Open for the need of a link, and right after a submit: the result (and the form, now
    # empty) stays in sight instead of folding away with the link's need.
    with st.expander(
        "成約を登録",
        expanded=preselect is not None or fs.just_sent(FORM),
        icon=":material/handshake:",
    ):
        typed = pickers.record_search(
            need_key,
            "人材ニーズを検索",
            "入力すると下の選択肢が、その企業のニーズに絞り込まれます。",
        )
        open_needs = cached_read(
            need_choices,
            actor,
            statuses=[NeedStatus.OPEN.value, NeedStatus.REFERRED.value],
            typed=typed,
            keep=pickers.kept_choice(need_key, preselect),
        )
        with fs.form(FORM):
            pickers.pick(
                "人材ニーズ *",
                open_needs,
                need_key,
                preselect=preselect,
                help="受付中・紹介中のニーズから選びます。",
            )
            fs.error(FORM, "need_id")
            placement.draw(FORM)
            fs.feedback(FORM, FIELD_LABELS | placement.labels() | {"partner_id": term("partner")})
            fs.submit_button(
                FORM,
                "成約を記録",
                lambda s: record_placement(
                    s, actor, {"need_id": fs.value(FORM, "need_id"), **placement.values(FORM)}
                ),
                recorded_message,
                recorded,
                actor=actor,
                creates=True,
                type="primary",
            )


def recorded_message(placement: Placement) -> str:
    due = follow_up_due(placement.placed_on)
    return (
        f"成約を記録しました（成約日 {day_with_weekday(placement.placed_on)}）。"
        f"フォローアップを {day_with_weekday(due)} に"
        "予定しました。"
    )


def recorded(placement: Placement) -> None:
    fs.reset(FORM)
    # The form starts empty, not at the need of the link: one click records one hire.
    st.query_params.pop("need", None)
    st.session_state[LAST_NEED] = placement.need_id
