"""検索: one box finding firms (name, kana, 法人番号), needs (role title) and consultations
(summary) in the reader's hubs, whether typed in hiragana, katakana, half- or full-width."""

import streamlit as st

from crm.calendar_jp import day_with_weekday
from crm.presentation.labels import md, prefecture_label
from crm.reference import NeedStatus
from crm.search import (
    CONSULTATIONS,
    FIRMS,
    NEEDS,
    SearchResults,
    count_search_hits,
    search_everything,
)
from crm.vocabulary import term
from ui import links
from ui.analytics_filters import hub_panel
from ui.cache import cached_read
from ui.forms import guarded
from ui.listing import Cell, grid, paginate
from ui.session import require_actor

LIMIT = 30  # rows of each kind on a page

actor = require_actor()
hub_column = not actor.is_hub_manager
hubs = hub_panel() if hub_column else ()
st.title("検索")
query = st.text_input(
    "検索",
    value=st.query_params.get("q", ""),
    key="search.query",
    placeholder="企業名・カナ・法人番号、役職・職種、相談内容（ひらがな・カタカナ・全角半角どれでも）",
    label_visibility="collapsed",
)
if query.strip():
    st.query_params["q"] = query
else:
    st.query_params.pop("q", None)
    st.caption(
        "例: 「やまがた」でヤマガタ・ﾔﾏｶﾞﾀ と登録した企業も、"
        "「㈱山形」で株式会社山形… も見つかります。"
    )
    st.stop()

with guarded():
    totals = cached_read(count_search_hits, actor, text=query, hubs=hubs)
if not any(totals.values()):
    st.info(f"「{md(query)}」に一致する企業・人材ニーズ・相談はありません。")
    st.stop()


def hub_cell(code: str) -> list[str]:
    """The 拠点 column of a national reader's rows."""
    return [prefecture_label(code)] if hub_column else []


def section(kind: str, title: str) -> int:
    """The section's heading with its true count, and its pager: the offset of its page."""
    st.subheader(f"{title}（{totals[kind]:,}件）")
    return paginate(totals[kind], f"search.page.{kind}", LIMIT, reset_on=(query, hubs))


def page_of(kind: str, offset: int) -> SearchResults:
    with guarded():
        return cached_read(
            search_everything, actor, text=query, limit=LIMIT, hubs=hubs, offsets={kind: offset}
        )


results = page_of(FIRMS, section(FIRMS, "企業"))
grid(
    actor,
    ["企業名", "カナ"] + (["拠点"] if hub_column else []),
    [
        [links.company(f.company_id, f.name), f.kana]
        + ([prefecture_label(f.hub_code)] if hub_column else [])
        for f in results.firms
    ],
    widths=[3, 3] + ([1] if hub_column else []),
    empty="一致する企業はありません。",
)
results = page_of(NEEDS, section(NEEDS, "人材ニーズ"))
need_rows: list[list[Cell]] = [
    [
        day_with_weekday(n.opened_on),
        links.need(n.need_id, n.role_title),
        n.company_name,
        NeedStatus(n.status).label,
        *hub_cell(n.hub_code),
    ]
    for n in results.needs
]
grid(
    actor,
    [term("opened_on"), term("role_title"), "企業", term("status")]
    + (["拠点"] if hub_column else []),
    need_rows,
    widths=[1.4, 2.5, 2.5, 1] + ([1] if hub_column else []),
    empty="一致する人材ニーズはありません。",
)
results = page_of(CONSULTATIONS, section(CONSULTATIONS, "相談"))
consultation_rows: list[list[Cell]] = [
    [
        day_with_weekday(c.consulted_on),
        links.company(c.company_id, c.company_name),
        c.summary if len(c.summary) <= 80 else c.summary[:79] + "…",
        *hub_cell(c.hub_code),
    ]
    for c in results.consultations
]
grid(
    actor,
    [term("consulted_on"), "企業", term("summary")] + (["拠点"] if hub_column else []),
    consultation_rows,
    widths=[1.4, 2.5, 5] + ([1] if hub_column else []),
    empty="一致する相談はありません。",
)
