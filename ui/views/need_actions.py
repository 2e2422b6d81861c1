"""What a hub manager does on a need's page: move it along its pipeline, refer it to a partner,
record a referral's outcome, share a referral with the partner's people (and what the partners
read: the パートナー向けメモ), and confirm a placement a partner reported."""

from collections.abc import Mapping

import streamlit as st

from crm.actor import Actor
from crm.entities import PlacementInput, ReferralInput
from crm.models import Partner, Referral, TalentNeed, stored_id
from crm.presentation.labels import FIELD_LABELS, day, enum_label
from crm.presentation.text import literal
from crm.reference import NEED_TRANSITIONS, NeedStatus, PartnerKind, ReferralOutcome
from crm.services.needs import move_need, refer_need, update_referral
from crm.services.partner_portal import (
    confirm_placement,
    set_partner_notes,
    share_referral,
    unshare_referral,
)
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


def share_form(actor: Actor, referral: Referral, partner: str) -> None:
    """パートナーに共有 (with or without the firm's name) / 共有をやめる."""
    form = f"referral_share.{referral.id}"
    referral_id = stored_id(referral.id)
    fs.prefill(form, {}, version=referral.version, token=(referral.id, referral.version))
    title = f"パートナーへの共有: {partner}（{day(referral.referred_on)}）"
    # Open right after a submit: its outcome stays in sight.
    with st.expander(literal(title), expanded=fs.just_sent(form)), fs.form(form):
        if referral.shared:
            named = "企業名も共有" if referral.share_firm_name else "企業名は匿名"
            st.caption(literal(f"{partner} の利用者に共有中（{named}）。"))
            fs.submit_button(
                form,
                "共有をやめる",
                lambda s: unshare_referral(
                    s, actor, referral_id, expected_version=fs.expected_version(form)
                ),
                f"{partner} への共有をやめました。",
                actor=actor,
            )
        else:
            st.caption(
                literal(
                    f"共有すると {partner} の利用者がこの紹介を閲覧し、進み具合を報告できます"
                    "（企業名を共有しないときは、都道府県・業種・規模だけの表示になります）。"
                )
            )
            st.checkbox("企業名を共有する", key=fs.key(form, "share_firm_name"))
            fs.submit_button(
                form,
                "パートナーに共有",
                lambda s: share_referral(
                    s,
                    actor,
                    referral_id,
                    expected_version=fs.expected_version(form),
                    share_firm_name=bool(fs.value(form, "share_firm_name")),
                ),
                f"{partner} に共有しました（利用者にお知らせしました）。",
                actor=actor,
            )
        fs.feedback(form, {"referral": "紹介"})


def partner_notes_form(actor: Actor, need: TalentNeed) -> None:
    """パートナー向けメモ: what the partners this need is shared with read (plain text)."""
    form = f"need_partner_notes.{need.id}"
    fs.prefill(
        form, {"partner_notes": need.partner_notes or ""}, version=need.version, token=need.id
    )
    with fs.form(form):
        st.markdown("**パートナー向けメモ**")
        st.text_area(
            "パートナー向けメモ",
            key=fs.key(form, "partner_notes"),
            label_visibility="collapsed",
            max_chars=4000,
            placeholder="例: 週3日の勤務も相談可。製造現場の経験がある方を希望。",
            help="共有した紹介先のパートナーが読みます。企業の内部事情や個人情報は書かないでください。",
        )
        fs.error(form, "partner_notes")
        fs.submit_button(
            form,
            "メモを保存",
            lambda s: set_partner_notes(
                s,
                actor,
                stored_id(need.id),
                fs.value(form, "partner_notes"),
                expected_version=fs.expected_version(form),
            ),
            "パートナー向けメモを保存しました。",
            lambda _need: fs.reset(form),
            actor=actor,
        )
    fs.feedback(form, {"partner_notes": "パートナー向けメモ"})


def _confirm_fields() -> FieldSet:
    return FieldSet(
        PlacementInput,
        exclude=("need_id", "partner_id"),
        columns=3,
        blank={"engagement": "ニーズと同じ"},
        help={
            "placed_on": "パートナーが報告した成約日です。違っていれば直してください。",
            "previous_prefecture": (
                "採用された方が以前住んでいた都道府県（人材還流マップに使います）。"
            ),
            "notes": "個人を特定できる内容（氏名・連絡先など）は書かないでください。",
        },
    )


def confirm_form(actor: Actor, referral: Referral, partner: str) -> None:
    """成約報告を確認して成約を記録: the reported placement becomes the placement (once
    confirmed, only the outcome of the confirmation just made is shown)."""
    form = f"referral_confirm.{referral.id}"
    if referral.placement_id is not None:
        fs.feedback(form)
        return
    fields = _confirm_fields()
    fs.prefill(
        form,
        {"placed_on": referral.reported_placed_on},
        version=referral.version,
        token=(referral.id, referral.version),
    )
    reported = "" if referral.reported_placed_on is None else day(referral.reported_placed_on)
    with st.expander(
        literal(f"成約報告を確認して成約を記録: {partner}（報告された成約日 {reported}）"),
        expanded=True,
        icon=":material/verified:",
    ):
        with fs.form(form):
            fields.draw(form)
            fs.submit_button(
                form,
                "成約報告を確認して成約を記録",
                lambda s: confirm_placement(
                    s,
                    actor,
                    stored_id(referral.id),
                    expected_version=fs.expected_version(form),
                    **fields.values(form),
                ),
                lambda placement: (
                    f"成約を記録しました（成約日 {day(placement.placed_on)}）。"
                    f"{partner} にお知らせしました。"
                ),
                lambda _placement: fs.reset(form),
                actor=actor,
                type="primary",
            )
        fs.feedback(form, FIELD_LABELS | fields.labels() | {"referral": "紹介"})
