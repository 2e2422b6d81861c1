"""The secretariat's pages on the demo data: the seed's chart values, and national totals
equal to the sum over hubs on every page."""

import json

import pyarrow as pa
import pytest
from sqlmodel import Session

from crm.actor import actor_for
from crm.services.users import get_user


@pytest.fixture
def engine(demo_engine):
    return demo_engine


@pytest.fixture
def secretariat(demo_engine):
    with Session(demo_engine) as session:
        return actor_for(get_user(session, "secretariat"))


def _number(text: str) -> int:
    return int(text.replace(",", ""))


def _metrics(at):
    return {m.label: m.value for m in at.metric}


def _trend_rows(at):
    for chart in at.get("vega_lite_chart"):
        if "推移" in json.dumps(json.loads(chart.proto.spec).get("title"), ensure_ascii=False):
            return pa.ipc.open_stream(chart.proto.datasets[0].data.data).read_all().to_pylist()
    raise AssertionError("no trend chart")


def _open(open_page, actor, page, period="全期間"):
    at = open_page(actor, page)
    at.sidebar.radio(key="af_period").set_value(period).run()
    assert not at.exception
    return at


def test_national_chart_shows_the_seed_and_2020_values(open_page, secretariat):
    at = _open(open_page, secretariat, "pages/national.py")
    rows = {r["month"]: r for r in _trend_rows(at)}
    assert (
        rows["2016-09"]["cumulative_consultations"],
        rows["2016-09"]["cumulative_contracts"],
    ) == (5044, 373)
    assert (
        rows["2020-11"]["cumulative_consultations"],
        rows["2020-11"]["cumulative_contracts"],
    ) == (52144, 10831)
    assert [rows[m]["cumulative_consultations"] for m in sorted(rows)[:9]] == [
        3,
        27,
        303,
        758,
        1427,
        2186,
        3020,
        3883,
        5044,
    ]


@pytest.mark.parametrize("period", ["全期間", "年度"])
def test_every_page_totals_equal_the_sum_over_hubs(open_page, secretariat, period):
    national = _metrics(_open(open_page, secretariat, "pages/national.py", period))
    prefectures = _open(open_page, secretariat, "pages/prefectures.py", period)
    table = prefectures.dataframe[0].value
    assert len(table) == 46
    assert (
        _number(national["相談件数"])
        == table["相談"].sum()
        == _number(_metrics(prefectures)["全国計: 相談件数"])
    )
    assert (
        _number(national["成約件数"])
        == table["成約"].sum()
        == _number(_metrics(prefectures)["全国計: 成約件数"])
    )
    assert _number(national["人材ニーズ"]) == table["人材ニーズ"].sum()
    breakdowns = _open(open_page, secretariat, "pages/breakdowns.py", period)
    for frame in (df.value for df in breakdowns.dataframe):
        if "相談件数" in frame.columns:
            assert frame["相談件数"].sum() == _number(national["相談件数"])
        else:
            assert frame["成約件数"].sum() == _number(national["成約件数"])


def test_targets_page_runs_on_the_demo(open_page, secretariat):
    at = open_page(secretariat, "pages/targets.py")
    assert not at.exception
    assert len(at.dataframe[0].value) == 46
