"""The monthly report on the demo history: the programme's published November 2020 totals, every
prefecture row equal to `crm report hubs` for the same period, subtotals, ranks, fiscal years,
the workbook read back with openpyxl and the PDF with its chart."""

import csv
import datetime as dt
import io

import openpyxl
import pypdf
import pytest
from sqlalchemy import create_engine, func, select
from sqlmodel import Session
from typer.testing import CliRunner

from crm.actor import SYSTEM
from crm.cli import app
from crm.models import Consultation, Placement
from crm.reference import BLOCKS
from crm.reports.monthly import month_as_of, monthly_report

TODAY = dt.date(2026, 12, 1)
runner = CliRunner()


@pytest.fixture(scope="module")
def made(demo_template, tmp_path_factory):
    """`crm report monthly --month 2020-11` and `crm report hubs` for the same period, run once
    on a copy of the demo."""
    import shutil

    folder = tmp_path_factory.mktemp("monthly")
    database = folder / "demo.sqlite3"
    shutil.copy(demo_template, database)
    env = {"CRM_DATABASE_URL": f"sqlite:///{database}"}
    result = runner.invoke(
        app, ["report", "monthly", "--month", "2020-11", "--out", str(folder)], env=env
    )
    assert result.exit_code == 0, result.output
    hubs = runner.invoke(
        app, ["report", "hubs", "--from", "2020-04", "--until", "2020-11", "--codes"], env=env
    )
    assert hubs.exit_code == 0, hubs.output
    return folder, result.output, list(csv.DictReader(io.StringIO(hubs.output))), database


def _sheet(book, name):
    sheet = book[name]
    header = [c.value for c in sheet[1]]
    return [dict(zip(header, row, strict=True)) for row in sheet.iter_rows(min_row=2)]


def test_the_national_total_is_the_published_figure(made):
    folder, output, _, _ = made
    assert "2020年11月末現在" in output and "相談 52,144 件・成約 10,831 件" in output
    assert sorted(p.name for p in folder.glob("2020-11_*")) == [
        "2020-11_月次報告.pdf",
        "2020-11_月次報告.xlsx",
    ]
    book = openpyxl.load_workbook(folder / "2020-11_月次報告.xlsx")
    national = _sheet(book, "都道府県別")[-1]
    assert national["都道府県"].value == "全国 計"
    assert (national["累計 相談件数"].value, national["累計 成約件数"].value) == (52_144, 10_831)
    assert national["累計 成約件数"].data_type == "n"
    assert national["累計 成約件数"].number_format == "#,##0"


def test_every_prefecture_row_equals_report_hubs(made):
    folder, _, hubs, _ = made
    book = openpyxl.load_workbook(folder / "2020-11_月次報告.xlsx")
    rows = [r for r in _sheet(book, "都道府県別") if r["都道府県コード"].value]
    assert len(rows) == len(hubs) == 46
    by_code = {r["hub_code"]: r for r in hubs}
    for row in rows:
        code = row["都道府県コード"]
        assert code.data_type == "s" and len(code.value) == 2
        hub = by_code[code.value]
        assert [
            row[h].value
            for h in (
                "2020年度 相談件数",
                "2020年度 成約件数",
                "2020年度 うち副業・兼業",
                "2020年度 県外からの人材",
                "累計 相談件数",
                "累計 成約件数",
                "累計 うち副業・兼業",
                "累計 県外からの人材",
            )
        ] == [
            int(hub[k])
            for k in (
                "consultations",
                "placements",
                "side_job_placements",
                "outside_placements",
                "cumulative_consultations",
                "cumulative_placements",
                "cumulative_side_job_placements",
                "cumulative_outside_placements",
            )
        ], code.value
    assert not [c for s in book.worksheets for r in s.iter_rows() for c in r if c.data_type == "f"]


def test_subtotals_ranks_and_the_independent_count(made):
    folder, _, _, database = made
    book = openpyxl.load_workbook(folder / "2020-11_月次報告.xlsx", data_only=False)
    rows = _sheet(book, "都道府県別")
    values = [{k: c.value for k, c in r.items()} for r in rows]
    blocks = [v for v in values if v["都道府県"].endswith(" 計") and v["地域ブロック"] != "全国"]
    assert [b["地域ブロック"] for b in blocks] == list(BLOCKS)
    for block in blocks:
        members = [
            v for v in values if v["地域ブロック"] == block["地域ブロック"] and v["都道府県コード"]
        ]
        for key in ("累計 成約件数", "2020年度 相談件数", "累計 県外からの人材"):
            assert block[key] == sum(m[key] for m in members)
        for member in members:
            better = sum(m["累計 成約件数"] > member["累計 成約件数"] for m in members)
            assert member["ブロック内順位（累計成約）"] == better + 1
    # Independent count, straight from the tables.
    from crm.db import make_engine

    engine = make_engine(f"sqlite:///{database}")
    end = dt.date(2020, 11, 30)
    with Session(engine) as session:
        side_jobs = session.execute(
            select(func.count())
            .select_from(Placement)
            .where(Placement.placed_on <= end, Placement.engagement == "side_job")
        ).scalar_one()
        outside = session.execute(
            select(func.count())
            .select_from(Placement)
            .where(
                Placement.placed_on <= end,
                Placement.previous_residence.in_(["tokyo_area", "other_region"]),
            )
        ).scalar_one()
        fy_consultations = session.execute(
            select(func.count())
            .select_from(Consultation)
            .where(Consultation.consulted_on.between(dt.date(2020, 4, 1), end))
        ).scalar_one()
    engine.dispose()
    national = values[-1]
    assert national["累計 うち副業・兼業"] == side_jobs > 0
    assert national["累計 県外からの人材"] == outside > 0
    assert national["2020年度 相談件数"] == fy_consultations

    years = [{k: c.value for k, c in r.items()} for r in _sheet(book, "年度別")]
    # One name per fiscal year; the days counted are a column of their own.
    assert [y["年度"] for y in years] == [f"{fy}年度" for fy in range(2015, 2021)]
    assert years[0]["集計期間"] == "2016年1月〜3月"
    assert years[1]["集計期間"] == "2016年4月〜2017年3月"
    assert years[-1]["集計期間"] == "2020年4月〜11月"
    assert sum(y["相談件数"] for y in years) == 52_144 == years[-1]["累計 相談件数"]
    assert sum(y["成約件数"] for y in years) == 10_831 == years[-1]["累計 成約件数"]
    trend = _sheet(book, "月別推移")
    assert trend[-1]["月"].value == "2020-11" and trend[-1]["月"].data_type == "s"
    assert trend[-1]["累計 相談件数"].value == 52_144
    summary = {r[0].value: r[1].value for r in book["概要"].iter_rows(min_row=2)}
    assert summary["集計"] == "2020年11月末現在"


def test_the_outlook_sheet_counts_the_fiscal_year_so_far(made):
    folder, _, _, database = made
    book = openpyxl.load_workbook(folder / "2020-11_月次報告.xlsx")
    rows = [{k: c.value for k, c in r.items()} for r in _sheet(book, "見通し")]
    engine = create_engine(f"sqlite:///{database}")
    with engine.connect() as connection:
        placed = dict(
            connection.execute(
                select(Placement.hub_code, func.count())
                .where(Placement.placed_on.between(dt.date(2020, 4, 1), dt.date(2020, 11, 30)))
                .group_by(Placement.hub_code)
            ).all()
        )
    engine.dispose()
    hubs = [r for r in rows if r["指標"] == "成約" and r["拠点"] != "全国"]
    assert {r["拠点"][:2]: r["年度の実績（集計日まで）"] for r in hubs} == {
        code: placed.get(code, 0) for code in (r["拠点"][:2] for r in hubs)
    }
    national = [r for r in rows if r["拠点"] == "全国"]
    assert [r["指標"] for r in national] == ["相談", "成約"]
    assert national[1]["年度の実績（集計日まで）"] == sum(placed.values())
    for row in rows:
        # FY2016–FY2019 are the past full years (the demo begins in January 2016).
        assert row["幅に入る確率（過去の傾向が続く場合）"] == "60%"
        # An empty upper bound: some past year had no record by 30 November (no bound), and
        # that year gives no projection to the median, so it is not counted as used.
        high = row["見込みの幅 上限（空欄: 上限なし）"]
        dropped = high is None and row["年度の実績（集計日まで）"] > 0
        assert (row["使った過去の年度数"] < 4) if dropped else (row["使った過去の年度数"] == 4)
        assert row["見込みの幅 下限"] <= row["年度末の見込み"] <= (high or float("inf"))
        assert row["年度の実績（集計日まで）"] <= row["見込みの幅 下限"]


def _forecasts_on_30_november(database, table: str, day: str) -> int:
    """Forecasts made on 30 November of FY2017–FY2019 for every hub: a year's forecast
    projects from the years before it (from FY2016, the first full year), so it exists when at
    least one of them had any record by its 30 November. Counted here with SQL on the demo."""
    import sqlite3

    with sqlite3.connect(database) as db:
        early = {
            (hub, int(fy))
            for hub, fy in db.execute(
                f"SELECT hub_code, CASE WHEN CAST(strftime('%m', {day}) AS INT) >= 4 "
                f"THEN CAST(strftime('%Y', {day}) AS INT) "
                f"ELSE CAST(strftime('%Y', {day}) AS INT) - 1 END AS fy "
                f"FROM {table} WHERE strftime('%m-%d', {day}) BETWEEN '04-01' AND '11-30' "
                "GROUP BY hub_code, fy"
            )
        }
        hubs = [h for (h,) in db.execute("SELECT code FROM hub WHERE active")]
    return sum(
        any((hub, past) in early for past in range(2016, year))
        for hub in hubs
        for year in (2017, 2018, 2019)
    )


def test_the_summary_states_the_forecasts_error_from_the_same_day_of_past_years(made):
    folder, _, _, database = made
    book = openpyxl.load_workbook(folder / "2020-11_月次報告.xlsx")
    summary = {r[0].value: r[1].value for r in book["概要"].iter_rows(min_row=2)}
    # FY2016 is the first full year, so FY2017–FY2019 are forecast on 30 November from the
    # years before them: at most 46 hubs × 3 years, fewer where a hub had nothing by then in
    # any earlier year (a placement-poor hub's first years).
    for measure, table, day in (
        ("相談", "consultation", "consulted_on"),
        ("成約", "placement", "placed_on"),
    ):
        forecasts = _forecasts_on_30_november(database, table, day)
        assert 130 <= forecasts <= 138
        text = summary[f"見通しの誤差（{measure}）"]
        assert text.startswith(
            f"過去の同時期の予測の誤差（2017〜2019年度の11月30日時点の見込み {forecasts} 件と"
        ), text
        assert "10回に9回は" in text


def test_the_pdf_has_the_chart_and_the_figures(made):
    folder, _, _, _ = made
    reader = pypdf.PdfReader(folder / "2020-11_月次報告.pdf")
    first = reader.pages[0]
    images = list(first.images)
    assert len(images) == 1
    assert images[0].image.width > 1500  # rendered at twice the chart's 900-pixel width
    # pypdf spells the embedded CJK font's two-byte codes with NULs between the characters.
    text = "".join(page.extract_text() for page in reader.pages)
    text = "".join(ch for ch in text if ch not in "\x00 \n")
    for expected in (
        "月次報告",
        "2020年11月末現在",
        "52,144",
        "10,831",
        "山形県",
        "東北計",
        "全国計",
    ):
        assert expected in text, expected


def test_the_month_in_progress_is_as_of_today(demo_engine):
    assert month_as_of("2026-12", TODAY) == (TODAY, "2026年12月1日現在")
    assert month_as_of("2026-11", TODAY) == (dt.date(2026, 11, 30), "2026年11月末現在")
    with Session(demo_engine) as session:
        report = monthly_report(session, SYSTEM, "2016-09", today=TODAY)
    assert (report.national.consultations, report.national.placements) == (5_044, 373)
    assert report.as_of_label == "2016年9月末現在" and report.fiscal_year == 2016


def test_a_month_not_yet_begun_is_refused(demo_engine, monkeypatch):
    monkeypatch.setenv("CRM_DATABASE_URL", demo_engine.url.render_as_string(hide_password=False))
    result = runner.invoke(app, ["report", "monthly", "--month", "2099-01", "--out", "/tmp/x"])
    assert result.exit_code == 1
    assert "まだ始まっていません" in result.output
