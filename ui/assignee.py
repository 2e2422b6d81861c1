"""拠点担当者 on a record's page: who of the hub is in charge, changed in place by the hub's people
(the secretariat does not see who does what: that is the hub's own business)."""

import streamlit as st

from crm.actor import Actor
from crm.errors import CrmError
from crm.presentation.text import literal
from crm.services.assignments import assign, assignees
from ui.cache import cached_read
from ui.runtime import session

NOBODY = 0


def assignee_control(actor: Actor, kind: str, record_id: int, current: int | None) -> None:
    """The record's 拠点担当者 as a select box; choosing another saves it at once."""
    if not actor.is_hub_manager or actor.hub_code is None:
        return
    people = cached_read(assignees, actor, hub_code=actor.hub_code)
    labels = {NOBODY: "未割り当て"} | {
        p.user_id: p.display_name + ("（自分）" if p.user_id == actor.user_id else "")
        for p in people
    }
    if current is not None and current not in labels:
        labels[current] = "（利用停止中の利用者）"
    key = f"assignee.{kind}.{record_id}"
    st.session_state[f"{key}.stored"] = current or NOBODY
    if st.session_state.get(key) is None or st.session_state.get(f"{key}.seen") != current:
        st.session_state[key] = current or NOBODY  # the stored value, after another's change
        st.session_state[f"{key}.seen"] = current
    st.selectbox(
        "拠点担当者",
        list(labels),
        format_func=labels.__getitem__,
        key=key,
        on_change=_save,
        args=(actor, kind, record_id, key),
        width=260,
        help="選ぶとすぐに保存されます。拠点担当者にはお知らせが届きます。",
    )
    refused = st.session_state.pop(f"{key}.refused", None)
    if refused:
        st.error(literal(refused))


def _save(actor: Actor, kind: str, record_id: int, key: str) -> None:
    chosen = st.session_state[key] or None
    try:
        with session() as s:
            assign(s, actor, kind, [record_id], chosen)
            s.commit()
    except CrmError as refused:
        st.session_state[key] = st.session_state[f"{key}.stored"]
        st.session_state[f"{key}.refused"] = str(refused)
        return
    st.session_state[f"{key}.seen"] = chosen
    st.toast("拠点担当者を変更しました。", icon="✅")
