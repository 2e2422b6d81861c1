"""The forecast's own record at this point of the year, the 達成 outlook and the years counted,
on the hand-computed data set of tests/analytics/test_forecast.py (hub 01; past full years
FY2021–FY2023) with targets for the past years added."""

import datetime as dt

import pytest

from crm.analytics import forecast
from crm.analytics.forecast import Outlook, fiscal_year_forecast
from crm.analytics.forecast_record import (
    ErrorSummary,
    Guide,
    GuideRecord,
    PastCall,
    disagreements,
    forecast_record,
    same_day,
)
from crm.analytics.targets import target_progress
from crm.presentation.forecast_text import disagreement_sentence, error_sentence
from crm.services import targets
from tests.analytics.test_forecast import seasonal  # noqa: F401 (fixture)

AS_OF = dt.date(2024, 9, 30)


@pytest.fixture
def past_targets(session, seasonal):  # noqa: F811
    for fy, consultations, placements in (
        (2021, 1, 1),  # met by 30 September 2021: no call to judge
        (2022, 6, 3),
        (2023, 8, 3),
    ):
        targets.set_target(
            session,
            seasonal.secretariat,
            {
                "hub_code": "01",
                "fiscal_year": fy,
                "consultations": consultations,
                "placements": placements,
            },
        )
    session.commit()
    return seasonal


def test_errors_of_the_forecasts_made_on_the_same_day_of_past_years(session, past_targets):
    record = forecast_record(session, past_targets.secretariat, AS_OF)
    assert record.as_of == AS_OF
    c = record.consultations.errors
    # FY2021 and before: no past full year, so no forecast. By 30 September:
    # FY2022: 3 so far, FY2021's share 4/8 -> 6 against 10: error 0.4.
    # FY2023: 5 so far, shares 0.5 and 3/10 -> 10 and 16.67, median 13.33 against 8: 0.667.
    assert c.years == (2022, 2023)
    assert c.errors == pytest.approx((0.4, 2 / 3))
    assert c.median == pytest.approx((0.4 + 2 / 3) / 2)
    assert c.nine_in_ten == pytest.approx(2 / 3)
    p = record.placements.errors
    # FY2022: 1 so far / 0.5 = 2 against 4; FY2023: 1 / 0.5 and 1 / 0.25 -> 3 against 2.
    assert p.errors == pytest.approx((0.5, 0.5))


def test_the_flag_and_the_outlook_against_how_past_years_ended(session, past_targets):
    record = forecast_record(session, past_targets.secretariat, AS_OF)
    # 30 Sep 2022: 183 of 365 days elapsed. Consultations 3 < 6 × 183/365 = 3.008: 遅れ; the
    # forecast's only projection 6 reaches 6: within reach; 10 by March: met.
    # 30 Sep 2023: 183 of 366 days. Consultations 5 >= 8 × 0.5: on track; upper bound 16.67 >=
    # 8: within reach; 8 by March: met. FY2021 was met by that day: not a call.
    assert record.consultations.guides.calls == (
        PastCall("01", 2022, True, Outlook.WITHIN_REACH, True),
        PastCall("01", 2023, False, Outlook.WITHIN_REACH, True),
    )
    # Placements 2022: 1 < 1.504: 遅れ; upper bound 2 < 3: out of reach; 4 by March: met.
    # 2023: 1 < 1.5: 遅れ; upper bound 4 >= 3: within reach; 2 by March: missed.
    assert record.placements.guides.calls == (
        PastCall("01", 2022, True, Outlook.OUT_OF_REACH, True),
        PastCall("01", 2023, True, Outlook.WITHIN_REACH, False),
    )
    c, p = record.consultations.guides, record.placements.guides
    assert (c.flag_hits, c.forecast_hits) == (1, 2)
    assert (p.flag_hits, p.forecast_hits) == (1, 0)
    # Flagged but within reach: consultations 2022 (met: the forecast was right),
    # placements 2023 (missed: the flag was right).
    assert c.like(True) == c.calls[:1] and p.like(True) == p.calls[1:]
    assert c.like(False) == ()
    # Two calls are too few to name the better guide.
    assert c.better(True) is Guide.FEW and p.better(True) is Guide.FEW


def _calls(flagged_met: int, flagged_missed: int, agreeing: int) -> GuideRecord:
    """Flagged 遅れ while within reach (met or missed), plus calls where both were right."""
    calls = (
        [PastCall("01", 2020, True, Outlook.WITHIN_REACH, True)] * flagged_met
        + [PastCall("01", 2021, True, Outlook.WITHIN_REACH, False)] * flagged_missed
        + [PastCall("01", 2022, False, Outlook.WITHIN_REACH, True)] * agreeing
    )
    return GuideRecord(tuple(calls), (2020, 2021, 2022))


def test_the_better_guide_by_past_disagreements_then_by_all_calls():
    assert GuideRecord((), ()).better(True) is Guide.FEW
    # 10 past disagreements like today's: 3 met (forecast right), 7 missed (flag right).
    assert _calls(3, 7, 0).better(True) is Guide.FLAG
    assert _calls(7, 3, 0).better(True) is Guide.FORECAST
    assert _calls(5, 5, 0).better(True) is Guide.EVEN
    # 4 like today's (too few): all 14 calls decide: the flag right 2 + 10, the forecast 2 + 10.
    assert _calls(2, 2, 10).better(True) is Guide.EVEN
    # 3 met, 1 missed among 4 disagreements, 10 agreeing: flag 1 + 10 against forecast 3 + 10.
    assert _calls(3, 1, 10).better(True) is Guide.FORECAST
    # 9 calls in all: too few.
    assert _calls(0, 9, 0).better(True) is Guide.FEW


def test_todays_disagreements(session, past_targets):
    progress = target_progress(session, past_targets.secretariat, 2024, AS_OF)
    forecasts = fiscal_year_forecast(session, past_targets.secretariat, AS_OF)
    # Consultations 4 < 12 × 183/365 = 6.02: 遅れ, but the upper bound 13.33 reaches 12.
    # Placements 1 < 5 × 183/365: 遅れ, and the upper bound 4 is below 5: they agree.
    assert disagreements(progress, forecasts, "consultations") == {True: ("01",), False: ()}
    assert disagreements(progress, forecasts, "placements") == {True: (), False: ()}


def test_nine_in_ten_is_the_nearest_rank():
    errors = ErrorSummary(tuple(i / 100 for i in range(1, 21)), (2025,))
    # 20 errors 1%..20%: the 18th (ceil(0.9 × 20)) is 18%; 18 of 20 stay within it.
    assert errors.nine_in_ten == pytest.approx(0.18)
    assert errors.median == pytest.approx(0.105)
    assert error_sentence(errors, dt.date(2025, 11, 30)) == (
        "過去の同時期の予測の誤差（2025〜2025年度の11月30日時点の見込み 20 件と年度末の実績の"
        "差）: 中央値 10.5%、10回に9回は 18.0% 以内。"
    )
    few = ErrorSummary((0.1, 0.3), (2022, 2023))
    assert error_sentence(few, dt.date(2024, 9, 30)).endswith("中央値 20.0%、最大 30.0%。")
    assert "分かりません" in error_sentence(ErrorSummary((), ()), dt.date(2024, 9, 30))


def test_disagreement_sentence_counts_each_side(session, past_targets):
    guides = forecast_record(session, past_targets.secretariat, AS_OF).placements.guides
    text = disagreement_sentence(True, Outlook.WITHIN_REACH, guides)
    # 遅れ: 2022 (met) and 2023 (missed); within reach: 2023 (missed); like now: 2023.
    assert "「遅れ」だった 2 件のうち年度末に目標を達成したのは 1 件（50.0%）" in text
    assert "「届く可能性あり」だった 1 件では 0 件（0.0%）" in text
    assert "今と同じ食い違いだった 1 件では 0 件（0.0%）" in text
    assert text.endswith("ただし件数が少なく、どちらがよい目安かはまだ言えません。")
    flag_better = disagreement_sentence(True, Outlook.WITHIN_REACH, _calls(3, 7, 0))
    assert "今と同じ食い違いだった 10 件では 3 件（30.0%）" in flag_better
    assert flag_better.endswith("「遅れ」「順調」の判定のほうがよい目安でした。")
    none = disagreement_sentence(False, Outlook.OUT_OF_REACH, GuideRecord((), ()))
    assert none.endswith("過去の同じ時期に比べられる年度はまだありません。")


def test_a_met_target_reads_met_before_anything_else():
    within = forecast.project(6, {2021: 0.5})  # 12, within reach of anything up to 12
    assert forecast.outlook_for(within, 5) is Outlook.MET
    assert forecast.outlook_for(within, 6) is Outlook.MET
    assert forecast.outlook_for(within, 7) is Outlook.WITHIN_REACH
    assert forecast.outlook_for(within, 13) is Outlook.OUT_OF_REACH
    assert forecast.outlook_for(within, None) is Outlook.NO_TARGET
    # Met without any past year to forecast from: still 達成.
    assert forecast.outlook_for(forecast.project(6, {}), 6) is Outlook.MET
    assert forecast.outlook_for(forecast.project(5, {}), 6) is Outlook.NO_FORECAST
    assert Outlook.MET.label == "達成"


def test_years_counted_are_the_years_in_the_median():
    projection = forecast.project(3, {2020: 0.25, 2021: 0.5, 2022: 0.0})
    # 2022 had nothing by this day: no finite projection, so the median is of 12 and 6 only.
    assert projection.expected == pytest.approx(9)
    assert projection.median_years == (2020, 2021)
    assert projection.past_years == (2020, 2021, 2022)


def test_same_day_of_a_past_fiscal_year():
    assert same_day(dt.date(2026, 11, 30), 2023) == dt.date(2023, 11, 30)
    assert same_day(dt.date(2027, 2, 10), 2023) == dt.date(2024, 2, 10)
    assert same_day(dt.date(2028, 2, 29), 2024) == dt.date(2025, 2, 28)
