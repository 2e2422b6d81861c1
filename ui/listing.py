"""Record lists whose cells can link to other records, and paging for long lists."""

import math
from collections.abc import Sequence

import streamlit as st

from crm.actor import Actor
from crm.presentation.text import literal
from ui.links import Link, show

Cell = str | Link | None


# At phone width Streamlit stacks a row's columns into one column of unlabelled cells; there
# each row becomes a card (a bordered block) whose cells carry their column's name, and the
# header row is hidden. On wider screens the labels are hidden and the header row shows.
PHONE_WIDTH = 640
GRID_STYLE = f"""<style>
@media (max-width: {PHONE_WIDTH}px) {{
  [class*="st-key-crm-grid-head-"] {{ display: none; }}
  [class*="st-key-crm-grid-row-"] {{
    border: 1px solid rgba(49, 51, 63, 0.25); border-radius: 0.5rem; padding: 0.5rem 0.75rem;
  }}
}}
@media (min-width: {PHONE_WIDTH + 1}px) {{
  [class*="st-key-crm-cell-label-"] {{ display: none; }}
}}
</style>"""
COUNTER = "_grid_count"


def start_run() -> None:
    """Number the run's grids from the start (the entry script calls this on every run)."""
    st.session_state[COUNTER] = 0


def _next_grid() -> int:
    number = st.session_state.get(COUNTER, 0) + 1
    st.session_state[COUNTER] = number
    return number


def grid(
    actor: Actor,
    header: Sequence[str],
    rows: Sequence[Sequence[Cell]],
    widths: Sequence[float] | None = None,
    empty: str = "該当する記録はありません。",
) -> None:
    """A table drawn with columns, so a cell can be a link that keeps the session; a card per
    row at phone width."""
    if not rows:
        st.info(empty)
        return
    number = _next_grid()
    if number == 1:
        st.html(GRID_STYLE)
    spec = list(widths or [1] * len(header))
    with st.container(border=True):
        with st.container(key=f"crm-grid-head-{number}"):
            for column, title in zip(st.columns(spec), header, strict=True):
                column.markdown(f"**{literal(title)}**")
        for r, row in enumerate(rows):
            with st.container(key=f"crm-grid-row-{number}-{r}"):
                for c, (column, cell) in enumerate(zip(st.columns(spec), row, strict=True)):
                    with column:
                        if cell in (None, ""):
                            continue
                        with st.container(key=f"crm-cell-label-{number}-{r}-{c}"):
                            st.caption(literal(header[c]))
                        if isinstance(cell, Link):
                            show(actor, cell)
                        else:
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
