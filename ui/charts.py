"""Altair charts with Japanese titles and axes."""

import altair as alt
import pandas as pd

BAR_COLOUR = "#9ecae1"
LINE_COLOUR = "#d62728"


def cumulative_trend_chart(frame: pd.DataFrame, title: str) -> alt.LayerChart:
    """Cumulative consultations (bars, left axis) against cumulative contracts (line, right
    axis), monthly, like the programme's chart 「成約件数と相談件数の推移」.

    ``frame`` has columns month (YYYY-MM), cumulative_consultations, cumulative_contracts.
    """
    data = frame.assign(月=pd.to_datetime(frame["month"] + "-01"))
    tooltip = [
        alt.Tooltip("month:N", title="月"),
        alt.Tooltip("cumulative_consultations:Q", title="累計相談件数", format=","),
        alt.Tooltip("cumulative_contracts:Q", title="累計成約件数", format=","),
    ]
    base = alt.Chart(data).encode(
        x=alt.X("yearmonth(月):T", title="月", axis=alt.Axis(format="%Y年%m月", labelAngle=-45))
    )
    bars = base.mark_bar(color=BAR_COLOUR).encode(
        y=alt.Y("cumulative_consultations:Q", title="累計相談件数",
                axis=alt.Axis(titleColor="#3182bd", format=",")),
        tooltip=tooltip,
    )
    line = base.mark_line(color=LINE_COLOUR, point=True).encode(
        y=alt.Y("cumulative_contracts:Q", title="累計成約件数",
                axis=alt.Axis(titleColor=LINE_COLOUR, orient="right", format=",")),
        tooltip=tooltip,
    )
    return alt.layer(bars, line).resolve_scale(y="independent").properties(
        title=title, height=380
    )
