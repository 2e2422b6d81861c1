"""Who is using this browser session: sign-in, sign-out, inactivity and single sign-on.

``st.session_state["actor"]`` holds the signed-in Actor and ``["_auth_ticket"]`` the session's
ticket (account, session epoch, last interaction). Every run of the entry script calls
``resolve_actor()``, which ends the session after ``CRM_SESSION_IDLE_MINUTES`` without
interaction, after "sign out everywhere" or when the account is disabled.

An Actor put into ``st.session_state["actor"]`` by trusted server-side code without a ticket
(the page-test harness does this) counts as signed in; the browser cannot write session state.
"""

import datetime as dt
import json
import secrets
from dataclasses import replace
from pathlib import Path

import streamlit as st
from sqlmodel import Session, select

from crm.actor import Actor
from crm.auth import sessions, web_sessions
from crm.auth.signin import authenticate
from crm.auth.sso import sign_in_with_identity
from crm.db import session_scope
from crm.demo.accounts import credentials_path_for
from crm.errors import CrmError
from crm.models import UserAccount
from crm.reference import Role
from crm.services import users
from crm.services.base import data_counters
from ui.cache import prime_counters
from ui.runtime import get_engine

ACTOR_KEY = "actor"
TICKET_KEY = "_auth_ticket"
NOTICE_KEY = "_auth_notice"
SSO_REFUSED_KEY = "_sso_refused"
HANDOFF_KEY = "_session_handoff"
CLEAR_COOKIE_KEY = "_session_cookie_clear"
COOKIE_SPENT_KEY = "_session_cookie_spent"


def current_actor() -> Actor | None:
    return st.session_state.get(ACTOR_KEY)


def _leave_pages_folder_mode() -> None:
    """A freshly started server runs a linked page's file directly, without the entry script
    (Streamlit's old pages-folder mode, because pages/ sits beside streamlit_app.py), until some
    session's entry script calls st.navigation. A first visitor arriving by a deep link would
    get no sign-in form. Leave that mode as st.navigation itself does and run again at the same
    address: the entry script then shows sign-in and, once signed in, the linked page."""
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


def require_actor() -> Actor:
    """For pages: the signed-in actor (the entry script has already refused anonymous users)."""
    actor = current_actor()
    if actor is None:
        _leave_pages_folder_mode()
        st.warning("サインインしてください。")
        st.stop()
    return actor


def require_role(*roles: Role) -> Actor:
    actor = require_actor()
    if actor.role not in roles:
        st.error("このページを開く権限がありません。")
        st.stop()
    return actor


def current_method() -> str | None:
    ticket = st.session_state.get(TICKET_KEY)
    return ticket.method if ticket else None


# --- single sign-on ----------------------------------------------------------------------------


def sso_configured() -> bool:
    """True when .streamlit/secrets.toml has an [auth] section (Streamlit's st.login)."""
    try:
        # Probe first: reading st.secrets without any secrets file raises (and may say so).
        return st.secrets.load_if_toml_exists() and bool(st.secrets.get("auth"))
    except Exception:  # noqa: BLE001 - an unreadable secrets file means no SSO
        return False


def sso_providers() -> list[str | None]:
    """Named providers ([auth.google] …), or [None] for one unnamed provider in [auth]."""
    auth = st.secrets.get("auth") or {}
    named = [key for key, value in auth.items() if hasattr(value, "keys")]
    return named or [None]


def _identity_issued_at() -> dt.datetime | None:
    # A token's iat is a number; Streamlit's stub types every claim as text, flag or tokens.
    issued: object = st.user.get("iat")
    if not isinstance(issued, int | float | str):
        return None
    try:
        return dt.datetime.fromtimestamp(int(issued), dt.UTC)
    except (TypeError, ValueError):
        return None


def _sso_identity_present() -> bool:
    return sso_configured() and bool(st.user.get("is_logged_in"))


def _sign_in_from_identity() -> Actor | None:
    email = st.user.get("email")
    with session_scope(get_engine()) as s:
        result = sign_in_with_identity(
            s,
            email if isinstance(email, str) else None,
            issued_at=_identity_issued_at(),
            email_verified=st.user.get("email_verified"),
        )
    if result.actor is None:
        st.session_state[SSO_REFUSED_KEY] = result.message
        return None
    return _start(result.actor, result.session_epoch, "sso")


def sso_refusal() -> str | None:
    return st.session_state.get(SSO_REFUSED_KEY)


# --- signing in and out ------------------------------------------------------------------------


def _start(
    actor: Actor, epoch: int | None, method: str, web_session_id: int | None = None
) -> Actor:
    ticket = replace(sessions.new_ticket(actor, epoch or 0, method), web_session_id=web_session_id)
    actor = replace(actor, ticket=ticket)
    st.session_state[ACTOR_KEY] = actor
    st.session_state[TICKET_KEY] = ticket
    st.session_state.pop(SSO_REFUSED_KEY, None)
    return actor


def sign_in(username: str, password: str) -> str | None:
    """Check the password; on success the session is signed in. Returns the refusal or None."""
    with session_scope(get_engine()) as s:
        result = authenticate(s, username, password)
        actor = result.actor
        if actor is not None:
            # A server-side session: its cookie keeps this browser signed in across reloads,
            # tabs and app processes (the page hands it over, see ``sync_cookie``).
            web_id, handoff = web_sessions.start(s, actor, result.session_epoch or 0, "password")
    if actor is None:
        return result.message
    _start(actor, result.session_epoch, "password", web_id)
    st.session_state[HANDOFF_KEY] = handoff
    return None


def sync_cookie() -> None:
    """Give the browser its session cookie after a sign-in, or take it away after a sign-out.

    Cookies are set by HTTP responses, not by the script's websocket: a few lines of script
    post the one-time handoff to ``/session`` (crm.web.session_routes), whose answer sets the
    HttpOnly cookie. Served by ``streamlit run`` (no such route) the post fails harmlessly."""
    handoff = st.session_state.pop(HANDOFF_KEY, None)
    clear = st.session_state.pop(CLEAR_COOKIE_KEY, False)
    if handoff is None and not clear:
        return
    path, body = ("/session", f"handoff={handoff}") if handoff else ("/session/end", "")
    # A container of its own, so that the browser mounts (and runs) the script afresh each time.
    with st.container(key=f"session_cookie_{secrets.token_hex(4)}", border=False):
        st.html(
            "<script>fetch(" + json.dumps(path) + ", {method: 'POST', credentials: "
            "'same-origin', headers: {'Content-Type': 'application/x-www-form-urlencoded'}, "
            "body: " + json.dumps(body) + "});</script>",
            unsafe_allow_javascript=True,
        )


def _resume_from_cookie() -> Actor | None:
    """A reload, a new tab or a shared link: continue the session the cookie names."""
    try:
        token = st.context.cookies.get(web_sessions.COOKIE)
    except Exception:  # noqa: BLE001 - no request context (bare runs, tests): no cookie
        token = None
    if not isinstance(token, str) or not token:
        return None
    with session_scope(get_engine()) as s:
        try:
            resumed = web_sessions.resume(s, token)
        except sessions.SessionEnded as ended:
            resumed = None
            st.session_state[NOTICE_KEY] = str(ended)
    if resumed is None:
        st.session_state[CLEAR_COOKIE_KEY] = True
        return None
    actor, ticket = resumed
    st.session_state[ACTOR_KEY] = actor
    st.session_state[TICKET_KEY] = ticket
    return actor


def end_session(ended: sessions.SessionEnded) -> None:
    """A service refused because this browser's session is over (perhaps in a callback, before
    the entry script ran): forget the session; the entry script then shows sign-in with why."""
    was_sso = current_method() == "sso"
    _forget(str(ended))
    if was_sso:
        st.logout()


def _forget(notice: str | None) -> None:
    # Clear everything, so the next person at this browser sees nothing typed or cached
    # for the previous one; the browser's session cookie goes too.
    had_cookie = current_ticket_web_session() is not None
    st.session_state.clear()
    if notice:
        st.session_state[NOTICE_KEY] = notice
    if had_cookie:
        st.session_state[CLEAR_COOKIE_KEY] = True
    # The cookie this page's connection was opened with must not sign it in again.
    st.session_state[COOKIE_SPENT_KEY] = True


def current_ticket_web_session() -> int | None:
    ticket = st.session_state.get(TICKET_KEY)
    return ticket.web_session_id if ticket is not None else None


def sign_out(everywhere: bool = False) -> None:
    actor, method = current_actor(), current_method()
    if actor is not None:
        try:
            with session_scope(get_engine()) as s:
                if everywhere:
                    users.sign_out_everywhere(s, actor)
                else:
                    sessions.sign_out(s, actor)
        except CrmError as error:
            st.error(str(error))
            return
    _forget("全端末からサインアウトしました。" if everywhere else "サインアウトしました。")
    if method == "sso":
        st.logout()  # also removes the identity cookie, so a reload does not sign in again
    st.rerun()


def take_notice() -> str | None:
    return st.session_state.pop(NOTICE_KEY, None)


def keep_signed_in_with_epoch(epoch: int) -> None:
    """After changing one's own password: this session stays, the others have ended."""
    ticket = st.session_state.get(TICKET_KEY)
    if ticket is not None:
        ticket = replace(ticket, epoch=epoch)
        st.session_state[TICKET_KEY] = ticket
        actor = current_actor()
        if actor is not None:
            st.session_state[ACTOR_KEY] = replace(actor, ticket=ticket)


def _ticket_for_preset(actor: Actor) -> sessions.SessionTicket | None:
    if actor.user_id is None:
        return None
    with session_scope(get_engine()) as s:
        user = s.get(UserAccount, actor.user_id)
        epoch = user.session_epoch if user is not None else 0
    return sessions.new_ticket(actor, epoch, "preset")


def resolve_actor() -> Actor | None:
    """The signed-in actor for this run, or None (then the entry script shows sign-in)."""
    actor = current_actor()
    ticket = st.session_state.get(TICKET_KEY)
    if actor is not None and ticket is None:
        ticket = _ticket_for_preset(actor)
        if ticket is None:
            return actor  # a preset actor without an account (tests of system views)
    if ticket is not None:
        ended = None
        with session_scope(get_engine()) as s:
            try:
                fresh, ticket = sessions.check_session(s, ticket)
                # Read with the check: this run's cached reads need no session of their own.
                counters = data_counters(s)
            except sessions.SessionEnded as error:
                ended = error
        if ended is not None:
            was_sso = ticket.method == "sso"
            _forget(str(ended))
            if was_sso:
                st.logout()
            return None
        st.session_state[TICKET_KEY] = ticket
        # Every service call of this run re-checks this ticket in its own transaction.
        if ticket.method == "preset":
            st.session_state[ACTOR_KEY] = replace(st.session_state[ACTOR_KEY], ticket=ticket)
        else:
            st.session_state[ACTOR_KEY] = fresh
        prime_counters(st.session_state[ACTOR_KEY], counters)
        return st.session_state[ACTOR_KEY]
    if not st.session_state.get(COOKIE_SPENT_KEY):
        resumed = _resume_from_cookie()
        if resumed is not None:
            return resumed
    if _sso_identity_present() and not sso_refusal():
        return _sign_in_from_identity()
    return None


# --- the sign-in page's hints ------------------------------------------------------------------


def demo_credentials_file() -> Path | None:
    """Where the demo loader wrote the demo accounts (beside the SQLite file), if it did."""
    path = credentials_path_for(get_engine())
    return path if path is not None and path.exists() else None


def any_account_exists() -> bool:
    with Session(get_engine()) as s:
        return s.exec(select(UserAccount.id).limit(1)).first() is not None
