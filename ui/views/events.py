"""セミナー・紹介: the hub's events (seminars with their co-hosts and attending firms) and
introductions (a partner bringing a firm), and the forms that record them.

A hub manager registers an event with its co-hosts, adds attending firms from the firm picker or
from a file (checked row by row first, then registered all or nothing) and records
introductions. The secretariat sees both lists of the hubs it chooses, read only.
"""

from collections.abc import Sequence

import pandas as pd
import streamlit as st

from crm.actor import Actor
from crm.calendar_jp import day_with_weekday
from crm.csvio.attendee_file import plan_attendee_file, register_attendee_file
from crm.db import session_scope
from crm.entities import EventInput, IntroductionInput
from crm.errors import CrmError
from crm.models import stored_id
from crm.presentation.labels import prefecture_label
from crm.presentation.text import literal
from crm.services import outreach
from crm.services.outreach import AddedAttendees, AttendeePlan, EventRow
from ui import cache as reference
from ui import form_state as fs
from ui import pickers, tables
from ui.analytics_filters import hub_panel
from ui.cache import cached_read
from ui.fields import FieldSet
from ui.runtime import get_engine, session

EVENT_FORM = "event_new"
INTRO_FORM = "introduction_new"
ATTEND_PICKER = "event_attend.company"
CHOSEN_EVENT = "events.chosen"
FILE_KEY = "events.file"
PLAN_KEY = "events.file_plan"
DONE_KEY = "events.done"
SHOWN = 200  # rows a list shows

EVENT = FieldSet(
    EventInput,
    columns=2,
    placeholder={"title": "例: 攻めの経営セミナー（人材活用編）", "venue": "例: 山形市民会館"},
)
INTRODUCTION = FieldSet(IntroductionInput, only=("introduced_on", "notes"))
COHOST_LABEL = "共催（パートナー）"
SOURCE_HELP = "相談記録の「きっかけ（セミナー・紹介）」で、参加企業の相談にこのセミナーを選べます。"


def _added_text(result: AddedAttendees, names: dict[int, str] | None = None) -> str:
    names = names or {}
    text = f"参加企業を {len(result.added):,} 社登録しました。"
    if result.duplicates:
        listed = "、".join(names.get(i, f"企業ID {i}") for i in result.duplicates[:10])
        text += f"登録済み・重複の {len(result.duplicates):,} 社は除きました（{listed}）。"
    return text


# --- the lists ---------------------------------------------------------------------------------


def _event_table(rows: Sequence[EventRow], read_only: bool) -> None:
    frame = pd.DataFrame(
        [
            {
                **({"拠点": prefecture_label(r.hub_code)} if read_only else {}),
                "開催日": day_with_weekday(r.held_on),
                "名称": r.title,
                "種類": r.kind_label,
                "共催": "、".join(r.cohosts),
                "参加企業数": r.attendees,
                "きっかけの相談数": r.consultations,
            }
            for r in rows
        ]
    )
    tables.show(
        frame,
        help={"きっかけの相談数": "このセミナー・イベントをきっかけとして記録された相談の数"},
        key="events.table",
    )


def _intro_table(actor: Actor, hubs: tuple[str, ...], read_only: bool) -> None:
    total = cached_read(outreach.count_introductions, actor, hubs=hubs)
    if not total:
        st.info("紹介の記録はまだありません。")
        return
    rows = cached_read(outreach.list_introductions, actor, hubs=hubs, limit=SHOWN)
    frame = pd.DataFrame(
        [
            {
                **({"拠点": prefecture_label(r.hub_code)} if read_only else {}),
                "紹介日": day_with_weekday(r.introduced_on),
                "紹介元": r.partner,
                "企業": r.company,
                "備考": r.notes or "",
            }
            for r in rows
        ]
    )
    tables.show(frame, key="introductions.table")
    _shown_caption(len(rows), total)


def _shown_caption(shown: int, total: int) -> None:
    if total > shown:
        st.caption(f"{total:,} 件のうち新しい順に {shown:,} 件を表示しています。")
    else:
        st.caption(f"{total:,} 件")


# --- events ------------------------------------------------------------------------------------


def _partner_choices() -> dict[int, str]:
    return {stored_id(p.id): p.name for p in reference.partners(active_only=True)}


def event_form(actor: Actor) -> None:
    partners = _partner_choices()
    with fs.form(EVENT_FORM):
        EVENT.draw(EVENT_FORM)
        st.multiselect(
            COHOST_LABEL,
            list(partners),
            format_func=partners.__getitem__,
            key=fs.key(EVENT_FORM, "cohost_ids"),
            placeholder="共催した金融機関・団体を選択（なしでも可）",
        )
        fs.error(EVENT_FORM, "cohost_ids")
        fs.feedback(EVENT_FORM, EVENT.labels() | {"cohost_ids": COHOST_LABEL})
        fs.submit_button(
            EVENT_FORM,
            "セミナー・イベントを登録",
            lambda s: outreach.create_event(
                s,
                actor,
                {
                    **EVENT.values(EVENT_FORM),
                    "cohost_ids": fs.value(EVENT_FORM, "cohost_ids") or [],
                },
            ),
            lambda event: f"セミナー・イベント「{event.title}」を登録しました。",
            lambda event: st.session_state.__setitem__(CHOSEN_EVENT, event.id),
            actor=actor,
            creates=True,
            type="primary",
        )


def _choose_event(rows: Sequence[EventRow]) -> EventRow | None:
    by_id = {r.id: r for r in rows}
    if not by_id:
        return None
    if st.session_state.get(CHOSEN_EVENT) not in by_id:
        st.session_state[CHOSEN_EVENT] = rows[0].id
    chosen = st.selectbox(
        "セミナー・イベント",
        list(by_id),
        key=CHOSEN_EVENT,
        format_func=lambda i: f"{day_with_weekday(by_id[i].held_on)} {by_id[i].title}",
    )
    return by_id.get(chosen)


def attendees_section(actor: Actor, event: EventRow, read_only: bool) -> None:
    attendees = cached_read(outreach.event_attendees, actor, event_id=event.id)
    done = st.session_state.pop(DONE_KEY, None)
    if done:
        st.success(literal(done), icon="✅")
    if attendees:
        tables.show(
            pd.DataFrame(
                [{"企業": a.name, "法人番号": a.corporate_number or ""} for a in attendees]
            ),
            key=f"events.attendees.{event.id}",
        )
    st.caption(f"参加企業 {len(attendees):,} 社")
    if read_only:
        return
    st.markdown("**参加企業を追加（企業を選ぶ）**")
    pickers.company_search(ATTEND_PICKER)
    chosen = pickers.company(actor, ATTEND_PICKER, label="参加した企業")
    if st.button("参加企業に追加", key="events.attend.add", disabled=chosen is None) and chosen:
        firm = chosen
        _write(lambda s: outreach.add_attendees(s, actor, event.id, [firm]))
    st.markdown("**参加企業をファイルから登録**")
    _file_section(actor, event)
    if attendees:
        with st.expander("参加企業から外す"):
            names = {a.company_id: a.name for a in attendees}
            gone = st.selectbox(
                "外す企業",
                list(names),
                index=None,
                format_func=names.__getitem__,
                key=f"events.remove.{event.id}",
                placeholder="選択してください",
            )
            if st.button("参加企業から外す", key="events.remove", disabled=gone is None) and gone:
                firm = int(gone)
                _write(
                    lambda s: outreach.remove_attendee(s, actor, event.id, firm),
                    f"「{names.get(firm, '')}」を参加企業から外しました。",
                )


def _write(action, message: str | None = None) -> None:
    """Run a write (not a form: a button's), show its refusal or its outcome after a rerun."""
    try:
        with session_scope(get_engine()) as s:
            result = action(s)
    except CrmError as error:
        st.error(literal(error), icon="🚫")
        return
    st.session_state[DONE_KEY] = message or (
        _added_text(result) if isinstance(result, AddedAttendees) else "保存しました。"
    )
    st.session_state.pop(PLAN_KEY, None)
    st.rerun()


def _file_section(actor: Actor, event: EventRow) -> None:
    st.caption(
        "CSV（UTF-8・Shift_JIS）または Excel（.xlsx）。見出し行に「法人番号」と「企業名」の"
        "どちらか（または両方）の列が必要です。法人番号で照合し、ない行は企業名で照合します。"
    )
    upload = st.file_uploader(
        "参加企業の一覧ファイル",
        type=["csv", "xlsx", "txt", "tsv"],
        key=f"{FILE_KEY}.{event.id}",
    )
    if upload is None:
        st.session_state.pop(PLAN_KEY, None)
        return
    content, name = upload.getvalue(), upload.name
    signature = (event.id, name, len(content), hash(content))
    kept = st.session_state.get(PLAN_KEY)
    if kept is None or kept[0] != signature:
        try:
            with session() as s:
                checked = plan_attendee_file(s, actor, event.id, content, name)
                s.rollback()
        except CrmError as error:
            st.error(literal(error), icon="🚫")
            return
        kept = (signature, checked)
        st.session_state[PLAN_KEY] = kept
    plan: AttendeePlan = kept[1]
    tables.show(
        pd.DataFrame(
            [
                {
                    "行": m.row,
                    "法人番号": m.corporate_number or "",
                    "企業名（ファイル）": m.name or "",
                    "照合結果": m.status,
                    "登録される企業": m.company_name or "",
                    "理由": m.reason,
                }
                for m in plan.rows
            ]
        ),
        key=f"events.plan.{event.id}",
    )
    missing = plan.missing
    found = len(plan.rows) - len(missing)
    if missing:
        st.warning(
            f"{len(plan.rows):,} 行のうち {len(missing):,} 行の企業が見つかりません"
            f"（{'、'.join(f'{m.row}行目' for m in missing[:20])}）。"
            "企業を登録するか、ファイルを直してから読み込み直してください（どの行も登録しません）。",
            icon="⚠️",
        )
        return
    st.info(f"{found:,} 行すべて既存の企業です（まだ登録していません）。")
    if st.button("この内容で参加企業を登録", type="primary", key="events.file.register"):
        _write(lambda s: register_attendee_file(s, actor, event.id, content, name))


def events_section(actor: Actor, hubs: tuple[str, ...], read_only: bool) -> None:
    total = cached_read(outreach.count_events, actor, hubs=hubs)
    rows = cached_read(outreach.list_events, actor, hubs=hubs, limit=SHOWN) if total else []
    if rows:
        _event_table(rows, read_only)
        _shown_caption(len(rows), total)
    else:
        st.info("セミナー・イベントの記録はまだありません。")
    if not read_only:
        with st.expander("セミナー・イベントを登録", expanded=not rows or fs.just_sent(EVENT_FORM)):
            event_form(actor)
    if rows:
        st.subheader("参加企業")
        event = _choose_event(rows)
        if event is not None:
            if event.cohosts:
                st.caption("共催: " + literal("、".join(event.cohosts)))
            if not read_only:
                st.caption(SOURCE_HELP)
            attendees_section(actor, event, read_only)


# --- introductions -----------------------------------------------------------------------------


def introduction_form(actor: Actor) -> None:
    partners = _partner_choices()
    pickers.company_search(fs.key(INTRO_FORM, "company_id"))
    with fs.form(INTRO_FORM):
        pickers.company(actor, fs.key(INTRO_FORM, "company_id"), label="紹介された企業 *")
        fs.error(INTRO_FORM, "company_id")
        st.selectbox(
            "紹介元パートナー *",
            list(partners),
            index=None,
            format_func=partners.__getitem__,
            key=fs.key(INTRO_FORM, "partner_id"),
            placeholder="選択してください",
        )
        fs.error(INTRO_FORM, "partner_id")
        INTRODUCTION.draw(INTRO_FORM)
        fs.feedback(
            INTRO_FORM,
            INTRODUCTION.labels() | {"company_id": "企業", "partner_id": "紹介元パートナー"},
        )
        fs.submit_button(
            INTRO_FORM,
            "紹介を記録",
            lambda s: outreach.record_introduction(
                s,
                actor,
                {
                    **INTRODUCTION.values(INTRO_FORM),
                    "company_id": fs.value(INTRO_FORM, "company_id"),
                    "partner_id": fs.value(INTRO_FORM, "partner_id"),
                },
            ),
            "紹介を記録しました。",
            actor=actor,
            creates=True,
            type="primary",
        )


def introductions_section(actor: Actor, hubs: tuple[str, ...], read_only: bool) -> None:
    _intro_table(actor, hubs, read_only)
    if not read_only:
        with st.expander("紹介を記録", expanded=fs.just_sent(INTRO_FORM)):
            introduction_form(actor)


def show(actor: Actor) -> None:
    read_only = not actor.is_hub_manager
    hubs = tuple(hub_panel()) if read_only else ()
    st.title("セミナー・紹介")
    if read_only:
        st.caption("全国事務局として各拠点のセミナー・紹介を閲覧しています（閲覧のみ）。")
    else:
        st.caption(
            "拠点が開いたセミナー・イベントと参加企業、パートナーからの企業の紹介を記録します。"
        )
    st.header("セミナー・イベント")
    events_section(actor, hubs, read_only)
    st.header("紹介")
    introductions_section(actor, hubs, read_only)
