"""Record lists whose cells can link to other records, and paging for long lists."""

import math
from collections.abc import Sequence

import streamlit as st

from crm.actor import Actor
from crm.presentation.text import literal
from ui.links import Link, show

Cell = str | Link | None


# At phone width Streamlit stacks a row's columns into one column of unlabelled cells; there
# each row becomes a compact card (a bordered block) whose cells carry their column's name in
# small type and flow side by side, wrapping as they must, so that a screen of 844 px shows six
# records or more; the header row is hidden. On wider screens the labels are hidden and the
# header row shows. 今日やること (ui.today) draws its rows as the same cards.
PHONE_WIDTH = 640
CARD_ROWS = ('[class*="st-key-crm-grid-row-"]', '[class*="st-key-today-row-"]')
HEADS = ('[class*="st-key-crm-grid-head-"]', '[class*="st-key-today-head"]')


def _each(selectors: tuple[str, ...], suffix: str = "") -> str:
    return ", ".join(f"{s}{suffix}" for s in selectors)


# Streamlit sizes a column's blocks as flex items (a basis of 0 in a column of unknown
# height), so in a card they are laid out as inline blocks instead, and empty cells take no
# room.
_IN_CELL = ' [data-testid="stColumn"] '
GRID_STYLE = f"""<style>
@media (max-width: {PHONE_WIDTH}px) {{
  {_each(HEADS)} {{ display: none; }}
  {_each(CARD_ROWS)} {{
    border: 1px solid rgba(49, 51, 63, 0.25); border-radius: 0.5rem;
    padding: 0.3rem 0.6rem; gap: 0;
  }}
  {_each(CARD_ROWS, ' [data-testid="stHorizontalBlock"]')} {{
    flex-flow: row wrap; gap: 0.1rem 0.8rem; align-items: baseline;
  }}
  {_each(CARD_ROWS, ' [data-testid="stColumn"]')} {{
    flex: 0 1 auto !important; width: auto !important; min-width: 0 !important;
    max-width: 100%;
  }}
  {_each(CARD_ROWS, ' [data-testid="stColumn"]:not(:has([data-testid="stElementContainer"]))')} {{
    display: none;
  }}
  {_each(CARD_ROWS, _IN_CELL + '[data-testid="stVerticalBlock"]')} {{
    display: block; min-width: 0; width: auto;
  }}
  {_each(CARD_ROWS, _IN_CELL + '[data-testid="stLayoutWrapper"]')},
  {_each(CARD_ROWS, _IN_CELL + '[data-testid="stElementContainer"]')},
  {_each(CARD_ROWS, _IN_CELL + '[class*="st-key-crm-cell-label-"]')} {{
    display: inline-block; vertical-align: baseline; width: auto !important; min-width: 0;
    margin-right: 0.3rem;
  }}
  {_each(CARD_ROWS, " p")} {{ margin: 0; line-height: 1.4; font-size: 0.875rem; }}
  {_each(CARD_ROWS, ' [data-testid="stPageLink"] a')} {{ padding: 0; margin: 0; }}
  {_each(CARD_ROWS, ' [data-testid="stButton"] button')} {{
    min-height: 0; padding: 0 0.6rem;
  }}
  [class*="st-key-crm-cell-label-"] p {{ font-size: 0.7rem; }}
  [data-testid="stVerticalBlock"]:has({_each(tuple("> " + s for s in CARD_ROWS))}) {{
    gap: 0.4rem;
  }}
}}
@media (min-width: {PHONE_WIDTH + 1}px) {{
  [class*="st-key-crm-cell-label-"] {{ display: none; }}
}}
</style>"""
COUNTER = "_grid_count"


def card_style() -> None:
    """The cards' style, beside each list: a list in a fragment keeps it when only the
    fragment re-runs (a style drawn once per page elsewhere would be gone then)."""
    st.html(GRID_STYLE)


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
    card_style()
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
