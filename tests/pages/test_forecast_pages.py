"""The fiscal-year forecast on the prefecture page, on the hand-computed data set of
tests/analytics/test_forecast.py with today pinned to 30 September 2024."""

import datetime as dt

import pytest

from crm.presentation.labels import prefecture_label
from tests.analytics.test_forecast import seasonal  # noqa: F401 (fixture)

TODAY = dt.date(2024, 9, 30)


@pytest.fixture
def pinned(monkeypatch):
    import crm.analytics.comparison
    import crm.timeutil
    import ui.analytics_filters

    for module in (crm.timeutil, crm.analytics.comparison, ui.analytics_filters):
        monkeypatch.setattr(module, "today_jst", lambda: TODAY)


def test_prefecture_page_shows_the_placement_forecast_per_hub(open_page, seasonal, pinned):  # noqa: F811
    at = open_page(seasonal.secretariat, "pages/prefectures.py")
    assert not at.exception
    table = at.dataframe[0].value.set_index("拠点")  # names, never codes
    # Placements: projections 2, 4, 2 from 1 so far; target 5 above the upper bound 4.
    assert table.loc[prefecture_label("01"), "年度末成約見込み"] == pytest.approx(2)
    assert table.loc[prefecture_label("01"), "成約見込みの幅"] == "2〜4"
    assert table.loc[prefecture_label("01"), "成約目標の見通し"] == "⚠ 届かない見込み"
    # A hub without any past year: no forecast, said so.
    assert (
        table.loc[prefecture_label("02"), "成約見込みの幅"] == "—"
        and table.loc[prefecture_label("02"), "成約目標の見通し"] == ""
    )
