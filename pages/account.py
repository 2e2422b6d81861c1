"""自分のアカウント: who I am, change my password, end all my sessions."""

import streamlit as st

from crm.errors import ValidationError
from crm.presentation.labels import moment, prefecture_label
from crm.presentation.text import literal
from crm.reference import Role
from crm.services import users
from ui import form_state as fs
from ui.forms import guarded
from ui.mail_preferences import mail_preferences_section
from ui.runtime import session
from ui.session import current_method, keep_signed_in_with_epoch, require_actor, sign_out

FORM = "change_password"

actor = require_actor()


def change_password(s) -> int:
    """Runs in the submit callback, before the page is drawn: the typed passwords leave the
    session at once, whatever the outcome."""
    current, new, again = (fs.value(FORM, f) or "" for f in ("current", "new", "again"))
    fs.set_values(FORM, {"current": "", "new": "", "again": ""})
    if new != again:
        raise ValidationError({"again": "新しいパスワードと確認用の入力が一致しません"})
    return users.change_own_password(s, actor, current, new)


def changed(epoch: int) -> None:
    keep_signed_in_with_epoch(epoch)


st.title("自分のアカウント")

with session() as s, guarded():
    me = users.my_account(s, actor)

left, right = st.columns(2)
left.markdown(
    f"**利用者名**: {literal(me.username)}  \n**表示名**: {literal(me.display_name)}  \n"
    f"**役割**: {Role(me.role).label}"
    + (f"  \n**拠点**: {prefecture_label(me.hub_code)}" if me.hub_code else "")
)
right.markdown(
    f"**メールアドレス**: {literal(me.email or '（未登録）')}  \n"
    "**最終サインイン**: "
    + (moment(me.last_sign_in_at) if me.last_sign_in_at else "—")
    + "  \n**サインイン方法**: "
    + ("シングルサインオン" if current_method() == "sso" else "パスワード")
)

if actor.role in (Role.HUB_MANAGER, Role.SECRETARIAT):
    mail_preferences_section(actor, bool(me.email))

st.subheader("パスワードの変更")
if not me.has_password:
    st.caption("このアカウントはシングルサインオン専用です（パスワードは設定されていません）。")
else:
    st.caption(
        "変更すると、この画面以外でサインインしているセッションはすべて終了します"
        "（APIトークンは失効しません）。"
    )
    with fs.form(FORM):
        st.text_input(
            "現在のパスワード",
            type="password",
            key=fs.key(FORM, "current"),
            autocomplete="current-password",
        )
        fs.error(FORM, "current_password")
        st.text_input(
            "新しいパスワード（10文字以上）",
            type="password",
            key=fs.key(FORM, "new"),
            autocomplete="new-password",
        )
        fs.error(FORM, "new_password")
        st.text_input(
            "新しいパスワード（確認）",
            type="password",
            key=fs.key(FORM, "again"),
            autocomplete="new-password",
        )
        fs.error(FORM, "again")
        fs.feedback(FORM)
        fs.submit_button(
            FORM,
            "パスワードを変更",
            change_password,
            "パスワードを変更しました。他のセッションは終了しました。",
            changed,
            actor=actor,
            type="primary",
        )

st.subheader("全端末からサインアウト")
st.caption(
    "パソコンやスマートフォンなど、この利用者でサインインしているすべてのセッションを終了します"
    "（この画面も含みます）。端末を紛失したときや共用端末でサインアウトし忘れたときに使います。"
    "APIトークンは失効しないため、不要なものは「APIトークン」のページ（または管理者）で"
    "失効させてください。"
)
if st.button("全端末からサインアウト", icon=":material/devices_off:", key="account_sign_out_all"):
    sign_out(everywhere=True)
