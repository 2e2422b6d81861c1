"""相談記録: log a consultation fast (or register a new firm and log it in one step:
ui.views.consultation_entry), and the consultations, newest first (the secretariat: of the hubs
it chooses)."""

import streamlit as st

from crm.presentation.labels import day, enum_label, prefecture_label
from crm.reference import Channel, Stance
from crm.services.consultations import count_consultations, list_consultations
from crm.services.lookups import company_names
from crm.vocabulary import term
from ui import links
from ui.analytics_filters import hub_panel
from ui.cache import cached_read
from ui.forms import guarded
from ui.listing import grid, paginate
from ui.session import require_actor
from ui.views.consultation_entry import entry_form, last_saved

PAGE_SIZE = 30

actor = require_actor()
read_only = not actor.is_hub_manager


def recent() -> None:
    hubs = hub_panel() if read_only else ()
    st.subheader("相談の一覧" + ("（全拠点）" if read_only and not hubs else ""))
    with guarded():
        total = cached_read(count_consultations, actor, hubs=hubs)
        offset = paginate(total, "consultations.page", PAGE_SIZE, reset_on=hubs)
        rows = cached_read(list_consultations, actor, hubs=hubs, limit=PAGE_SIZE, offset=offset)
        names = cached_read(company_names, actor, ids=sorted({c.company_id for c in rows}))
    header = [
        term("consulted_on"),
        "企業",
        term("channel"),
        term("summary"),
        term("stance"),
        term("next_action"),
    ]
    widths = [1, 2, 1.3, 3.5, 1.3, 2]
    table = []
    for c in rows:
        next_action = " ".join(part for part in (day(c.next_action_on), c.next_action) if part)
        table.append(
            [
                day(c.consulted_on),
                links.company(c.company_id, names.get(c.company_id, "")),
                enum_label(Channel, c.channel),
                c.summary,
                enum_label(Stance, c.stance),
                next_action,
            ]
        )
    if read_only:
        header.insert(0, "拠点")
        widths.insert(0, 0.8)
        for row, c in zip(table, rows, strict=True):
            row.insert(0, prefecture_label(c.hub_code))
    grid(actor, header, table, widths, empty="該当する相談の記録はありません。")
    st.caption("企業ごとの全履歴は企業ページのタイムラインで見られます。")


st.title("相談記録")
if read_only:
    st.caption("全国事務局として全拠点の相談を閲覧しています（閲覧のみ）。")
else:
    last_saved(actor)
    entry_form(actor)
recent()
