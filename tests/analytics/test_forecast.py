"""Fiscal-year forecast: a small data set with a known seasonal pattern, computed by hand; and
the demo backtest's interval coverage against its nominal coverage."""

import datetime as dt
import os

import pytest

from crm.analytics import forecast
from crm.analytics.forecast import NATIONAL, fiscal_year_forecast
from crm.services import targets
from tests.utils.factories import make_company, make_consultation, make_need, make_placement

# Hub 01's records, per fiscal year: (consultation dates, placement dates). Only April,
# September and January carry records. FY2020 starts in February (mid-year: no pattern).
CONSULTATIONS = {
    2020: ["2021-02-10"],
    2021: ["2021-04-05"] * 2 + ["2021-09-20"] * 2 + ["2022-01-11"] * 4,  # 2, 2, 4 = 8
    2022: ["2022-04-05"] + ["2022-09-20"] * 2 + ["2023-01-11"] * 7,  # 1, 2, 7 = 10
    2023: ["2023-04-05"] * 3 + ["2023-09-20"] * 2 + ["2024-01-11"] * 3,  # 3, 2, 3 = 8
    2024: ["2024-04-05"] * 3 + ["2024-09-10"],  # so far: 4 (as of 15 or 30 September)
}
PLACEMENTS = {
    2021: ["2021-09-20", "2022-01-11"],  # Sep 1, Jan 1 = 2
    2022: ["2022-09-20"] + ["2023-01-11"] * 3,  # Sep 1, Jan 3 = 4
    2023: ["2023-04-05", "2024-01-11"],  # Apr 1, Jan 1 = 2
    2024: ["2024-04-05"],  # so far: 1
}


@pytest.fixture
def seasonal(session, actors):
    manager = actors.manager01
    company = make_company(session, manager)
    for dates in CONSULTATIONS.values():
        for day in dates:
            make_consultation(session, manager, company, on=dt.date.fromisoformat(day))
    carrier = make_consultation(session, manager, company, on=dt.date(2021, 2, 10))
    # The consultation above is FY2020's only other record; placements hang on needs opened
    # on that day (a need's date does not enter the forecast).
    for dates in PLACEMENTS.values():
        for day in dates:
            need = make_need(session, manager, carrier)
            make_placement(session, manager, need, on=dt.date.fromisoformat(day))
    targets.set_target(
        session,
        actors.secretariat,
        {"hub_code": "01", "fiscal_year": 2024, "consultations": 12, "placements": 5},
    )
    session.commit()
    return actors


def _hub(rows, code="01"):
    return next(row for row in rows if row.hub_code == code)


def test_forecast_at_a_month_end_by_hand(session, seasonal):
    rows = fiscal_year_forecast(session, seasonal.secretariat, dt.date(2024, 9, 30))
    hub = _hub(rows)
    assert (hub.fiscal_year, hub.as_of) == (2024, dt.date(2024, 9, 30))
    c = hub.consultations
    # Shares reached by 30 September: FY2021 4/8, FY2022 3/10, FY2023 5/8 (FY2020: mid-year).
    assert c.projection.past_years == (2021, 2022, 2023)
    assert c.projection.shares == pytest.approx((0.5, 0.3, 0.625))
    # Projections 4/0.5 = 8, 4/0.3 = 13.33, 4/0.625 = 6.4: median 8, interval 6.4–13.33.
    assert c.so_far == 4
    assert c.projection.expected == pytest.approx(8)
    assert (c.projection.low, c.projection.high) == pytest.approx((6.4, 40 / 3))
    assert c.projection.nominal_coverage == pytest.approx(0.5)  # (3 - 1) / (3 + 1)
    # Target 12: 8 more in the 6 months left; 13.33 >= 12, so not out of reach.
    assert c.months_left == pytest.approx(6) and c.needed_pace == pytest.approx(8 / 6)
    assert c.present_pace == pytest.approx(4 / 6)
    assert not c.out_of_reach

    p = hub.placements
    # FY2021 1/2, FY2022 1/4, FY2023 1/2 -> projections 2, 4, 2 from 1 placement so far.
    assert p.projection.shares == pytest.approx((0.5, 0.25, 0.5))
    assert p.so_far == 1
    assert p.projection.expected == pytest.approx(2)
    assert (p.projection.low, p.projection.high) == pytest.approx((2, 4))
    # Target 5 lies above the interval's upper bound 4: out of reach; 4 more in 6 months.
    assert p.out_of_reach and p.needed_pace == pytest.approx(4 / 6)


def test_path_to_march_follows_each_past_years_pattern(session, seasonal):
    hub = _hub(fiscal_year_forecast(session, seasonal.secretariat, dt.date(2024, 9, 30)))
    path = hub.consultations.path
    assert [p.day for p in path] == [
        dt.date(2024, 9, 30),
        dt.date(2024, 10, 31),
        dt.date(2024, 11, 30),
        dt.date(2024, 12, 31),
        dt.date(2025, 1, 31),
        dt.date(2025, 2, 28),
        dt.date(2025, 3, 31),
    ]
    # No past year has records in October–December: the path stays at the 4 so far, then
    # January brings each year to its projected total (8, 13.33, 6.4).
    for point in path[:4]:
        assert (point.expected, point.low, point.high) == pytest.approx((4, 4, 4))
    for point in path[4:]:
        assert (point.expected, point.low, point.high) == pytest.approx((8, 6.4, 40 / 3))


def test_forecast_in_the_middle_of_a_month_spreads_that_month_evenly(session, seasonal):
    hub = _hub(fiscal_year_forecast(session, seasonal.secretariat, dt.date(2024, 9, 15)))
    c = hub.consultations
    # By 15 September (half of its 30 days): FY2021 (2 + 1)/8, FY2022 (1 + 1)/10,
    # FY2023 (3 + 1)/8 -> projections 10.67, 20, 8.
    assert c.projection.shares == pytest.approx((3 / 8, 0.2, 0.5))
    assert c.so_far == 4
    assert c.projection.expected == pytest.approx(32 / 3)
    assert (c.projection.low, c.projection.high) == pytest.approx((8, 20))
    assert c.months_left == pytest.approx(6.5)
    assert c.needed_pace == pytest.approx(8 / 6.5)


def test_national_row_and_hub_scope(session, seasonal):
    rows = fiscal_year_forecast(session, seasonal.secretariat, dt.date(2024, 9, 30))
    national = rows[-1]
    assert national.hub_code == NATIONAL
    # Only hub 01 has records: the national series is hub 01's; other hubs have no target,
    # so there is no national target.
    assert national.consultations.projection == _hub(rows).consultations.projection
    assert national.placements.target is None and not national.placements.out_of_reach
    empty = _hub(rows, "02")
    assert empty.consultations.projection.expected is None
    assert not empty.consultations.projection.contains(0)
    # A hub manager sees only their own hub, and no national row.
    own = fiscal_year_forecast(session, seasonal.manager01, dt.date(2024, 9, 30))
    assert [row.hub_code for row in own] == ["01"]
    assert own[0].placements.projection == _hub(rows).placements.projection


def test_a_past_share_of_zero_leaves_the_interval_open_above():
    projection = forecast.project(3, {2021: 0.5, 2022: 0.0})
    assert projection.high is None and projection.low == pytest.approx(6)
    assert projection.contains(1000) and not projection.contains(5)


@pytest.mark.skipif(
    os.environ.get("CRM_SLOW_TESTS") != "1",
    reason="loads the full demo history (over a minute here): set CRM_SLOW_TESTS=1",
)
def test_demo_backtest_coverage_is_within_10_points_of_nominal(demo_engine):
    from bench.forecast_backtest import backtest

    result = backtest(demo_engine)
    # The demo's 46 hubs (none in Tokyo) and the nation, 2 measures, 9 years, 11 month ends.
    total = result.total
    assert total.forecasts == (46 + 1) * 2 * 9 * 11
    assert abs(total.coverage - total.nominal_coverage) <= 0.10
