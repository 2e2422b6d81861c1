"""One need's page (人材ニーズ, ``?need=ID``): its facts, its dated pipeline, its referrals and
placements, and for its hub manager the forms that move it on (``ui.views.need_actions``)."""

from collections.abc import Mapping, Sequence

import streamlit as st

from crm.actor import Actor
from crm.models import Partner, Placement, Referral, TalentNeed, stored_id
from crm.presentation.labels import day, enum_label, moment, prefecture_label
from crm.presentation.text import literal
from crm.reference import (
    DeclineReason,
    Engagement,
    NeedStatus,
    ReferralOutcome,
    ReferralStage,
    SalaryBand,
)
from crm.services.consultations import get_consultation
from crm.services.lookups import company_names
from crm.services.needs import get_need, list_referrals, need_history
from crm.services.placements import list_placements
from crm.vocabulary import term
from ui import form_state as fs
from ui import links
from ui.assignee import assignee_control
from ui.comments import comments_section
from ui.forms import guarded
from ui.record_history import history_section
from ui.runtime import session
from ui.views import need_actions, need_new


def close_need() -> None:
    st.query_params.pop("need", None)


def show_need(
    actor: Actor, need_id: int, categories: Mapping[int, str], partners: Mapping[int, Partner]
) -> None:
    read_only = not actor.is_hub_manager
    with session() as s, guarded():
        need = get_need(s, actor, need_id)
        history = need_history(s, actor, need_id)
        referrals = list_referrals(s, actor, need_id=need_id)
        placements = list_placements(s, actor, need_id=need_id)
        company_name = company_names(s, actor, [need.company_id]).get(need.company_id, "")
        consultation = (
            None
            if need.consultation_id is None
            else get_consultation(s, actor, need.consultation_id)
        )

    st.query_params["need"] = str(need.id)  # the address bar shows a shareable link
    st.button("← ニーズ一覧へ", on_click=close_need)
    fs.feedback(need_new.FORM)  # "registered" right after opening this need
    status = NeedStatus(need.status)
    st.title(literal(f"{need.role_title}（{company_name}）"))
    st.caption(
        f"人材ニーズ ・ {prefecture_label(need.hub_code)} ・ {day(need.opened_on)}受付 ・ "
        f"状態: {status.label}"
    )
    if read_only:
        st.caption("全国事務局として閲覧しています（閲覧のみ）。")

    if not read_only:
        assignee_control(actor, "talent_need", stored_id(need.id), need.assignee_id)
    metrics = st.columns(4)
    metrics[0].metric(term("status"), status.label)
    metrics[1].metric("人数", f"{need.headcount}名")
    metrics[2].metric("成約", f"{len(placements)}名")
    metrics[3].metric("紹介先", f"{len(referrals)}件")

    left, right = st.columns([3, 2])
    with left:
        links.show(actor, links.company(need.company_id, company_name, ":material/apartment:"))
        facts = {
            "人材区分": categories.get(need.category_id, ""),
            term("engagement"): enum_label(Engagement, need.engagement),
            term("salary_band"): enum_label(SalaryBand, need.salary_band) or "未定",
            "受付日": day(need.opened_on),
            "元の相談": ""
            if consultation is None
            else f"{day(consultation.consulted_on)} {consultation.summary[:60]}",
            term("notes"): need.notes or "",
            "パートナー向けメモ": need.partner_notes or "",
        }
        # st.table cells are Markdown: the values go in as literal text.
        st.table([{"項目": key, "内容": literal(value)} for key, value in facts.items()])
    with right:
        st.markdown("**状態の履歴**")
        st.dataframe(
            [
                {
                    "日付": day(h.changed_on),
                    "変更": f"{enum_label(NeedStatus, h.from_status) or '—'} → "
                    f"{enum_label(NeedStatus, h.to_status)}",
                    term("notes"): h.note or "",
                }
                for h in history
            ],
            hide_index=True,
            width="stretch",
            placeholder="—",
        )

    referral_list(referrals, partners)
    placement_list(placements, partners)
    placement_comments(actor, placements)
    if not read_only and status in (NeedStatus.OPEN, NeedStatus.REFERRED):
        links.show(
            actor,
            links.Link(
                links.PLACEMENTS,
                "このニーズの成約を登録",
                {"need": str(stored_id(need.id))},
                ":material/handshake:",
            ),
        )
    if not read_only:
        actions(actor, need, referrals, partners)
    st.subheader("コメント")
    comments_section(actor, "talent_need", stored_id(need.id), need.hub_code)
    history_section(actor, "talent_need", stored_id(need.id))


def partner_name(partners: Mapping[int, Partner], partner_id: int | None) -> str:
    partner = None if partner_id is None else partners.get(partner_id)
    return "" if partner is None else partner.name


def partner_report(r: Referral) -> str:
    """The partner's latest report on a referral, in a few words (— when none)."""
    if r.stage is None:
        return "—"
    stage = ReferralStage(r.stage)
    text = stage.label
    if r.candidate_count is not None and stage != ReferralStage.DECLINED:
        text += f"・候補者{r.candidate_count:,}人"
    if r.decline_reason is not None:
        text += f"・{enum_label(DeclineReason, r.decline_reason)}"
    if r.reported_placed_on is not None:
        text += f"・成約日 {day(r.reported_placed_on)}"
        text += "（確認済み）" if r.placement_id is not None else "（確認待ち）"
    return text


def sharing(r: Referral) -> str:
    if not r.shared:
        return "未共有"
    return "共有中（企業名あり）" if r.share_firm_name else "共有中（匿名）"


def referral_list(referrals: Sequence[Referral], partners: Mapping[int, Partner]) -> None:
    st.subheader("紹介先（人材ビジネス事業者・パートナー）")
    if not referrals:
        st.info("まだどこにも紹介していません。")
        return
    st.dataframe(
        [
            {
                "紹介日": day(r.referred_on),
                "紹介先": partner_name(partners, r.partner_id),
                "結果": enum_label(ReferralOutcome, r.outcome),
                "パートナーへの共有": sharing(r),
                "パートナーの報告": partner_report(r),
                "報告日": "" if r.stage_reported_at is None else moment(r.stage_reported_at),
                term("notes"): r.notes or "",
            }
            for r in referrals
        ],
        hide_index=True,
        width="stretch",
        placeholder="—",
    )


def placement_list(placements: Sequence[Placement], partners: Mapping[int, Partner]) -> None:
    st.subheader("成約")
    if placements:
        st.dataframe(
            [
                {
                    "成約日": day(p.placed_on),
                    term("engagement"): enum_label(Engagement, p.engagement),
                    term("partner"): partner_name(partners, p.partner_id),
                }
                for p in placements
            ],
            hide_index=True,
            width="stretch",
            placeholder="—",
        )


def placement_comments(actor: Actor, placements: Sequence[Placement]) -> None:
    """Each placement's own comments (how the hire is settling in …), read when opened."""
    for p in placements:
        box = st.expander(
            f"成約（{day(p.placed_on)}）へのコメント",
            key=f"placement-comments-{p.id}",
            icon=":material/forum:",
            on_change="rerun",
        )
        if box.open:
            with box:
                comments_section(actor, "placement", stored_id(p.id), p.hub_code)


def actions(
    actor: Actor,
    need: TalentNeed,
    referrals: Sequence[Referral],
    partners: Mapping[int, Partner],
) -> None:
    left, right = st.columns(2)
    with left:
        need_actions.move_form(actor, need)
    with right:
        if need.status != NeedStatus.WITHDRAWN.value:
            need_actions.refer_form(actor, need, partners)
    need_actions.partner_notes_form(actor, need)
    for referral in referrals:
        name = partner_name(partners, referral.partner_id)
        if referral.stage == ReferralStage.PLACED.value:
            need_actions.confirm_form(actor, referral, name)
        need_actions.share_form(actor, referral, name)
        need_actions.outcome_form(actor, referral, name)
