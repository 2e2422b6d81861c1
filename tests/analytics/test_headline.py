"""Headline figures against the test's own count of the same records."""

import datetime as dt

import pytest

from crm.analytics.filters import AnalyticsFilter
from crm.analytics.national import headline_figures, median_from_histogram
from crm.errors import PermissionDenied, ValidationError

FILTERS = [
    AnalyticsFilter(),
    AnalyticsFilter.for_fiscal_year(2019),
    AnalyticsFilter.for_fiscal_year(2020),
    AnalyticsFilter.for_months("2019-06", "2020-02"),
    AnalyticsFilter(blocks=("東北",)),
    AnalyticsFilter(hubs=("01", "40")),
    AnalyticsFilter(blocks=("東北", "北海道"), hubs=("02", "40")),  # → 02 only
    AnalyticsFilter(category_ids=(2,)),
    AnalyticsFilter(engagements=("side_job",)),
    AnalyticsFilter.for_fiscal_year(
        2020, category_ids=(1, 3), engagements=("mid_career",), blocks=("東北",)
    ),
]


def _figures(figures):
    return {
        key: getattr(figures, key)
        for key in (
            "consultations",
            "companies_consulted",
            "needs_opened",
            "placements",
            "median_days_to_placement",
            "companies_placed",
            "companies_placed_repeatedly",
        )
    }


def test_headline_figures_match_an_independent_count(known_any):
    session, data = known_any
    for filters in FILTERS:
        figures = headline_figures(session, data.secretariat, filters)
        expected = data.expected_headline(filters)
        assert _figures(figures) == expected, filters
        if expected["consultations"]:
            assert figures.conversion == expected["placements"] / expected["consultations"]
        if expected["companies_placed"]:
            assert figures.repeat_share == (
                expected["companies_placed_repeatedly"] / expected["companies_placed"]
            )


def test_the_data_set_is_not_trivial(known):
    _session, data = known
    # Guards the test above from passing on an empty or one-sided data set.
    assert len(data.consultations) > 40 and len(data.placements) > 15
    figures = headline_figures(*known[:1], data.secretariat)
    assert 0 < figures.companies_placed_repeatedly < figures.companies_placed
    assert len({p.engagement for p in data.placements}) == 3
    assert len({p.category for p in data.placements}) == 4


def test_category_and_engagement_do_not_narrow_consultations(known):
    session, data = known
    everything = headline_figures(session, data.secretariat)
    narrowed = headline_figures(session, data.secretariat, AnalyticsFilter(category_ids=(1,)))
    assert narrowed.consultations == everything.consultations
    assert narrowed.placements < everything.placements


def test_hub_manager_counts_only_their_own_hub(known):
    session, data = known
    manager = data.managers["06"]
    own = headline_figures(session, manager)
    assert _figures(own) == data.expected_headline(AnalyticsFilter(hubs=("06",)))
    with pytest.raises(PermissionDenied):
        headline_figures(session, manager, AnalyticsFilter(hubs=("01",)))
    with pytest.raises(PermissionDenied):
        headline_figures(session, manager, AnalyticsFilter(hubs=("06", "02")))
    # A block filter narrows: outside their block the manager simply sees nothing.
    elsewhere = AnalyticsFilter(blocks=("北海道",))
    assert headline_figures(session, manager, elsewhere).consultations == 0
    assert _figures(
        headline_figures(session, manager, AnalyticsFilter(blocks=("東北",)))
    ) == _figures(own)


def test_placements_of_firms_without_consultation_are_left_out_of_the_median(session, actors):
    from crm.services import needs
    from tests.utils.factories import make_company, make_consultation, make_need, make_placement

    consulted = make_company(session, actors.manager01)
    c = make_consultation(session, actors.manager01, consulted, on=dt.date(2020, 4, 1))
    make_consultation(session, actors.manager01, consulted, on=dt.date(2020, 5, 1))
    need = make_need(session, actors.manager01, c, opened_on=dt.date(2020, 5, 10), headcount=3)
    for day in (dt.date(2020, 4, 11), dt.date(2020, 5, 1), dt.date(2020, 7, 10)):
        make_placement(session, actors.manager01, need, on=max(day, need.opened_on))
    walk_in = make_company(session, actors.manager01)
    orphan = needs.open_need(
        session,
        actors.manager01,
        {
            "company_id": walk_in.id,
            "category_id": 1,
            "engagement": "mid_career",
            "role_title": "工場長",
            "opened_on": dt.date(2020, 6, 1),
        },
    )
    make_placement(session, actors.manager01, orphan, on=dt.date(2020, 6, 2))
    session.commit()
    figures = headline_figures(session, actors.secretariat)
    # Days from 2020-04-01: 39, 39, 100 -> median 39; the walk-in firm's hire has no start.
    assert figures.placements == 4 and figures.placements_timed == 3
    assert figures.median_days_to_placement == 39
    assert figures.companies_placed == 2 and figures.companies_placed_repeatedly == 1


@pytest.mark.parametrize(
    ("histogram", "median"),
    [
        ([], None),
        ([(5, 1)], 5),
        ([(1, 1), (3, 1)], 2),
        ([(1, 2), (10, 1)], 1),
        ([(10, 1), (1, 1), (4, 2)], 4),
        ([(0, 3), (7, 3)], 3.5),
        ([(2, 0), (9, 1)], 9),
    ],
)
def test_median_from_histogram(histogram, median):
    assert median_from_histogram(histogram) == median


def test_filter_refuses_bad_input():
    with pytest.raises(ValidationError) as error:
        AnalyticsFilter(
            since=dt.date(2020, 5, 1),
            until=dt.date(2020, 4, 1),
            blocks=("関西",),
            hubs=("99",),
            engagements=("full_time",),
        )
    assert set(error.value.fields) == {"until", "blocks", "hubs", "engagements"}
    with pytest.raises(ValidationError, match="YYYY-MM"):
        AnalyticsFilter.for_months("2020/04", None)
    assert AnalyticsFilter.for_months("2020-02", "2020-02").until == dt.date(2020, 2, 29)
    assert AnalyticsFilter(hubs=["02", "01", "02"]) == AnalyticsFilter(hubs=("01", "02"))
