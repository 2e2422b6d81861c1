"""How a table's values are shown, by what each column holds: one rule for every table a page
draws (``ui.tables.show``), so that no table shows 158.1644 beside another's 124%.

- a rate (a column whose name ends in 率, in percent) with one decimal and %: 58.3%;
- any other number with thousands separators, a fraction to one decimal: 1,234 and 158.2;
- a month (YYYY-MM) as 2026年11月;
- text as it is."""

import pandas as pd
from pandas.api.types import is_numeric_dtype

PERCENT, NUMBER, TEXT = "percent", "number", "text"
MONTH_COLUMNS = frozenset({"月"})


def column_kind(name: str, series: pd.Series) -> str:
    if name.endswith("率"):
        return PERCENT  # a rate, even in a column whose every value is still missing
    if pd.api.types.is_bool_dtype(series):
        return TEXT
    if is_numeric_dtype(series):
        return NUMBER
    values = series.dropna()
    numbers = values.map(lambda v: isinstance(v, int | float) and not isinstance(v, bool))
    return NUMBER if len(values) and numbers.all() else TEXT


def month_label(key: str) -> str:
    """2026-11 as 2026年11月."""
    year, _, month = str(key).partition("-")
    return f"{year}年{int(month)}月" if month.isdigit() else str(key)


def presented(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame as a table shows it: fractions rounded to one decimal, months in words."""
    shown = frame.copy()
    for name in shown.columns:
        series = shown[name]
        if column_kind(str(name), series) != TEXT:
            numbers = pd.to_numeric(series, errors="coerce")
            if pd.api.types.is_float_dtype(numbers):
                shown[name] = numbers.round(1)
        elif name in MONTH_COLUMNS:
            shown[name] = series.map(month_label)
    return shown
