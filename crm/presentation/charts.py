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
    # A month pandas cannot hold (before 1677 or after 2262) is left out of the chart rather
    # than failing it; the trend starts in the programme's first month anyway.
    months = pd.to_datetime(frame["month"] + "-01", format="%Y-%m-%d", errors="coerce")
    data = frame.assign(月=months)[months.notna()]
    tooltip = [
        alt.Tooltip("month:N", title="月"),
        alt.Tooltip("cumulative_consultations:Q", title="累計相談件数", format=","),
        alt.Tooltip("cumulative_contracts:Q", title="累計成約件数", format=","),
    ]
    base = alt.Chart(data).encode(
        x=alt.X("yearmonth(月):T", title="月", axis=alt.Axis(format="%Y年%m月", labelAngle=-45))
    )
    # Colours as encodings: the Streamlit theme's mark defaults would otherwise win. Axis
    # formats carry a type (",d"): a bare "," lets Vega pick a precision and print 1.2e+5.
    bars = base.mark_bar().encode(
        y=alt.Y(
            "cumulative_consultations:Q",
            title="累計相談件数",
            axis=alt.Axis(titleColor="#3182bd", format=",d"),
        ),
        color=alt.value(BAR_COLOUR),
        tooltip=tooltip,
    )
    line = base.mark_line(point=alt.OverlayMarkDef(color=LINE_COLOUR)).encode(
        y=alt.Y(
            "cumulative_contracts:Q",
            title="累計成約件数",
            axis=alt.Axis(titleColor=LINE_COLOUR, orient="right", format=",d"),
        ),
        color=alt.value(LINE_COLOUR),
        tooltip=tooltip,
    )
    return alt.layer(bars, line).resolve_scale(y="independent").properties(title=title, height=380)


def breakdown_bar_chart(
    frame: pd.DataFrame, title: str, key_label: str, measure_label: str
) -> alt.Chart:
    """Horizontal bars, one per row of a breakdown, in the frame's order.

    ``frame`` has columns 区分 (label), 件数 (count) and 割合 (share of the total, 0–1).
    """
    order = list(frame["区分"])
    return (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            y=alt.Y("区分:N", title=key_label, sort=order),
            x=alt.X("件数:Q", title=measure_label, axis=alt.Axis(format=",d", tickMinStep=1)),
            color=alt.value(BAR_COLOUR),
            tooltip=[
                alt.Tooltip("区分:N", title=key_label),
                alt.Tooltip("件数:Q", title=measure_label, format=","),
                alt.Tooltip("割合:Q", title="割合", format=".1%"),
            ],
        )
        .properties(title=title, height=90 + 30 * len(frame))
    )  # room for title and x axis


NO_HUB_COLOUR = "#d9d9d9"
PREFECTURE_SELECTION = "prefecture"


def tile_map_chart(
    frame: pd.DataFrame, title: str, measure_label: str, value_format: str = ",d"
) -> alt.LayerChart:
    """Japan as one square per prefecture, coloured by the measure; a prefecture without a
    hub is grey and says so. Clicking a hub's square selects it (parameter ``prefecture``,
    field ``code``) so the page can open that hub's dashboard.

    ``frame`` has columns code, 都道府県 (full name), label (short name), column, row,
    has_hub (bool), value (float or None).
    """
    base = alt.Chart(frame).encode(
        x=alt.X("column:O", axis=None),
        y=alt.Y("row:O", axis=None),
    )
    tooltip = [
        alt.Tooltip("都道府県:N", title="都道府県"),
        alt.Tooltip("value:Q", title=measure_label, format=value_format),
        alt.Tooltip("状態:N", title="拠点"),
    ]
    frame_tiles = base.mark_rect(color=NO_HUB_COLOUR, stroke="white", strokeWidth=2).encode(
        tooltip=tooltip
    )
    selection = alt.selection_point(
        name=PREFECTURE_SELECTION, fields=["code"], on="click", clear="dblclick"
    )
    # Counts get whole-number legend ticks (no "0 0 1 1" on small values).
    tick_min_step = 1 if value_format.endswith("d") else alt.Undefined
    hub_tiles = (
        base.transform_filter(alt.datum.has_hub)
        .mark_rect(stroke="white", strokeWidth=2, cursor="pointer")
        .encode(
            color=alt.Color(
                "value:Q",
                title=measure_label,
                scale=alt.Scale(scheme="blues"),
                legend=alt.Legend(format=value_format, orient="bottom", tickMinStep=tick_min_step),
            ),
            opacity=alt.condition(selection, alt.value(1.0), alt.value(0.55)),
            tooltip=tooltip,
        )
        .add_params(selection)
    )
    # White names on the darkest squares, navy elsewhere, grey where there is no hub.
    labels = (
        base.transform_joinaggregate(top="max(value)")
        .transform_calculate(
            ink="datum.has_hub ? (datum.value > 0.6 * datum.top ? 'white' : '#08306b') : '#636363'"
        )
        .mark_text(fontSize=11, baseline="middle")
        .encode(
            text="label:N",
            color=alt.Color("ink:N", scale=None, legend=None),
            tooltip=tooltip,
        )
    )
    # The names' colours are literal values, not the measure's scale.
    layers = alt.layer(frame_tiles, hub_tiles, labels).resolve_scale(color="independent")
    return layers.properties(title=title, width=alt.Step(46), height=alt.Step(40)).configure_view(
        stroke=None
    )


def selected_prefecture(event) -> str | None:
    """The prefecture code clicked on a tile map, from st.altair_chart's selection state."""
    points = ((event or {}).get("selection") or {}).get(PREFECTURE_SELECTION) or []
    codes = [point.get("code") for point in points if isinstance(point, dict)]
    return codes[0] if codes else None


def target_progress_chart(frame: pd.DataFrame, title: str) -> alt.LayerChart:
    """Progress against the pro-rated target per hub (1.0 = on track), behind in red.

    ``frame`` has columns 拠点, 指標 (相談 / 成約), 進捗率 (float) and 状況 (順調 / 遅れ).
    """
    bars = (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            y=alt.Y("拠点:N", title="拠点", sort=None),
            x=alt.X("進捗率:Q", title="按分目標に対する進捗率", axis=alt.Axis(format="%")),
            yOffset=alt.YOffset("指標:N", title="指標", sort=["相談", "成約"]),
            opacity=alt.Opacity(
                "指標:N",
                title="指標（上: 相談・下: 成約）",
                scale=alt.Scale(domain=["相談", "成約"], range=[1.0, 0.5]),
            ),
            color=alt.Color(
                "状況:N",
                title="状況",
                scale=alt.Scale(domain=["順調", "遅れ"], range=["#3182bd", LINE_COLOUR]),
            ),
            tooltip=[
                alt.Tooltip("拠点:N", title="拠点"),
                alt.Tooltip("指標:N", title="指標"),
                alt.Tooltip("進捗率:Q", title="進捗率", format=".1%"),
                alt.Tooltip("状況:N", title="状況"),
            ],
        )
    )
    on_track = (
        alt.Chart(pd.DataFrame({"x": [1.0]}))
        .mark_rule(color="#636363", strokeDash=[4, 4])
        .encode(x="x:Q")
    )
    return alt.LayerChart(layer=[bars, on_track]).properties(
        title=title, height=max(160, 30 * frame["拠点"].nunique())
    )


def forecast_band_layers(
    frame: pd.DataFrame, column: str, colour: str, title: str
) -> list[alt.Chart]:
    """The forecast to 31 March as an area band (interval) and a dashed line (expected value)
    on the axis of ``column`` (the cumulative series it continues), for layering onto
    ``cumulative_trend_chart``.

    ``frame`` has columns month (YYYY-MM), low, high, expected (cumulative counts)."""
    data = frame.assign(月=pd.to_datetime(frame["month"] + "-01", format="%Y-%m-%d"))
    x = alt.X("yearmonth(月):T")
    tooltip = [
        alt.Tooltip("month:N", title="月"),
        alt.Tooltip("expected:Q", title=f"{title}（見込み）", format=",.0f"),
        alt.Tooltip("low:Q", title="幅の下限", format=",.0f"),
        alt.Tooltip("high:Q", title="幅の上限", format=",.0f"),
    ]
    band = (
        alt.Chart(data)
        .mark_area(opacity=0.18)
        .encode(
            x=x,
            y=alt.Y("low:Q", title=column),
            y2="high:Q",
            color=alt.value(colour),
            tooltip=tooltip,
        )
    )
    line = (
        alt.Chart(data)
        .mark_line(strokeDash=[6, 4])
        .encode(x=x, y=alt.Y("expected:Q", title=column), color=alt.value(colour), tooltip=tooltip)
    )
    return [band, line]


def cumulative_forecast_chart(
    frame: pd.DataFrame,
    consultations: pd.DataFrame,
    placements: pd.DataFrame,
    title: str,
) -> alt.LayerChart:
    """``cumulative_trend_chart`` extended to 31 March with the forecast bands of cumulative
    consultations (left axis) and contracts (right axis); the band frames as in
    ``forecast_band_layers`` (cumulative counts since the first record)."""
    base = cumulative_trend_chart(frame, title)
    # alt.layer lifts the shared data onto the layer chart: give it back to each mark.
    bars, line = (chart.properties(data=base.data) for chart in base.layer)
    left = alt.LayerChart(
        layer=[bars, *forecast_band_layers(consultations, "累計相談件数", "#3182bd", "累計相談")]
    )
    right = alt.LayerChart(
        layer=[line, *forecast_band_layers(placements, "累計成約件数", LINE_COLOUR, "累計成約")]
    )
    return (
        alt.LayerChart(layer=[left, right])
        .resolve_scale(y="independent")
        .properties(title=title, height=380)
    )
