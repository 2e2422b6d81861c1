"""Record lists whose cells can link to other records, and paging for long lists."""

import math
from collections.abc import Sequence

import streamlit as st

from crm.actor import Actor
from ui.links import Link, show
from ui.text import literal

Cell = str | Link | None


def grid(
    actor: Actor,
    header: Sequence[str],
    rows: Sequence[Sequence[Cell]],
    widths: Sequence[float] | None = None,
    empty: str = "該当する記録はありません。",
) -> None:
    """A table drawn with columns, so a cell can be a link that keeps the session."""
    if not rows:
        st.info(empty)
        return
    spec = list(widths or [1] * len(header))
    with st.container(border=True):
        for column, title in zip(st.columns(spec), header, strict=True):
            column.markdown(f"**{literal(title)}**")
        for row in rows:
            for column, cell in zip(st.columns(spec), row, strict=True):
                with column:
                    if isinstance(cell, Link):
                        show(actor, cell)
                    elif cell not in (None, ""):
                        st.markdown(literal(cell))


def paginate(total: int, key: str, page_size: int = 20, reset_on: object = None) -> int:
    """Draw page buttons for ``total`` rows; returns the offset of the chosen page.

    ``reset_on`` is whatever selects the rows (e.g. the search text): when it changes, the
    list starts again at page 1."""
    marker = f"{key}._filter"
    if st.session_state.get(marker, reset_on) != reset_on:
        st.session_state.pop(key, None)
    st.session_state[marker] = reset_on
    pages = max(1, math.ceil(total / page_size))
    if st.session_state.get(key, 1) > pages:
        st.session_state.pop(key, None)
    page = st.pagination(pages, key=key) if pages > 1 else 1
    first = (page - 1) * page_size
    if total:
        st.caption(f"全 {total:,} 件中 {first + 1:,}〜{min(first + page_size, total):,} 件")
    return first
