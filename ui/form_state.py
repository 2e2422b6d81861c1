"""Forms whose write runs in the submit button's callback, before the page is drawn.

Streamlit lets a callback run after the form's values arrive and before the script draws the
widgets. Writing there means:
- a refused field's message (``ui.forms`` error store) is shown right under its widget in the
  same rerun, and the typed input stays in the widgets, so nothing typed is lost;
- a saved form can be emptied (a widget's value may only be changed before it is drawn);
- an edit form remembers the version the user started from, and a conflicting save shows what
  the other person changed while keeping this user's input.

Widgets of a form use keys ``"<form_key>.<field>"`` (see ``key``).
"""

from collections.abc import Callable, Iterable
from typing import Any

import streamlit as st
from sqlmodel import Session

from crm.db import session_scope
from crm.errors import CrmError, StaleVersion, ValidationError
from ui.forms import ERRORS_KEY, clear_errors, field_error
from ui.runtime import get_engine

FEEDBACK_KEY = "_form_feedback"
_SHOWN = "_shown_fields"
_VERSION = "_version"
_LOADED = "_loaded"

REFUSED = "入力内容に誤りがあります。各項目のメッセージを確認してください。"


def key(form_key: str, field: str) -> str:
    return f"{form_key}.{field}"


def value(form_key: str, field: str, default: Any = None) -> Any:
    return st.session_state.get(key(form_key, field), default)


def values(form_key: str, fields: Iterable[str]) -> dict[str, Any]:
    return {field: value(form_key, field) for field in fields}


def prefill(
    form_key: str, record: dict[str, Any], *, version: int | None = None, token: Any = None
) -> None:
    """Load a record into the form's widgets unless the user is already editing it.

    ``token`` names what is loaded (e.g. the record id): a different token reloads. The version
    is remembered as the one the user saw, for ``expected_version``.
    """
    loaded = st.session_state.get(key(form_key, _LOADED), object())
    if loaded == token and all(key(form_key, f) in st.session_state for f in record):
        return
    for field, field_value in record.items():
        st.session_state[key(form_key, field)] = field_value
    st.session_state[key(form_key, _LOADED)] = token
    if version is not None:
        st.session_state[key(form_key, _VERSION)] = version


def expected_version(form_key: str) -> int:
    return st.session_state[key(form_key, _VERSION)]


def reset(form_key: str, fields: Iterable[str] = ()) -> None:
    """Empty the given widgets (back to their defaults) and forget what was loaded.

    Only valid before the widgets are drawn, i.e. in a callback."""
    for field in (*fields, _LOADED):
        st.session_state.pop(key(form_key, field), None)
    clear_errors(form_key)


def set_values(form_key: str, record: dict[str, Any]) -> None:
    """Set widget values (in a callback, before the widgets are drawn)."""
    for field, field_value in record.items():
        st.session_state[key(form_key, field)] = field_value


def error(form_key: str, *fields: str) -> None:
    """Show the refusal reason for these fields (call right under their widget)."""
    shown = st.session_state.setdefault(_SHOWN, {}).setdefault(form_key, set())
    for field in fields:
        shown.add(field)
        field_error(form_key, field)


def submit(
    form_key: str,
    action: Callable[[Session], Any],
    success: str | Callable[[Any], str],
    on_success: Callable[[Any], None] | None = None,
) -> None:
    """Body of a submit button's ``on_click``: run ``action`` in one transaction.

    On success ``on_success(result)`` may empty the form; on refusal nothing is written and the
    reasons are kept for ``error`` and ``feedback``.
    """
    clear_errors(form_key)
    try:
        with session_scope(get_engine()) as session:
            result = action(session)
    except ValidationError as refusal:
        st.session_state[ERRORS_KEY][form_key] = refusal.fields
        outcome = {"kind": "error", "message": REFUSED}
    except StaleVersion as conflict:
        # The user has now seen the other person's change: saving again overwrites it.
        st.session_state[key(form_key, _VERSION)] = conflict.current_version
        outcome = {"kind": "stale", "message": str(conflict), "changes": conflict.changes}
    except CrmError as refusal:
        outcome = {"kind": "error", "message": str(refusal)}
    else:
        if on_success is not None:
            on_success(result)
        message = success(result) if callable(success) else success
        outcome = {"kind": "success", "message": message}
        st.toast(message, icon="✅")
    st.session_state.setdefault(FEEDBACK_KEY, {})[form_key] = outcome


def feedback(form_key: str, labels: dict[str, str] | None = None) -> None:
    """Show the outcome of the form's last submit (call after the fields, before the button).

    A success shows once; a refusal stays until the next submit. Reasons for fields the form
    did not show next to a widget are listed here, so none is lost."""
    labels = labels or {}
    shown = st.session_state.get(_SHOWN, {}).pop(form_key, set())
    outcome = st.session_state.get(FEEDBACK_KEY, {}).get(form_key)
    if not outcome:
        return
    if outcome["kind"] == "success":
        st.success(outcome["message"], icon="✅")
        del st.session_state[FEEDBACK_KEY][form_key]
        return
    st.error(outcome["message"], icon="🚫")
    if outcome["kind"] == "stale" and outcome["changes"]:
        st.write("他の利用者による変更（もう一度保存すると、あなたの入力で上書きします）:")
        st.table(
            [
                {
                    "項目": labels.get(field, field),
                    "あなたが見た値": _text(seen),
                    "現在の値": _text(now),
                    "あなたの入力": _text(value(form_key, field)),
                }
                for field, (seen, now) in outcome["changes"].items()
            ]
        )
    leftover = {
        field: reason
        for field, reason in st.session_state.get(ERRORS_KEY, {}).get(form_key, {}).items()
        if field not in shown
    }
    for field, reason in leftover.items():
        st.error(f"{labels.get(field, field)}: {reason}", icon="⚠️")


def _text(item: Any) -> str:
    return "" if item is None else str(item)
