"""成約: placements in a period, and recording a placement against an open or referred need.

A placement describes the hire, never the person: hubs are not employment agencies and hold no
job-seeker data, so there is no field that could identify who was hired."""

import datetime as dt

import streamlit as st

from crm.areas import area_of
from crm.models import Placement, stored_id
from crm.presentation.labels import day, enum_label, prefecture_label
from crm.reference import PREFECTURES, AgeBand, Engagement, SalaryBand
from crm.services.lookups import company_names, need_titles, placements_by_engagement
from crm.services.placements import list_placements
from crm.services.reference_data import list_partners
from crm.timeutil import fiscal_year, fiscal_year_bounds, today_jst
from crm.vocabulary import term
from ui import links
from ui.analytics_filters import hub_panel
from ui.cache import cached_read
from ui.forms import guarded
from ui.listing import Cell, grid, paginate
from ui.runtime import session
from ui.session import require_actor
from ui.views.placement_form import LAST_NEED, record_form

PAGE_SIZE = 25
NO_PERSONAL_DATA = (
    "拠点は求職者の情報を保有しません。成約は採用の事実（日付・採用形態・紹介元・年収帯・"
    "年齢層・前居住地の区分）だけを記録し、氏名・連絡先・生年月日など個人を特定できる"
    "項目はありません。"
)

actor = require_actor()
read_only = not actor.is_hub_manager

with session() as s:
    partners = {stored_id(p.id): p for p in list_partners(s, active_only=False)}


def _origin(p: Placement) -> str:
    """前居住地 as listed: the derived area, with the prefecture when it is known."""
    area = area_of(p.previous_prefecture, p.hub_code, p.previous_residence)
    if p.previous_prefecture in PREFECTURES:
        return f"{area.value}（{PREFECTURES[p.previous_prefecture][0]}）"
    return area.value


def period() -> tuple[dt.date, dt.date]:
    today = today_jst()
    fy_start, _ = fiscal_year_bounds(fiscal_year(today))
    left, right = st.columns(2)
    since = left.date_input(
        "期間（から）", value=fy_start, key="placements.since", format="YYYY/MM/DD"
    )
    until = right.date_input(
        "期間（まで）", value=today, key="placements.until", format="YYYY/MM/DD"
    )
    if since > until:
        st.warning("期間の始まりが終わりより後です。入れ替えて表示します。")
        since, until = until, since
    return since, until


def placement_list(since: dt.date, until: dt.date, hubs: tuple[str, ...]) -> None:
    with guarded():
        counts = cached_read(placements_by_engagement, actor, since=since, until=until, hubs=hubs)
    total = sum(counts.values())
    metrics = st.columns(1 + len(counts))
    metrics[0].metric("成約件数", f"{total:,}")
    for column, (code, n) in zip(metrics[1:], counts.items(), strict=True):
        column.metric(Engagement(code).label, f"{n:,}")

    offset = paginate(total, "placements.page", PAGE_SIZE, reset_on=(since, until, hubs))
    rows = cached_read(
        list_placements,
        actor,
        since=since,
        until=until,
        hubs=hubs,
        limit=PAGE_SIZE,
        offset=offset,
    )
    names = cached_read(company_names, actor, ids=sorted({p.company_id for p in rows}))
    titles = cached_read(need_titles, actor, ids=sorted({p.need_id for p in rows}))
    header = [
        term("placed_on"),
        "企業",
        "ニーズ",
        term("engagement"),
        term("partner"),
        term("salary_band"),
        term("age_band"),
        term("previous_residence"),
    ]
    widths = [1, 2, 1.8, 1, 1.8, 1.2, 0.9, 1.3]
    table: list[list[Cell]] = [
        [
            day(p.placed_on),
            links.company(p.company_id, names.get(p.company_id, "")),
            links.need(p.need_id, titles.get(p.need_id, "ニーズを開く")),
            enum_label(Engagement, p.engagement),
            partners[p.partner_id].name if p.partner_id in partners else "",
            enum_label(SalaryBand, p.salary_band),
            enum_label(AgeBand, p.age_band),
            _origin(p),
        ]
        for p in rows
    ]
    if read_only:
        header.insert(0, "拠点")
        widths.insert(0, 0.8)
        for row, p in zip(table, rows, strict=True):
            row.insert(0, prefecture_label(p.hub_code))
    grid(actor, header, table, widths, empty="この期間の成約はありません。")


st.title("成約")
st.caption(NO_PERSONAL_DATA)
if read_only:
    st.caption("全国事務局として全拠点の成約を閲覧しています（閲覧のみ）。")
else:
    record_form(actor, partners)
    last_need = st.session_state.get(LAST_NEED)
    if last_need is not None:
        links.show(
            actor, links.need(last_need, "成約を記録したニーズを開く", ":material/open_in_new:")
        )
hubs = hub_panel() if read_only else ()
since, until = period()
placement_list(since, until, hubs)
