"""Filters that hold across pages for the session and travel in the page's link.

Streamlit forgets a widget's value when a page without that widget runs, so the value of a kept
widget is also stored under a shadow key and put back when a page draws the widget again. It is
also written to the address bar as a query parameter, so a copied link (or a reload) opens the
page with the same filters. A link's value wins when a page is opened from it; while the user
stays on a page, the widget's own value wins.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from crm.presentation.text import literal

SHADOW = "_kept."
DRAWN_ON = "_kept_page."
SEPARATOR = ","


@dataclass(frozen=True)
class Kept:
    """A widget (``key``) kept under the query parameter ``param``.

    ``many``: a multiselect (a list in the widget, comma-separated in the link); ``pair``: a
    range slider (two values); otherwise one value. ``parse`` turns one text item of the link
    into an option (raising ValueError for text that is none)."""

    key: str
    param: str
    parse: Callable[[str], Any] = str
    many: bool = False
    pair: bool = False

    def dump(self, value: Any) -> str:
        if self.many or self.pair:
            return SEPARATOR.join(str(item) for item in value or ())
        return "" if value is None else str(value)

    def load(self, text: str) -> Any:
        if self.many or self.pair:
            items = [self.parse(item) for item in text.split(SEPARATOR) if item.strip()]
            if self.pair:
                if len(items) != 2:
                    raise ValueError(text)
                return tuple(items)
            return items
        return self.parse(text)


def unreadable(param: str, text: str) -> None:
    """Say that the link's ``?param=text`` is not used (shortened: a link may be long)."""
    shown = text if len(text) <= 40 else f"{text[:40]}…"
    st.caption(literal(f"リンクの絞り込み「{param}={shown}」は読み取れないため使いません。"))


def linked(param: str, options: Sequence[str]) -> str | None:
    """The address's ``?param=`` when it is one of ``options``, else None; a value that is
    none of them (an unknown hub code, a number out of range, any text) is not used, and the
    page says so."""
    text = st.query_params.get(param)
    if text is None:
        return None
    if text in options:
        return text
    unreadable(param, text)
    return None


def _page() -> str:
    ctx = get_script_run_ctx()
    return ctx.page_script_hash if ctx is not None else ""


def _fits(kept: Kept, value: Any, options: Sequence[Any]) -> Any:
    """``value`` limited to what the widget offers now; None when nothing of it fits."""
    allowed = list(options)
    if kept.many:
        return [item for item in value if item in allowed]
    if kept.pair:
        return value if all(item in allowed for item in value) else None
    return value if value in allowed else None


def restore(kept: Kept, options: Sequence[Any], default: Any = None) -> Any:
    """Call right before drawing the widget; returns the value to draw it with (its
    ``default``/``index``/``value`` argument).

    When the page is opened, that is the link's value, else the session's, else ``default``;
    while the user stays on the page, the widget's own value. It is always within ``options``.
    The widget's state is dropped when the value comes from elsewhere, so that Streamlit draws
    the given value (setting the state instead would not make a slider a range)."""
    state = st.session_state
    arrived = state.get(DRAWN_ON + kept.key) != _page()
    if not arrived and kept.key in state:
        current = _fits(kept, state[kept.key], options)
        if current is not None:
            if current != state[kept.key]:
                del state[kept.key]
            return current
    value: Any = None
    text = st.query_params.get(kept.param)
    if arrived and text is not None:
        try:
            value = _fits(kept, kept.load(text), options)
        except ValueError:
            value = None
        if value is None or (kept.many and not value and text.strip()):
            unreadable(kept.param, text)
            value = None
    if value is None and state.get(SHADOW + kept.key) is not None:
        value = _fits(kept, state[SHADOW + kept.key], options)
    if value is None:
        value = default
    state.pop(kept.key, None)
    return value


def remember(kept: Kept, default: Any = None) -> None:
    """Call right after drawing the widget: keep its value for the session and in the link
    (a default value leaves the link clean)."""
    state = st.session_state
    value = state.get(kept.key)
    state[SHADOW + kept.key] = value
    state[DRAWN_ON + kept.key] = _page()
    text = kept.dump(value)
    if text and value != default:
        if st.query_params.get(kept.param) != text:
            st.query_params[kept.param] = text
    elif kept.param in st.query_params:
        del st.query_params[kept.param]
