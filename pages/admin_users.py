"""利用者管理: accounts with their lock state; create, disable / re-enable, reset a password,
lift a lock, end someone's sessions (administrators only; the services check it again)."""

import streamlit as st

from crm.errors import ValidationError
from crm.presentation.text import literal
from crm.reference import Role
from crm.services import users
from crm.services.reference_data import list_hubs
from crm.timeutil import to_jst
from ui import form_state as fs
from ui.forms import guarded
from ui.runtime import session
from ui.session import require_role

actor = require_role(Role.ADMIN)
st.title("利用者管理")

with session() as s, guarded():
    accounts = users.list_accounts(s, actor)
    hubs = {h.code: f"{h.code} {h.name_ja}" for h in list_hubs(s, active_only=False)}


def lock_state(account: users.AccountSummary) -> str:
    if account.locked and account.locked_until is not None:  # locked means it has an end
        return f"ロック中（{to_jst(account.locked_until):%m/%d %H:%M} まで）"
    if account.failed_attempts:
        return f"失敗 {account.failed_attempts} 回"
    return "—"


FIELD_NAMES = {
    "username": "利用者名",
    "role": "役割",
    "hub_code": "拠点",
    "email": "メールアドレス",
    "password": "パスワード",
    "display_name": "表示名",
    "current_password": "現在のパスワード",
}

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

RESET = "reset_password"
ACCOUNT = "admin_user"
NEW = "new_user"


def take_passwords(form_key: str, first: str, second: str, mismatch: str) -> str:
    """The typed password, after which neither field keeps it (whatever the outcome); refuses
    when the confirmation differs."""
    typed = [fs.value(form_key, field) or "" for field in (first, second)]
    fs.set_values(form_key, {first: "", second: ""})
    if typed[0] != typed[1]:
        raise ValidationError({"password": mismatch})
    return typed[0]


def account_button(column, label: str, key: str, action, message: str, **kwargs) -> None:
    column.button(
        label,
        key=key,
        on_click=fs.submit,
        args=(ACCOUNT, action, message),
        kwargs={"actor": actor},
        **kwargs,
    )


manage, create = st.tabs(["選択した利用者の操作", "利用者を追加"])

with manage:
    names = [a.username for a in accounts]
    chosen = st.selectbox(
        "利用者",
        names,
        key="admin_user_pick",
        format_func=lambda n: next(
            f"{a.username}（{a.display_name}）" for a in accounts if a.username == n
        ),
    )
    account = next((a for a in accounts if a.username == chosen), None)
    if account is not None:
        name = account.username
        state = "有効" if account.active else "利用停止"
        st.write(f"状態: **{state}**・ロック: **{lock_state(account)}**")
        cols = st.columns(3)
        account_button(
            cols[0],
            "ロックを解除",
            "admin_unlock",
            lambda s: users.unlock(s, actor, name),
            f"{name} のロックを解除しました。",
            disabled=not (account.locked or account.failed_attempts),
        )
        label, done = (
            ("利用を再開", "利用再開") if not account.active else ("利用停止にする", "利用停止")
        )
        account_button(
            cols[1],
            label,
            "admin_toggle_active",
            lambda s: users.set_active(s, actor, name, not account.active),
            f"{name} を{done}にしました。",
        )
        account_button(
            cols[2],
            "全端末からサインアウトさせる",
            "admin_sign_out_all",
            lambda s: users.sign_out_everywhere(s, actor, name),
            f"{name} のセッションをすべて終了しました。",
        )
        fs.feedback(ACCOUNT, FIELD_NAMES)

        st.markdown("**登録内容の変更**")
        # The form shows what the administrator saw; a save over a newer version is refused by
        # the service, with what changed.
        edit = f"edit_user.{name}"
        edit_fields = ("display_name", "email", "role", "hub_code")
        fs.prefill(
            edit,
            {
                "display_name": account.display_name,
                "email": account.email or "",
                "role": account.role,
                "hub_code": account.hub_code,
            },
            version=account.version,
            token=name,
        )
        with fs.form(edit):
            st.text_input("表示名", max_chars=120, key=fs.key(edit, "display_name"))
            fs.error(edit, "display_name")
            st.text_input("メールアドレス（シングルサインオンで照合）", key=fs.key(edit, "email"))
            fs.error(edit, "email")
            st.selectbox(
                "役割",
                [r.value for r in Role],
                format_func=lambda r: Role(r).label,
                key=fs.key(edit, "role"),
            )
            fs.error(edit, "role")
            st.selectbox(
                "拠点（拠点マネージャーのみ）",
                [None, *hubs],
                format_func=lambda c: "—" if c is None else hubs[c],
                key=fs.key(edit, "hub_code"),
            )
            fs.error(edit, "hub_code")
            fs.feedback(edit, FIELD_NAMES)
            fs.submit_button(
                edit,
                "変更を保存",
                lambda s: users.update_user(
                    s, actor, name, fs.values(edit, edit_fields), fs.expected_version(edit)
                ),
                f"{name} の登録内容を変更しました。",
                lambda _user: fs.reset(edit),
                actor=actor,
            )

        st.markdown("**パスワードの再設定**")
        st.caption(
            "再設定するとロックも解除され、その利用者のセッションはすべて終了します。"
            "新しいパスワードは本人に安全な方法で伝えてください。"
        )
        with fs.form(RESET):
            st.text_input(
                "新しいパスワード（10文字以上）",
                type="password",
                key=fs.key(RESET, "new"),
                autocomplete="new-password",
            )
            st.text_input(
                "新しいパスワード（確認）",
                type="password",
                key=fs.key(RESET, "again"),
                autocomplete="new-password",
            )
            fs.error(RESET, "password")
            fs.feedback(RESET, FIELD_NAMES)
            fs.submit_button(
                RESET,
                "パスワードを再設定",
                lambda s: users.reset_password(
                    s,
                    actor,
                    name,
                    take_passwords(
                        RESET, "new", "again", "新しいパスワードと確認用の入力が一致しません"
                    ),
                ),
                f"{name} のパスワードを再設定しました。",
                actor=actor,
            )


def create_account(s):
    value = lambda field: fs.value(NEW, field)  # noqa: E731
    password = take_passwords(
        NEW, "password", "password_again", "初期パスワードと確認用の入力が一致しません"
    )
    return users.create_user(
        s,
        actor,
        username=value("username") or "",
        role=value("role"),
        hub_code=value("hub_code"),
        display_name=value("display_name"),
        email=value("email"),
        password=password or None,
    )


with create:
    with fs.form(NEW):
        st.text_input("利用者名 *", max_chars=80, key=fs.key(NEW, "username"))
        fs.error(NEW, "username")
        st.text_input("表示名", max_chars=120, key=fs.key(NEW, "display_name"))
        fs.error(NEW, "display_name")
        st.selectbox(
            "役割 *",
            [r.value for r in Role],
            format_func=lambda r: Role(r).label,
            key=fs.key(NEW, "role"),
        )
        fs.error(NEW, "role")
        st.selectbox(
            "拠点（拠点マネージャーのみ）",
            [None, *hubs],
            format_func=lambda c: "—" if c is None else hubs[c],
            key=fs.key(NEW, "hub_code"),
        )
        fs.error(NEW, "hub_code")
        st.text_input("メールアドレス（シングルサインオンで照合）", key=fs.key(NEW, "email"))
        fs.error(NEW, "email")
        st.caption("パスワードを空欄にすると、シングルサインオン専用のアカウントになります。")
        st.text_input(
            "初期パスワード（10文字以上）",
            type="password",
            autocomplete="new-password",
            key=fs.key(NEW, "password"),
        )
        st.text_input(
            "初期パスワード（確認）",
            type="password",
            autocomplete="new-password",
            key=fs.key(NEW, "password_again"),
        )
        fs.error(NEW, "password")
        fs.feedback(NEW, FIELD_NAMES)
        fs.submit_button(
            NEW,
            "利用者を追加",
            create_account,
            lambda user: f"利用者 {user.username} を追加しました。",
            actor=actor,
            creates=True,
            type="primary",
        )
