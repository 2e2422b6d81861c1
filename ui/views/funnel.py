"""ファネル・パートナー実績: from seminars and introductions to placements, for a hub, a block
or the country and a period (``crm.analytics.funnel``), and how each partner did with the needs
referred to it (``crm.analytics.partner_table``).

The sidebar holds the usual filters (``ui.analytics_filters``); a hub manager always sees their
own hub. Only the open tab is built (its name is in the address: ``?tab=パートナー実績``), and
the partner table's breakdown re-runs only that table (``st.fragment``)."""

from dataclasses import replace

import altair as alt
import pandas as pd
import streamlit as st

from crm.actor import Actor
from crm.analytics import funnel as funnel_module
from crm.analytics import partner_table as partners_module
from crm.analytics.filters import AnalyticsFilter
from crm.analytics.funnel import DAYS_LABELS, Funnel, funnel
from crm.analytics.partner_table import ON_TIME_RULE, RANKED_FROM, PartnerTable, partner_table
from crm.calendar_jp import day_with_weekday
from crm.presentation.charts import BAR_COLOUR, LABEL_FONT_SIZE, label_limit
from crm.presentation.text import literal
from crm.reference import PREFECTURES, Role
from crm.vocabulary import days_text
from ui import chart_specs, tables
from ui.analytics_filters import filter_panel, period_label
from ui.cache import cached_read
from ui.forms import guarded
from ui.session import require_role

TABS = ["ファネル", "きっかけ別", "人材区分・紹介先別", "パートナー実績"]
OUTREACH_COLOUR = "#fdd0a2"  # the steps before a consultation
RATE_KEYS = {"conversion", "referral_rate", "placement_rate", "on_time_rate"}
EMPTY = "この条件の記録はありません。期間や絞り込みを変えてください。"
ATTRIBUTION = (
    "きっかけ（出所）の決め方: 期間内の相談のうち、セミナー等または紹介を記録した最初の相談の"
    "イベント・紹介元パートナー。どの相談にも記録がなければ、期間内の最初の相談の相談経路。"
    "ニーズ・紹介・成約はその企業のきっかけに数えます。期間内に相談のない企業のものは"
    "「期間内の相談なし」です。各表の合計はファネルの件数に一致します。"
)
PERIOD_RATIOS = (
    "率は前の段階の件数に対する期間内の件数の比です（同じ企業・ニーズを追ったものではないため、"
    "1社が複数のニーズを出すと100%を超えることがあります）。"
    f"{'・'.join(DAYS_LABELS.values())}の日数は、それぞれの組の日数の中央値です。"
)


@chart_specs.register
def funnel_bar_chart(frame: pd.DataFrame, title: str) -> alt.Chart:
    """Horizontal bars, one per step of the funnel, in order; the steps before a consultation
    (events and introductions) in another colour. ``frame``: 段階, 件数, 区分, 表示."""
    order = list(frame["段階"])
    return (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            y=alt.Y(
                "段階:N",
                title=None,
                sort=order,
                axis=alt.Axis(labelLimit=label_limit(order), labelFontSize=LABEL_FONT_SIZE),
            ),
            x=alt.X("件数:Q", title="件数", axis=alt.Axis(format=",d", tickMinStep=1)),
            color=alt.Color(
                "区分:N",
                scale=alt.Scale(
                    domain=["セミナー・紹介", "相談から成約"], range=[OUTREACH_COLOUR, BAR_COLOUR]
                ),
                legend=alt.Legend(title=None, orient="bottom"),
            ),
            tooltip=[
                alt.Tooltip("段階:N", title="段階"),
                alt.Tooltip("件数:Q", title="件数", format=","),
                alt.Tooltip("表示:N", title="前の段階からの率"),
            ],
        )
        # The height holds the title, the axis and the legend too (Streamlit fits the chart):
        # about 34 px a bar leaves every step's name room to show.
        .properties(title=title, height=150 + 34 * len(frame))
    )


def _percent(value: float | None) -> float | None:
    return None if value is None else round(value * 100, 1)


def frame_of(columns: dict, keys: list[str], rows: list[dict]) -> pd.DataFrame:
    """A table's rows with Japanese headers: rates in percent (ui.tables shows 12.3%), days as
    numbers, dates with their weekday, hubs by name."""
    shown = []
    for row in rows:
        values = {}
        for key in keys:
            value = row.get(key)
            if key in RATE_KEYS:
                value = _percent(value)
            elif key == "held_on":
                value = day_with_weekday(value)
            values[columns[key][0]] = value
        shown.append(values)
    return pd.DataFrame(shown, columns=[columns[key][0] for key in keys])


def _funnel_table(found: Funnel, table: str) -> pd.DataFrame:
    keys = funnel_module.table_columns(table, codes=False)
    return frame_of(funnel_module.COLUMNS, keys, funnel_module.table_rows(found, table))


def chart_frame(found: Funnel) -> pd.DataFrame:
    outreach = {
        "events",
        "attending_firms",
        "introductions",
        "outreach_firms",
        "outreach_consulted",
    }
    return pd.DataFrame(
        [
            {
                "段階": step.label,
                "件数": step.count,
                "区分": "セミナー・紹介" if step.key in outreach else "相談から成約",
                "表示": "—" if step.conversion is None else f"{step.conversion * 100:.1f}%",
            }
            for step in found.steps
        ]
    )


def show_steps(found: Funnel) -> None:
    if all(step.count == 0 for step in found.steps):
        st.info(EMPTY)
        return
    cols = st.columns(4)
    cols[0].metric("相談企業", f"{found.count('firms_consulted'):,}")
    cols[1].metric("人材ニーズ", f"{found.count('needs'):,}")
    cols[2].metric("紹介したニーズ", f"{found.count('needs_referred'):,}")
    cols[3].metric("成約", f"{found.count('placements'):,}")
    chart_specs.show(funnel_bar_chart, chart_frame(found), "段階別の件数", width="stretch")
    tables.show(_funnel_table(found, "steps"))
    st.caption(PERIOD_RATIOS)
    placements = found.step("placements")
    if placements.count > placements.timed:
        st.caption(
            f"紹介から成約までの日数は、紹介の記録がある成約 {placements.timed:,} 件の中央値"
            f"（{days_text(placements.median_days)}）です。"
        )


def show_sources(found: Funnel) -> None:
    st.caption(ATTRIBUTION)
    sections = [
        ("events", "イベント別", found.events),
        ("event_kinds", "イベントの種類別", found.event_kinds),
        ("introducers", "紹介元パートナー別", found.introducers),
        ("channels", "相談経路別（セミナー等・紹介の記録がない相談）", found.channels),
    ]
    for table, title, rows in sections:
        st.subheader(title)
        if not rows and not (table == "channels" and funnel_module.table_rows(found, table)):
            st.info("該当する記録はありません。")
            continue
        tables.show(_funnel_table(found, table), key=f"funnel_{table}")
    st.caption(
        "イベント別の参加企業数は期間内に開催したイベントのものです（期間前のイベントは、"
        "期間内の相談のきっかけになった場合に表示します）。"
    )


def show_categories(found: Funnel) -> None:
    st.subheader("人材区分別")
    if found.categories:
        tables.show(_funnel_table(found, "categories"), key="funnel_categories")
    else:
        st.info("該当する記録はありません。")
    st.subheader("紹介先パートナー別（紹介から成約まで）")
    if found.partners:
        tables.show(_funnel_table(found, "partners"), key="funnel_partners")
        st.caption(
            "紹介したニーズは期間内にそのパートナーへ紹介したニーズの数（1件のニーズを複数の"
            "パートナーに紹介すると、それぞれに数えます）、成約は期間内にそのパートナーが決めた"
            "成約です。「紹介先なし」はパートナーを記録していない成約です。"
        )
    else:
        st.info("該当する記録はありません。")


BREAKDOWN_CHOICES = {
    partners_module.TOTAL: "パートナー別",
    partners_module.CATEGORY: "人材区分別",
    partners_module.ENGAGEMENT: "採用形態別",
}


@st.fragment
def show_partner_table(actor: Actor, filters: AnalyticsFilter) -> None:
    """The partner table; choosing the breakdown re-runs only this part."""
    by = st.segmented_control(
        "内訳",
        list(BREAKDOWN_CHOICES),
        default=partners_module.TOTAL,
        format_func=lambda key: BREAKDOWN_CHOICES[key],
        key="funnel_partner_by",
        required=True,
    )
    with guarded():
        table: PartnerTable = cached_read(partner_table, actor, filters=filters)
    if not table.rows:
        st.info(EMPTY)
        return
    chosen = by or partners_module.TOTAL
    keys = partners_module.table_columns(chosen, codes=False)
    tables.show(
        frame_of(partners_module.COLUMNS, keys, partners_module.table_rows(table, chosen)),
        key=f"partner_table_{chosen}",
    )
    st.caption(
        f"期間内にパートナーへ紹介した件数と、その紹介のその後です。{ON_TIME_RULE}。"
        "成約はそのパートナーが紹介されたニーズで決めた成約（期間後のものを含む）、成約率は"
        "成約に至った紹介÷紹介件数です（複数人のニーズで2人決まっても紹介は1件）。"
        f"紹介が{RANKED_FROM}件未満のパートナーは率の順位を付けずに下に並べ、CRMで進捗を"
        "報告していないパートナーの期限内報告率は「—」です。列の見出しを押すと並べ替えられます。"
    )


def show_funnel_page() -> None:
    actor = require_role(Role.HUB_MANAGER, Role.SECRETARIAT)
    st.title("ファネル・パートナー実績")
    st.caption("セミナー・紹介から相談、人材ニーズ、パートナーへの紹介、成約までの件数と率、日数。")
    filters = filter_panel()
    if actor.is_hub_manager and actor.hub_code:
        filters = replace(filters, hubs=(actor.hub_code,), blocks=())
    where = (
        "全国"
        if not filters.hubs and not filters.blocks
        else "・".join([*filters.blocks, *(PREFECTURES.get(h, (h,))[0] for h in filters.hubs)])
    )
    st.caption(literal(f"期間: {period_label(filters)}。対象: {where}。"))

    tabs = st.tabs(TABS, key="tab", bind="query-params")
    if tabs[3].open:
        with tabs[3]:
            show_partner_table(actor, filters)
    if not any(tab.open for tab in tabs[:3]):
        return
    with guarded():
        found: Funnel = cached_read(funnel, actor, filters=filters)
    if tabs[0].open:
        with tabs[0]:
            show_steps(found)
    if tabs[1].open:
        with tabs[1]:
            show_sources(found)
    if tabs[2].open:
        with tabs[2]:
            show_categories(found)
