"""APIトークン: administrators manage every token, hub managers their own hub's accounts'
(the services decide and check it again): the list with last use and state, making a token
(its value shown once), revoking one after a confirmation. The parts are in
ui.views.token_admin."""

import streamlit as st

from crm.auth import api_tokens
from crm.presentation.labels import prefecture_label
from crm.reference import Role
from ui.forms import guarded
from ui.runtime import session
from ui.session import require_role
from ui.views.token_admin import create_form, revoke_panel, show_new_token, token_list

actor = require_role(Role.ADMIN, Role.HUB_MANAGER)
st.title("APIトークン")
st.caption(
    "他のシステム（集計シート、都道府県の報告様式、カレンダーなど）が本システムのデータを読むための鍵です。"
    "トークンは発行先の利用者の権限で読み、使うたびに監査ログに記録されます。"
    + (
        f"自拠点（{prefecture_label(actor.hub_code)}）の利用者のトークンを扱えます。"
        if actor.is_hub_manager
        else "すべての利用者のトークンを扱えます。"
    )
)

with session() as s, guarded():
    tokens = api_tokens.list_tokens(s, actor)
    owners = api_tokens.token_owners(s, actor)

show_new_token()

st.subheader("発行済みのトークン")
token_list(actor, tokens)
st.caption(
    "本人のパスワード変更や全端末からのサインアウトではトークンは失効しません。"
    "利用停止と管理者によるパスワード再設定では、その利用者のトークンがすべて失効します。"
)

new, revoke = st.tabs(["トークンを発行", "トークンを失効"], key="panel", bind="query-params")
if new.open:
    with new:
        create_form(actor, owners)
if revoke.open:
    with revoke:
        revoke_panel(actor, tokens)
