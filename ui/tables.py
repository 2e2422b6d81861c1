"""Every table of numbers a page draws, shown one way (``crm.presentation.table_formats``): the
first column frozen, rates with one decimal and %, other numbers with separators, numbers
right-aligned, and every row visible up to ``MAX_ROWS`` (all 46 hubs, a year of months)."""

from collections.abc import Mapping
from typing import Any, Literal

import pandas as pd
import streamlit as st

from crm.presentation.table_formats import PERCENT, TEXT, column_kind, presented

MAX_ROWS = 50
ROW_PX = 35  # Streamlit's row height; the header is one row more


def height_for(rows: int) -> int | Literal["auto"]:
    """Tall enough for every row up to ``MAX_ROWS`` (Streamlit shows ten by default)."""
    return "auto" if rows <= 10 else (min(rows, MAX_ROWS) + 1) * ROW_PX + 3


def show(
    frame: pd.DataFrame,
    *,
    help: Mapping[str, str] | None = None,
    pin_first: bool = True,
    key: str | None = None,
) -> None:
    help = help or {}
    config: dict[str, Any] = {}
    for index, name in enumerate(frame.columns):
        kind = column_kind(str(name), frame[name])
        pinned = pin_first and index == 0
        if kind == TEXT:
            config[name] = st.column_config.TextColumn(
                str(name), help=help.get(name), pinned=pinned
            )
        else:
            config[name] = st.column_config.NumberColumn(
                str(name),
                help=help.get(name),
                pinned=pinned,
                format="%.1f%%" if kind == PERCENT else "localized",
                alignment="right",
            )
    st.dataframe(
        presented(frame),
        hide_index=True,
        width="stretch",
        height=height_for(len(frame)),
        column_config=config,
        key=key,
        placeholder="—",
    )
