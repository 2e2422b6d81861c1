"""人材還流マップ: where the hired professionals lived before, flowing into each hub.

For the chosen period and filters: hubs ranked by placements split by origin area (or by
prefecture), a Japan map of net inflow, and the exact numbers in tables. ``?hub=06`` (or
clicking a hub's square) narrows to one hub; a hub manager always sees their own hub only."""

from dataclasses import replace

import streamlit as st

from crm.analytics.filters import AnalyticsFilter
from crm.analytics.flows import AREA, PREFECTURE, flow_tables, matrix, net_rows
from crm.presentation.charts import PREFECTURE_SELECTION, selected_prefecture
from crm.presentation.flow_charts import (
    ORIGIN_LIMIT,
    flow_chart,
    folded_origins,
    net_frame,
    net_inflow_map,
)
from crm.presentation.text import literal
from crm.reference import PREFECTURES
from ui import cache as reference
from ui import chart_specs, kept
from ui.analytics_filters import filter_panel, period_label
from ui.cache import cached_read
from ui.forms import guarded
from ui.session import require_actor

LEVELS = {AREA: "地域区分（県内・首都圏・大阪圏・名古屋圏・その他）", PREFECTURE: "都道府県"}

actor = require_actor()
st.title("人材還流マップ")
st.caption(
    "成約した人材が以前住んでいた地域から、どの拠点へ移ったか。前居住地の記録がない成約は"
    "「不明」として数えます（除外しません）。"
)
filters = filter_panel()

hubs = {h.code: h.name_ja for h in reference.hubs()}
if actor.is_hub_manager:
    drilled: str | None = actor.hub_code
else:
    wanted = kept.linked("hub", list(hubs))
    options: list[str | None] = [None, *hubs]
    drilled = st.selectbox(
        "拠点（絞り込み）",
        options,
        index=options.index(wanted) if wanted in hubs else 0,
        format_func=lambda code: "全国（すべての拠点）" if code is None else hubs[code],
        key="flows_hub",
    )
    if drilled is None:
        st.query_params.pop("hub", None)
    else:
        st.query_params["hub"] = drilled
if drilled is not None:
    filters = replace(filters, hubs=(drilled,), blocks=())


@st.fragment
def flows(filters: AnalyticsFilter, drilled: str | None) -> None:
    """The unit of 前居住地 re-runs only this part; the rest of the page stays."""
    level = st.radio(
        "前居住地の単位", list(LEVELS), format_func=LEVELS.get, horizontal=True, key="flows_level"
    )
    with guarded():
        tables = cached_read(flow_tables, actor, filters=filters)
        table, by_prefecture, areas = tables.of(level), tables.prefecture, tables.area

        where = "全国" if drilled is None else hubs.get(drilled, PREFECTURES[drilled][0])
        st.caption(literal(f"期間: {period_label(filters)}。対象: {where}。"))
        same = areas.origin_total("県内")
        unknown = areas.origin_total("不明")
        cols = st.columns(4)
        cols[0].metric("成約件数", f"{areas.total:,}")
        cols[1].metric("うち県外から", f"{areas.total - same - unknown:,}")
        cols[2].metric("うち首都圏から", f"{areas.origin_total('首都圏'):,}")
        cols[3].metric("前居住地 不明", f"{unknown:,}")

        if table.total == 0:
            st.info("この条件の成約はありません。期間や絞り込みを変えてください。")
        else:
            st.subheader("拠点への流れ")
            chart_specs.show(flow_chart, table, "拠点別の成約件数（前居住地別）", width="stretch")
            folded = folded_origins(table)
            if folded:
                st.caption(
                    f"グラフは成約の多い前居住地 {ORIGIN_LIMIT} か所を色分けし、"
                    f"残り {folded:,} か所を「その他」にまとめています。"
                    "すべての前居住地は下の件数表にあります。"
                )

            st.subheader("純流入の地図")
            event = chart_specs.show(
                net_inflow_map,
                net_frame(by_prefecture, set(hubs)),
                "都道府県別の純流入（流入 − 流出）",
                on_select="rerun",
                selection_mode=PREFECTURE_SELECTION,
                key="flows_map",
            )
            st.caption(
                "流入: その拠点で成約した人材のうち他の都道府県に住んでいた人。流出: その都道府県に"
                "住んでいて、集計対象の他の拠点で成約した人。拠点を絞り込むと、その拠点への流入と"
                "出身の都道府県（負の値）だけが示されます。"
            )
            clicked = selected_prefecture(event)
            if not actor.is_hub_manager and clicked in hubs and clicked != drilled:
                st.query_params["hub"] = clicked
                st.session_state.pop("flows_hub", None)
                st.rerun()

            st.subheader("件数表")
            header, body = matrix(table)
            shown = [[row[0], *(f"{n:,}" for n in row[1:])] for row in body]
            if level == PREFECTURE:
                # Prefectures as rows (47 origins would not fit as columns), hubs as columns.
                names = [row[0] for row in shown]
                header, shown = (
                    ["前居住地", *names],
                    [[header[j], *(row[j] for row in shown)] for j in range(1, len(header))],
                )
            st.dataframe(
                [dict(zip(header, row, strict=True)) for row in shown],
                hide_index=True,
                width="stretch",
                placeholder="—",
            )
            moved = net_rows(by_prefecture)
            if moved:
                st.markdown("**都道府県別の流入・流出**")
                st.dataframe(
                    [
                        {
                            "都道府県": row["prefecture"],
                            "流入": f"{row['inflow']:,}",
                            "流出": f"{row['outflow']:,}",
                            "純流入": f"{row['net']:+,}",
                        }
                        for row in moved
                    ],
                    hide_index=True,
                    width="stretch",
                    placeholder="—",
                )


flows(filters, drilled)
