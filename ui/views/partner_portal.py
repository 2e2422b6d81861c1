"""パートナー: the referrals a hub shared with the signed-in person's organisation (only what
the hub shares: the firm or an anonymised label, the need's category, title, engagement,
salary band and the hub's パートナー向けメモ), filtered by stage, and per referral a report of
its progress (a stage, a count of candidates, a coded reason, a date: never a person's data).

Read on every run rather than through ``ui.cache.cached_read``: a partner's reads belong to no
hub's scope, so a hub's write (sharing a referral) must show at once. The lists are short."""

import datetime as dt

import streamlit as st

from crm.actor import Actor
from crm.presentation.labels import day
from crm.presentation.text import literal
from crm.reference import DeclineReason, ReferralStage
from crm.services.partner_portal import (
    MAX_CANDIDATES,
    SharedReferral,
    count_my_referrals,
    my_referrals,
    report_progress,
)
from crm.timeutil import today_jst
from ui import cache as reference
from ui import form_state as fs
from ui.forms import guarded
from ui.runtime import session

PAGE = 30
STAGE_FILTER = "partner_stage"
FIELDS = {
    "stage": "段階",
    "candidate_count": "候補者数",
    "decline_reason": "見送りの理由",
    "placed_on": "成約日",
}
ALL, UNREPORTED = "", "unreported"


def _stage_choice(value: str) -> str:
    if value == ALL:
        return "すべて"
    if value == UNREPORTED:
        return "未報告"
    return ReferralStage(value).label


def show_portal(actor: Actor) -> None:
    st.title("紹介された人材ニーズ")
    partner = next(
        (p for p in reference.partners(active_only=False) if p.id == actor.partner_id), None
    )
    st.caption(
        literal(
            (f"{partner.name} ・ " if partner is not None else "")
            + "拠点から紹介され、共有された人材ニーズです。進み具合を報告してください"
            "（候補者の氏名など個人情報は入力しません）。"
        )
    )
    stage = st.selectbox(
        "段階で絞り込む",
        [ALL, UNREPORTED, *(s.value for s in ReferralStage)],
        format_func=_stage_choice,
        key=STAGE_FILTER,
    )
    page = max(1, int(st.query_params.get("page", "1") or 1) if _is_page() else 1)
    with session() as s, guarded():
        total = count_my_referrals(s, actor, stage=stage or None)
        rows = my_referrals(s, actor, stage=stage or None, limit=PAGE, offset=(page - 1) * PAGE)
    st.caption(f"{total:,}件" + (f"（{page:,}ページ目）" if total > PAGE else ""))
    if not rows:
        st.info(
            "共有された人材ニーズはありません。"
            if stage == ALL
            else "この段階の人材ニーズはありません。"
        )
        return
    _table(rows)
    if total > PAGE:
        _pager(total, page)
    focused = st.query_params.get("referral")
    for row in rows:
        _card(actor, row, expanded=focused == str(row.referral_id) or len(rows) == 1)


def _is_page() -> bool:
    return str(st.query_params.get("page", "1")).isdigit()


def _pager(total: int, page: int) -> None:
    pages = (total + PAGE - 1) // PAGE
    chosen = st.number_input("ページ", min_value=1, max_value=pages, value=min(page, pages))
    if chosen != page:
        st.query_params["page"] = str(chosen)
        st.rerun()


def _table(rows: list[SharedReferral]) -> None:
    # st.dataframe cells are plain text: values go in as they are.
    st.dataframe(
        [
            {
                "紹介日": day(r.referred_on),
                "拠点": r.hub_name,
                "企業": r.firm,
                "人材区分": r.category,
                "役職・職種": r.role_title,
                "採用形態": r.engagement,
                "年収帯": r.salary_band or "未定",
                "人数": f"{r.headcount:,}名",
                "段階": r.stage_label,
                "候補者数": "" if r.candidate_count is None else f"{r.candidate_count:,}人",
                "見送りの理由": r.decline_label,
                "成約日": _placed(r),
            }
            for r in rows
        ],
        hide_index=True,
        width="stretch",
        placeholder="—",
    )


def _placed(r: SharedReferral) -> str:
    if r.reported_placed_on is None:
        return ""
    return day(r.reported_placed_on) + ("（拠点が確認済み）" if r.placement_confirmed else "")


def _card(actor: Actor, r: SharedReferral, *, expanded: bool) -> None:
    title = f"{r.role_title}（{r.firm}）・{r.stage_label}"
    expanded = expanded or fs.just_sent(f"partner_report.{r.referral_id}")
    with st.expander(literal(title), expanded=expanded, key=f"partner-referral-{r.referral_id}"):
        st.caption(
            literal(
                f"{r.hub_name}の拠点から {day(r.referred_on)} に紹介 ・ {r.category} ・ "
                f"{r.engagement} ・ 年収帯 {r.salary_band or '未定'} ・ {r.headcount:,}名"
            )
        )
        if r.partner_notes:
            st.markdown("**拠点からのメモ**")
            st.text(r.partner_notes)
        if r.placement_confirmed:
            st.success(
                f"拠点が成約（{day(r.reported_placed_on) if r.reported_placed_on else ''}）を"
                "確認しました。報告は以上です。ありがとうございました。"
            )
            return
        _report_form(actor, r)


def _report_form(actor: Actor, r: SharedReferral) -> None:
    form = f"partner_report.{r.referral_id}"
    fs.prefill(
        form,
        {
            "stage": r.stage or ReferralStage.RECEIVED.value,
            "candidate_count": r.candidate_count,
            "decline_reason": r.decline_reason,
            "placed_on": r.reported_placed_on,
        },
        version=r.version,
        token=(r.referral_id, r.version),
    )
    with fs.form(form):
        st.markdown("**進み具合を報告**")
        left, right = st.columns(2)
        with left:
            st.selectbox(
                "段階 *",
                [s.value for s in ReferralStage],
                format_func=lambda v: ReferralStage(v).label,
                key=fs.key(form, "stage"),
            )
            fs.error(form, "stage")
            st.number_input(
                "候補者数（候補者紹介中は必須）",
                min_value=0,
                max_value=MAX_CANDIDATES,
                step=1,
                value=None,
                key=fs.key(form, "candidate_count"),
                placeholder="人数",
            )
            fs.error(form, "candidate_count")
        with right:
            st.selectbox(
                "見送りの理由（見送りのとき）",
                [None, *(d.value for d in DeclineReason)],
                format_func=lambda v: "—" if v is None else DeclineReason(v).label,
                key=fs.key(form, "decline_reason"),
                placeholder="—",
            )
            fs.error(form, "decline_reason")
            st.date_input(
                "成約日（成約のとき）",
                value=None,
                max_value=today_jst(),
                min_value=r.referred_on,
                key=fs.key(form, "placed_on"),
                format="YYYY/MM/DD",
            )
            fs.error(form, "placed_on")
        fs.feedback(form, FIELDS)
        fs.submit_button(
            form,
            "報告する",
            lambda s: report_progress(
                s,
                actor,
                r.referral_id,
                expected_version=fs.expected_version(form),
                stage=fs.value(form, "stage"),
                candidate_count=_count(fs.value(form, "candidate_count")),
                decline_reason=fs.value(form, "decline_reason"),
                placed_on=_date(fs.value(form, "placed_on")),
            ),
            lambda saved: (
                f"「{ReferralStage(saved.stage).label}」を報告しました。"
                "拠点の担当者にお知らせしました。"
            ),
            actor=actor,
            type="primary",
        )


def _count(value: object) -> int | None:
    return None if value is None else int(value)  # type: ignore[call-overload]


def _date(value: object) -> dt.date | None:
    return value if isinstance(value, dt.date) else None
