"""Charts are built and validated once per input, and render what st.altair_chart would."""

import altair as alt
import pandas as pd

from crm.presentation import charts
from ui import chart_specs


def _frame(contracts: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "month": ["2016-01", "2016-02"],
            "consultations": [10, 12],
            "contracts": [1, contracts],
            "cumulative_consultations": [10, 22],
            "cumulative_contracts": [1, 1 + contracts],
        }
    )


def test_the_spec_is_the_chart_as_streamlit_renders_it():
    frame = _frame(2)
    spec = chart_specs.spec_of(charts.cumulative_trend_chart, frame, "全国: 推移")
    with alt.theme.enable("none"):  # what st.altair_chart renders with
        expected = charts.cumulative_trend_chart(frame, "全国: 推移").to_dict()
    assert spec == expected
    assert "continuousWidth" not in str(spec)


def test_a_rerun_with_the_same_input_does_not_build_the_chart_again(monkeypatch):
    calls = []
    name = chart_specs.name_of(charts.breakdown_bar_chart)
    original = chart_specs._BUILDERS[name]

    def counted(*args):
        calls.append(args)
        return original(*args)

    monkeypatch.setitem(chart_specs._BUILDERS, name, counted)
    frame = pd.DataFrame({"区分": ["経営人材", "専門人材"], "件数": [3, 5], "割合": [0.375, 0.625]})
    args = ("人材区分別の成約件数", "人材区分", "成約件数")
    first = chart_specs.spec_of(charts.breakdown_bar_chart, frame, *args)
    again = chart_specs.spec_of(charts.breakdown_bar_chart, frame.copy(), *args)  # a rerun
    other = chart_specs.spec_of(
        charts.breakdown_bar_chart, frame.assign(件数=[4, 5]), *args
    )  # new numbers: a new spec
    assert first == again != other
    assert len(calls) == 2
