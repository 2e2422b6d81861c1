"""The secretariat's filter panel (sidebar): period, regional blocks, hubs, talent categories
and forms of engagement, returned as one ``AnalyticsFilter`` for the crm.analytics queries."""

import datetime as dt

import streamlit as st

from crm.analytics.filters import AnalyticsFilter, hubs_in_block
from crm.errors import ValidationError
from crm.reference import BLOCKS, Engagement
from crm.services.reference_data import list_categories, list_hubs
from crm.targets import FIRST_FISCAL_YEAR
from crm.timeutil import add_months, fiscal_year, fiscal_year_bounds, month_range, today_jst
from crm.vocabulary import term
from ui.runtime import session
from ui.text import literal

PERIOD_FISCAL_YEAR = "年度"
PERIOD_MONTHS = "月の範囲"
PERIOD_ALL = "全期間"
FIRST_MONTH = dt.date(2016, 1, 1)  # the programme's first month
NEEDS_ONLY_NOTE = (
    f"{term('category')}・{term('engagement')}の絞り込みは人材ニーズと成約に適用されます。"
    "相談には区分がないため、相談件数・相談企業数は変わりません。"
)


def period_label(filters: AnalyticsFilter) -> str:
    since = f"{filters.since:%Y/%m/%d}" if filters.since else "記録の初め"
    until = f"{filters.until:%Y/%m/%d}" if filters.until else "現在"
    return f"{since}〜{until}"


def filter_panel(
    default_period: str = PERIOD_FISCAL_YEAR, with_categories: bool = True
) -> AnalyticsFilter:
    """Draw the filters in the sidebar and return what they select."""
    today = today_jst()
    with session() as s:
        hubs = {h.code: f"{h.code} {h.name_ja}" for h in list_hubs(s)}
        categories = {c.id: c.name_ja for c in list_categories(s)}
    with st.sidebar:
        st.subheader("絞り込み")
        modes = [PERIOD_FISCAL_YEAR, PERIOD_MONTHS, PERIOD_ALL]
        mode = st.radio(
            "期間", modes, index=modes.index(default_period), horizontal=True, key="af_period"
        )
        since = until = None
        if mode == PERIOD_FISCAL_YEAR:
            years = list(range(fiscal_year(today), FIRST_FISCAL_YEAR - 1, -1))
            fy = st.selectbox("年度", years, format_func=lambda y: f"{y}年度", key="af_fy")
            since, until = fiscal_year_bounds(fy)
            until = min(until, today)
        elif mode == PERIOD_MONTHS:
            months = month_range(FIRST_MONTH, today)
            first, last = st.select_slider(
                "月の範囲",
                options=months,
                value=(months[max(0, len(months) - 12)], months[-1]),
                key="af_months",
            )
            since = dt.date.fromisoformat(first + "-01")
            until = min(
                add_months(dt.date.fromisoformat(last + "-01"), 1) - dt.timedelta(days=1), today
            )
        blocks = st.multiselect("地域ブロック", list(BLOCKS), key="af_blocks", placeholder="全国")
        offered = [
            code for code in hubs if not blocks or any(code in hubs_in_block(b) for b in blocks)
        ]
        chosen_hubs = st.multiselect(
            "拠点", offered, format_func=hubs.get, key="af_hubs", placeholder="すべての拠点"
        )
        category_ids: list[int] = []
        engagements: list[str] = []
        if with_categories:
            category_ids = st.multiselect(
                "人材区分",
                list(categories),
                format_func=categories.get,
                key="af_categories",
                placeholder="すべて",
            )
            labels = Engagement.labels()
            engagements = st.multiselect(
                term("engagement"),
                list(labels),
                format_func=labels.get,
                key="af_engagements",
                placeholder="すべて",
            )
            st.caption(NEEDS_ONLY_NOTE)
    try:
        return AnalyticsFilter(
            since=since,
            until=until,
            blocks=tuple(blocks),
            hubs=tuple(chosen_hubs),
            category_ids=tuple(category_ids),
            engagements=tuple(engagements),
        )
    except ValidationError as error:
        st.error(literal(error))
        st.stop()
        raise  # unreachable: st.stop() ends the run
