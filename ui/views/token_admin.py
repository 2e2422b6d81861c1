"""APIトークン's parts: the list of tokens, the form that makes one (its value shown once, in
the run right after), and revoking one after a confirmation. Which tokens an actor may see,
make or revoke is the service's decision (``crm.auth.api_tokens``); these only draw it."""

import datetime as dt
from collections.abc import Sequence
from urllib.parse import urlsplit

import streamlit as st

from crm.actor import Actor
from crm.auth import api_tokens
from crm.auth.api_tokens import TokenOwner, TokenSummary
from crm.calendar_jp import day_with_weekday
from crm.errors import ValidationError
from crm.presentation.labels import moment, prefecture_label
from crm.presentation.text import literal
from crm.timeutil import to_jst, today_jst
from ui import form_state as fs
from ui.listing import grid, paginate

NEW = "new_token"
REVOKE = "revoke_token"
# The value of the token just made: shown by the next run, then gone from the session.
SHOWN_ONCE = "_api_token_shown_once"
PENDING = "_api_token_revoke_pending"
PAGE_SIZE = 50

FIELD_NAMES = {"username": "利用者", "name": "用途", "kind": "種類", "expires": "有効期限"}
# What tells tokens apart and whether they work comes first (a wide table scrolls sideways);
# the ID is what `crm tokens revoke` takes.
HEADER = ["用途", "状態", "利用者", "種類", "有効期限", "最終利用", "発行日時", "ID"]
HUB = "拠点"  # administrators' list only: a hub manager's tokens are all their hub's
NEVER_USED = "未使用"


def owner_label(username: str, display_name: str) -> str:
    return (
        username
        if not display_name or display_name == username
        else (f"{display_name}（{username}）")
    )


def expiry_label(stamp: dt.datetime | None) -> str:
    """When a token stops working, in Japan time: a token made on the page runs through a
    day (「2027/03/07（日）まで」); one from the CLI (``--expires`` days) to a moment."""
    if stamp is None:
        return "無期限"
    here = to_jst(stamp)
    if here.time() == dt.time():
        return f"{day_with_weekday(here.date() - dt.timedelta(days=1))}まで"
    return f"{moment(stamp)}まで"


def row(token: TokenSummary, *, with_hub: bool = False) -> list[str]:
    cells = [
        token.name,
        token.state,
        owner_label(token.username, token.display_name),
        api_tokens.KINDS.get(token.kind, token.kind),
        expiry_label(token.expires_at),
        moment(token.last_used_at) or NEVER_USED,
        moment(token.created_at),
        f"{token.id:,}",
    ]
    return cells + [prefecture_label(token.hub_code)] * with_hub


def token_list(actor: Actor, tokens: Sequence[TokenSummary]) -> None:
    """Newest first; every token the actor manages, revoked and expired ones too."""
    newest = list(reversed(tokens))
    first = paginate(len(newest), "api_tokens_page", PAGE_SIZE)
    with_hub = not actor.is_hub_manager
    grid(
        actor,
        HEADER + [HUB] * with_hub,
        [row(t, with_hub=with_hub) for t in newest[first : first + PAGE_SIZE]],
        empty="トークンはまだありません。",
        key="api-tokens",
    )


def _app_address() -> str:
    """The app's address as the browser reached this page (for the calendar feed's URL)."""
    try:
        url = st.context.url
    except Exception:  # noqa: BLE001 - no request context (bare runs, page tests)
        url = None
    if not url:
        return "<アプリのURL>"
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path.rsplit('/', 1)[0]}"


def show_new_token() -> None:
    """The token just made, once: the next run (any click, a reload) no longer has it."""
    made = st.session_state.pop(SHOWN_ONCE, None)
    if not made:
        return
    with st.container(border=True, key="new-api-token"):
        st.success(
            literal(f"トークン「{made['name']}」（{made['owner']}）を発行しました。"),
            icon=":material/key:",
        )
        st.code(made["token"], language=None)
        st.caption(
            "枠の右上のコピーボタン（マウスを重ねると表示）でコピーし、"
            "連携するシステムの安全な場所に保管してください。"
            "この値は二度と表示されません（保存されるのはハッシュだけです）。"
            "この画面で次の操作をすると消えます。"
        )
        if made["kind"] == api_tokens.CALENDAR:
            st.markdown("カレンダーの購読URL:")
            st.code(f"{_app_address()}/api/v1/calendar.ics?token={made['token']}", language=None)


def _remember(result: tuple[TokenSummary, str]) -> None:
    made, token = result
    st.session_state[SHOWN_ONCE] = {
        "token": token,
        "name": made.name,
        "kind": made.kind,
        "owner": owner_label(made.username, made.display_name),
    }


def create_form(actor: Actor, owners: Sequence[TokenOwner]) -> None:
    if not owners:
        st.info("トークンを発行できる利用者がいません（利用停止中の利用者には発行できません）。")
        return
    names = [o.username for o in owners]
    labels = {o.username: owner_label(o.username, o.display_name) for o in owners}
    today = today_jst()

    def create(s):
        name = str(fs.value(NEW, "name") or "").strip()
        if not name:
            raise ValidationError({"name": "必須項目です（何に使うトークンかを入力してください）"})
        return api_tokens.create_token(
            s,
            actor,
            str(fs.value(NEW, "username") or ""),
            name=name,
            expires_on=fs.value(NEW, "expires"),
            kind=str(fs.value(NEW, "kind") or api_tokens.API),
        )

    with fs.form(NEW):
        st.selectbox(
            "利用者（トークンはこの利用者の権限で読みます）",
            names,
            index=names.index(actor.username) if actor.username in names else 0,
            format_func=lambda n: labels.get(n, n),
            key=fs.key(NEW, "username"),
        )
        fs.error(NEW, "username")
        st.text_input(
            "用途 *",
            max_chars=80,
            placeholder="例: 事務局集計シート",
            key=fs.key(NEW, "name"),
        )
        fs.error(NEW, "name")
        st.radio(
            "種類",
            list(api_tokens.KINDS),
            format_func=lambda k: {
                api_tokens.API: "API（データの読み取り）",
                api_tokens.CALENDAR: "カレンダー（予定の購読だけ）",
            }[k],
            horizontal=True,
            key=fs.key(NEW, "kind"),
        )
        fs.error(NEW, "kind")
        st.date_input(
            "有効期限（この日の終わりまで有効）",
            value=today + dt.timedelta(days=api_tokens.DEFAULT_DAYS),
            min_value=today + dt.timedelta(days=1),
            max_value=today + dt.timedelta(days=api_tokens.MAX_DAYS),
            format="YYYY/MM/DD",
            key=fs.key(NEW, "expires"),
        )
        fs.error(NEW, "expires")
        fs.feedback(NEW, FIELD_NAMES)
        fs.submit_button(
            NEW,
            "トークンを発行",
            create,
            lambda result: f"トークン「{result[0].name}」を発行しました。",
            _remember,
            actor=actor,
            creates=True,
            type="primary",
        )


def _choose(token_id: int | None) -> None:
    st.session_state[PENDING] = token_id


def _describe(token: TokenSummary) -> str:
    return f"ID {token.id:,}・{token.name}（{owner_label(token.username, token.display_name)}）"


def revoke_panel(actor: Actor, tokens: Sequence[TokenSummary]) -> None:
    """Pick a token, press 失効させる, then confirm: a click alone never revokes."""
    fs.feedback(REVOKE, FIELD_NAMES)
    usable = {t.id: t for t in reversed(tokens) if t.revoked_at is None}
    if not usable:
        st.caption("失効させられるトークンはありません。")
        return
    chosen = st.selectbox(
        "失効させるトークン",
        list(usable),
        format_func=lambda i: _describe(usable[i]),
        key="revoke_token_pick",
    )
    pending = st.session_state.get(PENDING)
    if pending not in usable or pending != chosen:
        st.button(
            "失効させる…",
            key="revoke_token_ask",
            icon=":material/block:",
            on_click=_choose,
            args=(chosen,),
        )
        return
    token = usable[pending]
    st.warning(
        literal(
            f"トークン「{token.name}」（{owner_label(token.username, token.display_name)}）を"
            "失効させます。このトークンを使っている連携は直ちに使えなくなり、元に戻せません。"
        ),
        icon=":material/warning:",
    )
    confirm, cancel, _ = st.columns([1, 1, 3])
    confirm.button(
        "失効を確定",
        key="revoke_token_confirm",
        type="primary",
        on_click=fs.submit,
        args=(
            REVOKE,
            lambda s: api_tokens.revoke_token(s, actor, token.id),
            f"トークン「{token.name}」を失効させました。",
            lambda _revoked: _choose(None),
        ),
        kwargs={"actor": actor},
    )
    cancel.button("キャンセル", key="revoke_token_cancel", on_click=_choose, args=(None,))
