"""相談記録: log a consultation fast (or register a new firm and log it in one step:
ui.views.consultation_entry), and the consultations, newest first (the secretariat: of the hubs
it chooses)."""

import streamlit as st

from crm.models import Consultation
from crm.presentation.labels import day, enum_label, prefecture_label
from crm.reference import Channel, Stance
from crm.services.lookups import company_names
from crm.services.record_views import CONSULTATIONS as CONSULTATION_VIEW
from crm.vocabulary import term
from ui import links
from ui.analytics_filters import hub_panel
from ui.cache import cached_read
from ui.record_list import Column, Context, RecordList
from ui.session import require_actor
from ui.views.consultation_entry import entry_form, last_saved

actor = require_actor()
read_only = not actor.is_hub_manager


def _names(rows: list[Consultation]) -> Context:
    """The firms a page of consultations names."""
    return {
        "companies": cached_read(company_names, actor, ids=sorted({c.company_id for c in rows}))
    }


COLUMNS = [
    *(
        [Column("hub", "拠点", 0.8, lambda c, _n: prefecture_label(c.hub_code))]
        if read_only
        else []
    ),
    Column("consulted_on", term("consulted_on"), 1, lambda c, _n: day(c.consulted_on)),
    Column(
        "company",
        "企業",
        2,
        lambda c, n: links.company(c.company_id, n["companies"].get(c.company_id, "")),
    ),
    Column("channel", term("channel"), 1.3, lambda c, _n: enum_label(Channel, c.channel)),
    Column("summary", term("summary"), 3.5, lambda c, _n: c.summary),
    Column("stance", term("stance"), 1.3, lambda c, _n: enum_label(Stance, c.stance)),
    Column(
        "next_action",
        term("next_action"),
        2,
        lambda c, _n: " ".join(p for p in (day(c.next_action_on), c.next_action) if p),
    ),
]
LIST = RecordList(CONSULTATION_VIEW, COLUMNS)


@st.fragment
def recent(hubs: tuple[str, ...]) -> None:
    """The consultations as the chosen view shows them; a change of the view re-runs only
    this list (the hubs are chosen in the sidebar, outside it)."""
    st.subheader("相談の一覧" + ("（全拠点）" if read_only and not hubs else ""))
    LIST.show(actor, hubs=hubs, context=_names, empty="該当する相談の記録はありません。")
    st.caption("企業ごとの全履歴は企業ページのタイムラインで見られます。")


st.title("相談記録")
if read_only:
    st.caption("全国事務局として全拠点の相談を閲覧しています（閲覧のみ）。")
else:
    last_saved(actor)
    entry_form(actor)
recent(tuple(hub_panel()) if read_only else ())
