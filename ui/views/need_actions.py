"""What a hub manager does on a need's page: move it along its pipeline, refer it to a partner,
record a referral's outcome."""

from collections.abc import Mapping

import streamlit as st

from crm.actor import Actor
from crm.entities import ReferralInput
from crm.models import Partner, Referral, TalentNeed, stored_id
from crm.presentation.labels import FIELD_LABELS, day, enum_label
from crm.presentation.text import literal
from crm.reference import NEED_TRANSITIONS, NeedStatus, PartnerKind, ReferralOutcome
from crm.services.needs import move_need, refer_need, update_referral
from crm.timeutil import today_jst
from crm.vocabulary import term
from ui import form_state as fs
from ui import pickers
from ui.fields import FieldSet

OUTCOME = FieldSet(ReferralInput, only=("outcome", "notes"))


def move_form(actor: Actor, need: TalentNeed) -> None:
    """A step along the pipeline (a status move is no input shape of its own: the service
    takes the new status, its date and a note)."""
    form = f"need_move.{need.id}"
    current = NeedStatus(need.status)
    # Placing is done by recording a placement, so that every 成約 has its record.
    targets = [
        s.value for s in NeedStatus if s in NEED_TRANSITIONS[current] and s != NeedStatus.PLACED
    ]
    with fs.form(form):
        st.markdown(f"**状態を変更**（現在: {current.label}）")
        st.selectbox(
            f"新しい{term('status')}",
            targets,
            format_func=lambda c: NeedStatus(c).label,
            key=fs.key(form, "status"),
        )
        fs.error(form, "status")
        st.date_input(
            "変更日", value=today_jst(), key=fs.key(form, "changed_on"), format="YYYY/MM/DD"
        )
        fs.error(form, "changed_on")
        st.text_input(
            term("notes"), key=fs.key(form, "note"), placeholder="例: 社内事情で採用を見送り"
        )
        fs.feedback(form, FIELD_LABELS)
        st.caption("成約にするには「このニーズの成約を登録」から成約を記録します。")
        fs.submit_button(
            form,
            "状態を変更",
            lambda s: move_need(
                s,
                actor,
                stored_id(need.id),
                fs.value(form, "status"),
                need.version,
                on=fs.value(form, "changed_on"),
                note=fs.value(form, "note") or None,
            ),
            lambda moved: f"状態を「{NeedStatus(moved.status).label}」に変更しました。",
            lambda _moved: fs.reset(form),
            actor=actor,
        )


def refer_form(actor: Actor, need: TalentNeed, partners: Mapping[int, Partner]) -> None:
    form = f"need_refer.{need.id}"
    choices = [
        (pid, f"{p.name}（{PartnerKind(p.kind).label}）") for pid, p in partners.items() if p.active
    ]

    def partner(key: str, _label: str) -> None:
        pickers.pick("紹介先 *", choices, key)

    referral = FieldSet(
        ReferralInput, only=("partner_id", "referred_on", "notes"), pickers={"partner_id": partner}
    )
    with fs.form(form):
        st.markdown("**パートナーに紹介**")
        referral.draw(form)
        fs.feedback(form, FIELD_LABELS | referral.labels() | {"partner_id": "紹介先"})
        fs.submit_button(
            form,
            "紹介を記録",
            lambda s: refer_need(s, actor, {"need_id": need.id, **referral.values(form)}),
            lambda saved: f"{partners[saved.partner_id].name} への紹介を記録しました。",
            lambda _referral: fs.reset(form),
            actor=actor,
            creates=True,
        )


def outcome_form(actor: Actor, referral: Referral, partner: str) -> None:
    form = f"referral.{referral.id}"
    fs.prefill(form, OUTCOME.record(referral), version=referral.version, token=referral.id)
    title = (
        f"紹介の結果: {partner}（{day(referral.referred_on)}・"
        f"{enum_label(ReferralOutcome, referral.outcome)}）"
    )
    with st.expander(literal(title)):
        with fs.form(form):
            OUTCOME.draw(form)
            fs.feedback(form, FIELD_LABELS | OUTCOME.labels())
            fs.submit_button(
                form,
                "結果を保存",
                lambda s: update_referral(
                    s,
                    actor,
                    stored_id(referral.id),
                    OUTCOME.values(form),
                    fs.expected_version(form),
                ),
                "紹介の結果を保存しました。",
                lambda _referral: fs.reset(form),
                actor=actor,
            )
