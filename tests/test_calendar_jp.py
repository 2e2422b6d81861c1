"""Japanese business days: weekends, public holidays and the year-end break move a due date."""

import datetime as dt

import pytest

from crm.calendar_jp import (
    day_with_weekday,
    follow_up_due,
    is_business_day,
    next_business_day,
)

D = dt.date


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (D(2026, 12, 2), D(2026, 12, 2)),  # a Wednesday stays
        (D(2026, 12, 5), D(2026, 12, 7)),  # Saturday -> Monday
        (D(2026, 12, 6), D(2026, 12, 7)),  # Sunday -> Monday
        (D(2026, 12, 29), D(2027, 1, 4)),  # year-end break 12/29 – 1/3
        (D(2027, 1, 1), D(2027, 1, 4)),  # New Year's Day
        (D(2027, 1, 3), D(2027, 1, 4)),
        (D(2026, 11, 3), D(2026, 11, 4)),  # 文化の日 (Tuesday)
        (D(2026, 5, 3), D(2026, 5, 7)),  # 憲法記念日 on Sunday, 5/4, 5/5, substitute 5/6
        (D(2026, 9, 21), D(2026, 9, 24)),  # 敬老の日, 国民の休日 9/22, 秋分の日 9/23
        (D(2026, 12, 28), D(2026, 12, 28)),  # the last business day of the year
    ],
)
def test_next_business_day(day, expected):
    assert next_business_day(day) == expected
    assert is_business_day(expected)


def test_a_placement_follow_up_is_due_90_days_later_on_a_business_day():
    assert follow_up_due(D(2026, 10, 1)) == D(2027, 1, 4)  # 12/30 is in the year-end break
    assert follow_up_due(D(2026, 9, 3)) == D(2026, 12, 2)  # a Wednesday: unchanged
    assert follow_up_due(D(2026, 9, 6)) == D(2026, 12, 7)  # 12/05 is a Saturday


def test_no_follow_up_of_a_whole_year_falls_on_a_closed_day():
    start = D(2025, 1, 1)
    dues = [follow_up_due(start + dt.timedelta(days=n)) for n in range(366 * 2)]
    assert all(due.weekday() < 5 for due in dues)
    assert not any(
        (due.month, due.day) in {(12, 29), (12, 30), (12, 31), (1, 1), (1, 2), (1, 3)}
        for due in dues
    )


def test_day_with_weekday():
    assert day_with_weekday(D(2026, 12, 2)) == "2026/12/02（水）"
    assert day_with_weekday(D(2027, 1, 3)) == "2027/01/03（日）"
    assert day_with_weekday(None) == ""
