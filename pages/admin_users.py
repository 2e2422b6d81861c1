"""利用者管理: accounts with their lock state, through the one list component (ui.record_list:
sorted by 利用者名, 最終サインイン or 登録日時, filtered by 役割, 拠点 and 状態, searched by name);
create, disable / re-enable, reset a password, lift a lock, end someone's sessions
(administrators only; the services check it again). The forms are in ui.views.account_admin."""

import streamlit as st

from crm.presentation.text import literal
from crm.reference import Role
from crm.services import users
from crm.services.record_views import ACCOUNTS
from crm.services.reference_data import list_hubs
from ui.forms import guarded
from ui.record_list import RecordList
from ui.runtime import session
from ui.session import require_role
from ui.views.account_admin import COLUMNS, create_form, manage_account

actor = require_role(Role.ADMIN)
# A failed sign-in locks an account without raising the data version: read on every run.
LIST = RecordList(ACCOUNTS, COLUMNS, cached=False)
st.title("利用者管理")

with session() as s, guarded():
    accounts = users.list_accounts(s, actor)
    hubs = {h.code: h.name_ja for h in list_hubs(s, active_only=False)}

locked = [a.username for a in accounts if a.locked]
if locked:
    st.warning(
        literal("サインインの失敗が続いてロックされているアカウント: " + "、".join(locked)),
        icon=":material/lock:",
    )


@st.fragment
def account_list() -> None:
    """The accounts of the chosen view; a change of the view re-runs only this list."""
    LIST.show(actor, empty="条件に合う利用者はいません。")


account_list()

# Only the open tab is built (the other's form would cost a page of elements on every run).
# Its own address name: the administrator's landing page, and 基準データ's tabs are "tab".
manage, create = st.tabs(["選択した利用者の操作", "利用者を追加"], key="panel", bind="query-params")
if manage.open:
    with manage:
        manage_account(actor, accounts, hubs)
if create.open:
    with create:
        create_form(actor, hubs)
