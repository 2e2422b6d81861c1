"""人材ニーズ: the hub's needs, one status at a time (ui.views.need_board), and opening a
need from a consultation (ui.views.need_new); one page per need (?need=ID) with its dated
pipeline, referrals to partners and their outcomes (ui.views.need_record)."""

import streamlit as st

from crm.models import stored_id
from crm.presentation.text import literal
from crm.services.lookups import company_names
from ui import cache as reference
from ui import pickers
from ui.analytics_filters import hub_panel
from ui.cache import cached_read
from ui.forms import guarded
from ui.session import require_actor
from ui.views.need_board import Board
from ui.views.need_new import new_need_form
from ui.views.need_record import show_need

actor = require_actor()
read_only = not actor.is_hub_manager

# Reference data from the cache (no database session when it is current).
categories = {stored_id(c.id): c.name_ja for c in reference.categories(active_only=False)}
active_categories = [stored_id(c.id) for c in reference.categories()]
partners = {stored_id(p.id): p for p in reference.partners(active_only=False)}
BOARD = Board(actor, categories, read_only)


def clear_company_filter() -> None:
    st.query_params.pop("company", None)


def board() -> None:
    st.title("人材ニーズ")
    company_filter = pickers.query_id("company", "企業")
    hubs = hub_panel() if read_only else ()
    if read_only:
        st.caption("全国事務局として全拠点のニーズを閲覧しています（閲覧のみ）。")

    with guarded():
        if company_filter is not None:
            name = cached_read(company_names, actor, ids=[company_filter]).get(company_filter)
            if name is None:
                st.error("この企業は表示できません（他の拠点の企業か、存在しません）。")
                st.stop()
            st.query_params["company"] = str(company_filter)
            left, right = st.columns([3, 1])
            left.info(
                f"{literal(name)} のニーズだけを表示しています。", icon=":material/filter_alt:"
            )
            right.button("絞り込みを解除", on_click=clear_company_filter)

    if not read_only:
        new_need_form(actor, company_filter, categories, active_categories)
    BOARD.show(company_filter, hubs)


selected = pickers.query_id("need", "人材ニーズ")
if selected is None:
    board()
else:
    show_need(actor, selected, categories, partners)
