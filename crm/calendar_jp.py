"""Japanese business days and dates written the Japanese way.

A business day (営業日) is a weekday that is neither a public holiday (祝日, including
substitute and citizens' holidays, from the ``jpholiday`` package) nor part of the year-end
break (年末年始, 12/29 – 1/3, our convention, as most offices and public bodies close then).
Due dates that land on another day move forward to the next business day.
"""

import datetime as dt

import jpholiday

# A placement's first follow-up is due about one quarter later (our convention), on a
# business day.
FOLLOW_UP_AFTER = dt.timedelta(days=90)

WEEKDAYS_JA = ("月", "火", "水", "木", "金", "土", "日")


def is_year_end_break(day: dt.date) -> bool:
    """12/29 – 12/31 and 1/1 – 1/3."""
    return (day.month == 12 and day.day >= 29) or (day.month == 1 and day.day <= 3)


def is_business_day(day: dt.date) -> bool:
    return day.weekday() < 5 and not jpholiday.is_holiday(day) and not is_year_end_break(day)


def next_business_day(day: dt.date) -> dt.date:
    """``day`` itself when it is a business day, else the first business day after it."""
    while not is_business_day(day):
        day += dt.timedelta(days=1)
    return day


def follow_up_due(placed_on: dt.date) -> dt.date:
    """When a placement's first follow-up is due: 90 days later, on a business day."""
    return next_business_day(placed_on + FOLLOW_UP_AFTER)


def weekday_ja(day: dt.date) -> str:
    return WEEKDAYS_JA[day.weekday()]


def day_with_weekday(day: dt.date | None) -> str:
    """2026/12/02（水）, for dates where the day matters (due dates, appointments)."""
    return "" if day is None else f"{day:%Y/%m/%d}（{weekday_ja(day)}）"
