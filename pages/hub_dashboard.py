"""拠点ダッシュボード: a hub's cumulative consultations against contracts, and this fiscal year."""

import pandas as pd
import streamlit as st

from crm.analytics.filters import AnalyticsFilter
from crm.analytics.forecast import MeasureForecast, fiscal_year_forecast
from crm.analytics.forecast_record import disagree, forecast_record
from crm.analytics.national import headline_figures
from crm.analytics.periods import month_as_of_label
from crm.analytics.targets import target_progress
from crm.analytics.trend import monthly_trend
from crm.presentation.analytics_frames import TREND_COLUMNS, trend_frame
from crm.presentation.charts import cumulative_forecast_chart, cumulative_trend_chart
from crm.presentation.forecast_text import (
    disagreement_head,
    disagreement_sentence,
    error_sentence,
)
from crm.presentation.text import literal
from crm.timeutil import fiscal_year, fiscal_year_bounds, today_jst
from ui import cache as reference
from ui import chart_specs, kept, tables
from ui.cache import cached_read
from ui.forms import guarded
from ui.session import require_actor
from ui.today import show_today


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


def _expected(label: str, m: MeasureForecast) -> str:
    p = m.projection
    if p.expected is None or p.low is None:
        return f"{label}は見込みを出せません（過去に丸1年度分の記録がありません）"
    high = "上限なし" if p.high is None else f"{p.high:,.0f} 件"
    used = len(p.median_years)
    # A past year with nothing by this day gives no projection to the median: say why it is
    # not counted rather than count it.
    unused = len(p.past_years) - used
    note = (
        f"。ほかに、この日までの実績が0件だった{unused}年度は幅の上限をなくしています"
        if unused
        else ""
    )
    return (
        f"{label} 約 {p.expected:,.0f} 件（幅 {p.low:,.0f} 件〜{high}、過去{used}年度から{note}）"
    )


def _pace(label: str, m: MeasureForecast) -> str | None:
    if m.target is None or m.needed_pace is None:
        return None
    remaining = max(m.target - m.so_far, 0)
    head = f"{label}目標の見通し: {m.outlook.label}。"
    if remaining == 0:
        return f"{head}目標 {m.target:,} 件に到達済み（今年度 {m.so_far:,} 件）"
    return (
        f"{head}目標 {m.target:,} 件まで残り {remaining:,} 件。残り {m.months_left:.1f} か月で"
        f"月平均 {m.needed_pace:,.1f} 件が必要（今年度これまでの月平均 {m.present_pace:,.1f} 件）"
    )


def _band(m: MeasureForecast, before: int) -> pd.DataFrame:
    """The forecast path as cumulative counts since the first record (for the chart)."""
    return pd.DataFrame(
        [
            {
                "month": f"{p.day.year:04d}-{p.day.month:02d}",
                "expected": before + p.expected,
                "low": before + p.low,
                "high": before + p.high,
            }
            for p in m.path
        ]
    )


actor = require_actor()

if actor.is_hub_manager:
    hub_code = actor.own_hub
else:
    hubs = {h.code: h.name_ja for h in reference.hubs()}
    codes = list(hubs)
    wanted = kept.linked("hub", codes)
    hub_code = st.selectbox(
        "拠点",
        codes,
        index=codes.index(wanted) if wanted in codes else 0,
        format_func=hubs.__getitem__,
    )
    st.query_params["hub"] = hub_code
    st.caption("全国事務局として閲覧しています（閲覧のみ）。")

hub_name = next(h.name_ja for h in reference.hubs(active_only=False) if h.code == hub_code)

st.title(literal(f"{hub_name} 拠点ダッシュボード"))
show_today(actor, hub_code)

today = today_jst()
fy = fiscal_year(today)
since, fy_end = fiscal_year_bounds(fy)
with guarded():
    counts = cached_read(
        headline_figures,
        actor,
        filters=AnalyticsFilter(since=since, until=min(today, fy_end), hubs=(hub_code,)),
    )
    trend = cached_read(monthly_trend, actor, hubs=[hub_code])
    progress = cached_read(target_progress, actor, fy=fy, filters=AnalyticsFilter(hubs=(hub_code,)))
    outlook = next(
        (
            f
            for f in cached_read(fiscal_year_forecast, actor, as_of=today, hubs=(hub_code,))
            if f.hub_code == hub_code
        ),
        None,
    )
    record = cached_read(forecast_record, actor, as_of=today, hubs=(hub_code,))

st.subheader(f"{fy}年度（{since:%Y/%m/%d}〜{today:%Y/%m/%d}）")
cols = st.columns(5)
cols[0].metric("相談件数", f"{counts.consultations:,}")
cols[1].metric("相談企業数", f"{counts.companies_consulted:,}")
cols[2].metric("人材ニーズ", f"{counts.needs_opened:,}")
cols[3].metric("成約件数", f"{counts.placements:,}")
cols[4].metric(
    "成約率（成約／相談）", "—" if counts.conversion is None else f"{counts.conversion:.1%}"
)

target = next((p for p in progress if p.hub_code == hub_code), None)
if target is None or target.target_status is None:
    st.caption(f"{fy}年度の目標はまだ登録されていません（目標（KPI）ページで提案・設定できます）。")
elif not target.approved:
    st.caption(
        f"{fy}年度の目標は承認待ちです（相談 {target.target_consultations:,} 件・"
        f"成約 {target.target_placements:,} 件）。"
    )
else:
    message = (
        f"{fy}年度目標: 相談 {target.target_consultations:,} 件・成約 "
        f"{target.target_placements:,} 件。年度経過 {target.elapsed_share:.0%} に対する進捗: "
        f"相談 {_percent(target.consultation_progress)}・成約 {_percent(target.placement_progress)}"
    )
    if target.behind:
        st.warning(f"⚠ 目標に対して遅れています。{message}")
    else:
        st.success(f"目標どおり進んでいます。{message}")

if outlook is not None:
    st.subheader(f"{fy}年度末（{fy_end:%Y/%m/%d}）の見通し")
    c, p = outlook.consultations, outlook.placements
    st.markdown(
        literal(
            f"{fy}年度末の見込み（今年度これまでの実績 相談 {c.so_far:,} 件・"
            f"成約 {p.so_far:,} 件と、この拠点の過去の年度の季節パターンから）: "
            f"{_expected('相談', c)}・{_expected('成約', p)}。"
        )
    )
    if p.projection.shares or c.projection.shares:
        st.caption(
            "幅は過去の各年度の「この日までに年度合計の何割に達していたか」から出した見込みの"
            "最小〜最大です。過去の傾向が続くなら、年度末の実績が幅に入る確率は約 相談 "
            f"{c.projection.nominal_coverage:.0%}・成約 {p.projection.nominal_coverage:.0%} です"
            "（過去の年度が多いほど高く、9年度で80%）。"
        )
    for label, measure in (("相談", record.consultations), ("成約", record.placements)):
        st.caption(f"{label}: この拠点の{error_sentence(measure.errors, record.as_of)}")
    for label, m, past, behind in (
        ("相談", c, record.consultations, target is not None and target.behind_consultations),
        ("成約", p, record.placements, target is not None and target.behind_placements),
    ):
        line = _pace(label, m)
        if line:
            st.markdown(literal(line))
        if m.out_of_reach and m.projection.high is not None:
            st.error(
                f"⚠ {label}目標 {m.target:,} 件は今のペースでは届かない見込みです: "
                f"見込みの幅の上限（{m.projection.high:,.0f} 件）でも目標を下回ります。"
            )
        if m.target is not None and disagree(behind, m.outlook):
            st.info(
                disagreement_head(label, behind, m.outlook)
                + disagreement_sentence(behind, m.outlook, past.guides)
            )

st.subheader("成約件数と相談件数の推移（累計）")
if not trend:
    st.info("まだ相談・成約の記録がありません。")
else:
    frame = trend_frame(trend)
    last = trend[-1]
    st.caption(
        f"{month_as_of_label(last.month, today=today)}: "
        f"累計相談 {last.cumulative_consultations:,} 件・"
        f"累計成約 {last.cumulative_contracts:,} 件"
    )
    chart_title = f"{hub_name}: 成約件数と相談件数の推移"
    if outlook is not None and outlook.consultations.path and outlook.placements.path:
        # The year on its own scale (the band readable), then the whole history.
        c, p = outlook.consultations, outlook.placements
        chart_specs.show(
            cumulative_forecast_chart,
            frame,
            _band(c, last.cumulative_consultations - c.so_far),
            _band(p, last.cumulative_contracts - p.so_far),
            f"{hub_name}: {fy}年度の累計（点線と帯: 年度末までの見込みとその幅）",
            width="stretch",
        )
    chart_specs.show(cumulative_trend_chart, frame, chart_title, width="stretch")
    with st.expander("月別の数値"):
        tables.show(frame.rename(columns=TREND_COLUMNS))
