"""Charts of the 人材還流マップ: origin → hub bars, and the 47-tile Japan map of net inflow.

The map uses the tile positions of ``crm.analytics.tilemap`` (the same squares as the
都道府県比較 map) with a diverging scale: blue where more hires arrived than left, red where
the prefecture's people were hired elsewhere (Tokyo, with no hub, only sends).
"""

import altair as alt
import pandas as pd

from crm.analytics.flows import AREA, UNKNOWN, FlowTable, hub_name, net_rows
from crm.analytics.tilemap import TILE_POSITIONS, short_name
from crm.presentation.charts import PREFECTURE_SELECTION
from crm.reference import PREFECTURES

AREA_COLOURS = {
    "県内": "#9e9ac8",
    "首都圏": "#08519c",
    "大阪圏": "#e6550d",
    "名古屋圏": "#31a354",
    "その他の地域": "#969696",
    "不明": "#d9d9d9",
}


# Origins a flow chart tells apart by colour; more would repeat colours (47 prefectures).
ORIGIN_LIMIT = 10
ORIGIN_PALETTE = [
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
    "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#393b79",
]  # fmt: skip
OTHER_ORIGINS = "その他"
OTHER_COLOUR = "#bdbdbd"


def shown_origins(table: FlowTable) -> tuple[list[str], dict[str, str]]:
    """The origins a chart names (in the table's order) and where each origin is drawn: its
    own name, or 「その他」 for the origins beyond the ``ORIGIN_LIMIT`` largest (不明 is never
    folded: it is missing data, not a place)."""
    origins = table.origins
    ranked = [o for o in origins if o != UNKNOWN]
    if len(ranked) <= ORIGIN_LIMIT + 1:
        return origins, {o: o for o in origins}
    largest = set(sorted(ranked, key=lambda o: -table.origin_total(o))[:ORIGIN_LIMIT])
    drawn_as = {o: o if o in largest or o == UNKNOWN else OTHER_ORIGINS for o in origins}
    kept = [o for o in origins if o in largest]
    return [*kept, OTHER_ORIGINS, *([UNKNOWN] if UNKNOWN in origins else [])], drawn_as


def folded_origins(table: FlowTable) -> int:
    """How many origins a flow chart shows together as 「その他」 (0: every origin by name)."""
    _, drawn_as = shown_origins(table)
    return sum(1 for shown in drawn_as.values() if shown == OTHER_ORIGINS)


def flow_frame(table: FlowTable) -> pd.DataFrame:
    """One row per (origin as drawn, hub) with placements; the folded origins' cells summed."""
    shown, drawn_as = shown_origins(table)
    order = {origin: i for i, origin in enumerate(shown)}
    cells: dict[tuple[str, str], int] = {}
    for (origin, hub), n in table.cells.items():
        if n:
            key = (drawn_as[origin], hub)
            cells[key] = cells.get(key, 0) + n
    return pd.DataFrame(
        [
            {
                "origin": _label(table, origin),
                "order": order[origin],
                "hub": hub_name(hub),
                "hub_code": hub,
                "placements": n,
                "hub_total": table.hub_total(hub),
            }
            for (origin, hub), n in sorted(cells.items(), key=lambda c: (c[0][1], order[c[0][0]]))
        ],
        columns=["origin", "order", "hub", "hub_code", "placements", "hub_total"],
    )


def _label(table: FlowTable, origin: str) -> str:
    return OTHER_ORIGINS if origin == OTHER_ORIGINS else table.origin_label(origin)


def _colour(table: FlowTable, origin: str, index: int) -> str:
    if origin == OTHER_ORIGINS:
        return OTHER_COLOUR
    if table.by == AREA or origin == UNKNOWN:
        return AREA_COLOURS.get(origin, "#6baed6")
    return ORIGIN_PALETTE[index % len(ORIGIN_PALETTE)]


def flow_chart(table: FlowTable, title: str) -> alt.Chart:
    """Hubs ranked by placements, each bar split by where the hires came from (at most
    ``ORIGIN_LIMIT`` origins by name, the rest as 「その他」)."""
    frame = flow_frame(table)
    shown, _ = shown_origins(table)
    origins = [_label(table, o) for o in shown]
    colours = [_colour(table, o, i) for i, o in enumerate(shown)]
    return (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            y=alt.Y("hub:N", title="拠点", sort=alt.SortField("hub_total", order="descending")),
            x=alt.X("placements:Q", title="成約件数", axis=alt.Axis(format=",d", tickMinStep=1)),
            color=alt.Color(
                "origin:N",
                title="前居住地",
                sort=origins,
                scale=alt.Scale(domain=origins, range=colours),
                legend=alt.Legend(orient="bottom", columns=6, labelLimit=0),
            ),
            order=alt.Order("order:Q"),
            tooltip=[
                alt.Tooltip("hub:N", title="拠点"),
                alt.Tooltip("origin:N", title="前居住地"),
                alt.Tooltip("placements:Q", title="成約件数", format=",d"),
            ],
        )
        .properties(title=title, height=alt.Step(24))
    )


def net_frame(table: FlowTable, hub_codes: set[str]) -> pd.DataFrame:
    moved = {row["prefecture_code"]: row for row in net_rows(table)}
    return pd.DataFrame(
        [
            {
                "code": code,
                "都道府県": PREFECTURES[code][0],
                "label": short_name(code),
                "column": column,
                "row": row,
                "net": moved[code]["net"] if code in moved else 0,
                "inflow": moved[code]["inflow"] if code in moved else 0,
                "outflow": moved[code]["outflow"] if code in moved else 0,
                "状態": "拠点あり" if code in hub_codes else "拠点なし",
            }
            for code, (column, row) in sorted(TILE_POSITIONS.items())
        ]
    )


def net_inflow_map(frame: pd.DataFrame, title: str) -> alt.LayerChart:
    """Japan as 47 squares coloured by net inflow (diverging around 0). Clicking a square
    selects it (parameter ``prefecture``, field ``code``) for the drill-down."""
    base = alt.Chart(frame).encode(x=alt.X("column:O", axis=None), y=alt.Y("row:O", axis=None))
    tooltip = [
        alt.Tooltip("都道府県:N", title="都道府県"),
        alt.Tooltip("inflow:Q", title="流入（他県から）", format=",d"),
        alt.Tooltip("outflow:Q", title="流出（他の拠点へ）", format=",d"),
        alt.Tooltip("net:Q", title="純流入", format="+,d"),
        alt.Tooltip("状態:N", title="拠点"),
    ]
    selection = alt.selection_point(
        name=PREFECTURE_SELECTION, fields=["code"], on="click", clear="dblclick"
    )
    extent = max(1, int(frame["net"].abs().max() or 1))
    tiles = (
        base.mark_rect(stroke="white", strokeWidth=2, cursor="pointer")
        .encode(
            color=alt.Color(
                "net:Q",
                title="純流入（人）",
                scale=alt.Scale(scheme="redblue", domain=[-extent, extent], domainMid=0),
                legend=alt.Legend(format="+,d", orient="bottom"),
            ),
            opacity=alt.condition(selection, alt.value(1.0), alt.value(0.8)),
            tooltip=tooltip,
        )
        .add_params(selection)
    )
    labels = (
        base.transform_calculate(
            ink=f"abs(datum.net) > {0.6 * extent} ? 'white' : '#252525'",
        )
        .mark_text(fontSize=11, baseline="middle")
        .encode(text="label:N", color=alt.Color("ink:N", scale=None, legend=None), tooltip=tooltip)
    )
    layers = alt.layer(tiles, labels).resolve_scale(color="independent")
    return layers.properties(title=title, width=alt.Step(46), height=alt.Step(40)).configure_view(
        stroke=None
    )
