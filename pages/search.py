"""検索: one box finding firms (name, kana, 法人番号), needs (role title) and consultations
(summary) in the reader's hubs, whether typed in hiragana, katakana, half- or full-width."""

import streamlit as st

from crm.calendar_jp import day_with_weekday
from crm.presentation.labels import md, prefecture_label
from crm.reference import NeedStatus
from crm.search import search_everything
from crm.vocabulary import term
from ui import links
from ui.analytics_filters import hub_panel
from ui.cache import cached_read
from ui.forms import guarded
from ui.listing import grid
from ui.session import require_actor

LIMIT = 30

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
    results = cached_read(search_everything, actor, text=query, limit=LIMIT, hubs=hubs)


def _more(count: int) -> str:
    return f"（先頭の{LIMIT}件）" if count >= LIMIT else ""


if results.empty:
    st.info(f"「{md(query)}」に一致する企業・人材ニーズ・相談はありません。")
    st.stop()

st.subheader(f"企業（{len(results.firms):,}件{_more(len(results.firms))}）")
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
st.subheader(f"人材ニーズ（{len(results.needs):,}件{_more(len(results.needs))}）")
grid(
    actor,
    [term("opened_on"), term("role_title"), "企業", term("status")]
    + (["拠点"] if hub_column else []),
    [
        [
            day_with_weekday(n.opened_on),
            links.need(n.need_id, n.role_title),
            n.company_name,
            NeedStatus(n.status).label,
        ]
        + ([prefecture_label(n.hub_code)] if hub_column else [])
        for n in results.needs
    ],
    widths=[1.4, 2.5, 2.5, 1] + ([1] if hub_column else []),
    empty="一致する人材ニーズはありません。",
)
st.subheader(f"相談（{len(results.consultations):,}件{_more(len(results.consultations))}）")
grid(
    actor,
    [term("consulted_on"), "企業", term("summary")] + (["拠点"] if hub_column else []),
    [
        [
            day_with_weekday(c.consulted_on),
            links.company(c.company_id, c.company_name),
            c.summary if len(c.summary) <= 80 else c.summary[:79] + "…",
        ]
        + ([prefecture_label(c.hub_code)] if hub_column else [])
        for c in results.consultations
    ],
    widths=[1.4, 2.5, 5] + ([1] if hub_column else []),
    empty="一致する相談はありません。",
)
