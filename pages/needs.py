"""人材ニーズ: the hub's needs by status and opening a need from a consultation
(ui.views.need_new); one page per need (?need=ID) with its dated pipeline, referrals to
partners and their outcomes (ui.views.need_record)."""

import streamlit as st

from crm.models import TalentNeed, stored_id
from crm.presentation.labels import day, enum_label, prefecture_label
from crm.presentation.text import literal
from crm.reference import Engagement, NeedStatus, SalaryBand
from crm.services.lookups import company_names
from crm.services.needs import count_needs_by_status, list_needs
from crm.services.reference_data import list_categories, list_partners
from crm.vocabulary import term
from ui import links, pickers
from ui.analytics_filters import hub_panel
from ui.cache import cached_read
from ui.forms import guarded
from ui.listing import Cell, grid, paginate
from ui.runtime import session
from ui.session import require_actor
from ui.views.need_new import new_need_form
from ui.views.need_record import show_need

PAGE_SIZE = 25
STATUSES = list(NeedStatus)

actor = require_actor()
read_only = not actor.is_hub_manager

with session() as s:
    categories = {stored_id(c.id): c.name_ja for c in list_categories(s, active_only=False)}
    active_categories = [stored_id(c.id) for c in list_categories(s)]
    partners = {stored_id(p.id): p for p in list_partners(s, active_only=False)}


def clear_company_filter() -> None:
    st.query_params.pop("company", None)


def board() -> None:
    st.title("人材ニーズ")
    company_filter = pickers.query_id("company", "企業")
    hubs = hub_panel() if read_only else ()
    if read_only:
        st.caption("全国事務局として全拠点のニーズを閲覧しています（閲覧のみ）。")

    with guarded():
        counts = cached_read(count_needs_by_status, actor, company_id=company_filter, hubs=hubs)
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

    metrics = st.columns(len(STATUSES))
    for column, status in zip(metrics, STATUSES, strict=True):
        column.metric(status.label, f"{counts[status.value]:,}")

    if not read_only:
        new_need_form(actor, company_filter, categories, active_categories)

    tabs = st.tabs([f"{status.label}（{counts[status.value]:,}）" for status in STATUSES])
    for tab, status in zip(tabs, STATUSES, strict=True):
        with tab:
            offset = paginate(
                counts[status.value],
                f"needs.page.{status.value}",
                PAGE_SIZE,
                reset_on=(company_filter, hubs),
            )
            rows = cached_read(
                list_needs,
                actor,
                status=status.value,
                company_id=company_filter,
                hubs=hubs,
                limit=PAGE_SIZE,
                offset=offset,
            )
            need_table(rows)


def need_table(rows: list[TalentNeed]) -> None:
    names = cached_read(company_names, actor, ids=sorted({n.company_id for n in rows}))
    header = [
        "ニーズ",
        "企業",
        term("category"),
        term("engagement"),
        term("headcount"),
        term("salary_band"),
        term("opened_on"),
    ]
    widths = [2.2, 2.2, 1.5, 1.1, 0.6, 1.3, 1]
    table: list[list[Cell]] = [
        [
            links.need(stored_id(n.id), f"{n.role_title}（#{n.id}）"),
            links.company(n.company_id, names.get(n.company_id, "")),
            categories.get(n.category_id, ""),
            enum_label(Engagement, n.engagement),
            f"{n.headcount}名",
            enum_label(SalaryBand, n.salary_band),
            day(n.opened_on),
        ]
        for n in rows
    ]
    if read_only:
        header.insert(0, "拠点")
        widths.insert(0, 0.8)
        for row, n in zip(table, rows, strict=True):
            row.insert(0, prefecture_label(n.hub_code))
    grid(actor, header, table, widths, empty="この状態のニーズはありません。")


selected = pickers.query_id("need", "人材ニーズ")
if selected is None:
    board()
else:
    show_need(actor, selected, categories, partners)
