"""全国ダッシュボード: the programme's headline chart and figures, for any selection of hubs."""

import streamlit as st

from crm.analytics.national import headline_figures
from crm.analytics.periods import month_as_of_label, target_year
from crm.analytics.targets import target_progress
from crm.analytics.trend import monthly_trend
from crm.presentation.analytics_frames import TREND_COLUMNS, trend_frame
from crm.presentation.charts import cumulative_trend_chart
from crm.reference import Role
from crm.timeutil import today_jst
from crm.vocabulary import days_text
from ui import chart_specs, tables
from ui.analytics_filters import filter_panel, period_label
from ui.cache import cached_read
from ui.forms import guarded
from ui.session import require_role
from ui.today import show_counts_by_hub

actor = require_role(Role.SECRETARIAT)
st.title("全国ダッシュボード")
filters = filter_panel()

with guarded():
    figures = cached_read(headline_figures, actor, filters=filters)

st.subheader(f"期間の実績（{period_label(filters)}）")
row1 = st.columns(4)
row1[0].metric("相談件数", f"{figures.consultations:,}")
row1[1].metric("相談企業数", f"{figures.companies_consulted:,}")
row1[2].metric("人材ニーズ", f"{figures.needs_opened:,}")
row1[3].metric("成約件数", f"{figures.placements:,}")
row2 = st.columns(4)
row2[0].metric(
    "成約率（成約／相談）",
    "—" if figures.conversion is None else f"{figures.conversion:.1%}",
    help="期間内の成約件数を期間内の相談件数で割った値です。",
)
row2[1].metric(
    "成約までの日数（中央値）",
    days_text(figures.median_days_to_placement),
    help="成約ごとに、その企業の最初の相談日から成約日までの日数を数えた中央値です"
    f"（対象 {figures.placements_timed:,} 件）。",
)
row2[2].metric(
    "複数回採用した企業の割合",
    "—" if figures.repeat_share is None else f"{figures.repeat_share:.1%}",
    help="期間内に成約のあった企業のうち、期間内に2件以上成約した企業の割合です"
    f"（{figures.companies_placed_repeatedly:,}／"
    f"{figures.companies_placed:,}社）。",
)
if filters.narrows_needs:
    st.caption("人材区分・採用形態で絞り込み中: 人材ニーズと成約だけが絞り込まれ、相談は全件です。")

today = today_jst()
rule = target_year(filters.until, today)
fy = rule.fiscal_year
with guarded():
    progress = cached_read(target_progress, actor, fy=fy, as_of=rule.as_of, filters=filters)
approved = [p for p in progress if p.approved]
behind = [p for p in approved if p.behind]
if approved:
    message = (
        f"{rule.statement}。承認済み {len(approved)} 拠点のうち "
        f"{len(behind)} 拠点が目標を下回っています。"
    )
    (st.warning if behind else st.success)(message)
    st.page_link("pages/targets.py", label="目標（KPI）と進捗を見る", icon=":material/flag:")
else:
    st.info(f"{fy}年度の承認済みの目標はまだありません。")

st.subheader("成約件数と相談件数の推移（累計）")
from_start = st.toggle(
    "事業開始から表示する",
    value=True,
    help="オフにすると、選んだ期間の月だけを表示します（累計は事業開始からの値）。",
)
trend_filters = filters.with_period(None, filters.until) if from_start else filters
with guarded():
    trend = cached_read(monthly_trend, actor, filters=trend_filters)
if not trend:
    st.info("まだ相談・成約の記録がありません。")
else:
    frame = trend_frame(trend)
    last = trend[-1]
    st.caption(
        f"{month_as_of_label(last.month, trend_filters.until, today)}: "
        f"累計相談 {last.cumulative_consultations:,} 件・"
        f"累計成約 {last.cumulative_contracts:,} 件"
    )
    scope = "全国" if filters.hub_selection() is None else "選択した拠点"
    chart_specs.show(
        cumulative_trend_chart, frame, f"{scope}: 成約件数と相談件数の推移", width="stretch"
    )
    with st.expander("月別の数値"):
        tables.show(frame.rename(columns=TREND_COLUMNS))

show_counts_by_hub(actor, filters.hub_selection())
