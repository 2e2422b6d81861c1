"""On the demo data: the seed's headline values, and national totals equal to the sum over
hubs for every view the secretariat has."""

import pytest
from sqlmodel import Session

from crm.actor import actor_for
from crm.analytics.breakdowns import Dimension, all_breakdowns
from crm.analytics.comparison import hub_comparison
from crm.analytics.filters import AnalyticsFilter
from crm.analytics.national import headline_figures
from crm.analytics.summary import counts_by_hub
from crm.analytics.trend import monthly_trend
from crm.services.users import get_user

FILTERS = [
    AnalyticsFilter(),
    AnalyticsFilter.for_fiscal_year(2016),
    AnalyticsFilter.for_fiscal_year(2020),
    AnalyticsFilter.for_months("2016-01", "2016-09"),
    AnalyticsFilter(blocks=("九州・沖縄",)),
    AnalyticsFilter.for_fiscal_year(2019, engagements=("side_job", "secondment")),
    AnalyticsFilter(category_ids=(1,)),
]


@pytest.fixture
def demo(demo_engine):
    with Session(demo_engine) as session:
        yield session, actor_for(get_user(session, "secretariat"))


def test_the_seed_series_and_the_november_2020_totals(demo):
    session, secretariat = demo
    points = {p.month: p for p in monthly_trend(session, secretariat)}
    september = points["2016-09"]
    assert (september.cumulative_consultations, september.cumulative_contracts) == (5044, 373)
    november = points["2020-11"]
    assert (november.cumulative_consultations, november.cumulative_contracts) == (52144, 10831)
    # The same series narrowed by the period: cumulative values still count from the start.
    shown = monthly_trend(
        session, secretariat, filters=AnalyticsFilter.for_months("2020-04", "2020-11")
    )
    assert shown[0].month == "2020-04" and shown[-1] == november


def test_national_totals_equal_the_sum_over_hubs(demo):
    session, secretariat = demo
    for filters in FILTERS:
        national = headline_figures(session, secretariat, filters)
        comparison = hub_comparison(session, secretariat, filters)
        assert comparison.total("consultations") == national.consultations, filters
        assert comparison.total("needs_opened") == national.needs_opened, filters
        assert comparison.total("placements") == national.placements, filters
        per_hub = counts_by_hub(session, secretariat, filters)
        assert sum(c.consultations for c in per_hub.values()) == national.consultations
        for result in all_breakdowns(session, secretariat, filters):
            expected = (
                national.consultations
                if result.dimension == Dimension.CHANNEL
                else national.placements
            )
            assert result.total == expected, (result.dimension, filters)
        last = monthly_trend(session, secretariat, filters=filters.with_period(None, filters.until))
        if last and filters.until is not None:
            assert last[-1].cumulative_consultations == comparison.total("cumulative_consultations")
            assert last[-1].cumulative_contracts == comparison.total("cumulative_placements")

        if filters != FILTERS[2]:
            continue  # (the per-hub runs below are the slow part)
        # Each hub's own headline and dashboard counts add up to the national ones.
        by_hub = [
            headline_figures(
                session,
                secretariat,
                AnalyticsFilter(
                    since=filters.since,
                    until=filters.until,
                    hubs=(row.hub_code,),
                    category_ids=filters.category_ids,
                    engagements=filters.engagements,
                ),
            )
            for row in comparison.rows
        ]
        assert sum(f.placements for f in by_hub) == national.placements
        assert sum(f.companies_consulted for f in by_hub) == national.companies_consulted
        if filters.since is not None:
            # What each hub's own dashboard shows (period and hub only).
            dashboards = [
                headline_figures(
                    session,
                    secretariat,
                    AnalyticsFilter(since=filters.since, until=filters.until, hubs=(row.hub_code,)),
                )
                for row in comparison.rows
            ]
            assert sum(d.consultations for d in dashboards) == national.consultations
            assert sum(d.placements for d in dashboards) == national.placements


def test_demo_has_all_46_hubs_and_its_own_targets(demo):
    session, secretariat = demo
    comparison = hub_comparison(session, secretariat, AnalyticsFilter.for_fiscal_year(2020))
    assert len(comparison.rows) == 46
    assert all(row.consultations > 0 for row in comparison.rows)
    assert sum(row.progress.target_status is not None for row in comparison.rows) > 0
