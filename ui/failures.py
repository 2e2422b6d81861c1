"""An unexpected error never shows a traceback: the user reads a Japanese message with a
reference, and the server log carries the same reference with the traceback.

Expected refusals (``crm.errors.CrmError``) are shown where they happen (``ui.forms``); this
is the net under everything else: a bug, a database that went away, a full disk.
"""

import logging
import secrets
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st

from crm.db_timeouts import DatabaseUnavailable

LOG = logging.getLogger("crm.app")


def _log_to_stderr() -> None:
    """The server's log is its standard error (``streamlit run`` and uvicorn write theirs
    there too); without a handler Python would print only the message, not the traceback."""
    if not LOG.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        LOG.addHandler(handler)
        LOG.setLevel(logging.INFO)
        LOG.propagate = False


_log_to_stderr()


def new_reference() -> str:
    """A short reference a user can read out on the phone, e.g. ``E-3F9A1C2B``."""
    return "E-" + secrets.token_hex(4).upper()


def message(reference: str) -> str:
    return (
        "予期しないエラーが発生しました。お手数ですが、もう一度操作してください。"
        f"続くときは、管理者に参照番号「{reference}」をお伝えください。"
    )


def report(error: BaseException, where: str) -> str:
    """Log ``error`` with its traceback under a new reference; returns the reference."""
    reference = new_reference()
    LOG.error("unexpected error %s in %s", reference, where, exc_info=error)
    return reference


@contextmanager
def reported(where: str) -> Iterator[None]:
    """Run a page (or the app's frame): an unexpected error ends the run with the message.

    Streamlit's own st.stop / st.rerun / st.switch_page are BaseExceptions and pass through."""
    try:
        yield
    except DatabaseUnavailable as error:  # a fault of the link, not a bug: no reference
        LOG.warning("database unavailable in %s: %r", where, error.__cause__)
        st.error(str(error), icon="🚫")
        st.stop()
    except Exception as error:  # noqa: BLE001 - the net under every page
        st.error(message(report(error, where)), icon="🚫")
        st.stop()
