"""目標（KPI）: yearly targets per hub and progress against them (PDCA).

A hub manager proposes their own hub's targets; the secretariat sets or approves every hub's.
"""

import streamlit as st

from crm.analytics.targets import target_progress
from crm.presentation.analytics_frames import progress_frame, progress_status, targets_frame
from crm.presentation.charts import target_progress_chart
from crm.presentation.text import literal
from crm.reference import Role
from crm.services.reference_data import list_hubs
from crm.services.targets import approve_target, find_target, propose_target, set_target
from crm.targets import APPROVED, FIRST_FISCAL_YEAR, PROPOSED, STATUS_LABELS
from crm.timeutil import fiscal_year, today_jst
from ui import chart_specs, form_state, tables
from ui.cache import cached_read
from ui.forms import guarded
from ui.runtime import session
from ui.session import require_role

actor = require_role(Role.HUB_MANAGER, Role.SECRETARIAT)
st.title("目標（KPI）")
st.caption(
    "拠点ごと・年度ごとの相談件数と成約件数の目標です。進捗は、年度の実績を"
    "「目標 × 年度の経過割合」（按分目標）と比べます。承認済みの目標だけが評価の対象です。"
)

today = today_jst()
current_fy = fiscal_year(today)
years = list(range(current_fy + 1, FIRST_FISCAL_YEAR - 1, -1))
fy = st.selectbox(
    "年度", years, index=years.index(current_fy), format_func=lambda y: f"{y}年度", key="targets_fy"
)
with session() as s:
    hub_names = {h.code: h.name_ja for h in list_hubs(s)}
with guarded():
    progress = cached_read(target_progress, actor, fy=fy, as_of=today)


def target_form(form_key: str, hub_code: str, verb: str, write) -> None:
    """Number inputs for a hub's targets of ``fy``, loaded from the stored target once per
    (hub, year); the version the user saw goes with the save."""
    with session() as s, guarded():
        existing = find_target(s, actor, hub_code, fy)
    form_state.prefill(
        form_key,
        {
            "consultations": existing.consultations if existing else 0,
            "placements": existing.placements if existing else 0,
        },
        version=existing.version if existing else None,
        token=(hub_code, fy),
    )
    if existing is not None:
        st.caption(
            f"現在の目標: 相談 {existing.consultations:,} 件・"
            f"成約 {existing.placements:,} 件（{STATUS_LABELS[existing.status]}）"
        )

    def save(s):
        data = {
            "hub_code": hub_code,
            "fiscal_year": fy,
            **form_state.values(form_key, ["consultations", "placements"]),
        }
        return write(s, actor, data, form_state.seen_version(form_key))

    with form_state.form(form_key):
        left, right = st.columns(2)
        left.number_input(
            "相談件数の目標", min_value=0, step=10, key=form_state.key(form_key, "consultations")
        )
        with left:
            form_state.error(form_key, "consultations")
        right.number_input(
            "成約件数の目標", min_value=0, step=1, key=form_state.key(form_key, "placements")
        )
        with right:
            form_state.error(form_key, "placements")
        form_state.feedback(
            form_key,
            {
                "consultations": "相談件数の目標",
                "placements": "成約件数の目標",
                "fiscal_year": "年度",
                "hub_code": "拠点",
            },
        )
        form_state.submit_button(
            form_key,
            f"{verb}する",
            save,
            f"{hub_names.get(hub_code, hub_code)}の{fy}年度目標を{verb}しました。",
            lambda _target: form_state.reset(form_key),
            actor=actor,
            type="primary",
        )


if actor.is_hub_manager:
    mine = progress[0] if progress else None
    own_hub = actor.own_hub
    st.subheader(literal(f"{hub_names.get(own_hub, own_hub)}の{fy}年度"))
    if mine is not None:
        cols = st.columns(3)
        cols[0].metric(
            "相談件数（年度の実績）",
            f"{mine.consultations:,}",
            help=None
            if mine.expected_consultations is None
            else f"按分目標 {mine.expected_consultations:,.1f} 件",
        )
        cols[1].metric(
            "成約件数（年度の実績）",
            f"{mine.placements:,}",
            help=None
            if mine.expected_placements is None
            else f"按分目標 {mine.expected_placements:,.1f} 件",
        )
        cols[2].metric("状況", progress_status(mine))
        if mine.approved and mine.behind:
            st.warning("按分した目標を下回っています。")
        tables.show(targets_frame([mine], hub_names).drop(columns="コード"))
    st.subheader("目標を提案する")
    if mine is not None and mine.target_status == APPROVED:
        st.info(f"{fy}年度の目標は承認済みです。変更が必要なときは全国事務局に依頼してください。")
    else:
        st.caption("提案した目標は、全国事務局が承認すると確定します（承認までは修正できます）。")
        target_form("target_propose", own_hub, "提案", propose_target)
else:
    approved = [p for p in progress if p.approved]
    behind = [p for p in approved if p.behind]
    cols = st.columns(3)
    cols[0].metric("承認済みの拠点", f"{len(approved)} / {len(progress)}")
    cols[1].metric("承認待ちの提案", f"{sum(p.target_status == PROPOSED for p in progress)}")
    cols[2].metric("按分目標を下回る拠点", f"{len(behind)}")
    if behind:
        st.warning(
            literal(
                "目標を下回っている拠点: "
                + "、".join(hub_names.get(p.hub_code, p.hub_code) for p in behind)
            )
        )

    pending = [p for p in progress if p.target_status == PROPOSED]
    if pending:
        st.subheader("承認待ちの提案")
        for p in pending:
            line, button = st.columns([4, 1], vertical_alignment="center")
            line.write(
                literal(
                    f"{p.hub_code} {hub_names.get(p.hub_code, '')}: 相談 "
                    f"{p.target_consultations:,} 件・成約 {p.target_placements:,} 件"
                )
            )
            button.button(
                "承認する",
                key=f"approve_{p.target_id}",
                on_click=form_state.submit,
                args=(
                    f"approve_{p.target_id}",
                    lambda s, target_id=p.target_id, version=p.target_version: approve_target(
                        s, actor, target_id, version
                    ),
                    f"{hub_names.get(p.hub_code, p.hub_code)}の{fy}年度目標を承認しました。",
                ),
                kwargs={"actor": actor},
            )
            with line:
                form_state.feedback(f"approve_{p.target_id}")

    st.subheader("進捗（按分目標に対する実績）")
    chart = progress_frame(approved, hub_names)
    if chart.empty:
        st.info(f"{fy}年度の承認済みの目標はまだありません。")
    else:
        chart_specs.show(
            target_progress_chart, chart, f"{fy}年度 按分目標に対する進捗率", width="stretch"
        )
    tables.show(
        targets_frame(progress, hub_names).drop(columns="コード"),
        help={
            "相談進捗率": "年度の実績 ÷ 按分した相談目標",
            "成約進捗率": "年度の実績 ÷ 按分した成約目標",
        },
    )

    st.subheader("目標を設定する")
    st.caption("全国事務局が設定した目標は、そのまま承認済みになります。")
    hub_code = st.selectbox(
        "拠点", list(hub_names), format_func=lambda c: f"{c} {hub_names[c]}", key="targets_hub"
    )
    target_form("target_set", hub_code, "設定", set_target)
