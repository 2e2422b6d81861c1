"""bench.click_timing without a browser: its options, its floor app, its tables and verdicts."""

import pytest
from streamlit.testing.v1 import AppTest

from bench import click_timing
from bench.report import markdown_table


def test_the_options_parse_and_nothing_to_do_is_refused():
    options = click_timing.parser().parse_args(["--size", "1m", "--rounds", "3"])
    assert (options.size, options.rounds, options.cold_rounds) == ("1m", 3, 3)
    assert click_timing.parser().parse_args(["--firm-list", "100k", "3m"]).firm_list == [
        "100k",
        "3m",
    ]
    with pytest.raises(SystemExit):
        click_timing.parser().parse_args(["--size", "2m"])
    with pytest.raises(SystemExit):
        click_timing.main([])


def test_the_floor_app_draws_its_page_and_counts_a_press():
    at = AppTest.from_file(str(click_timing.datasets.ROOT / "bench/floor_app/app.py"))
    at.run()
    assert [t.value for t in at.title] == ["床 1"]
    at.button[0].click().run()
    assert "押した回数: 1" in [m.value for m in at.markdown]
    at.switch_page("second.py").run()
    assert [t.value for t in at.title] == ["床 2"]


def test_p95_interpolates_and_the_verdicts_compare_with_the_floor():
    assert click_timing.p95([1.0] * 19 + [21.0]) == pytest.approx(2.0)
    floor = {"samples": {"switch": [0.1, 0.1], "click": [0.1, 0.1], "cold:switch": [0.2]}}
    result = {
        "floor": floor,
        "roles": {
            "hub_manager": {
                "samples": {"switch:企業": [0.15, 0.25], "cold:企業": [0.7, 0.8]},
                "elements": {"企業": 1_001},
            }
        },
    }
    rows = {row[1]: row for row in click_timing.rows_for(result)}
    assert rows["switch: 企業"][-1] == "met"  # median 2.0x, p95 2.5x
    assert rows["cold view: 企業"][-1] == "≤ 3×: MISSED"  # 3.75x
    summary = click_timing.verdicts(result)
    assert "warm page switches: 1 of 1 within target" in summary
    assert "cold views: 0 of 1 within target; the furthest: manager cold view: 企業" in summary
    result["floor"]["elements"] = {"床 1": 3}
    assert "MISSED" in click_timing.elements_line(result)
    assert markdown_table(click_timing.HEADERS, click_timing.rows_for(result)).count("\n") == 3
