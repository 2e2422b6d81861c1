"""成約: placements in a period, and recording a placement against an open or referred need.

A placement describes the hire, never the person: hubs are not employment agencies and hold no
job-seeker data, so there is no field that could identify who was hired."""

import streamlit as st

from crm.areas import area_of
from crm.models import Placement, stored_id
from crm.presentation.labels import day, enum_label, prefecture_label
from crm.reference import PREFECTURES, AgeBand, Engagement, SalaryBand
from crm.services.lookups import company_names, need_titles
from crm.services.record_views import PLACEMENTS as PLACEMENT_VIEW
from crm.services.record_views import count_view_by
from crm.vocabulary import term
from ui import cache as reference
from ui import links
from ui.analytics_filters import hub_panel
from ui.cache import cached_read
from ui.forms import guarded
from ui.record_list import Column, Context, RecordList
from ui.session import require_actor
from ui.views.placement_form import LAST_NEED, record_form

NO_PERSONAL_DATA = (
    "拠点は求職者の情報を保有しません。成約は採用の事実（日付・採用形態・紹介元・年収帯・"
    "年齢層・前居住地の区分）だけを記録し、氏名・連絡先・生年月日など個人を特定できる"
    "項目はありません。"
)

actor = require_actor()
read_only = not actor.is_hub_manager

partners = {stored_id(p.id): p for p in reference.partners(active_only=False)}


def _origin(p: Placement) -> str:
    """前居住地 as listed: the derived area, with the prefecture when it is known."""
    area = area_of(p.previous_prefecture, p.hub_code, p.previous_residence)
    if p.previous_prefecture in PREFECTURES:
        return f"{area.value}（{PREFECTURES[p.previous_prefecture][0]}）"
    return area.value


def _names(rows: list[Placement]) -> Context:
    """The firms and needs a page of placements names."""
    return {
        "companies": cached_read(company_names, actor, ids=sorted({p.company_id for p in rows})),
        "needs": cached_read(need_titles, actor, ids=sorted({p.need_id for p in rows})),
    }


def _partner(p: Placement) -> str:
    return partners[p.partner_id].name if p.partner_id in partners else ""


COLUMNS = [
    *([Column("hub", "拠点", 0.8, lambda p, _n: prefecture_label(p.hub_code))] * read_only),
    Column("placed_on", term("placed_on"), 1, lambda p, _n: day(p.placed_on)),
    Column(
        "company",
        "企業",
        2,
        lambda p, n: links.company(p.company_id, n["companies"].get(p.company_id, "")),
    ),
    Column(
        "need",
        "ニーズ",
        1.8,
        lambda p, n: links.need(p.need_id, n["needs"].get(p.need_id, "ニーズを開く")),
    ),
    Column("engagement", term("engagement"), 1, lambda p, _n: enum_label(Engagement, p.engagement)),
    Column("partner", term("partner"), 1.8, lambda p, _n: _partner(p)),
    Column(
        "salary_band", term("salary_band"), 1.2, lambda p, _n: enum_label(SalaryBand, p.salary_band)
    ),
    Column("age_band", term("age_band"), 0.9, lambda p, _n: enum_label(AgeBand, p.age_band)),
    Column("previous_residence", term("previous_residence"), 1.3, lambda p, _n: _origin(p)),
]
# Placements start at this fiscal year, as the programme reports them.
LIST = RecordList(PLACEMENT_VIEW, COLUMNS, this_year=True)


@st.fragment
def placement_list(hubs: tuple[str, ...]) -> None:
    """The placements of the chosen view, counted per 採用形態; a change of the view re-runs
    only this list."""
    view, shown = LIST.controls(actor)
    with guarded():
        counts = cached_read(
            count_view_by, actor, list_name="placements", view=view, column="engagement", hubs=hubs
        )
    metrics = st.columns(1 + len(counts))
    metrics[0].metric("成約件数", f"{sum(counts.values()):,}")
    for column, (code, n) in zip(metrics[1:], counts.items(), strict=True):
        column.metric(Engagement(code).label, f"{n:,}")
    LIST.table(actor, view, shown, hubs=hubs, context=_names, empty="この条件の成約はありません。")


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
placement_list(tuple(hub_panel()) if read_only else ())
