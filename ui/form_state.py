"""The one form idiom: every form's write runs in its submit button's callback.

Streamlit lets a callback run after the form's values arrive and before the script draws the
widgets. Writing there means:
- a refused field's message (``ui.forms`` error store) is shown right under its widget in the
  same rerun, and the typed input stays in the widgets, so nothing typed is lost;
- an edit form remembers the version the user started from (``prefill``), and a conflicting
  save shows what the other person changed while keeping this user's input;
- a create form carries a one-time token (``crm.services.submissions``), so a double click, a
  second Enter or a resubmit saves once and is told where the saved record is;
- after a successful save the form starts a new *generation*: its widgets get new keys, so the
  browser draws them empty. (Removing a widget's value from session state is not enough: the
  browser keeps showing, and sends back, what it last had for that widget.)
- a session that ended (disabled account, sign-out everywhere, idle) is refused by the service
  and this browser session is signed out with the reason, even from a callback.

Widgets of a form use keys from ``key(form_key, field)``.
"""

from collections.abc import Callable, Iterable
from typing import Any

import streamlit as st
from sqlmodel import Session

from crm.actor import Actor
from crm.auth.sessions import SessionEnded
from crm.db import session_scope
from crm.errors import CrmError, StaleVersion, ValidationError
from crm.presentation.text import literal
from crm.services import submissions
from ui import failures
from ui.forms import ERRORS_KEY, clear_errors, field_error
from ui.runtime import get_engine

FEEDBACK_KEY = "_form_feedback"
GENERATIONS_KEY = "_form_generations"
TOKENS_KEY = "_form_tokens"
_SHOWN = "_shown_fields"
_VERSION = "_version"
_LOADED = "_loaded"
_PRESELECTED = "._preselected"  # ui.pickers.pick: a preselect already applied

PENDING_TOAST = "_form_toast"
REFUSED = "入力内容に誤りがあります。各項目のメッセージを確認してください。"


def generation(form_key: str) -> int:
    return st.session_state.get(GENERATIONS_KEY, {}).get(form_key, 0)


def instance(form_key: str) -> str:
    """The form's key in its current generation (the first generation keeps the plain key)."""
    number = generation(form_key)
    return form_key if number == 0 else f"{form_key}@{number}"


def key(form_key: str, field: str) -> str:
    return f"{instance(form_key)}.{field}"


def form(form_key: str, **kwargs: Any):
    """``st.form`` for this form's current generation."""
    return st.form(instance(form_key), **kwargs)


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
    st.session_state[key(form_key, _VERSION)] = version


def expected_version(form_key: str) -> int:
    """The version of the record the user started editing (see ``prefill``)."""
    return st.session_state[key(form_key, _VERSION)]


def seen_version(form_key: str) -> int | None:
    """Like ``expected_version`` for a form that may create its record (None: there was none)."""
    return st.session_state.get(key(form_key, _VERSION))


def reset(form_key: str, fields: Iterable[str] = ()) -> None:
    """Start the form afresh: its widgets are drawn empty (at their defaults) in the browser,
    and an edit form loads its record again. ``fields`` is accepted for readability at call
    sites; every widget of the form starts afresh."""
    del fields
    old = instance(form_key)
    st.session_state.setdefault(GENERATIONS_KEY, {})[form_key] = generation(form_key) + 1
    st.session_state.get(TOKENS_KEY, {}).pop(form_key, None)
    new = instance(form_key)
    for stale in [k for k in st.session_state if str(k).startswith(f"{old}.")]:
        # Widget values are cleaned up by Streamlit; these are the form's own notes.
        if str(stale).endswith((_LOADED, _VERSION)):
            del st.session_state[stale]
        elif str(stale).endswith(_PRESELECTED):
            # The record the link preselected (ui.pickers) went into the saved form: the new
            # form starts empty, not at that record again, or a second click on the button
            # saves the same thing twice (a follow-up for ?company=12, say).
            st.session_state[new + str(stale)[len(old) :]] = st.session_state.pop(stale)
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


def _token(form_key: str) -> str:
    tokens = st.session_state.setdefault(TOKENS_KEY, {})
    if form_key not in tokens:
        tokens[form_key] = submissions.new_token()
    return tokens[form_key]


def submit(
    form_key: str,
    action: Callable[[Session], Any],
    success: str | Callable[[Any], str],
    on_success: Callable[[Any], None] | None = None,
    *,
    actor: Actor | None = None,
    once: str | None = None,
) -> None:
    """Body of a submit button's ``on_click``: run ``action`` in one transaction.

    With ``once`` (the create form's token, bound when the button was drawn) and ``actor`` the
    write happens at most once. On success ``on_success(result)`` runs and the form starts
    afresh; on refusal nothing is written and the reasons are kept for ``error`` and
    ``feedback``."""
    clear_errors(form_key)
    # What the form shows next: its kind, its message and what that kind adds (changes, record).
    outcome: dict[str, Any]
    try:
        with session_scope(get_engine()) as session:
            if once is not None and actor is not None:
                result = submissions.once(session, actor, once, action)
            else:
                result = action(session)
    except SessionEnded as ended:
        from ui.session import end_session

        end_session(ended)
        return
    except ValidationError as refusal:
        st.session_state[ERRORS_KEY][form_key] = refusal.fields
        outcome = {"kind": "error", "message": REFUSED}
    except StaleVersion as conflict:
        # The user has now seen the other person's change: saving again overwrites it.
        st.session_state[key(form_key, _VERSION)] = conflict.current_version
        outcome = {"kind": "stale", "message": str(conflict), "changes": conflict.changes}
    except submissions.AlreadySaved as repeated:
        reset(form_key)
        outcome = {
            "kind": "already",
            "message": str(repeated),
            "record": (repeated.entity, repeated.entity_id),
        }
    except CrmError as refusal:
        outcome = {"kind": "error", "message": str(refusal)}
    except Exception as error:  # noqa: BLE001 - a callback's bug: nothing was written
        outcome = {"kind": "error", "message": failures.message(failures.report(error, form_key))}
    else:
        if on_success is not None:
            on_success(result)
        if once is not None:
            reset(form_key)
        message = success(result) if callable(success) else success
        outcome = {"kind": "success", "message": message}
        # Shown by the run that follows (``show_pending_toast``): a callback of a form in a
        # fragment must not draw, or Streamlit puts the element at the top of the app.
        st.session_state[PENDING_TOAST] = literal(message)
    st.session_state.setdefault(FEEDBACK_KEY, {})[form_key] = outcome


def show_pending_toast() -> None:
    """The last save's toast, in the full run after it (the entry script calls this)."""
    message = st.session_state.pop(PENDING_TOAST, None)
    if message:
        st.toast(message, icon="✅")


def rerun_page_after_a_save() -> None:
    """For a form in a fragment, at the fragment's start: typing and picking re-run only the
    fragment, but a save (its toast still to show) re-runs the whole page, whose lists and
    counts then show it."""
    if PENDING_TOAST in st.session_state:
        st.rerun(scope="app")


def submit_button(
    form_key: str,
    label: str,
    action: Callable[[Session], Any],
    success: str | Callable[[Any], str],
    on_success: Callable[[Any], None] | None = None,
    *,
    actor: Actor | None = None,
    creates: bool = False,
    **button: Any,
) -> bool:
    """The form's submit button. ``creates=True`` (with ``actor``) makes it a create form whose
    one-time token is bound here, when the form is drawn."""
    once = _token(form_key) if creates else None
    return st.form_submit_button(
        label,
        key=key(form_key, "_submit"),
        on_click=submit,
        args=(form_key, action, success, on_success),
        kwargs={"actor": actor, "once": once},
        **button,
    )


def just_sent(form_key: str) -> bool:
    """The form's last submit has an outcome still to show: a folding container holding the
    form stays open, so the outcome (and the form, now empty) is in sight."""
    return form_key in st.session_state.get(FEEDBACK_KEY, {})


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
        st.success(literal(outcome["message"]), icon="✅")
        del st.session_state[FEEDBACK_KEY][form_key]
        return
    if outcome["kind"] == "already":
        from ui.links import saved_record

        st.info(literal(outcome["message"]), icon="ℹ️")
        saved_record(*outcome["record"])
        del st.session_state[FEEDBACK_KEY][form_key]
        return
    st.error(literal(outcome["message"]), icon="🚫")
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
        st.error(literal(f"{labels.get(field, field)}: {reason}"), icon="⚠️")


def _text(item: Any) -> str:
    return literal(item)  # st.table cells are Markdown
