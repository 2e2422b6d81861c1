"""「お知らせのメール」 on 自分のアカウント: for each kind of notification, in the app only, by
e-mail at once, or in the morning digest. A choice is saved when made."""

import streamlit as st

from crm.actor import Actor
from crm.errors import CrmError
from crm.presentation.text import literal
from crm.services.notifications import (
    DELIVERIES,
    KIND_LABELS,
    mail_preferences,
    set_mail_preference,
)
from ui.forms import guarded
from ui.runtime import session


def _save(actor: Actor, kind: str, key: str) -> None:
    try:
        with session() as s:
            set_mail_preference(s, actor, kind, st.session_state[key])
            s.commit()
    except CrmError as refused:
        st.session_state["mail_preferences.refused"] = str(refused)
        return
    st.toast(f"「{KIND_LABELS[kind]}」のメールの受け取り方を変更しました。", icon="✅")


def mail_preferences_section(actor: Actor, has_email: bool) -> None:
    st.subheader("お知らせのメール")
    if not has_email:
        st.caption("メールアドレスが登録されていないため、お知らせはアプリ内だけに届きます。")
    st.caption(
        "お知らせはアプリ内の「お知らせ」に必ず届きます。種類ごとに、メールでも受け取るかを"
        "選べます（すぐに: 1分以内。まとめ: 毎朝の今日やることのメールと一緒に）。"
    )
    with session() as s, guarded():
        chosen = mail_preferences(s, actor)
    columns = st.columns(len(KIND_LABELS))
    for column, (kind, label) in zip(columns, KIND_LABELS.items(), strict=True):
        key = f"mail_preferences.{kind}"
        if key not in st.session_state:
            st.session_state[key] = chosen[kind]
        column.selectbox(
            label,
            list(DELIVERIES),
            format_func=DELIVERIES.__getitem__,
            key=key,
            on_change=_save,
            args=(actor, kind, key),
        )
    refused = st.session_state.pop("mail_preferences.refused", None)
    if refused:
        st.error(literal(refused))
