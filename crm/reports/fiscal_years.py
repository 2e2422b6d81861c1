"""One name for each fiscal year in every report, and a separate statement of the days counted.

A fiscal year is always called 「2015年度」: in headers, in the year table, in the summary and in
the PDF. Which of its days a report counts is said apart (「2016年1月〜3月」, 「2020年4月〜11月」,
「2026年4月〜12月1日」), so that the same year is never written two ways in one document (the
2016-03 report once had 「2015年度（4月〜3月31日）」 beside 「2015年度（2016年1〜3月）」).
"""

import calendar
import datetime as dt

from crm.timeutil import fiscal_year_bounds

# The programme began in January 2016 (the seed's series starts there), so fiscal year 2015
# counts only January to March 2016.
PROGRAMME_START = dt.date(2016, 1, 1)


def fiscal_year_label(fy: int) -> str:
    """「2015年度」."""
    return f"{fy}年度"


def _month_end(day: dt.date) -> bool:
    return day.day == calendar.monthrange(day.year, day.month)[1]


def counted_span(fy: int, as_of: dt.date) -> str:
    """The days of fiscal year ``fy`` a report as of ``as_of`` counts: from its first month
    (never before the programme began) to ``as_of``, a whole month written as the month."""
    first, last = fiscal_year_bounds(fy)
    first, last = max(first, PROGRAMME_START), min(last, as_of)
    whole = _month_end(last)
    if whole and (last.year, last.month) == (first.year, first.month):
        return f"{first.year}年{first.month}月"
    end = f"{last.month}月" if whole else f"{last.month}月{last.day}日"
    if last.year != first.year:
        end = f"{last.year}年{end}"
    return f"{first.year}年{first.month}月〜{end}"
