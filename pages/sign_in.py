"""サインイン: user name and password, or single sign-on when the operator configured it."""

import streamlit as st
from streamlit.errors import StreamlitAPIException

from crm.presentation.text import literal
from ui.session import (
    any_account_exists,
    demo_credentials_file,
    sign_in,
    sso_configured,
    sso_providers,
    sso_refusal,
    take_notice,
)

USERNAME, PASSWORD, REFUSAL = "sign_in.username", "sign_in.password", "_sign_in_refusal"


def submit() -> None:
    """Runs before the page is drawn: the typed password is dropped from the session at once,
    whatever the outcome; on success the entry script then shows the user's pages."""
    password = st.session_state.get(PASSWORD) or ""
    st.session_state[PASSWORD] = ""
    st.session_state[REFUSAL] = sign_in(st.session_state.get(USERNAME) or "", password)


st.title("プロフェッショナル人材戦略拠点 CRM")
st.subheader("サインイン")

notice = take_notice()
if notice:
    st.info(literal(notice), icon=":material/info:")

if not any_account_exists():
    st.warning(
        "利用者がまだ登録されていません。サーバーで最初の管理者を作成してください: "
        "`crm users add 管理者名 --role admin`"
    )

if sso_configured():
    refusal = sso_refusal()
    if refusal:
        st.error(literal(refusal))
        if st.button("別のアカウントでシングルサインオン"):
            st.logout()
    else:
        for provider in sso_providers():
            label = (
                "シングルサインオン（SSO）でサインイン"
                if provider is None
                else f"{provider} でサインイン"
            )
            if st.button(label, type="primary", key=f"_sso_{provider or 'default'}"):
                try:
                    st.login(provider) if provider else st.login()
                except StreamlitAPIException as error:  # incomplete [auth] settings
                    st.error(
                        "シングルサインオンの設定が不完全なため、サインインできません。"
                        "管理者に .streamlit/secrets.toml の [auth] の確認を依頼してください。"
                        f"（{type(error).__name__}）"
                    )
    st.caption("またはパスワードでサインイン")

with st.form("sign_in"):
    st.text_input("利用者名", key=USERNAME, autocomplete="username")
    st.text_input("パスワード", type="password", key=PASSWORD, autocomplete="current-password")
    st.form_submit_button("サインイン", type="primary", on_click=submit)

refusal = st.session_state.pop(REFUSAL, None)
if refusal:
    st.error(literal(refusal))

demo_file = demo_credentials_file()
if demo_file is not None:
    st.info(
        f"デモ用アカウントの利用者名とパスワードは `{demo_file}` に書かれています。",
        icon=":material/key:",
    )
