"""The cumulative series with filters, against the test's own running totals."""

import datetime as dt

from crm.analytics.filters import AnalyticsFilter
from crm.analytics.trend import monthly_trend


def _expected(data, filters, until):
    everything = filters.with_period(None, until)
    months = {}
    for c in data.c_in(everything):
        months.setdefault(c.on.strftime("%Y-%m"), [0, 0])[0] += 1
    for p in data.p_in(everything):
        months.setdefault(p.on.strftime("%Y-%m"), [0, 0])[1] += 1
    return months


def test_trend_counts_from_the_first_record_and_shows_the_chosen_months(known_any):
    session, data = known_any
    until = dt.date(2021, 3, 31)
    for filters in [
        AnalyticsFilter(),
        AnalyticsFilter(blocks=("東北",)),
        AnalyticsFilter.for_fiscal_year(2020, engagements=("mid_career",)),
        AnalyticsFilter(hubs=("01",), category_ids=(4,)),
    ]:
        points = monthly_trend(session, data.secretariat, until=until, filters=filters)
        months = _expected(data, filters, until)
        total_c = total_p = 0
        expected = []
        for month in sorted(months):
            total_c += months[month][0]
            total_p += months[month][1]
            expected.append((month, total_c, total_p))
        shown = {p.month: (p.cumulative_consultations, p.cumulative_contracts) for p in points}
        for month, c, p in expected:
            if filters.since is None or month >= filters.since.strftime("%Y-%m"):
                assert shown[month] == (c, p), (filters, month)
        first = filters.since.strftime("%Y-%m") if filters.since else min(months)
        assert points[0].month == first and points[-1].month == "2021-03"
        # No gaps: one point per month.
        assert len(points) == len({p.month for p in points})


def test_old_signature_still_works(known):
    session, data = known
    points = monthly_trend(session, data.secretariat, hubs=["02"], until=dt.date(2020, 12, 31))
    assert points[-1].cumulative_consultations == len(
        [c for c in data.consultations if c.hub == "02" and c.on <= dt.date(2020, 12, 31)]
    )
    assert monthly_trend(session, data.secretariat, hubs=[]) == []
