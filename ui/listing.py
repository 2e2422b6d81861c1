"""Record lists whose cells can link to other records, and paging for long lists."""

import hashlib
import html
import math
import re
from collections.abc import Callable, Sequence
from pathlib import PurePosixPath
from urllib.parse import urlencode

import pandas as pd
import streamlit as st

from crm.actor import Actor
from ui.links import Link, can_open

Cell = str | Link | None


# A list is one table (``st.dataframe``): a page of 50 rows is one element instead of the
# ~900 a grid of columns drew, which is what made every list page 8-16 times the framework's
# floor. A click on a cell that names another record (a ``Link``) opens it inside the app
# (``st.switch_page``), keeping the session. At phone width the same rows are drawn as compact
# cards (one ``st.html`` element, every text escaped) whose names are links to the record's
# address; the browser's session cookie signs the new page in.
PHONE_WIDTH = 640
TABLE = "crm-table-"
CARDS = "crm-cards"
CARD = "crm-card"
# Today's tasks (ui.today) keep their rows of widgets, drawn as cards at phone width too:
# Streamlit sizes a column's blocks as flex items, so in a card they are inline blocks
# instead, and empty cells take no room.
_TODAY = '[class*="st-key-today-row-"]'
_IN_CELL = ' [data-testid="stColumn"] '
_STYLE = f"""<style>
.{CARDS} {{ display: none; }}
@media (max-width: {PHONE_WIDTH}px) {{
  [class*="st-key-{TABLE}"] {{ display: none; }}
  [class*="st-key-today-head"] {{ display: none; }}
  .{CARDS} {{ display: flex; flex-direction: column; gap: 0.4rem; }}
  .{CARD}, [class*="st-key-today-row-"] {{
    border: 1px solid rgba(49, 51, 63, 0.25); border-radius: 0.5rem;
    padding: 0.3rem 0.6rem; gap: 0;
  }}
  .{CARD} {{ display: flex; flex-flow: row wrap; gap: 0.1rem 0.8rem; align-items: baseline;
    font-size: 0.875rem; line-height: 1.4; }}
  .{CARD} small {{ font-size: 0.7rem; opacity: 0.7; margin-right: 0.3rem; }}
  .{CARD} a {{ text-decoration: underline; }}
  {_TODAY} [data-testid="stHorizontalBlock"] {{
    flex-flow: row wrap; gap: 0.1rem 0.8rem; align-items: baseline;
  }}
  {_TODAY} [data-testid="stColumn"] {{
    flex: 0 1 auto !important; width: auto !important; min-width: 0 !important;
    max-width: 100%;
  }}
  {_TODAY} [data-testid="stColumn"]:not(:has([data-testid="stElementContainer"])) {{
    display: none;
  }}
  {_TODAY}{_IN_CELL}[data-testid="stVerticalBlock"] {{
    display: block; min-width: 0; width: auto;
  }}
  {_TODAY}{_IN_CELL}[data-testid="stLayoutWrapper"],
  {_TODAY}{_IN_CELL}[data-testid="stElementContainer"] {{
    display: inline-block; vertical-align: baseline; width: auto !important; min-width: 0;
    margin-right: 0.3rem;
  }}
  {_TODAY} p {{ margin: 0; line-height: 1.4; font-size: 0.875rem; }}
  {_TODAY} [data-testid="stButton"] button {{ min-height: 0; padding: 0 0.6rem; }}
  [data-testid="stVerticalBlock"]:has(> {_TODAY}) {{ gap: 0.4rem; }}
}}
</style>"""
# A column whose every value reads as a figure is right-aligned.
_FIGURE = re.compile(r"^[-+−]?[\d,]+(\.\d+)?\s?(%|件|人|名|社|円|万円|日|か月|ポイント)?$")


def card_style() -> None:
    """The lists' style, beside each list: a list in a fragment keeps it when only the
    fragment re-runs (a style drawn once per page elsewhere would be gone then)."""
    st.html(_STYLE)


def _text(cell: Cell) -> str:
    if cell is None:
        return ""
    return cell.label if isinstance(cell, Link) else str(cell)


def _pixels(text: str) -> int:
    # A character beyond ASCII takes 2-3 bytes in UTF-8 and the Japanese ones of a list are
    # full-width, so (bytes - characters) / 2 counts them without a loop over the characters.
    wide = (len(text.encode()) - len(text)) // 2
    return wide * 15 + (len(text) - wide) * 8


def _width(texts: Sequence[str]) -> int:
    """Pixels for the widest text (a full-width character about twice a half-width one), so
    that dates and names are not cut; long texts stop at a width a screen can hold."""
    widest = max(map(_pixels, texts), default=0)
    return max(64, min(340, widest + 28))


def _href(link: Link) -> str:
    stem = PurePosixPath(link.page).stem
    query = urlencode({k: str(v) for k, v in link.params.items()})
    return f"{stem}?{query}" if query else stem


def _cards(actor: Actor, header: Sequence[str], rows: Sequence[Sequence[Cell]]) -> str:
    """The rows as cards for a phone: each value after its column's name in small type."""
    cards = []
    for row in rows:
        parts = []
        for title, cell in zip(header, row, strict=True):
            text = _text(cell)
            if not text:
                continue
            value = html.escape(text)
            if isinstance(cell, Link) and can_open(actor, cell.page):
                value = f'<a href="{html.escape(_href(cell))}">{value}</a>'
            parts.append(
                f'<span class="crm-cell"><small>{html.escape(title)}</small>'
                f'<span class="crm-value">{value}</span></span>'
            )
        cards.append(f'<div class="{CARD}">{"".join(parts)}</div>')
    return f'<div class="{CARDS}">{"".join(cards)}</div>'


def _headings(header: Sequence[str]) -> list[str]:
    """Column names of the table: unique, as a frame needs (two columns may share a title)."""
    seen: dict[str, int] = {}
    names = []
    for title in header:
        seen[title] = seen.get(title, 0) + 1
        names.append(title if seen[title] == 1 else f"{title}（{seen[title]}）")
    return names


def _tip(linked: bool, sorts: bool) -> str | None:
    tips = ["名前をクリックすると開きます"] * linked + [
        "見出しをクリックすると並べ替えます"
    ] * sorts
    return "。".join(tips) or None


def grid(
    actor: Actor,
    header: Sequence[str],
    rows: Sequence[Sequence[Cell]],
    widths: Sequence[float] | None = None,
    empty: str = "該当する記録はありません。",
    key: str | None = None,
    sort_by: Callable[[int], None] | None = None,
    sortable: Sequence[int] = (),
) -> None:
    """A page of records as one table; a cell that names a record opens it when clicked.
    With ``sort_by``, a click on the heading of a ``sortable`` column calls it with the
    column's position (the rows are sorted in the database, never only the page on screen).
    ``key`` tells two tables with the same columns on one page apart."""
    if not rows:
        st.info(empty)
        return
    del widths  # the table sizes each column by its texts
    names = _headings(header)
    texts = [[_text(cell) for cell in row] for row in rows]
    links = {
        (r, names[c]): cell
        for r, row in enumerate(rows)
        for c, cell in enumerate(row)
        if isinstance(cell, Link) and can_open(actor, cell.page)
    }
    linked = {name for _r, name in links}
    config = {}
    for c, name in enumerate(names):
        column = [t for t in (row[c] for row in texts) if t]
        figures = bool(column) and all(_FIGURE.match(t) for t in column)
        config[name] = st.column_config.TextColumn(
            header[c],
            width=_width([header[c], *column]),
            pinned=c == 0,
            alignment="right" if figures else "left",
            help=_tip(name in linked, sort_by is not None and c in sortable),
        )
    frame = pd.DataFrame(texts, columns=names)
    digest = hashlib.sha1("|".join(header).encode()).hexdigest()[:8]
    name = f"{TABLE}{key or digest}"
    # A heading click selects the column in the browser; the table is drawn afresh (a new
    # key) after it, so that the next click on the same heading is a click again.
    generation = f"{name}-generation"
    state = f"{name}-cells-{st.session_state.get(generation, 0)}"

    def heading_clicked() -> None:
        chosen = st.session_state[state].selection.columns
        if not chosen:
            return  # a cell: opened below, in the run
        st.session_state[generation] = st.session_state.get(generation, 0) + 1
        if sort_by is not None and chosen[0] in names:
            position = names.index(chosen[0])
            if position in sortable:
                sort_by(position)

    card_style()
    with st.container(key=name):
        event = st.dataframe(
            frame,
            hide_index=True,
            column_config=config,
            key=state,
            on_select=heading_clicked if sort_by is not None else "rerun",
            selection_mode=["single-cell", "single-column"] if sort_by else "single-cell",
            height="content",
            placeholder="—",
        )
    st.html(_cards(actor, header, rows))
    for cell in event.selection.cells:
        link = links.get((cell[0], cell[1]))
        if link is not None:
            st.switch_page(link.page, query_params={k: str(v) for k, v in link.params.items()})


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
