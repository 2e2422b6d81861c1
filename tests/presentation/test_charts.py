"""The charts read right: the contracts line on its month's bar and no month past the data,
the hub forecast on its own fiscal-year scale, long breakdowns as their top rows plus 「その他」.

Each chart is checked twice: in its Vega-Lite spec (``chart.to_dict()``) and where it matters
in the picture Vega draws from it (an SVG rendered by vl-convert, as the monthly report does)."""

import re

import pandas as pd
import pytest
import vl_convert
from sqlalchemy import text

from crm.analytics.breakdowns import NOT_RECORDED, Dimension, breakdown
from crm.analytics.flows import PREFECTURE, UNKNOWN, FlowTable
from crm.demo.series import SEED_CUMULATIVE_CONSULTATIONS, SEED_CUMULATIVE_PLACEMENTS
from crm.presentation import charts, flow_charts
from crm.presentation.analytics_frames import breakdown_frame
from crm.reference import PREFECTURES
from tests.utils.factories import (
    make_company,
    make_consultation,
    make_need,
    make_partner,
    make_placement,
)

WIDTH = 540  # the plotted area's width when rendered here (pixels)
HEIGHT = 380


def seed_frame() -> pd.DataFrame:
    """The seed's chart as the app draws it: January to September 2016 (DOMAIN.md)."""
    return pd.DataFrame(
        {
            "month": [f"2016-{m:02d}" for m in range(1, 10)],
            "cumulative_consultations": SEED_CUMULATIVE_CONSULTATIONS,
            "cumulative_contracts": SEED_CUMULATIVE_PLACEMENTS,
        }
    )


def _svg(chart) -> str:
    return vl_convert.vegalite_to_svg(chart.properties(width=WIDTH).to_dict())


def _group(svg: str, css_class: str) -> str:
    """The inside of the first ``<g class="… css_class …">`` (its marks)."""
    start = re.search(rf'<g class="[^"]*\b{css_class}\b[^"]*"[^>]*>', svg)
    assert start, css_class
    return svg[start.end() : svg.index("</g>", start.end())]


def _bar_centres(svg: str) -> list[float]:
    bars = re.findall(r'd="M([-\d.]+),[-\d.]+h([\d.]+)v', _group(svg, "mark-rect"))
    return [float(x) + float(w) / 2 for x, w in bars]


def _point_centres(svg: str) -> list[float]:
    return [float(x) for x in re.findall(r"translate\(([-\d.]+),", _group(svg, "mark-symbol"))]


def _x_labels(svg: str) -> list[str]:
    """The month labels under the x axis, left to right."""
    axis = re.search(r'aria-label="X-axis titled[^"]*"', svg)
    assert axis
    labels = svg[axis.end() :]
    labels = _group(labels, "role-axis-label")
    return re.findall(r">([^<>]+)</text>", labels)


# --- the cumulative trend ------------------------------------------------------------------


def test_the_trend_spec_puts_the_line_on_the_bars_months_and_ends_at_the_last_month():
    frame = seed_frame()
    spec = charts.cumulative_trend_chart(frame, "全国: 成約件数と相談件数の推移").to_dict()
    bars, line = spec["layer"]
    assert bars["mark"]["type"] == "bar" and line["mark"]["type"] == "line"
    bar_x, line_x = bars["encoding"]["x"], line["encoding"]["x"]
    # One shared band per month: the same field on the same (ordinal) scale, the line on the
    # band's centre.
    assert bar_x["field"] == line_x["field"] and bar_x["type"] == line_x["type"] == "ordinal"
    assert line_x["bandPosition"] == 0.5
    domain = line_x["scale"]["domain"]
    assert domain == bar_x["scale"]["domain"]
    assert domain == [f"2016年{m:02d}月" for m in range(1, 10)]
    assert domain[-1] == charts.month_label(frame["month"].iloc[-1]) == "2016年09月"
    assert spec["resolve"]["scale"]["y"] == "independent"
    rows = next(iter(spec["datasets"].values()))
    assert (rows[-1]["cumulative_consultations"], rows[-1]["cumulative_contracts"]) == (5044, 373)


def test_the_seed_chart_draws_each_point_on_its_bars_centre_and_no_empty_month():
    svg = _svg(charts.cumulative_trend_chart(seed_frame(), "全国: 成約件数と相談件数の推移"))
    bars, points = _bar_centres(svg), _point_centres(svg)
    assert len(bars) == len(points) == 9
    assert points == pytest.approx(bars, abs=0.5)
    # The axis names exactly the nine months drawn; nothing after September.
    assert _x_labels(svg) == [f"2016年{m:02d}月" for m in range(1, 10)]
    assert "2016年10月" not in svg
    # September's band is the last on the axis: nine bands fill the plot.
    assert bars[-1] == pytest.approx(WIDTH - WIDTH / 9 / 2, abs=1)


def test_a_long_trend_labels_one_month_a_year_and_keeps_every_month():
    months = [f"{year}-{month:02d}" for year in range(2016, 2027) for month in range(1, 13)]
    frame = pd.DataFrame(
        {
            "month": months,
            "cumulative_consultations": range(len(months)),
            "cumulative_contracts": range(len(months)),
        }
    )
    x = charts.cumulative_trend_chart(frame, "推移").to_dict()["layer"][0]["encoding"]["x"]
    assert len(x["scale"]["domain"]) == 132 and x["scale"]["domain"][-1] == "2026年12月"
    assert x["axis"]["values"] == [f"{year}年01月" for year in range(2016, 2027)]


# --- the hub forecast ----------------------------------------------------------------------

# A hub with 1,000 consultations and 200 contracts before fiscal 2026, then 10 and 2 a month
# from April to December 2026 (today: 7 December); the forecast to 31 March.
HISTORY = pd.DataFrame(
    {
        "month": [f"2026-{m:02d}" for m in range(1, 13)],
        "cumulative_consultations": [1000, 1000, 1000, *(1000 + 10 * n for n in range(1, 10))],
        "cumulative_contracts": [200, 200, 200, *(200 + 2 * n for n in range(1, 10))],
    }
)
FORECAST_MONTHS = ["2026-12", "2027-01", "2027-02", "2027-03"]
CONSULTATION_BAND = pd.DataFrame(
    {
        "month": FORECAST_MONTHS,
        "expected": [1090, 1100, 1112, 1125],
        "low": [1090, 1096, 1104, 1110],
        "high": [1090, 1106, 1122, 1140],
    }
)
CONTRACT_BAND = pd.DataFrame(
    {
        "month": FORECAST_MONTHS,
        "expected": [218, 220, 222, 225],
        "low": [218, 219, 220, 221],
        "high": [218, 221, 225, 230],
    }
)


def _forecast():
    return charts.cumulative_forecast_chart(
        HISTORY, CONSULTATION_BAND, CONTRACT_BAND, "鳥取県: 2026年度の累計"
    )


def _layer_rows(spec: dict, layer: dict) -> list[dict]:
    return spec["datasets"][layer["data"]["name"]]


def test_the_forecast_is_the_fiscal_year_counted_from_april():
    spec = _forecast().to_dict()
    left, right = spec["layer"]
    bars, band, expected = left["layer"]
    line, contract_band, _ = right["layer"]
    fiscal_year = [f"2026-{m:02d}" for m in range(4, 13)] + [f"2027-{m:02d}" for m in (1, 2, 3)]
    for layer in (bars, band, expected, line, contract_band):
        x = layer["encoding"]["x"]
        assert x["scale"]["domain"] == [charts.month_label(m) for m in fiscal_year]
        assert x["bandPosition"] == 0.5
    # This year's own counts: April 10 … December 90 consultations, 2 … 18 contracts.
    assert [r["cumulative_consultations"] for r in _layer_rows(spec, bars)] == list(
        range(10, 100, 10)
    )
    assert [r["cumulative_contracts"] for r in _layer_rows(spec, line)] == list(range(2, 20, 2))
    # The band continues from December's count to 31 March: 125 expected (110–140) and
    # 25 (21–30), the page's figures less the 1,000 and 200 before April.
    march = _layer_rows(spec, band)[-1]
    assert (march["月"], march["expected"], march["low"], march["high"]) == (
        "2027年03月",
        125,
        110,
        140,
    )
    assert (
        _layer_rows(spec, band)[0]["expected"]
        == _layer_rows(spec, bars)[-1]["cumulative_consultations"]
    )
    march = _layer_rows(spec, contract_band)[-1]
    assert (march["expected"], march["low"], march["high"]) == (25, 21, 30)
    assert "strokeDash" in str(expected["mark"]) and band["encoding"]["y2"]["field"] == "high"
    assert spec["resolve"]["scale"]["y"] == "independent"


def _extent(path: str) -> tuple[float, float]:
    """Width and height of an SVG path's points."""
    numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", path)]
    xs, ys = numbers[0::2], numbers[1::2]
    return max(xs) - min(xs), max(ys) - min(ys)


@pytest.mark.parametrize("name", ["consultations_band", "contracts_band"])
def test_the_forecast_band_is_drawn_large(name):
    """Four months of twelve wide (three steps between the band's first and last month) and
    a good part of the plot high; on the whole history it was a sliver a few pixels wide."""
    svg = _svg(_forecast())
    band = re.search(r'd="(M[^"]+)"', _group(svg, rf"{name}_\d+_marks"))
    assert band
    width, height = _extent(band.group(1))
    assert width == pytest.approx(3 * WIDTH / 12, abs=1)
    assert height > 0.15 * HEIGHT


# --- long breakdowns -----------------------------------------------------------------------


def _breakdown(labels: list[str], counts: list[int]) -> pd.DataFrame:
    total = sum(counts)
    return pd.DataFrame({"区分": labels, "件数": counts, "割合": [n / total for n in counts]})


def test_a_short_breakdown_is_drawn_whole_in_its_own_order():
    frame = _breakdown([f"区分{i}" for i in range(16)], [1, 9, *range(2, 16)])
    assert charts.top_rows(frame).equals(frame)  # 16 rows: folding one row would say nothing
    assert charts.folded_rows(frame) == 0


def test_a_long_breakdown_keeps_its_largest_rows_and_sums_the_rest():
    labels = [f"紹介元{i:02d}" for i in range(40)] + [NOT_RECORDED]
    counts = [(i * 7) % 41 + 1 for i in range(40)] + [3]
    shown = charts.top_rows(_breakdown(labels, counts))
    largest = sorted(zip(counts[:40], labels[:40], strict=True), reverse=True)[:15]
    assert list(shown["区分"]) == [label for _, label in largest] + ["その他", NOT_RECORDED]
    other = sum(counts[:40]) - sum(n for n, _ in largest)
    assert shown["件数"].iloc[15] == other
    assert shown["件数"].sum() == sum(counts)
    assert shown["割合"].sum() == pytest.approx(1.0)
    assert charts.folded_rows(_breakdown(labels, counts)) == 25


def test_a_row_already_named_sonota_is_not_merged_with_the_rest():
    labels = ["その他", *(f"紹介元{i:02d}" for i in range(30))]
    shown = charts.top_rows(_breakdown(labels, [100, *range(30, 0, -1)]))
    assert list(shown["区分"]).count("その他") == 1 and shown["区分"].iloc[-1] == "上記以外"


def test_the_partner_chart_shows_the_top_fifteen_and_the_rest_as_counted_in_the_database(
    session, actors
):
    """Twenty partners with 1…20 placements and three placements without one."""
    manager = actors.manager01
    firm = make_company(session, manager)
    need = make_need(session, manager, make_consultation(session, manager, firm), headcount=213)
    names = [f"エグゼクティブパートナーズ人材紹介株式会社{i:02d}" for i in range(1, 21)]
    for n, name in enumerate(names, start=1):
        partner = make_partner(session, name=name)
        for _ in range(n):
            make_placement(session, manager, need, partner_id=partner.id)
    for _ in range(3):
        make_placement(session, manager, need)
    session.commit()

    result = breakdown(session, actors.secretariat, Dimension.PARTNER)
    frame = breakdown_frame(result)
    spec = charts.breakdown_bar_chart(frame, result.title, result.key_label, "成約件数").to_dict()
    rows = {row["区分"]: row["件数"] for row in spec["datasets"][spec["data"]["name"]]}

    def scalar(sql: str) -> int:
        return session.execute(text(sql)).scalar_one()

    top = session.execute(
        text(
            "select partner.name, count(*) from placement join partner"
            " on partner.id = placement.partner_id group by partner.name"
            " order by count(*) desc limit 15"
        )
    ).all()
    rest = scalar(
        "select count(*) from placement where partner_id is not null and partner_id not in"
        " (select partner_id from placement where partner_id is not null"
        "  group by partner_id order by count(*) desc limit 15)"
    )
    assert rows == {
        **dict(top),
        "その他": rest,
        NOT_RECORDED: scalar("select count(*) from placement where partner_id is null"),
    }
    assert rest == 1 + 2 + 3 + 4 + 5
    assert sum(rows.values()) == scalar("select count(*) from placement")
    # The names are long: the axis leaves room for the longest whole (one em a full-width
    # character; Vega's default of 180 pixels cut them).
    axis = spec["encoding"]["y"]["axis"]
    full_width = sum(1 for c in names[0] if not c.isascii())
    assert axis["labelLimit"] >= axis["labelFontSize"] * full_width > 180
    assert spec["encoding"]["y"]["sort"][-2:] == ["その他", NOT_RECORDED]


# --- the flow chart's origins --------------------------------------------------------------


def test_the_flow_chart_names_ten_origins_and_sums_the_rest_per_hub():
    origins = [code for code in PREFECTURES if code != "06"][:20]
    cells = {
        (origin, hub): i + (hub == "06")
        for i, origin in enumerate(origins, 1)
        for hub in ("06", "31")
    }
    cells[(UNKNOWN, "06")] = 4
    table = FlowTable(PREFECTURE, cells)
    frame = flow_charts.flow_frame(table)
    ranked = sorted(origins, key=lambda o: -sum(n for (x, _), n in cells.items() if x == o))
    named = {PREFECTURES[o][0] for o in ranked[:10]}
    assert set(frame["origin"]) == named | {"その他", UNKNOWN}
    for hub in ("06", "31"):
        drawn = frame[frame["hub_code"] == hub]
        folded = sum(n for (o, h), n in cells.items() if h == hub and o in ranked[10:])
        assert drawn[drawn["origin"] == "その他"]["placements"].sum() == folded
        assert drawn["placements"].sum() == sum(n for (_, h), n in cells.items() if h == hub)
    assert flow_charts.folded_origins(table) == 10
    legend = flow_charts.flow_chart(table, "流れ").to_dict()["encoding"]["color"]["scale"]
    assert len(set(legend["range"])) == len(legend["domain"]) == 12  # no colour said twice
