"""利用者管理: accounts with their lock state; create, disable / re-enable, reset a password,
lift a lock, end someone's sessions (administrators only; the services check it again)."""

import streamlit as st

from crm.reference import Role
from crm.services import users
from crm.services.reference_data import list_hubs
from crm.timeutil import to_jst
from ui.forms import ERRORS_KEY, guarded, save
from ui.runtime import session
from ui.session import require_role

actor = require_role(Role.ADMIN)
st.title("利用者管理")

with session() as s, guarded():
    accounts = users.list_accounts(s, actor)
    hubs = {h.code: f"{h.code} {h.name_ja}" for h in list_hubs(s, active_only=False)}


def lock_state(account: users.AccountSummary) -> str:
    if account.locked:
        return f"ロック中（{to_jst(account.locked_until):%m/%d %H:%M} まで）"
    if account.failed_attempts:
        return f"失敗 {account.failed_attempts} 回"
    return "—"


def show_field_errors(form_key: str) -> None:
    for field, message in st.session_state.get(ERRORS_KEY, {}).pop(form_key, {}).items():
        st.error(f"{FIELD_NAMES.get(field, field)}: {message}")


FIELD_NAMES = {
    "username": "利用者名",
    "role": "役割",
    "hub_code": "拠点",
    "email": "メールアドレス",
    "password": "パスワード",
    "display_name": "表示名",
}

locked = [a.username for a in accounts if a.locked]
if locked:
    st.warning(
        "サインインの失敗が続いてロックされているアカウント: " + "、".join(locked),
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


def reset_password(username: str) -> None:
    """Runs before the page is drawn, so the typed passwords leave the session at once."""
    new, again = (st.session_state.get(f"{RESET}.{f}") or "" for f in ("new", "again"))
    st.session_state[f"{RESET}.new"] = st.session_state[f"{RESET}.again"] = ""
    if new != again:
        st.session_state.setdefault(ERRORS_KEY, {})[RESET] = {
            "password": "新しいパスワードと確認用の入力が一致しません"
        }
        return
    save(
        RESET,
        lambda s: users.reset_password(s, actor, username, new),
        f"{username} のパスワードを再設定しました。",
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
        state = "有効" if account.active else "利用停止"
        st.write(f"状態: **{state}**・ロック: **{lock_state(account)}**")
        cols = st.columns(3)
        if cols[0].button(
            "ロックを解除",
            disabled=not (account.locked or account.failed_attempts),
            key="admin_unlock",
        ):
            if (
                save(
                    "admin_user",
                    lambda s: users.unlock(s, actor, account.username),
                    f"{account.username} のロックを解除しました。",
                )
                is not None
            ):
                st.rerun()
        label, done = (
            ("利用を再開", "利用再開") if not account.active else ("利用停止にする", "利用停止")
        )
        if cols[1].button(label, key="admin_toggle_active"):
            if (
                save(
                    "admin_user",
                    lambda s: users.set_active(s, actor, account.username, not account.active),
                    f"{account.username} を{done}にしました。",
                )
                is not None
            ):
                st.rerun()
        if cols[2].button("全端末からサインアウトさせる", key="admin_sign_out_all"):
            if (
                save(
                    "admin_user",
                    lambda s: users.sign_out_everywhere(s, actor, account.username),
                    f"{account.username} のセッションをすべて終了しました。",
                )
                is not None
            ):
                st.rerun()
        show_field_errors("admin_user")

        st.markdown("**登録内容の変更**")
        # Keyed by account and version: the form shows what the administrator saw, and a save
        # over a newer version is refused by the service (with what changed).
        edit = f"edit_user.{account.username}.{account.version}"
        with st.form(edit):
            st.text_input(
                "表示名", value=account.display_name, max_chars=120, key=f"{edit}.display_name"
            )
            st.text_input(
                "メールアドレス（シングルサインオンで照合）",
                value=account.email or "",
                key=f"{edit}.email",
            )
            roles = [r.value for r in Role]
            st.selectbox(
                "役割",
                roles,
                index=roles.index(account.role),
                format_func=lambda r: Role(r).label,
                key=f"{edit}.role",
            )
            codes = [None, *hubs]
            st.selectbox(
                "拠点（拠点マネージャーのみ）",
                codes,
                index=codes.index(account.hub_code),
                format_func=lambda c: "—" if c is None else hubs[c],
                key=f"{edit}.hub_code",
            )
            submitted = st.form_submit_button("変更を保存")
        if submitted:
            changes = {
                field: st.session_state.get(f"{edit}.{field}")
                for field in ("display_name", "email", "role", "hub_code")
            }
            if (
                save(
                    "edit_user",
                    lambda s: users.update_user(
                        s, actor, account.username, changes, account.version
                    ),
                    f"{account.username} の登録内容を変更しました。",
                )
                is not None
            ):
                st.rerun()
        show_field_errors("edit_user")

        st.markdown("**パスワードの再設定**")
        st.caption(
            "再設定するとロックも解除され、その利用者のセッションはすべて終了します。"
            "新しいパスワードは本人に安全な方法で伝えてください。"
        )
        with st.form("reset_password"):
            st.text_input(
                "新しいパスワード（10文字以上）",
                type="password",
                key=f"{RESET}.new",
                autocomplete="new-password",
            )
            st.text_input(
                "新しいパスワード（確認）",
                type="password",
                key=f"{RESET}.again",
                autocomplete="new-password",
            )
            st.form_submit_button(
                "パスワードを再設定", on_click=reset_password, args=(account.username,)
            )
        show_field_errors(RESET)


NEW = "new_user"


def create_user_from_form() -> None:
    """Runs before the page is drawn, so the form can be emptied or its passwords cleared."""
    value = lambda field: st.session_state.get(f"{NEW}.{field}")  # noqa: E731
    password, again = value("password") or "", value("password_again") or ""
    # Passwords never stay in the session, whatever the outcome.
    st.session_state[f"{NEW}.password"] = st.session_state[f"{NEW}.password_again"] = ""
    if password != again:
        st.session_state.setdefault(ERRORS_KEY, {})["create_user"] = {
            "password": "初期パスワードと確認用の入力が一致しません"
        }
        return
    created = save(
        "create_user",
        lambda s: users.create_user(
            s,
            actor,
            username=value("username") or "",
            role=value("role"),
            hub_code=value("hub_code"),
            display_name=value("display_name"),
            email=value("email"),
            password=password or None,
        ),
        f"利用者 {value('username')} を追加しました。",
    )
    if created is not None:
        for field in ("username", "display_name", "email"):
            st.session_state[f"{NEW}.{field}"] = ""
        st.session_state[f"{NEW}.hub_code"] = None


with create:
    with st.form("create_user"):
        st.text_input("利用者名 *", max_chars=80, key=f"{NEW}.username")
        st.text_input("表示名", max_chars=120, key=f"{NEW}.display_name")
        st.selectbox(
            "役割 *",
            [r.value for r in Role],
            format_func=lambda r: Role(r).label,
            key=f"{NEW}.role",
        )
        st.selectbox(
            "拠点（拠点マネージャーのみ）",
            [None, *hubs],
            format_func=lambda c: "—" if c is None else hubs[c],
            key=f"{NEW}.hub_code",
        )
        st.text_input("メールアドレス（シングルサインオンで照合）", key=f"{NEW}.email")
        st.caption("パスワードを空欄にすると、シングルサインオン専用のアカウントになります。")
        st.text_input(
            "初期パスワード（10文字以上）",
            type="password",
            autocomplete="new-password",
            key=f"{NEW}.password",
        )
        st.text_input(
            "初期パスワード（確認）",
            type="password",
            autocomplete="new-password",
            key=f"{NEW}.password_again",
        )
        st.form_submit_button("利用者を追加", type="primary", on_click=create_user_from_form)
    show_field_errors("create_user")
