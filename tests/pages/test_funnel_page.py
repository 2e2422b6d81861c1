"""ファネル・パートナー実績 page: renders for a hub manager (their hub only) and the secretariat,
with names rather than codes, numbers with separators and rates with one decimal."""

import pytest
from sqlmodel import Session

from tests.analytics.funnel_data import build_funnel_world

PAGE = "pages/funnel.py"


@pytest.fixture
def world(engine):
    with Session(engine, expire_on_commit=False) as session:
        return build_funnel_world(session)


def _fiscal_2024(at):
    at.sidebar.selectbox(key="af_fy").select(2024)
    at.run()
    return at


def _metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_a_hub_manager_sees_their_hubs_funnel(open_page, world):
    at = _fiscal_2024(open_page(world.actors.manager01, PAGE))
    assert not at.exception, at.exception
    assert at.title[0].value == "ファネル・パートナー実績"
    # FY2024 in hub 01: every placement of the data set's hub 01 (N5's came in October).
    assert _metrics(at) == {"相談企業": "6", "人材ニーズ": "5", "紹介したニーズ": "5", "成約": "5"}
    steps = at.dataframe[0].value
    assert list(steps.columns) == [
        "段階",
        "件数",
        "前の段階からの率",
        "日数の中央値",
        "日数の区間",
        "日数を数えた件数",
    ]
    needs = steps[steps["段階"] == "人材ニーズ"].iloc[0]
    assert needs["前の段階からの率"] == 83.3 and needs["件数"] == 5
    assert "needs" not in set(steps["段階"])
    assert len(at.get("vega_lite_chart")) == 1
    assert any("対象: 北海道" in c.value for c in at.caption)


def test_sources_tab_shows_names_and_weekdays(open_page, world):
    at = _fiscal_2024(open_page(world.actors.manager01, PAGE, query={"tab": "きっかけ別"}))
    assert not at.exception, at.exception
    events = at.dataframe[0].value
    assert "イベントID" not in events.columns and "拠点コード" not in events.columns
    first = events.iloc[0]
    assert (first["開催日"], first["種類"], first["拠点名"]) == (
        "2024/05/10（金）",
        "セミナー",
        "北海道",
    )
    channels = at.dataframe[3].value
    assert "期間内の相談なし" in set(channels["相談経路"])
    assert "visit" not in set(channels["相談経路"]) and "企業訪問" in set(channels["相談経路"])


def test_the_secretariat_sees_the_partner_table(open_page, world):
    at = _fiscal_2024(open_page(world.actors.secretariat, PAGE, query={"tab": "パートナー実績"}))
    assert not at.exception, at.exception
    table = at.dataframe[0].value
    assert list(table["パートナー"]) == ["甲人材株式会社", "乙キャリア株式会社"]
    first = table.iloc[0]
    # Nationally A received 4 referrals (hub 02's too), 3 reported on time, 3 placed.
    assert (first["紹介件数"], first["期限内の報告"], first["成約件数"]) == (4, 3, 3)
    assert first["成約率"] == 75.0 and first["期限内報告率"] == 75.0
    assert any("7日以内" in c.value for c in at.caption)
    at.segmented_control(key="funnel_partner_by").set_value("category").run()
    assert not at.exception, at.exception
    by_category = at.dataframe[0].value
    assert "人材区分" in by_category.columns and "人材区分ID" not in by_category.columns
    assert set(by_category["人材区分"]) == {"経営人材", "経営サポート人材"}


def test_the_secretariat_national_funnel_counts_every_hub(open_page, world):
    at = _fiscal_2024(open_page(world.actors.secretariat, PAGE))
    assert not at.exception, at.exception
    assert _metrics(at)["成約"] == "6"
    assert any("対象: 全国" in c.value for c in at.caption)


def test_rates_are_percent_with_one_decimal_and_counts_numbers():
    from crm.analytics.partner_table import COLUMNS
    from crm.presentation.table_formats import NUMBER, PERCENT, column_kind
    from ui.views.funnel import frame_of

    keys = ["partner", "referrals", "conversion"]
    frame = frame_of(COLUMNS, keys, [{"partner": "甲", "referrals": 12345, "conversion": 2 / 3}])
    assert frame.iloc[0].tolist() == ["甲", 12345, 66.7]
    # ui.tables shows a count with separators (12,345) and a rate as 66.7%.
    assert column_kind("紹介件数", frame["紹介件数"]) == NUMBER
    assert column_kind("成約率", frame["成約率"]) == PERCENT
