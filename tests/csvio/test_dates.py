"""Dates as offices write them: ISO, slashes, full-width digits, Japanese eras."""

import datetime as dt

import pytest

from crm.csvio.dates import parse_date

D = dt.date


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2016-04-01", D(2016, 4, 1)),
        ("2016-4-1", D(2016, 4, 1)),
        ("2016/4/1", D(2016, 4, 1)),
        ("2016/04/01", D(2016, 4, 1)),
        ("2016.4.1", D(2016, 4, 1)),
        ("2016年4月1日", D(2016, 4, 1)),
        ("2016-04-01 00:00:00", D(2016, 4, 1)),
        ("２０１６／４／１", D(2016, 4, 1)),  # full-width digits and slash
        ("令和6年4月1日", D(2024, 4, 1)),
        ("令和６年４月１日", D(2024, 4, 1)),
        ("令和 6年 4月 1日", D(2024, 4, 1)),
        ("令和元年5月1日", D(2019, 5, 1)),
        ("平成31年4月30日", D(2019, 4, 30)),
        ("平成28年4月1日", D(2016, 4, 1)),
        ("昭和64年1月7日", D(1989, 1, 7)),
        ("R6.4.1", D(2024, 4, 1)),
        ("R06.04.01", D(2024, 4, 1)),
        ("r6/4/1", D(2024, 4, 1)),
        ("Ｒ６．４．１", D(2024, 4, 1)),
        ("H28.4.1", D(2016, 4, 1)),
        ("H1.1.8", D(1989, 1, 8)),
        ("S64.1.7", D(1989, 1, 7)),
        ("R1.5.1", D(2019, 5, 1)),
    ],
)
def test_accepted_spellings(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("2016-02-30", "存在しない日付です"),
        ("H2.2.30", "存在しない日付です"),
        ("H31.5.1", "平成の期間外です"),  # 平成 ended on 2019-04-30
        ("R1.4.30", "令和の期間外です"),  # 令和 began on 2019-05-01
        ("S64.1.8", "昭和の期間外です"),
        ("R0.1.1", "令和0年はありません"),
        ("2016/13/1", "存在しない日付です"),
        ("来週の月曜", "日付の形式が正しくありません"),
        ("12/1", "日付の形式が正しくありません"),
    ],
)
def test_refused_with_a_reason(text, reason):
    with pytest.raises(ValueError, match=reason):
        parse_date(text)


def test_blank_is_none_and_dates_pass_through():
    assert parse_date(None) is None
    assert parse_date("  ") is None
    assert parse_date(D(2020, 1, 2)) == D(2020, 1, 2)
    assert parse_date(dt.datetime(2020, 1, 2, 9, 30)) == D(2020, 1, 2)
