"""Who is using this browser session."""

import streamlit as st
from sqlmodel import select

from crm.actor import Actor
from crm.models import UserAccount
from crm.reference import Role
from crm.services.users import actor_for
from ui.runtime import session

ACTOR_KEY = "actor"


def current_actor() -> Actor | None:
    return st.session_state.get(ACTOR_KEY)


def require_actor() -> Actor:
    """For pages: the signed-in actor (the entry script has already refused anonymous users)."""
    actor = current_actor()
    if actor is None:
        st.warning("サインインしてください。")
        st.stop()
    return actor


def require_role(*roles: Role) -> Actor:
    actor = require_actor()
    if actor.role not in roles:
        st.error("このページを開く権限がありません。")
        st.stop()
    return actor


def development_user_picker() -> Actor | None:
    """Until sign-in exists: choose any account, clearly labelled as a development user."""
    with session() as s:
        users = list(s.exec(select(UserAccount).where(UserAccount.active)
                            .order_by(UserAccount.role, UserAccount.hub_code, UserAccount.username)))
    if not users:
        return None
    st.sidebar.warning("開発用ユーザー（サインイン未実装）", icon="🛠️")
    labels = {u.id: f"{Role(u.role).label} {u.hub_code or ''} {u.display_name}" for u in users}
    chosen = st.sidebar.selectbox("利用者", list(labels), format_func=labels.get,
                                  key="_dev_user")
    actor = actor_for(next(u for u in users if u.id == chosen))
    st.session_state[ACTOR_KEY] = actor
    return actor
