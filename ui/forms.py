"""Showing service errors next to the fields that caused them, never as a stack trace."""

from contextlib import contextmanager

import streamlit as st

from crm.auth.sessions import SessionEnded
from crm.errors import CrmError
from crm.presentation.text import literal

ERRORS_KEY = "_field_errors"


def field_error(form_key: str, field: str) -> None:
    """Render the error for ``field`` of ``form_key`` (call right under the widget)."""
    message = st.session_state.get(ERRORS_KEY, {}).get(form_key, {}).get(field)
    if message:
        st.error(literal(message), icon="⚠️")


def clear_errors(form_key: str) -> None:
    st.session_state.setdefault(ERRORS_KEY, {})[form_key] = {}


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
