"""内訳: placements by category, engagement, industry, age band, previous residence and
partner; consultations by channel. A chart to look at, a table beside it for exact numbers."""

import streamlit as st

from crm.analytics.breakdowns import Dimension, all_breakdowns
from crm.analytics.national import headline_figures
from crm.presentation.analytics_frames import breakdown_frame
from crm.presentation.charts import TOP_ROWS, breakdown_bar_chart, folded_rows
from crm.reference import Role
from ui import chart_specs
from ui.analytics_filters import filter_panel, period_label
from ui.cache import cached_read
from ui.forms import guarded
from ui.session import require_role

actor = require_role(Role.SECRETARIAT)
st.title("内訳")
filters = filter_panel()

with guarded():
    figures = cached_read(headline_figures, actor, filters=filters)
    results = cached_read(all_breakdowns, actor, filters=filters)

st.caption(
    f"期間: {period_label(filters)}。成約の内訳はどれも合計が成約件数に、"
    "相談経路の内訳は相談件数に一致します。"
)
totals = st.columns(2)
totals[0].metric("成約件数", f"{figures.placements:,}")
totals[1].metric("相談件数", f"{figures.consultations:,}")

for result in results:
    st.divider()
    frame = breakdown_frame(result)
    if result.dimension == Dimension.CHANNEL and filters.narrows_needs:
        st.caption("相談には人材区分・採用形態がないため、この内訳は区分・形態で絞り込まれません。")
    if not result.total:
        st.subheader(result.title)
        st.info("該当する記録がありません。")
        continue
    folded = folded_rows(frame)
    # A long breakdown's chart takes the page's width (its names whole), the table below it.
    chart_column, table_column = (st.container(), st.container()) if folded else st.columns([3, 2])
    chart_specs.show(
        breakdown_bar_chart,
        frame,
        result.title,
        result.key_label,
        result.measure,
        where=chart_column,
        width="stretch",
    )
    if folded:
        chart_column.caption(
            f"グラフは{result.measure}の多い上位 {TOP_ROWS} の{result.key_label}と、残り "
            f"{folded:,} の{result.key_label}をまとめた「その他」です。すべての内訳は下の表に"
            "あります。"
        )
    # The share in percent, shown with one decimal like every rate (format="percent" gives two);
    # rounded here too, since the table's accessible copy reads the value, not the format.
    shown = frame.assign(割合=(frame["割合"] * 100).round(1))
    table_column.dataframe(
        shown.rename(columns={"区分": result.key_label, "件数": result.measure}),
        hide_index=True,
        width="stretch",
        column_config={
            result.measure: st.column_config.NumberColumn(format="localized"),
            "割合": st.column_config.ProgressColumn(
                "割合", format="%.1f%%", min_value=0.0, max_value=100.0
            ),
        },
    )
    table_column.caption(f"合計 {result.total:,} 件")
