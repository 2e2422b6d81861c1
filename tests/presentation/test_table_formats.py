"""One presentation for every table of numbers (crm.presentation.table_formats, ui.tables):
rates with one decimal and %, other numbers with separators and fractions to one decimal,
months in words, the first column frozen, every row of 46 hubs visible."""

import pandas as pd

from crm.presentation.table_formats import NUMBER, PERCENT, TEXT, column_kind, presented
from ui.tables import MAX_ROWS, ROW_PX, height_for


def test_each_column_is_shown_by_what_it_holds():
    frame = pd.DataFrame(
        {
            "拠点": ["北海道", "青森県"],
            "相談": [1234, 5],
            "相談進捗率": [158.1644, 110.6444],
            "相談（按分目標）": [4567.891, None],
            "月": ["2026-11", "2026-04"],
        }
    )
    kinds = {name: column_kind(name, frame[name]) for name in frame.columns}
    assert kinds == {
        "拠点": TEXT,
        "相談": NUMBER,
        "相談進捗率": PERCENT,
        "相談（按分目標）": NUMBER,
        "月": TEXT,
    }
    shown = presented(frame)
    assert list(shown["相談進捗率"]) == [158.2, 110.6]
    assert shown["相談（按分目標）"].iloc[0] == 4567.9
    assert list(shown["月"]) == ["2026年11月", "2026年4月"]
    assert list(shown["相談"]) == [1234, 5]  # whole numbers stay whole
    assert list(frame["相談進捗率"]) == [158.1644, 110.6444]  # the caller's frame is untouched


def test_a_table_of_every_hub_shows_every_row():
    assert height_for(5) == "auto"  # a short table sizes itself
    assert height_for(46) >= 47 * ROW_PX  # 46 hubs and the header, none cut
    assert height_for(10_000) == (MAX_ROWS + 1) * ROW_PX + 3
