"""お知らせ: the sidebar's unread count (refreshed on its own, without re-running the page)
and the inbox page's list, each entry opening its record."""

import datetime as dt

import streamlit as st
from sqlmodel import Session

from crm.actor import Actor
from crm.presentation.labels import moment
from crm.presentation.text import literal
from crm.services.notifications import (
    NotificationView,
    list_notifications,
    mark_all_read,
    mark_read,
    unread_count,
)
from ui import links
from ui.cache import cached_read
from ui.forms import guarded
from ui.runtime import session

INBOX = "pages/inbox.py"
# How often the sidebar asks for the unread count: a mention reaches its person within this,
# while the rest of the page stays as it is (only this fragment re-runs).
REFRESH = dt.timedelta(seconds=20)
PAGES = {
    "company": (links.COMPANIES, "company"),
    "talent_need": (links.NEEDS, "need"),
    "kpi_target": ("pages/targets.py", ""),
    # A partner's notifications name the referral shared with it, opened in its portal.
    "referral": ("pages/partner_portal.py", "referral"),
}


SEEN = "inbox_seen"  # raised when this browser marks something read: the cached count moves on


def _unread(s: Session, actor: Actor, *, person: int | None, seen: int) -> int:
    """The person's unread count; ``person`` and ``seen`` key the cache (cached reads are
    otherwise shared by the readers of one scope), a new notification's write raises the
    hub's data version."""
    return unread_count(s, actor)


@st.fragment(run_every=REFRESH)
def unread_link(actor: Actor) -> None:
    """「お知らせ n件」 in the sidebar, linking to the inbox."""
    try:
        unread = cached_read(
            _unread, actor, person=actor.user_id, seen=st.session_state.get(SEEN, 0)
        )
    except Exception:  # noqa: BLE001 - the sidebar never breaks the page
        return
    st.page_link(
        INBOX,
        label=f"お知らせ 未読{unread:,}件" if unread else "お知らせ",
        icon=":material/notifications_active:" if unread else ":material/notifications:",
    )


def _seen() -> None:
    st.session_state[SEEN] = st.session_state.get(SEEN, 0) + 1


def _open(actor: Actor, note: NotificationView) -> None:
    with session() as s:
        mark_read(s, actor, note.id)
        s.commit()
    _seen()
    page, param = PAGES.get(note.entity, (links.NEEDS, "need"))
    st.switch_page(page, query_params={param: str(note.record_id)} if param else None)


def _read_all(actor: Actor) -> None:
    with session() as s:
        count = mark_all_read(s, actor)
        s.commit()
    _seen()
    st.toast(f"{count:,}件を既読にしました。", icon="✅")


def show_inbox(actor: Actor) -> None:
    st.title("お知らせ")
    unread_only = st.toggle("未読だけ表示", key="inbox_unread_only")
    with session() as s, guarded():
        notes = list_notifications(s, actor, unread_only=unread_only, limit=50)
        unread = unread_count(s, actor)
    st.caption(f"未読 {unread:,}件。新しい順に最大50件を表示します。")
    if unread:
        st.button("すべて既読にする", icon=":material/done_all:", on_click=_read_all, args=(actor,))
    if not notes:
        st.info("お知らせはありません。" if not unread_only else "未読のお知らせはありません。")
        return
    for note in notes:
        with st.container(border=True, key=f"inbox-note-{note.id}"):
            mark = "" if note.read else "● 未読 ・ "
            st.caption(literal(f"{mark}{note.kind_label} ・ {moment(note.created_at)}"))
            st.markdown(literal(note.text))
            if st.button("開く", key=f"inbox-open-{note.id}", icon=":material/open_in_new:"):
                _open(actor, note)
