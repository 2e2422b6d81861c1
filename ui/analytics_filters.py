"""The secretariat's filter panel (sidebar): period, regional blocks, hubs, talent categories
and forms of engagement, returned as one ``AnalyticsFilter`` for the crm.analytics queries."""

import datetime as dt

import streamlit as st

from crm.analytics.filters import AnalyticsFilter, hubs_in_block
from crm.errors import ValidationError
from crm.presentation.text import literal
from crm.reference import BLOCKS, Engagement
from crm.targets import FIRST_FISCAL_YEAR
from crm.timeutil import add_months, fiscal_year, fiscal_year_bounds, month_range, today_jst
from crm.vocabulary import term
from ui import cache as reference
from ui import kept

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


PERIOD_CODES = {PERIOD_FISCAL_YEAR: "fy", PERIOD_MONTHS: "months", PERIOD_ALL: "all"}

# The secretariat's choices, kept across its pages for the session and in the page's link.
KEEP_FY = kept.Kept("af_fy", "fy", parse=int)
KEEP_MONTHS = kept.Kept("af_months", "months", pair=True)
KEEP_BLOCKS = kept.Kept("af_blocks", "blocks", many=True)
KEEP_HUBS = kept.Kept("af_hubs", "hubs", many=True)
KEEP_CATEGORIES = kept.Kept("af_categories", "categories", parse=int, many=True)
KEEP_ENGAGEMENTS = kept.Kept("af_engagements", "engagements", many=True)


def _period_of(code: str) -> str:
    for label, known in PERIOD_CODES.items():
        if code in (known, label):
            return label
    raise ValueError(code)


class _PeriodKept(kept.Kept):
    def dump(self, value) -> str:
        return PERIOD_CODES.get(value, "")


KEEP_PERIOD = _PeriodKept("af_period", "period", parse=_period_of)


def _kept_widget(keep: kept.Kept, options, draw, default=None):
    """``draw(initial)`` draws the widget with the value ``kept.restore`` gives."""
    value = draw(kept.restore(keep, options, default))
    kept.remember(keep, default)
    return value


def hub_choice() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The regional blocks and hubs chosen in the sidebar (drawn there; kept like the
    dashboards' filters, which use the same choice)."""
    hubs = {h.code: h.name_ja for h in reference.hubs()}
    blocks = _kept_widget(
        KEEP_BLOCKS,
        list(BLOCKS),
        lambda initial: st.multiselect(
            "地域ブロック",
            list(BLOCKS),
            initial,
            key=KEEP_BLOCKS.key,
            placeholder="全国",
            select_all=False,
        ),
        [],
    )
    offered = [code for code in hubs if not blocks or any(code in hubs_in_block(b) for b in blocks)]
    chosen = _kept_widget(
        KEEP_HUBS,
        offered,
        lambda initial: st.multiselect(
            "拠点",
            offered,
            initial,
            format_func=hubs.__getitem__,
            key=KEEP_HUBS.key,
            placeholder="すべての拠点",
            select_all=False,
        ),
        [],
    )
    return tuple(blocks), tuple(chosen)


def hub_panel() -> tuple[str, ...]:
    """A national reader's hub filter for record lists, in the sidebar: the hub codes chosen
    (empty: all). Blocks and hubs are the ones chosen on the dashboards, and the reverse."""
    with st.sidebar:
        st.subheader("絞り込み")
        blocks, hubs = hub_choice()
    # The dashboards' rule for blocks and hubs (empty: every hub the reader may read).
    return tuple(AnalyticsFilter(blocks=blocks, hubs=hubs).hub_selection() or ())


def filter_panel(
    default_period: str = PERIOD_FISCAL_YEAR, with_categories: bool = True
) -> AnalyticsFilter:
    """Draw the filters in the sidebar and return what they select."""
    today = today_jst()
    categories = {c.id: c.name_ja for c in reference.categories()}
    with st.sidebar:
        st.subheader("絞り込み")
        modes = [PERIOD_FISCAL_YEAR, PERIOD_MONTHS, PERIOD_ALL]
        mode = _kept_widget(
            KEEP_PERIOD,
            modes,
            lambda initial: st.radio(
                "期間", modes, modes.index(initial), horizontal=True, key=KEEP_PERIOD.key
            ),
            default_period,
        )
        since = until = None
        if mode == PERIOD_FISCAL_YEAR:
            years = list(range(fiscal_year(today), FIRST_FISCAL_YEAR - 1, -1))
            fy = _kept_widget(
                KEEP_FY,
                years,
                lambda initial: st.selectbox(
                    "年度",
                    years,
                    years.index(initial),
                    format_func=lambda y: f"{y}年度",
                    key=KEEP_FY.key,
                ),
                years[0],
            )
            since, until = fiscal_year_bounds(fy)
            until = min(until, today)
        elif mode == PERIOD_MONTHS:
            months = month_range(FIRST_MONTH, today)
            first, last = _kept_widget(
                KEEP_MONTHS,
                months,
                lambda initial: st.select_slider(
                    "月の範囲", options=months, value=initial, key=KEEP_MONTHS.key
                ),
                (months[max(0, len(months) - 12)], months[-1]),
            )
            since = dt.date.fromisoformat(first + "-01")
            until = min(
                add_months(dt.date.fromisoformat(last + "-01"), 1) - dt.timedelta(days=1), today
            )
        blocks, chosen_hubs = hub_choice()
        category_ids: list[int] = []
        engagements: list[str] = []
        if with_categories:
            category_ids = _kept_widget(
                KEEP_CATEGORIES,
                list(categories),
                lambda initial: st.multiselect(
                    "人材区分",
                    list(categories),
                    initial,
                    format_func=categories.__getitem__,
                    key=KEEP_CATEGORIES.key,
                    placeholder="すべて",
                    select_all=False,
                ),
            )
            labels = Engagement.labels()
            engagements = _kept_widget(
                KEEP_ENGAGEMENTS,
                list(labels),
                lambda initial: st.multiselect(
                    term("engagement"),
                    list(labels),
                    initial,
                    format_func=labels.__getitem__,
                    key=KEEP_ENGAGEMENTS.key,
                    placeholder="すべて",
                    select_all=False,
                ),
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
