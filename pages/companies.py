"""企業: search the hub's firms and register them; one page per firm (?company=ID) with its
contacts and its whole history (ui.views.company_record)."""

import streamlit as st

from crm.models import Company
from crm.presentation.labels import industry_label, prefecture_label
from crm.services.lookups import find_companies
from ui import firm_form, links
from ui import form_state as fs
from ui.analytics_filters import hub_panel
from ui.cache import cached_read
from ui.forms import guarded
from ui.listing import grid, paginate
from ui.merge import follow_merged
from ui.pickers import query_id
from ui.session import require_actor
from ui.views.company_record import open_company, show_company

PAGE_SIZE = 20

actor = require_actor()
read_only = not actor.is_hub_manager


def show_directory() -> None:
    st.title("企業")
    if read_only:
        st.caption("全国事務局として全拠点の企業を閲覧しています（閲覧のみ）。")
    hubs = hub_panel() if read_only else ()
    query = st.text_input(
        "検索", key="companies.query", placeholder="企業名・カナ・法人番号の一部（全角可）"
    )

    with guarded():
        total, _ = cached_read(find_companies, actor, text=query, hubs=hubs, limit=0)
        offset = paginate(total, "companies.page", PAGE_SIZE, reset_on=(query, hubs))
        _, found = cached_read(
            find_companies, actor, text=query, hubs=hubs, limit=PAGE_SIZE, offset=offset
        )
    header = ["企業名", "カナ", "法人番号", "所在地", "業種", "従業員数"]
    rows = [
        [
            links.company(c.id, c.name),
            c.kana,
            c.corporate_number,
            f"{prefecture_label(c.prefecture_code)}{c.city or ''}",
            industry_label(c.industry),
            "" if c.employees is None else f"{c.employees:,}名",
        ]
        for c in found
    ]
    if read_only:
        header.append("拠点")
        for row, c in zip(rows, found, strict=True):
            row.append(prefecture_label(c.hub_code))
    grid(
        actor,
        header,
        rows,
        widths=[3, 2, 1.6, 1.8, 2, 1] + ([0.8] if read_only else []),
        empty="該当する企業はありません。" if query else "まだ企業が登録されていません。",
    )

    if not read_only:
        registration()


def created(company: Company) -> None:
    fs.reset(firm_form.NEW_FORM)
    open_company(company.id)


def registration() -> None:
    total, _ = cached_read(find_companies, actor, limit=0)
    # Open right after a submit too: a burst's last answer ("already saved", with the link) may
    # arrive on the directory rather than on the saved firm's page.
    with st.expander(
        "新しい企業を登録",
        expanded=not total or fs.just_sent(firm_form.NEW_FORM),
        icon=":material/add_business:",
    ):
        firm_form.register_form(actor, created)
        st.caption("相談と同時に登録するときは「相談記録」ページの「新しい企業」を使えます。")


selected = query_id("company", "企業")
if selected is None:
    show_directory()
else:
    show_company(actor, follow_merged(actor, selected))
