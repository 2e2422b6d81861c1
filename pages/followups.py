"""フォローアップ: open follow-ups, overdue first, marking them done, and scheduling new ones
for a firm or a placement (ui.views.follow_up_forms)."""

from dataclasses import replace

import streamlit as st

from crm.calendar_jp import day_with_weekday
from crm.models import FollowUp
from crm.presentation.labels import day
from crm.presentation.text import literal
from crm.services.followups import DONE, OVERDUE, UPCOMING, count_follow_ups_by_state
from crm.services.lookups import company_names, need_titles, placement_needs
from crm.services.record_views import FOLLOW_UPS as FOLLOW_UP_VIEW
from crm.timeutil import today_jst
from crm.vocabulary import term
from ui import links, pickers
from ui.analytics_filters import hub_panel
from ui.cache import cached_read
from ui.forms import guarded
from ui.listing import Cell
from ui.record_list import Column, Context, RecordList, assignee_column, hub_column
from ui.session import require_actor
from ui.views.follow_up_forms import done_form, schedule_form

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


def _names(rows: list[FollowUp]) -> Context:
    """The firms a page of follow-ups names, and the need (its id and title) each placement
    filled."""
    names = cached_read(company_names, actor, ids=sorted({f.company_id for f in rows}))
    need_of = cached_read(
        placement_needs, actor, ids=sorted({f.placement_id for f in rows if f.placement_id})
    )
    titles = cached_read(need_titles, actor, ids=sorted(set(need_of.values())))
    return {
        "companies": names,
        "need_ids": {p: str(n) for p, n in need_of.items()},
        "need_titles": {p: titles.get(n, "ニーズ") for p, n in need_of.items()},
    }


def _target(f: FollowUp, names: Context) -> Cell:
    if f.placement_id is None:
        return "企業"
    if f.placement_id not in names["need_ids"]:
        return "成約"
    need = int(names["need_ids"][f.placement_id])
    return links.need(need, f"成約（{names['need_titles'][f.placement_id]}）")


COLUMNS = [
    *hub_column(read_only),
    # The due date with its weekday on one line.
    Column("due_on", term("due_on"), 1.4, lambda f, _n: day_with_weekday(f.due_on)),
    Column("status", term("status"), 1, lambda f, _n: when(f)),
    Column(
        "company",
        "企業",
        2.2,
        lambda f, n: links.company(f.company_id, n["companies"].get(f.company_id, "")),
    ),
    Column("target", "対象", 1.6, _target),
    Column("notes", term("notes"), 2.6, lambda f, _n: f.notes or ""),
    *assignee_column(read_only),
]
# Open follow-ups (期限超過 and 予定) by default, the most overdue first.
LIST = RecordList(
    FOLLOW_UP_VIEW,
    COLUMNS,
    row_title=lambda f, n: f"{day_with_weekday(f.due_on)} {n['companies'].get(f.company_id, '')}",
)


def clear_company_filter() -> None:
    st.query_params.pop("company", None)


@st.fragment
def follow_up_list(company: int | None, hubs: tuple[str, ...]) -> None:
    """The follow-ups of the chosen view (of one firm when the address names it); a change
    of the view re-runs only this list."""
    view, shown = LIST.controls(actor)
    if company is not None:
        view = replace(view, pinned=(("company_id", company),))
    LIST.table(
        actor,
        view,
        shown,
        hubs=hubs,
        context=_names,
        empty="この条件のフォローアップはありません。",
    )


st.title("フォローアップ")
hubs = tuple(hub_panel()) if read_only else ()
if read_only:
    st.caption("全国事務局として全拠点のフォローアップを閲覧しています（閲覧のみ）。")
company_filter = pickers.query_id("company", "企業")

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
metrics[2].metric("完了", f"{counts[DONE]:,}")
if counts[OVERDUE]:
    st.error(
        f"期日を過ぎたフォローアップが {counts[OVERDUE]:,} 件あります。早めに連絡を取りましょう。"
    )
follow_up_list(company_filter, hubs)

if not read_only:
    left, right = st.columns(2)
    with left:
        done_form(actor, company_filter, hubs, today)
    with right:
        schedule_form(actor, company_filter, today)
