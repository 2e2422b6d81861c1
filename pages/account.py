"""自分のアカウント: who I am, change my password, end all my sessions."""

import streamlit as st

from crm.reference import Role
from crm.services import users
from crm.timeutil import to_jst
from ui.forms import ERRORS_KEY, guarded, save
from ui.runtime import session
from ui.session import current_method, keep_signed_in_with_epoch, require_actor, sign_out

actor = require_actor()
st.title("自分のアカウント")

with session() as s, guarded():
    me = users.my_account(s, actor)

left, right = st.columns(2)
left.markdown(f"**利用者名**: {me.username}  \n**表示名**: {me.display_name}  \n"
              f"**役割**: {Role(me.role).label}"
              + (f"  \n**拠点**: {me.hub_code}" if me.hub_code else ""))
right.markdown(f"**メールアドレス**: {me.email or '（未登録）'}  \n"
               "**最終サインイン**: "
               + (f"{to_jst(me.last_sign_in_at):%Y-%m-%d %H:%M}" if me.last_sign_in_at else "—")
               + "  \n**サインイン方法**: "
               + ("シングルサインオン" if current_method() == "sso" else "パスワード"))

st.subheader("パスワードの変更")
if not me.has_password:
    st.caption("このアカウントはシングルサインオン専用です（パスワードは設定されていません）。")
else:
    st.caption("変更すると、この画面以外でサインインしているセッションはすべて終了します。")
    # Cleared after every attempt: typed passwords never stay in the session.
    with st.form("change_password", clear_on_submit=True):
        current = st.text_input("現在のパスワード", type="password",
                                autocomplete="current-password")
        new = st.text_input("新しいパスワード（10文字以上）", type="password",
                            autocomplete="new-password")
        again = st.text_input("新しいパスワード（確認）", type="password",
                              autocomplete="new-password")
        submitted = st.form_submit_button("パスワードを変更", type="primary")
    if submitted:
        if new != again:
            st.error("新しいパスワードと確認用の入力が一致しません。")
        else:
            epoch = save("change_password",
                         lambda s: users.change_own_password(s, actor, current, new),
                         "パスワードを変更しました。")
            if epoch is not None:
                keep_signed_in_with_epoch(epoch)
                st.success("パスワードを変更しました。他のセッションは終了しました。")
            for message in st.session_state.get(ERRORS_KEY, {}).get("change_password",
                                                                     {}).values():
                st.error(message)

st.subheader("全端末からサインアウト")
st.caption("パソコンやスマートフォンなど、この利用者でサインインしているすべてのセッションを終了します"
           "（この画面も含みます）。端末を紛失したときや共用端末でサインアウトし忘れたときに使います。")
if st.button("全端末からサインアウト", icon=":material/devices_off:", key="account_sign_out_all"):
    sign_out(everywhere=True)
