"""フォローアップ: open follow-ups, overdue first, marking them done, and scheduling new ones
for a firm or a placement (ui.views.follow_up_forms)."""

import streamlit as st

from crm.calendar_jp import day_with_weekday
from crm.models import FollowUp
from crm.presentation.labels import day, prefecture_label
from crm.presentation.text import literal
from crm.services.followups import (
    DONE,
    OVERDUE,
    UPCOMING,
    count_follow_ups_by_state,
    list_follow_ups,
)
from crm.services.lookups import company_names, need_titles, placement_needs
from crm.timeutil import today_jst
from crm.vocabulary import term
from ui import links, pickers
from ui.analytics_filters import hub_panel
from ui.cache import cached_read
from ui.forms import guarded
from ui.listing import Cell, grid, paginate
from ui.session import require_actor
from ui.views.follow_up_forms import done_form, schedule_form

PAGE_SIZE = 50

actor = require_actor()
read_only = not actor.is_hub_manager
today = today_jst()


def when(follow_up: FollowUp) -> str:
    if follow_up.done_on is not None:
        return f"完了 {day(follow_up.done_on)}"
    days = (follow_up.due_on - today).days
    if days < 0:
        return f"{-days}日超過"
    return "今日" if days == 0 else f"あと{days}日"


def section(
    rows: list[FollowUp],
    names: dict[int, str],
    need_of: dict[int, int],
    titles: dict[int, str],
    empty: str,
) -> None:
    header = [term("due_on"), term("status"), "企業", "対象", term("notes")]
    widths = [1.4, 1, 2.2, 1.6, 2.6]  # the due date with its weekday on one line
    table: list[list[Cell]] = []
    for f in rows:
        target = (
            "企業"
            if f.placement_id is None
            else (
                links.need(
                    need_of[f.placement_id],
                    f"成約（{titles.get(need_of[f.placement_id], 'ニーズ')}）",
                )
                if f.placement_id in need_of
                else "成約"
            )
        )
        table.append(
            [
                day_with_weekday(f.due_on),
                when(f),
                links.company(f.company_id, names.get(f.company_id, "")),
                target,
                f.notes,
            ]
        )
    if read_only:
        header.insert(0, "拠点")
        widths.insert(0, 0.8)
        for row, f in zip(table, rows, strict=True):
            row.insert(0, prefecture_label(f.hub_code))
    grid(actor, header, table, widths, empty=empty)


def clear_company_filter() -> None:
    st.query_params.pop("company", None)


st.title("フォローアップ")
hubs = hub_panel() if read_only else ()
if read_only:
    st.caption("全国事務局として全拠点のフォローアップを閲覧しています（閲覧のみ）。")
company_filter = pickers.query_id("company", "企業")
include_done = st.toggle("完了したものも表示", key="followups.include_done")


def state_rows(state: str, offset: int) -> list[FollowUp]:
    return cached_read(
        list_follow_ups,
        actor,
        state=state,
        company_id=company_filter,
        today=today,
        hubs=hubs,
        limit=PAGE_SIZE,
        offset=offset,
    )


with guarded():
    counts = cached_read(
        count_follow_ups_by_state, actor, company_id=company_filter, today=today, hubs=hubs
    )
    filter_names = cached_read(company_names, actor, ids=[company_filter] if company_filter else [])
if company_filter is not None:
    if company_filter not in filter_names:
        st.error("この企業は表示できません（他の拠点の企業か、存在しません）。")
        st.stop()
    st.query_params["company"] = str(company_filter)
    left, right = st.columns([3, 1])
    left.info(
        f"{literal(filter_names[company_filter])} のフォローアップだけを表示しています。",
        icon=":material/filter_alt:",
    )
    right.button("絞り込みを解除", on_click=clear_company_filter)

metrics = st.columns(3)
metrics[0].metric("期限超過", f"{counts[OVERDUE]:,}")
metrics[1].metric("予定", f"{counts[UPCOMING]:,}")
if include_done:
    metrics[2].metric("完了", f"{counts[DONE]:,}")

SECTIONS = [
    (OVERDUE, "期限超過", "期限を過ぎたフォローアップはありません。"),
    (UPCOMING, "今後の予定", "予定されたフォローアップはありません。"),
    *([(DONE, "完了", "完了したフォローアップはありません。")] if include_done else []),
]
for state, title, empty in SECTIONS:
    total = counts[state]
    if state == OVERDUE and total:
        st.subheader(f":red[:material/warning: {title}（{total:,}件）]")
        st.error(f"期日を過ぎたフォローアップが {total:,} 件あります。早めに連絡を取りましょう。")
    else:
        st.subheader(f"{title}（{total:,}件）")
    offset = paginate(total, f"followups.page.{state}", PAGE_SIZE, reset_on=(company_filter, hubs))
    with guarded():
        rows = state_rows(state, offset)
        names = cached_read(company_names, actor, ids=sorted({f.company_id for f in rows}))
        need_of = cached_read(
            placement_needs, actor, ids=sorted({f.placement_id for f in rows if f.placement_id})
        )
        titles = cached_read(need_titles, actor, ids=sorted(set(need_of.values())))
    section(rows, names, need_of, titles, empty)

if not read_only:
    left, right = st.columns(2)
    with left:
        done_form(actor, company_filter, hubs, today)
    with right:
        schedule_form(actor, company_filter, today)
