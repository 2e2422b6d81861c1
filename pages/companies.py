"""企業: search the hub's firms and register them; one page per firm (?company=ID) with its
contacts and its whole history (ui.views.company_record)."""

import streamlit as st

from crm.models import Company
from crm.presentation.labels import day, industry_label, prefecture_label
from crm.services.lookups import find_companies
from crm.services.record_views import COMPANIES as COMPANY_VIEW
from crm.timeutil import to_jst
from ui import firm_form, links
from ui import form_state as fs
from ui.analytics_filters import hub_panel
from ui.cache import cached_read
from ui.merge import follow_merged
from ui.pickers import query_id
from ui.record_list import Column, RecordList, assignee_column, hub_column
from ui.session import require_actor
from ui.views.company_record import open_company, show_company

actor = require_actor()
read_only = not actor.is_hub_manager

COLUMNS = [
    Column("name", "企業名", 3, lambda c, _n: links.company(c.id, c.name), order="kana_key"),
    Column("kana", "カナ", 2, lambda c, _n: c.kana or ""),
    Column("corporate_number", "法人番号", 1.6, lambda c, _n: c.corporate_number or ""),
    Column(
        "location",
        "所在地",
        1.8,
        lambda c, _n: f"{prefecture_label(c.prefecture_code)}{c.city or ''}",
    ),
    Column("industry", "業種", 2, lambda c, _n: industry_label(c.industry)),
    Column(
        "employees",
        "従業員数",
        1,
        lambda c, _n: "" if c.employees is None else f"{c.employees:,}名",
    ),
    Column("created_at", "登録日", 1.1, lambda c, _n: day(to_jst(c.created_at).date())),
    *assignee_column(read_only),
    *hub_column(read_only),
]
LIST = RecordList(COMPANY_VIEW, COLUMNS, row_title=lambda c, _n: c.name)


@st.fragment
def directory(hubs: tuple[str, ...]) -> None:
    """The firms as the chosen view shows them (あ to ん by default); a change of the search
    or the view re-runs only this list (the hubs are chosen in the sidebar, outside it)."""
    LIST.show(actor, hubs=hubs, empty="該当する企業はありません。")


def show_directory() -> None:
    st.title("企業")
    if read_only:
        st.caption("全国事務局として全拠点の企業を閲覧しています（閲覧のみ）。")
    directory(tuple(hub_panel()) if read_only else ())
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
