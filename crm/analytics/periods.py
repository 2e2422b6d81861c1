"""Two rules every page, report and export shares, so that no two places disagree:

- **Which year's targets**: the targets of the fiscal year the selected period belongs to, that
  is the fiscal year of the period's last counted day (its end, or today when the period runs
  on into the future or has no end). ``target_year``.
- **As-of labels**: a figure for a closed month reads 「2026年11月末現在」; for the month in
  progress it reads 「12/01 現在」 (today's date, Japan time), never the month's end.
  ``as_of_label``.
"""

import calendar
import datetime as dt
from dataclasses import dataclass

from crm.timeutil import fiscal_year, fiscal_year_bounds, today_jst


@dataclass(frozen=True)
class TargetYear:
    fiscal_year: int
    as_of: dt.date  # the last day counted: progress is pro-rated to it

    @property
    def statement(self) -> str:
        """The rule as the pages state it."""
        return (
            f"目標は{self.fiscal_year}年度（選んだ期間が属する年度）の承認済み目標で、"
            f"{self.as_of:%Y/%m/%d}時点に按分しています"
        )


def last_counted_day(until: dt.date | None, today: dt.date | None = None) -> dt.date:
    """The period's last day, but never after today (JST)."""
    today = today or today_jst()
    return today if until is None else min(until, today)


def target_year(until: dt.date | None, today: dt.date | None = None) -> TargetYear:
    """The fiscal year whose targets apply to a period ending ``until`` (None: open-ended)."""
    as_of = last_counted_day(until, today)
    return TargetYear(fiscal_year(as_of), as_of)


def fiscal_year_to_date(fy: int, today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """First day of fiscal year ``fy`` and its last counted day (today while it runs)."""
    start, end = fiscal_year_bounds(fy)
    return start, last_counted_day(end, today)


def as_of_label(day: dt.date, today: dt.date | None = None) -> str:
    """「2026年11月末現在」 for a day that closes its month before today's month,
    「12/01 現在」 for today or later (the month in progress, as of today),
    「2026年11月15日現在」 for any other past day."""
    today = today or today_jst()
    if day >= today:
        return f"{today:%m/%d} 現在"
    if day.day == calendar.monthrange(day.year, day.month)[1]:
        return f"{day.year}年{day.month}月末現在"
    return f"{day.year}年{day.month}月{day.day}日現在"


def month_as_of_label(
    month: str, until: dt.date | None = None, today: dt.date | None = None
) -> str:
    """The label of a monthly figure for ``month`` (``YYYY-MM``) counted up to ``until``."""
    first = dt.date.fromisoformat(f"{month}-01")
    end = first.replace(day=calendar.monthrange(first.year, first.month)[1])
    if until is not None:
        end = min(end, until)
    return as_of_label(last_counted_day(end, today), today)
