"""Reading AppTest trees for the hub pages: messages next to widgets, links, grid cells."""

import html
import re
from urllib.parse import parse_qsl

from streamlit.testing.v1.element_tree import Block

from ui.listing import CARDS

_ANCHOR = re.compile(r'<a href="([^"]*)">([^<]*)</a>')


def _blocks(node):
    if isinstance(node, Block):
        yield node
        for child in node.children.values():
            yield from _blocks(child)


def message_under(at, key: str) -> str | None:
    """The error shown directly under the widget with ``key`` (None when there is none)."""
    for block in _blocks(at.main):
        children = list(block.children.values())
        for index, node in enumerate(children):
            if getattr(node, "key", None) == key:
                following = children[index + 1] if index + 1 < len(children) else None
                if following is not None and following.type == "error":
                    return following.value
                return None
    raise AssertionError(f"no widget with key {key!r} on the page")


def links(at) -> list[tuple[str, str, dict]]:
    """(label, page, query params) of every page link in the page's body (the sidebar's
    今日やること link is not part of a page)."""
    found = []
    for link in at.main.get("page_link"):
        params = (
            dict(part.split("=", 1) for part in link.proto.query_string.split("&") if part)
            if link.proto.query_string
            else {}
        )
        found.append((link.value, link.proto.page, params))
    # A list's links are the names in its cards (ui.listing.grid), the table's cells open the
    # same records when clicked.
    for cards in at.main.get("html"):
        if CARDS not in cards.value:
            continue
        for href, label in _ANCHOR.findall(cards.value):
            stem, _, query = html.unescape(href).partition("?")
            found.append((html.unescape(label), f"pages/{stem}.py", dict(parse_qsl(query))))
    return found


def link_labels(at) -> list[str]:
    return [label for label, _page, _params in links(at)]


def grid_rows(at) -> list[dict[str, str]]:
    """The rows of the page's lists as drawn (ui.listing.grid): each cell by its column's
    name (an empty cell is absent)."""
    rows = []
    for frame in at.main.get("dataframe"):
        if not str(frame.key or "").startswith("crm-table-"):
            continue
        data = frame.value
        for record in data.to_dict("records"):
            rows.append({str(k): str(v) for k, v in record.items() if v not in ("", None)})
    return rows


def texts(at) -> list[str]:
    """Every markdown text of the page, and every cell of its lists."""
    cells = [value for row in grid_rows(at) for value in row.values()]
    return [m.value for m in at.markdown] + cells


def errors(at) -> list[str]:
    return [e.value for e in at.error]


def submit(at, label: str):
    """Click the form submit button with this label and rerun."""
    matches = [b for b in at.button if b.label == label]
    assert matches, f"no button {label!r}: {[b.label for b in at.button]}"
    return matches[0].click().run()


def frame_with(at, column: str):
    """The (only) dataframe that has this column, as a pandas DataFrame."""
    frames = [frame.value for frame in at.dataframe if column in frame.value.columns]
    assert len(frames) == 1, f"{len(frames)} dataframes with column {column!r}"
    return frames[0]


def open_panel(at, list_name: str):
    """Open a list's 並べ替え・絞り込み panel (ui.record_list builds its widgets only while it
    is open), as a click on it does."""
    at.session_state[f"{list_name}.view.panel"] = True
    return at.run()


def open_saving(at, list_name: str):
    """Open a list's 「表示を保存」 popover (built only while open)."""
    at.session_state[f"{list_name}.view.save.open"] = True
    return at.run()
