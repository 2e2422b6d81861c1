"""利用者管理: accounts with their lock state; create, disable / re-enable, reset a password,
lift a lock, end someone's sessions (administrators only; the services check it again). The
forms are in ui.views.account_admin."""

import streamlit as st

from crm.presentation.text import literal
from crm.reference import Role
from crm.services import users
from crm.services.reference_data import list_hubs
from crm.timeutil import to_jst
from ui.forms import guarded
from ui.runtime import session
from ui.session import require_role
from ui.views.account_admin import create_form, lock_state, manage_account

actor = require_role(Role.ADMIN)
st.title("利用者管理")

with session() as s, guarded():
    accounts = users.list_accounts(s, actor)
    hubs = {h.code: f"{h.code} {h.name_ja}" for h in list_hubs(s, active_only=False)}

locked = [a.username for a in accounts if a.locked]
if locked:
    st.warning(
        literal("サインインの失敗が続いてロックされているアカウント: " + "、".join(locked)),
        icon=":material/lock:",
    )

st.dataframe(
    [
        {
            "利用者名": a.username,
            "表示名": a.display_name,
            "役割": Role(a.role).label,
            "拠点": hubs.get(a.hub_code, "") if a.hub_code else "",
            "メールアドレス": a.email or "",
            "状態": "有効" if a.active else "利用停止",
            "ロック": lock_state(a),
            "パスワード": "設定済み" if a.has_password else "SSOのみ",
            "最終サインイン": f"{to_jst(a.last_sign_in_at):%Y-%m-%d %H:%M}"
            if a.last_sign_in_at
            else "—",
        }
        for a in accounts
    ],
    hide_index=True,
    width="stretch",
)

manage, create = st.tabs(["選択した利用者の操作", "利用者を追加"])
with manage:
    manage_account(actor, accounts, hubs)
with create:
    create_form(actor, hubs)
