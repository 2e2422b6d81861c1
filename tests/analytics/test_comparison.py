"""The prefecture comparison: per-hub counts against the test's own count, and hub rows that
add up to the national figures."""

import datetime as dt

import pytest
from sqlalchemy import update
from sqlmodel import select

from crm.actor import SYSTEM
from crm.analytics.comparison import hub_comparison
from crm.analytics.filters import AnalyticsFilter
from crm.analytics.national import headline_figures
from crm.models import Hub
from crm.services import targets
from tests.analytics.test_headline import FILTERS

TODAY = dt.date(2026, 11, 26)


def test_rows_match_an_independent_count_and_add_up(known_any):
    session, data = known_any
    for filters in FILTERS:
        comparison = hub_comparison(session, data.secretariat, filters, today=TODAY)
        rows = {row.hub_code: row for row in comparison.rows}
        for code, row in rows.items():
            one = AnalyticsFilter(
                since=filters.since,
                until=filters.until,
                hubs=(code,),
                category_ids=filters.category_ids,
                engagements=filters.engagements,
            )
            assert (row.consultations, row.needs_opened, row.placements) == (
                len(data.c_in(one)),
                len(data.n_in(one)),
                len(data.p_in(one)),
            ), (code, filters)
            cumulative = one.with_period(None, filters.until)
            assert (row.cumulative_consultations, row.cumulative_placements) == (
                len(data.c_in(cumulative)),
                len(data.p_in(cumulative)),
            )
        national = headline_figures(session, data.secretariat, filters)
        assert comparison.total("consultations") == national.consultations
        assert comparison.total("needs_opened") == national.needs_opened
        assert comparison.total("placements") == national.placements


def test_one_row_per_active_hub_in_scope(known):
    session, data = known
    comparison = hub_comparison(session, data.secretariat, today=TODAY)
    active = session.exec(select(Hub.code).where(Hub.active)).all()
    assert [row.hub_code for row in comparison.rows] == sorted(active)
    assert "13" not in {row.hub_code for row in comparison.rows}
    assert len(comparison.rows) == 46
    east = hub_comparison(session, data.secretariat, AnalyticsFilter(blocks=("東北",)), today=TODAY)
    assert [row.hub_code for row in east.rows] == ["02", "03", "04", "05", "06", "07"]
    mine = hub_comparison(session, data.managers["02"], today=TODAY)
    assert [row.hub_code for row in mine.rows] == ["02"]


def test_a_closed_hub_with_records_still_counts(known):
    session, data = known
    # Directly, as an administrator's change would (the test is about the comparison).
    session.execute(update(Hub).where(Hub.code == "40").values(active=False))
    session.commit()
    comparison = hub_comparison(session, data.secretariat, AnalyticsFilter(), today=TODAY)
    row = next(row for row in comparison.rows if row.hub_code == "40")
    assert not row.active and row.progress is None
    assert comparison.total("consultations") == len(data.consultations)


def test_progress_columns_use_the_fiscal_year_the_period_ends_in(known):
    session, data = known
    targets.set_target(
        session,
        data.secretariat,
        {"hub_code": "06", "fiscal_year": 2020, "consultations": 40, "placements": 12},
    )
    session.commit()
    comparison = hub_comparison(
        session, data.secretariat, AnalyticsFilter.for_months("2020-04", "2020-09"), today=TODAY
    )
    assert comparison.fiscal_year == 2020 and comparison.as_of == dt.date(2020, 9, 30)
    progress = next(row for row in comparison.rows if row.hub_code == "06").progress
    fy2020_to_sep = AnalyticsFilter(
        since=dt.date(2020, 4, 1), until=dt.date(2020, 9, 30), hubs=("06",)
    )
    assert progress.consultations == len(data.c_in(fy2020_to_sep))
    assert progress.expected_consultations == pytest.approx(40 * 183 / 365)
    assert progress.behind == (
        progress.consultations < 40 * 183 / 365 or progress.placements < 12 * 183 / 365
    )
    assert SYSTEM.readable_hubs() is None  # the CLI's operator reads every hub
