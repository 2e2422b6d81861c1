"""The shared period rules: which fiscal year's targets apply, and the as-of labels (today's
date pinned, Japan time)."""

import datetime as dt

from crm.analytics.periods import as_of_label, month_as_of_label, target_year

TODAY = dt.date(2026, 12, 1)


def test_the_month_in_progress_reads_as_of_today():
    assert month_as_of_label("2026-12", today=TODAY) == "12/01 現在"
    assert as_of_label(dt.date(2026, 12, 31), TODAY) == "12/01 現在"
    assert as_of_label(TODAY, TODAY) == "12/01 現在"


def test_closed_months_read_as_of_month_end():
    assert month_as_of_label("2026-11", today=TODAY) == "2026年11月末現在"
    assert month_as_of_label("2020-02", today=TODAY) == "2020年2月末現在"
    assert as_of_label(dt.date(2020, 11, 15), TODAY) == "2020年11月15日現在"
    # A month counted only up to a day inside it reads as of that day.
    assert month_as_of_label("2020-11", until=dt.date(2020, 11, 15), today=TODAY) == (
        "2020年11月15日現在"
    )


def test_targets_are_those_of_the_fiscal_year_the_period_belongs_to():
    assert target_year(dt.date(2021, 3, 31), TODAY).fiscal_year == 2020
    assert target_year(dt.date(2021, 4, 30), TODAY).fiscal_year == 2021
    # Open-ended or running into the future: this fiscal year, pro-rated to today.
    assert target_year(None, TODAY).fiscal_year == 2026
    future = target_year(dt.date(2027, 3, 31), TODAY)
    assert (future.fiscal_year, future.as_of) == (2026, TODAY)
    assert (
        "2020年度（選んだ期間が属する年度）" in target_year(dt.date(2021, 3, 31), TODAY).statement
    )
