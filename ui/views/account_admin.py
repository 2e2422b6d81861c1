"""利用者管理's forms: what an administrator does to one account (lift a lock, stop or resume it,
end its sessions, change its details, reset its password) and adding an account. Accounts are
no hub record (no input shape): the services check every field."""

from collections.abc import Callable, Sequence
from typing import Any

import streamlit as st

from crm.actor import Actor
from crm.errors import ValidationError
from crm.presentation.labels import moment, prefecture_label
from crm.presentation.text import literal
from crm.reference import Role
from crm.services import users
from ui import form_state as fs
from ui.cache import partners as partner_rows
from ui.record_list import Column

RESET = "reset_password"
ACCOUNT = "admin_user"
NEW = "new_user"
FIELD_NAMES = {
    "username": "利用者名",
    "role": "役割",
    "hub_code": "拠点",
    "email": "メールアドレス",
    "password": "パスワード",
    "display_name": "表示名",
    "current_password": "現在のパスワード",
    "partner_id": "所属パートナー",
}
EMAIL_LABEL = "メールアドレス（シングルサインオンで照合）"
HUB_LABEL = "拠点（拠点マネージャーのみ）"
PARTNER_LABEL = "所属パートナー（パートナーの利用者のみ）"


def lock_state(account: users.AccountSummary) -> str:
    if account.locked and account.locked_until is not None:  # locked means it has an end
        return f"ロック中（{moment(account.locked_until)} まで）"
    if account.failed_attempts:
        return f"失敗 {account.failed_attempts:,} 回"
    return "—"


def account_state(account: users.AccountSummary) -> str:
    """One word, as the list's 状態 filter reads it (crm.services.record_views.ACCOUNTS)."""
    if not account.active:
        return "停止"
    return "ロック中" if account.locked else "有効"


COLUMNS = [
    Column("username", "利用者名", 1.3, lambda a, _n: a.username),
    Column("display_name", "表示名", 1.4, lambda a, _n: a.display_name),
    Column("role", "役割", 1.2, lambda a, _n: Role(a.role).label),
    Column("hub", "拠点", 0.8, lambda a, _n: prefecture_label(a.hub_code)),
    Column("email", "メールアドレス", 1.8, lambda a, _n: a.email or ""),
    Column("state", "状態", 0.8, lambda a, _n: account_state(a)),
    Column("lock", "ロック", 1.6, lambda a, _n: lock_state(a)),
    Column(
        "password",
        "パスワード",
        1,
        lambda a, _n: "設定済み" if a.has_password else "シングルサインオンのみ",
    ),
    Column(
        "last_sign_in_at", "最終サインイン", 1.5, lambda a, _n: moment(a.last_sign_in_at) or "—"
    ),
    Column("created_at", "登録日時", 1.5, lambda a, _n: moment(a.created_at)),
]


def take_passwords(form_key: str, first: str, second: str, mismatch: str) -> str:
    """The typed password, after which neither field keeps it (whatever the outcome); refuses
    when the confirmation differs."""
    typed = [fs.value(form_key, field) or "" for field in (first, second)]
    fs.set_values(form_key, {first: "", second: ""})
    if typed[0] != typed[1]:
        raise ValidationError({"password": mismatch})
    return typed[0]


def _role_and_hub(form: str, hubs: dict[str, str], role_label: str) -> None:
    st.selectbox(
        role_label,
        [r.value for r in Role],
        format_func=lambda r: Role(r).label,
        key=fs.key(form, "role"),
    )
    fs.error(form, "role")
    st.selectbox(
        HUB_LABEL,
        [None, *hubs],
        format_func=lambda c: "—" if c is None else hubs[c],
        key=fs.key(form, "hub_code"),
        placeholder="—",
    )
    fs.error(form, "hub_code")
    partners = {p.id: p for p in partner_rows(active_only=False) if p.id is not None}
    st.selectbox(
        PARTNER_LABEL,
        [None, *partners],
        format_func=lambda pid: (
            "—"
            if pid is None
            else partners[pid].name + ("" if partners[pid].active else "（利用停止中）")
        ),
        key=fs.key(form, "partner_id"),
        placeholder="—",  # no partner (every role but パートナー)
        help="役割が「パートナー」の利用者は、所属する紹介先（人材紹介会社・銀行など）を選びます。"
        "その組織に紹介され、拠点が共有した人材ニーズだけを閲覧・報告できます。",
    )
    fs.error(form, "partner_id")


def manage_account(
    actor: Actor, accounts: Sequence[users.AccountSummary], hubs: dict[str, str]
) -> None:
    chosen = st.selectbox(
        "利用者",
        [a.username for a in accounts],
        key="admin_user_pick",
        format_func=lambda n: next(
            f"{a.username}（{a.display_name}）" for a in accounts if a.username == n
        ),
    )
    account = next((a for a in accounts if a.username == chosen), None)
    if account is None:
        return
    state = "有効" if account.active else "利用停止"
    st.write(f"状態: **{state}**・ロック: **{lock_state(account)}**")
    if account.partner_name is not None:
        st.caption(literal(f"所属パートナー: {account.partner_name}"))
    account_buttons(actor, account)
    fs.feedback(ACCOUNT, FIELD_NAMES)
    st.markdown("**登録内容の変更**")
    edit_form(actor, account, hubs)
    st.markdown("**パスワードの再設定**")
    st.caption(
        "再設定するとロックも解除され、その利用者のセッションはすべて終了し、"
        "APIトークンもすべて失効します（利用停止でも失効します）。"
        "新しいパスワードは本人に安全な方法で伝えてください。"
    )
    reset_form(actor, account.username)


def account_buttons(actor: Actor, account: users.AccountSummary) -> None:
    name = account.username

    def button(column, label: str, key: str, action: Callable, message: str, **kw: Any) -> None:
        column.button(
            label,
            key=key,
            on_click=fs.submit,
            args=(ACCOUNT, action, message),
            kwargs={"actor": actor},
            **kw,
        )

    cols = st.columns(3)
    button(
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
    button(
        cols[1],
        label,
        "admin_toggle_active",
        lambda s: users.set_active(s, actor, name, not account.active),
        f"{name} を{done}にしました。",
    )
    button(
        cols[2],
        "全端末からサインアウトさせる",
        "admin_sign_out_all",
        lambda s: users.sign_out_everywhere(s, actor, name),
        f"{name} のセッションをすべて終了しました。",
    )


def edit_form(actor: Actor, account: users.AccountSummary, hubs: dict[str, str]) -> None:
    # The form shows what the administrator saw; a save over a newer version is refused by
    # the service, with what changed.
    name = account.username
    edit = f"edit_user.{name}"
    edit_fields = ("display_name", "email", "role", "hub_code", "partner_id")
    fs.prefill(
        edit,
        {
            "display_name": account.display_name,
            "email": account.email or "",
            "role": account.role,
            "hub_code": account.hub_code,
            "partner_id": account.partner_id,
        },
        version=account.version,
        token=name,
    )
    with fs.form(edit):
        st.text_input("表示名", max_chars=120, key=fs.key(edit, "display_name"))
        fs.error(edit, "display_name")
        st.text_input(EMAIL_LABEL, key=fs.key(edit, "email"))
        fs.error(edit, "email")
        _role_and_hub(edit, hubs, "役割")
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


def _password_pair(form: str, first: str, second: str, label: str) -> None:
    for field, suffix in ((first, "（10文字以上）"), (second, "（確認）")):
        st.text_input(
            label + suffix,
            type="password",
            autocomplete="new-password",
            key=fs.key(form, field),
        )
    fs.error(form, "password")


def reset_form(actor: Actor, name: str) -> None:
    with fs.form(RESET):
        _password_pair(RESET, "new", "again", "新しいパスワード")
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


def create_form(actor: Actor, hubs: dict[str, str]) -> None:
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
            partner_id=value("partner_id"),
        )

    with fs.form(NEW):
        st.text_input("利用者名 *", max_chars=80, key=fs.key(NEW, "username"))
        fs.error(NEW, "username")
        st.text_input("表示名", max_chars=120, key=fs.key(NEW, "display_name"))
        fs.error(NEW, "display_name")
        _role_and_hub(NEW, hubs, "役割 *")
        st.text_input(EMAIL_LABEL, key=fs.key(NEW, "email"))
        fs.error(NEW, "email")
        st.caption("パスワードを空欄にすると、シングルサインオン専用のアカウントになります。")
        _password_pair(NEW, "password", "password_again", "初期パスワード")
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
