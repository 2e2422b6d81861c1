"""Japan time, fiscal years (April to March) and ISO weeks."""

import datetime as dt
from zoneinfo import ZoneInfo

JST = ZoneInfo("Asia/Tokyo")


def now_jst() -> dt.datetime:
    return dt.datetime.now(JST)


def today_jst() -> dt.date:
    return now_jst().date()


def utcnow() -> dt.datetime:
    """Aware UTC timestamp, as stored in the created/updated columns."""
    return dt.datetime.now(dt.UTC)


def to_jst(stamp: dt.datetime) -> dt.datetime:
    """A stored timestamp shown in Japan time (naive values are taken as UTC)."""
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=dt.UTC)
    return stamp.astimezone(JST)


def fiscal_year(day: dt.date) -> int:
    """FY2016 runs 2016-04-01 .. 2017-03-31."""
    return day.year if day.month >= 4 else day.year - 1


def fiscal_year_bounds(fy: int) -> tuple[dt.date, dt.date]:
    """First and last day of fiscal year ``fy`` (both inclusive)."""
    return dt.date(fy, 4, 1), dt.date(fy + 1, 3, 31)


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def month_range(first: dt.date, last: dt.date) -> list[str]:
    """Month keys ``YYYY-MM`` from ``first``'s month to ``last``'s month inclusive."""
    months, cursor = [], month_start(first)
    while cursor <= last:
        months.append(f"{cursor.year:04d}-{cursor.month:02d}")
        cursor = add_months(cursor, 1)
    return months


def iso_week_bounds(year: int, week: int) -> tuple[dt.date, dt.date]:
    """Monday and Sunday of ISO week ``year``-W``week``."""
    monday = dt.date.fromisocalendar(year, week, 1)
    return monday, monday + dt.timedelta(days=6)


def last_complete_iso_week(now: dt.datetime | None = None) -> tuple[int, int]:
    """The most recent ISO week that has fully ended in Japan time."""
    now = (now or now_jst()).astimezone(JST)
    last_sunday = now.date() - dt.timedelta(days=now.isoweekday())
    year, week, _ = last_sunday.isocalendar()
    return year, week
