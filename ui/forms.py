"""Showing service errors next to the fields that caused them, never as a stack trace."""

from collections.abc import Callable
from contextlib import contextmanager
from typing import Any

import streamlit as st
from sqlmodel import Session

from crm.auth.sessions import SessionEnded
from crm.db import session_scope
from crm.errors import CrmError, StaleVersion, ValidationError
from ui.runtime import get_engine
from ui.text import literal

ERRORS_KEY = "_field_errors"


def field_error(form_key: str, field: str) -> None:
    """Render the error for ``field`` of ``form_key`` (call right under the widget)."""
    message = st.session_state.get(ERRORS_KEY, {}).get(form_key, {}).get(field)
    if message:
        st.error(literal(message), icon="⚠️")


def clear_errors(form_key: str) -> None:
    st.session_state.setdefault(ERRORS_KEY, {})[form_key] = {}


def save(form_key: str, action: Callable[[Session], Any], success: str) -> Any | None:
    """Run a write in one transaction; on refusal keep the form's input and show why.

    Returns the action's result, or None when it was refused (nothing is written then).
    """
    clear_errors(form_key)
    try:
        with session_scope(get_engine()) as session:
            result = action(session)
    except ValidationError as error:
        st.session_state[ERRORS_KEY][form_key] = error.fields
        st.error("入力内容に誤りがあります。各項目のメッセージを確認してください。")
        return None
    except StaleVersion as error:
        st.session_state[ERRORS_KEY][form_key] = {"_stale": str(error)}
        st.error(literal(error))
        if error.changes:
            st.write("他の利用者による変更:")
            st.table(
                [
                    {"項目": literal(k), "あなたが見た値": literal(v[0]), "現在の値": literal(v[1])}
                    for k, v in error.changes.items()
                ]
            )
        return None
    except CrmError as error:
        st.error(literal(error))
        return None
    st.toast(literal(success), icon="✅")
    return result


@contextmanager
def guarded():
    """For reads on a page: a refused or missing record becomes a message, not a trace; a
    session that ended meanwhile signs this browser out (the sign-in page says why)."""
    try:
        yield
    except SessionEnded as ended:
        from ui.session import end_session

        end_session(ended)
        st.rerun()
    except CrmError as error:
        st.error(literal(error))
        st.stop()
