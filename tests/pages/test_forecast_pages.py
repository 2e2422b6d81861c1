"""The fiscal-year forecast on the prefecture page, on the hand-computed data set of
tests/analytics/test_forecast.py with today pinned to 30 September 2024."""

import datetime as dt

import pytest
from sqlmodel import select

# Imported before a test pins today: a module first imported while it is pinned keeps the
# pinned today_jst for the rest of the run.
import crm.analytics.trend  # noqa: F401
import ui.today  # noqa: F401
from crm.models import KpiTarget
from crm.presentation.labels import prefecture_label
from crm.services import targets
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


@pytest.fixture
def met_and_past_targets(session, seasonal, monkeypatch):  # noqa: F811
    """Hub 01's FY2024 placement target lowered to the 1 placement it has (met), and targets for
    FY2022–FY2023 so the past years' calls can be judged (as in test_forecast_record)."""
    import crm.analytics.targets

    monkeypatch.setattr(crm.analytics.targets, "today_jst", lambda: TODAY)
    for fy, consultations, placements in ((2022, 6, 3), (2023, 8, 3), (2024, 12, 1)):
        existing = session.exec(
            select(KpiTarget).where(KpiTarget.hub_code == "01", KpiTarget.fiscal_year == fy)
        ).first()
        targets.set_target(
            session,
            seasonal.secretariat,
            {
                "hub_code": "01",
                "fiscal_year": fy,
                "consultations": consultations,
                "placements": placements,
            },
            expected_version=existing.version if existing else None,
        )
    session.commit()
    return seasonal


def test_prefecture_page_reads_a_met_target_as_met_and_states_the_error(
    open_page, met_and_past_targets, pinned
):
    at = open_page(met_and_past_targets.secretariat, "pages/prefectures.py")
    assert not at.exception
    table = at.dataframe[0].value.set_index("拠点")
    # 1 placement so far against a target of 1 (the interval 2〜4 would say 届く可能性あり).
    assert table.loc[prefecture_label("01"), "成約目標の見通し"] == "達成"
    # Placements on 30 September 2022 and 2023: 2 against 4, 3 against 2: 50% each.
    assert any(
        c.value == "年度末成約見込みについて: 各拠点の過去の同時期の予測の誤差（2022〜2023年度の"
        "9月30日時点の見込み 2 件と年度末の実績の差）: 中央値 50.0%、最大 50.0%。"
        for c in at.caption
    )
    # A met target is no disagreement with the flag.
    assert not [i for i in at.info if "食い違" in i.value or "ですが見通しは" in i.value]


def test_hub_dashboard_reads_met_states_the_error_and_the_disagreement(
    open_page, met_and_past_targets, pinned
):
    at = open_page(met_and_past_targets.manager01, "pages/hub_dashboard.py")
    assert not at.exception
    text = " ".join(m.value for m in at.markdown)
    assert "成約目標の見通し: 達成。目標 1 件に到達済み（今年度 1 件）" in text
    captions = [c.value for c in at.caption]
    # Consultations on 30 September 2022 and 2023: 6 against 10 (40%), 13.33 against 8 (66.7%).
    assert (
        "相談: この拠点の過去の同時期の予測の誤差（2022〜2023年度の9月30日時点の見込み 2 件と"
        "年度末の実績の差）: 中央値 53.3%、最大 66.7%。"
    ) in captions
    # Consultations: 4 < 12 × 183/365 (遅れ) while the upper bound 13.33 reaches 12. On the
    # same day of FY2022 the same disagreement ended met; two past calls are too few to judge.
    infos = [i.value for i in at.info]
    assert len(infos) == 1 and infos[0].startswith(
        "相談: 「遅れ」ですが見通しは「届く可能性あり」です。"
    )
    assert "今と同じ食い違いだった 1 件では 1 件（100.0%）" in infos[0]
    assert infos[0].endswith("ただし件数が少なく、どちらがよい目安かはまだ言えません。")
