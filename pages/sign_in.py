"""サインイン: user name and password, or single sign-on when the operator configured it."""

import streamlit as st

from ui.session import (
    any_account_exists,
    demo_credentials_file,
    sign_in,
    sso_configured,
    sso_providers,
    sso_refusal,
    take_notice,
)

st.title("プロフェッショナル人材戦略拠点 CRM")
st.subheader("サインイン")

notice = take_notice()
if notice:
    st.info(notice, icon=":material/info:")

if not any_account_exists():
    st.warning("利用者がまだ登録されていません。サーバーで最初の管理者を作成してください: "
               "`crm users add 管理者名 --role admin`")

if sso_configured():
    refusal = sso_refusal()
    if refusal:
        st.error(refusal)
        if st.button("別のアカウントでシングルサインオン"):
            st.logout()
    else:
        for provider in sso_providers():
            label = "シングルサインオン（SSO）でサインイン" if provider is None \
                else f"{provider} でサインイン"
            if st.button(label, type="primary", key=f"_sso_{provider or 'default'}"):
                st.login(provider) if provider else st.login()
    st.caption("またはパスワードでサインイン")

# Cleared after each attempt, so a typed password never stays in the session.
with st.form("sign_in", clear_on_submit=True):
    username = st.text_input("利用者名", value=st.session_state.get("_last_username", ""),
                             autocomplete="username")
    password = st.text_input("パスワード", type="password", autocomplete="current-password")
    submitted = st.form_submit_button("サインイン", type="primary")

if submitted:
    st.session_state["_last_username"] = username
    refusal = sign_in(username, password)
    if refusal is None:
        st.session_state.pop("_last_username", None)
        st.rerun()
    st.error(refusal)

demo_file = demo_credentials_file()
if demo_file is not None:
    st.info(f"デモ用アカウントの利用者名とパスワードは `{demo_file}` に書かれています。",
            icon=":material/key:")
