"""The secretariat's pages under AppTest on the known data set: numbers equal to an
independent count and to each other, Japanese chart titles, drill-down to a hub."""

import json

import pyarrow as pa
import pytest

from crm.analytics.filters import AnalyticsFilter
from crm.presentation.labels import prefecture_label
from crm.timeutil import fiscal_year_bounds
from crm.vocabulary import days_text


@pytest.fixture
def engine(known_engine):
    """The app runs on a copy of the known data set."""
    return known_engine


@pytest.fixture
def data(known_template):
    return known_template[1]


def _specs(at):
    return [json.loads(chart.proto.spec) for chart in at.get("vega_lite_chart")]


def _chart_data(at, title_part: str):
    """The spec and data rows (Arrow, sent beside the spec) of the chart whose title has
    ``title_part``."""
    for chart in at.get("vega_lite_chart"):
        spec = json.loads(chart.proto.spec)
        if title_part in json.dumps(spec.get("title"), ensure_ascii=False):
            table = pa.ipc.open_stream(chart.proto.datasets[0].data.data).read_all()
            return spec, table.to_pylist()
    raise AssertionError(f"no chart titled …{title_part}…")


def _metrics(at):
    return {m.label: m.value for m in at.metric}


def _all_periods(at):
    at.sidebar.radio(key="af_period").set_value("全期間").run()
    assert not at.exception
    return at


def test_national_dashboard_figures_match_an_independent_count(open_page, data):
    at = _all_periods(open_page(data.secretariat, "pages/national.py"))
    expected = data.expected_headline(AnalyticsFilter())
    metrics = _metrics(at)
    assert metrics["相談件数"] == f"{expected['consultations']:,}"
    assert metrics["相談企業数"] == f"{expected['companies_consulted']:,}"
    assert metrics["人材ニーズ"] == f"{expected['needs_opened']:,}"
    assert metrics["成約件数"] == f"{expected['placements']:,}"
    assert (
        metrics["成約率（成約／相談）"]
        == f"{expected['placements'] / expected['consultations']:.1%}"
    )
    assert metrics["成約までの日数（中央値）"] == days_text(expected["median_days_to_placement"])
    assert (
        metrics["複数回採用した企業の割合"]
        == f"{expected['companies_placed_repeatedly'] / expected['companies_placed']:.1%}"
    )
    caption = next(c.value for c in at.caption if "現在: 累計相談" in c.value)
    assert (
        f"累計相談 {len(data.consultations):,} 件・累計成約 {len(data.placements):,} 件" in caption
    )
    spec = _specs(at)[0]
    text = json.dumps(spec, ensure_ascii=False)
    assert "成約件数と相談件数の推移" in text and "累計相談件数" in text and "累計成約件数" in text
    assert spec["resolve"]["scale"]["y"] == "independent"


def test_national_filters_narrow_the_figures(open_page, data):
    at = open_page(data.secretariat, "pages/national.py")
    at.sidebar.radio(key="af_period").set_value("年度").run()
    at.sidebar.selectbox(key="af_fy").set_value(2020).run()
    at.sidebar.multiselect(key="af_blocks").set_value(["東北"]).run()
    at.sidebar.multiselect(key="af_engagements").set_value(["mid_career"]).run()
    assert not at.exception
    since, until = fiscal_year_bounds(2020)
    expected = data.expected_headline(
        AnalyticsFilter(since=since, until=until, blocks=("東北",), engagements=("mid_career",))
    )
    metrics = _metrics(at)
    assert metrics["相談件数"] == f"{expected['consultations']:,}"
    assert metrics["成約件数"] == f"{expected['placements']:,}"
    assert metrics["人材ニーズ"] == f"{expected['needs_opened']:,}"
    assert any("相談は全件" in c.value for c in at.caption)


def test_breakdowns_tables_add_up_and_match_the_count(open_page, data):
    at = _all_periods(open_page(data.secretariat, "pages/breakdowns.py"))
    metrics = _metrics(at)
    assert metrics["成約件数"] == f"{len(data.placements):,}"
    assert metrics["相談件数"] == f"{len(data.consultations):,}"
    tables = [df.value for df in at.dataframe]
    assert len(tables) == 7
    for table in tables:
        measure = "相談件数" if "相談件数" in table.columns else "成約件数"
        expected = len(data.consultations) if measure == "相談件数" else len(data.placements)
        assert table[measure].sum() == expected
    engagement = next(t for t in tables if "採用形態" in t.columns)
    assert dict(zip(engagement["採用形態"], engagement["成約件数"], strict=True)) == {
        label: sum(p.engagement == code for p in data.placements)
        for code, label in {
            "mid_career": "中途採用",
            "secondment": "出向・研修",
            "side_job": "副業・兼業",
        }.items()
    }
    for table, element in zip(tables, at.dataframe, strict=True):
        # Shares in percent with one decimal, like every rate on the screens: each row's count
        # over the table's total, rounded as shown (so they add up to 100 within the rounding).
        measure = "相談件数" if "相談件数" in table.columns else "成約件数"
        total = table[measure].sum()
        assert list(table["割合"]) == [round(n / total * 100, 1) for n in table[measure]]
        assert abs(table["割合"].sum() - 100) <= 0.05 * len(table)
        assert "%.1f%%" in str(element.proto.columns)
    residence = next(t for t in tables if "前居住地" in t.columns)
    assert set(residence["前居住地"]) >= {"県内", "首都圏", "その他の地域"}
    for spec in _specs(at):
        text = json.dumps(spec, ensure_ascii=False)
        assert spec["title"].endswith("件数")  # e.g. 採用形態別の成約件数
        assert '"title": "成約件数"' in text or '"title": "相談件数"' in text


def test_prefecture_comparison_rows_add_up_to_the_national_totals(open_page, data):
    at = _all_periods(open_page(data.secretariat, "pages/prefectures.py"))
    table = at.dataframe[0].value
    assert len(table) == 46 and "東京都" not in set(table["拠点"])
    metrics = _metrics(at)
    assert (
        metrics["全国計: 相談件数"] == f"{table['相談'].sum():,}" == f"{len(data.consultations):,}"
    )
    assert metrics["全国計: 成約件数"] == f"{table['成約'].sum():,}" == f"{len(data.placements):,}"
    assert metrics["全国計: 人材ニーズ"] == f"{table['人材ニーズ'].sum():,}"
    by_hub = dict(zip(table["拠点"], table["相談"], strict=True))
    for hub in ("01", "02", "06", "40", "47"):
        assert by_hub[prefecture_label(hub)] == sum(c.hub == hub for c in data.consultations)


def test_tile_map_shows_all_47_prefectures_with_tokyo_without_hub(open_page, data):
    at = _all_periods(open_page(data.secretariat, "pages/prefectures.py"))
    spec, rows = _chart_data(at, "都道府県別")
    assert len(rows) == 47 and len({r["code"] for r in rows}) == 47
    tokyo = next(r for r in rows if r["code"] == "13")
    assert tokyo["has_hub"] is False and tokyo["状態"] == "拠点なし" and tokyo["value"] is None
    yamagata = next(r for r in rows if r["code"] == "06")
    assert yamagata["value"] == sum(p.hub == "06" for p in data.placements)
    assert spec["title"] == "都道府県別の成約件数（期間）"
    at.selectbox(key="pref_measure").set_value("cumulative_consultations").run()
    spec, rows = _chart_data(at, "都道府県別")
    assert spec["title"] == "都道府県別の累計相談件数"
    assert next(r for r in rows if r["code"] == "06")["value"] == sum(
        c.hub == "06" for c in data.consultations
    )


def test_choosing_a_prefecture_opens_its_dashboard_read_only(open_page, data):
    at = _all_periods(open_page(data.secretariat, "pages/prefectures.py"))
    at.selectbox(key="pref_drill").set_value("06").run()
    next(b for b in at.button if b.label == "ダッシュボードを開く").click().run()
    assert not at.exception
    assert at.query_params["hub"] == ["06"] or at.query_params["hub"] == "06"
    assert any("山形県" in t.value and "拠点ダッシュボード" in t.value for t in at.title)
    assert any("閲覧のみ" in c.value for c in at.caption)


def test_clicking_a_prefecture_on_the_map_opens_its_dashboard(open_page, data):
    at = open_page(data.secretariat, "pages/prefectures.py")
    # What st.altair_chart reports after a click on 山形's square.
    at.session_state["pref_map"] = {"selection": {"prefecture": [{"code": "06"}]}}
    at.run()
    assert not at.exception
    assert any("山形県" in t.value and "拠点ダッシュボード" in t.value for t in at.title)


def test_clicking_tokyo_stays_on_the_map(open_page, data):
    at = open_page(data.secretariat, "pages/prefectures.py")
    at.session_state["pref_map"] = {"selection": {"prefecture": [{"code": "13"}]}}
    at.run()
    assert not at.exception
    assert [t.value for t in at.title] == ["都道府県比較"]
