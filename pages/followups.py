"""フォローアップ: open follow-ups, overdue first, marking them done, and scheduling new ones
for a firm or a placement."""

import datetime as dt

import streamlit as st

from crm.calendar_jp import day_with_weekday
from crm.errors import ValidationError
from crm.models import FollowUp, stored_id
from crm.presentation.labels import FIELD_LABELS, day, prefecture_label
from crm.presentation.text import literal
from crm.services.followups import (
    DONE,
    OVERDUE,
    UPCOMING,
    complete_follow_up,
    count_follow_ups_by_state,
    list_follow_ups,
    schedule_follow_up,
)
from crm.services.lookups import company_names, need_titles, placement_choices, placement_needs
from crm.timeutil import today_jst
from crm.vocabulary import term
from ui import form_state as fs
from ui import links, pickers
from ui.analytics_filters import hub_panel
from ui.cache import cached_read
from ui.forms import guarded
from ui.listing import Cell, grid, paginate
from ui.session import require_actor

DONE_FORM = "follow_up_done"
NEW_FORM = "follow_up_new"
TARGET_KEY = "follow_up_new.target"
COMPANY, PLACEMENT = "company", "placement"
PAGE_SIZE = 50

actor = require_actor()
read_only = not actor.is_hub_manager
today = today_jst()


def label(follow_up: FollowUp, names: dict[int, str]) -> str:
    what = "成約後" if follow_up.placement_id else "企業"
    return (
        f"{day_with_weekday(follow_up.due_on)} {names.get(follow_up.company_id, '')}（{what}）"
        f"{' – ' + follow_up.notes if follow_up.notes else ''}"
    )


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


def done_form(open_rows: list[FollowUp], names: dict[int, str]) -> None:
    versions = {f.id: f.version for f in open_rows}
    k = lambda field: fs.key(DONE_FORM, field)  # noqa: E731

    def complete(s):
        chosen = fs.value(DONE_FORM, "follow_up_id")
        if chosen is None:
            raise ValidationError({"follow_up_id": "完了にするフォローアップを選んでください"})
        return complete_follow_up(
            s,
            actor,
            chosen,
            versions[chosen],
            done_on=fs.value(DONE_FORM, "done_on"),
            notes=fs.value(DONE_FORM, "notes") or None,
        )

    with fs.form(DONE_FORM):
        st.markdown("**完了にする**")
        pickers.pick(
            "フォローアップ *",
            [(stored_id(f.id), label(f, names)) for f in open_rows],
            k("follow_up_id"),
        )
        fs.error(DONE_FORM, "follow_up_id")
        st.date_input(term("done_on"), value=today, key=k("done_on"), format="YYYY/MM/DD")
        fs.error(DONE_FORM, "done_on")
        st.text_input(
            f"{term('notes')}（結果）",
            key=k("notes"),
            placeholder="例: 社長と面談。定着は順調",
            help=f"入力すると{term('notes')}を書き換えます。空欄なら元の{term('notes')}のままです。",
        )
        fs.error(DONE_FORM, "notes")
        fs.feedback(DONE_FORM, FIELD_LABELS | {"follow_up_id": "フォローアップ"})
        fs.submit_button(
            DONE_FORM,
            "完了にする",
            complete,
            "フォローアップを完了にしました。",
            lambda _f: fs.reset(DONE_FORM, ("follow_up_id", "done_on", "notes")),
            actor=actor,
            type="primary",
        )


def schedule_form(company_filter: int | None) -> None:
    k = lambda field: fs.key(NEW_FORM, field)  # noqa: E731
    fields = ("company_id", "placement_id", "due_on", "notes")

    def schedule(s):
        data = fs.values(NEW_FORM, fields)
        if st.session_state.get(TARGET_KEY, COMPANY) == COMPANY:
            data["placement_id"] = None
        else:
            data["company_id"] = None
        return schedule_follow_up(s, actor, data)

    st.radio(
        "対象",
        [COMPANY, PLACEMENT],
        key=TARGET_KEY,
        horizontal=True,
        format_func={COMPANY: "企業", PLACEMENT: "成約"}.get,
    )
    if st.session_state.get(TARGET_KEY, COMPANY) == COMPANY:
        pickers.company_search(k("company_id"))
    with fs.form(NEW_FORM):
        st.markdown("**フォローアップを予定**")
        if st.session_state.get(TARGET_KEY, COMPANY) == COMPANY:
            pickers.company(actor, k("company_id"), preselect=company_filter, label="企業 *")
        else:
            pickers.pick("成約 *", cached_read(placement_choices, actor), k("placement_id"))
        fs.error(NEW_FORM, "company_id", "placement_id")
        st.date_input(
            f"{term('due_on')} *",
            value=today + dt.timedelta(days=30),
            key=k("due_on"),
            format="YYYY/MM/DD",
        )
        fs.error(NEW_FORM, "due_on")
        st.text_input(term("notes"), key=k("notes"), placeholder="例: 入社3か月の面談")
        fs.error(NEW_FORM, "notes")
        fs.feedback(NEW_FORM, FIELD_LABELS)
        fs.submit_button(
            NEW_FORM,
            "予定に追加",
            schedule,
            lambda f: f"{day_with_weekday(f.due_on)} のフォローアップを予定しました。",
            lambda _f: fs.reset(NEW_FORM, fields),
            actor=actor,
            creates=True,
        )


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
open_rows: list[FollowUp] = []
open_names: dict[int, str] = {}
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
    if state != DONE:
        open_rows.extend(rows)
        open_names.update(names)

if not read_only:
    left, right = st.columns(2)
    with left:
        done_form(open_rows, open_names)
    with right:
        schedule_form(company_filter)
