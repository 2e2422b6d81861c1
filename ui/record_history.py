"""A record's 変更履歴 (who changed which field from what to what, when), on its own page.

Built only when opened (a closed expander costs no query), a page of entries at a time with
「さらに表示」 for the older ones."""

import streamlit as st

from crm.actor import Actor
from crm.presentation.history_text import history_lines
from crm.services.record_history import PAGE, record_history
from ui.forms import guarded
from ui.runtime import session

HEADERS = ("日時", "利用者", "操作", "項目", "変更前", "変更後")


def history_section(actor: Actor, kind: str, record_id: int) -> None:
    """An expander 「変更履歴」 that reads the history when opened."""
    box = st.expander(
        "変更履歴", key=f"history_{kind}", icon=":material/history:", on_change="rerun"
    )
    if box.open:
        with box:
            history_table(actor, kind, record_id)


def history_table(actor: Actor, kind: str, record_id: int) -> None:
    shown_key = f"history_{kind}_{record_id}_shown"
    shown = int(st.session_state.get(shown_key, PAGE))
    with session() as s, guarded():
        history = record_history(s, actor, kind, record_id, limit=shown)
    if not history.entries:
        st.caption("変更の記録はまだありません。")
        return
    st.caption(
        f"新しい順。{len(history.entries):,}件 / 全{history.total:,}件の操作"
        "（項目ごとに1行。メモや内容は一部のみ表示）"
    )
    st.dataframe(
        [dict(zip(HEADERS, _cells(line), strict=True)) for line in history_lines(history)],
        hide_index=True,
        width="stretch",
        placeholder="—",
    )
    if history.total > len(history.entries):
        st.button(
            "さらに表示",
            key=f"history_{kind}_more",
            on_click=st.session_state.__setitem__,
            args=(shown_key, shown + PAGE),
        )


def _cells(line) -> tuple[str, ...]:
    return (line.at, line.who, line.what, line.field, line.before, line.after)
