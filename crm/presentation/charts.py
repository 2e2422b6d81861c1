"""Altair charts with Japanese titles and axes."""

import unicodedata

import altair as alt
import pandas as pd

from crm.analytics.breakdowns import NOT_RECORDED

BAR_COLOUR = "#9ecae1"
LINE_COLOUR = "#d62728"


MONTH_FIELD = "月"  # the month as people read it, e.g. 2016年09月
# Month labels (rotated) fit a page-wide chart: every month up to two years, else about a
# dozen at a regular step.
EVERY_MONTH_UP_TO = 24
LABELLED_MONTHS = 12


def month_label(month: str) -> str:
    """``YYYY-MM`` as the axis and tooltips show it (2016年09月)."""
    year, number = month.split("-")
    return f"{year}年{number}月"


def _labelled_months(months: list[str]) -> list[str]:
    """Every month on the axis for up to two years; beyond that every quarter, half year or
    year (January first), or every few years, so that the labels stay apart."""
    if len(months) <= EVERY_MONTH_UP_TO:
        return months
    for step in (3, 6, 12):
        picked = [m for m in months if (int(m[5:7]) - 1) % step == 0]
        if len(picked) <= LABELLED_MONTHS:
            return picked
    return picked[:: -(-len(picked) // LABELLED_MONTHS)]


def _month_x(months: list[str]) -> alt.X:
    """One band per month, the domain exactly the months given: bars fill their month and
    lines, points and areas (``bandPosition`` 0.5) sit on its centre. A time scale would put
    a line's points on the first of the month, half a bar to the left, and stretch the axis
    to the first day after the last bar (an empty month)."""
    return alt.X(
        f"{MONTH_FIELD}:O",
        title="月",
        scale=alt.Scale(domain=[month_label(m) for m in months]),
        axis=alt.Axis(
            values=[month_label(m) for m in _labelled_months(months)],
            labelAngle=-45,
            labelOverlap="greedy",
        ),
        bandPosition=0.5,
    )


def _trend_layers(
    frame: pd.DataFrame,
    x: alt.X,
    consultations: str = "累計相談件数",
    contracts: str = "累計成約件数",
) -> tuple[alt.Chart, alt.Chart]:
    """The bars of cumulative consultations and the line of cumulative contracts, named
    ``consultations`` and ``contracts`` on the axes and in the tooltips."""
    data = frame.assign(**{MONTH_FIELD: [month_label(m) for m in frame["month"]]})
    tooltip = [
        alt.Tooltip(f"{MONTH_FIELD}:N", title="月"),
        alt.Tooltip("cumulative_consultations:Q", title=consultations, format=","),
        alt.Tooltip("cumulative_contracts:Q", title=contracts, format=","),
    ]
    base = alt.Chart(data).encode(x=x)
    # Colours as encodings: the Streamlit theme's mark defaults would otherwise win. Axis
    # formats carry a type (",d"): a bare "," lets Vega pick a precision and print 1.2e+5.
    bars = base.mark_bar().encode(
        y=alt.Y(
            "cumulative_consultations:Q",
            title=consultations,
            axis=alt.Axis(titleColor="#3182bd", format=",d"),
        ),
        color=alt.value(BAR_COLOUR),
        tooltip=tooltip,
    )
    line = base.mark_line(point=alt.OverlayMarkDef(color=LINE_COLOUR)).encode(
        y=alt.Y(
            "cumulative_contracts:Q",
            title=contracts,
            axis=alt.Axis(titleColor=LINE_COLOUR, orient="right", format=",d"),
        ),
        color=alt.value(LINE_COLOUR),
        tooltip=tooltip,
    )
    return bars, line


def cumulative_trend_chart(frame: pd.DataFrame, title: str) -> alt.LayerChart:
    """Cumulative consultations (bars, left axis) against cumulative contracts (line, right
    axis), monthly, like the programme's chart 「成約件数と相談件数の推移」.

    ``frame`` has columns month (YYYY-MM), cumulative_consultations, cumulative_contracts,
    one row per month in order.
    """
    bars, line = _trend_layers(frame, _month_x(list(frame["month"])))
    return alt.layer(bars, line).resolve_scale(y="independent").properties(title=title, height=380)


OTHER_LABEL = "その他"
OTHER_COLOUR = "#bdbdbd"
TOP_ROWS = 15  # a breakdown chart shows at most this many rows, then 「その他」
LABEL_FONT_SIZE = 12
LABEL_LIMIT_MAX = 420  # pixels; a longer name is cut with … (the table beside has it whole)


def top_rows(
    frame: pd.DataFrame, limit: int = TOP_ROWS, keep_last: str | None = NOT_RECORDED
) -> pd.DataFrame:
    """A breakdown (区分, 件数, 割合, already aggregated) cut to its ``limit`` largest rows,
    largest first, and one row 「その他」 summing the rest; unchanged when that would fold
    a single row. The row ``keep_last`` (e.g. 未記録: missing data, not a category) is never
    folded and stays last. Counts and shares sum to the same totals as the input."""
    kept_last = frame[frame["区分"] == keep_last] if keep_last is not None else frame.iloc[:0]
    ranked = frame.drop(kept_last.index)
    if len(ranked) <= limit + 1:
        return frame
    # A stable sort: rows with equal counts keep the breakdown's own order.
    ranked = ranked.sort_values("件数", ascending=False, kind="stable")
    top, rest = ranked.iloc[:limit], ranked.iloc[limit:]
    label = OTHER_LABEL if OTHER_LABEL not in set(top["区分"]) else "上記以外"
    other = pd.DataFrame(
        {"区分": [label], "件数": [rest["件数"].sum()], "割合": [rest["割合"].sum()]}
    )
    return pd.concat([top, other, kept_last], ignore_index=True)


def folded_rows(frame: pd.DataFrame) -> int:
    """How many rows of a breakdown its chart shows as 「その他」 (0: every row by name)."""
    shown = len(top_rows(frame))
    return 0 if shown == len(frame) else len(frame) - shown + 1


def _text_width(text: str, font_size: int = LABEL_FONT_SIZE) -> float:
    """Rough pixel width of ``text``: full-width characters are about one em, others less."""
    return sum(
        font_size if unicodedata.east_asian_width(c) in "WF" else font_size * 0.6 for c in text
    )


def label_limit(labels) -> int:
    """An axis label width that holds the longest label whole (within ``LABEL_LIMIT_MAX``)."""
    return int(min(LABEL_LIMIT_MAX, max((_text_width(str(x)) for x in labels), default=0) + 8))


def breakdown_bar_chart(
    frame: pd.DataFrame, title: str, key_label: str, measure_label: str
) -> alt.Chart:
    """Horizontal bars, one per row of a breakdown, in the frame's order; a long breakdown
    (e.g. 紹介元, over a hundred) shows its top rows and 「その他」 (``top_rows``).

    ``frame`` has columns 区分 (label), 件数 (count) and 割合 (share of the total, 0–1).
    """
    shown = top_rows(frame)
    order = list(shown["区分"])
    # 「その他」 in grey: it is many rows, not one more category.
    inks = [BAR_COLOUR] * len(shown)
    if len(shown) != len(frame):
        inks[TOP_ROWS] = OTHER_COLOUR
    shown = shown.assign(色=inks)
    return (
        alt.Chart(shown)
        .mark_bar()
        .encode(
            # No axis title: the chart's title names the rows (「紹介元別の…」), and a title
            # beside long names is drawn over them.
            y=alt.Y(
                "区分:N",
                title=None,
                sort=order,
                axis=alt.Axis(labelLimit=label_limit(order), labelFontSize=LABEL_FONT_SIZE),
            ),
            x=alt.X("件数:Q", title=measure_label, axis=alt.Axis(format=",d", tickMinStep=1)),
            color=alt.Color("色:N", scale=None, legend=None),
            tooltip=[
                alt.Tooltip("区分:N", title=key_label),
                alt.Tooltip("件数:Q", title=measure_label, format=","),
                alt.Tooltip("割合:Q", title="割合", format=".1%"),
            ],
        )
        .properties(title=title, height=90 + 30 * len(shown))
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
    frame: pd.DataFrame, column: str, colour: str, title: str, x: alt.X, name: str
) -> list[alt.Chart]:
    """The forecast to 31 March as an area band (interval) and a dashed line (expected value)
    on the axis of ``column`` (the cumulative series it continues); the band's marks are
    named ``{name}_band`` (the browser test finds them by it).

    ``frame`` has columns month (YYYY-MM), low, high, expected (cumulative counts)."""
    data = frame.assign(**{MONTH_FIELD: [month_label(m) for m in frame["month"]]})
    tooltip = [
        alt.Tooltip(f"{MONTH_FIELD}:N", title="月"),
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
        .properties(name=f"{name}_band")
    )
    line = (
        alt.Chart(data)
        .mark_line(strokeDash=[6, 4])
        .encode(x=x, y=alt.Y("expected:Q", title=column), color=alt.value(colour), tooltip=tooltip)
    )
    return [band, line]


def fiscal_year_months(month: str) -> list[str]:
    """The twelve months (YYYY-MM, April to March) of the fiscal year holding ``month``."""
    year, number = (int(part) for part in month.split("-"))
    first = year if number >= 4 else year - 1
    return [f"{first + (m < 4)}-{m:02d}" for m in (4, 5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3)]


def cumulative_forecast_chart(
    frame: pd.DataFrame,
    consultations: pd.DataFrame,
    placements: pd.DataFrame,
    title: str,
) -> alt.LayerChart:
    """This fiscal year on its own: the year's cumulative consultations (bars, left axis) and
    contracts (line, right axis) so far, and their forecast bands to 31 March, each axis
    scaled to the year. Drawn on the whole history (``cumulative_trend_chart``), the few
    months left of one year would be a sliver at the right edge and the band a few pixels
    high; the history is its own chart.

    ``frame`` as in ``cumulative_trend_chart`` (cumulative since the first record); the band
    frames as in ``forecast_band_layers``, also since the first record, the first month the
    forecast's. Both are shown counted from 1 April (the year's own cumulative counts)."""
    months = fiscal_year_months(str(consultations["month"].iloc[0]))
    before = frame[frame["month"] < months[0]]
    carried = {
        column: int(before[column].iloc[-1]) if len(before) else 0
        for column in ("cumulative_consultations", "cumulative_contracts")
    }
    this_year = frame[frame["month"].isin(months)]
    this_year = this_year.assign(
        **{column: this_year[column] - offset for column, offset in carried.items()}
    )

    def from_april(band: pd.DataFrame, column: str) -> pd.DataFrame:
        offset = carried[column]
        return band.assign(**{key: band[key] - offset for key in ("low", "high", "expected")})

    x = _month_x(months)
    bars, line = _trend_layers(this_year, x, "今年度の累計相談件数", "今年度の累計成約件数")
    left = alt.LayerChart(
        layer=[
            bars,
            *forecast_band_layers(
                from_april(consultations, "cumulative_consultations"),
                "今年度の累計相談件数",
                "#3182bd",
                "累計相談",
                x,
                "consultations",
            ),
        ]
    )
    right = alt.LayerChart(
        layer=[
            line,
            *forecast_band_layers(
                from_april(placements, "cumulative_contracts"),
                "今年度の累計成約件数",
                LINE_COLOUR,
                "累計成約",
                x,
                "contracts",
            ),
        ]
    )
    return (
        alt.LayerChart(layer=[left, right])
        .resolve_scale(y="independent")
        .properties(title=title, height=380)
    )
