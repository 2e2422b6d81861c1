"""Print-ready documents (issue 26, item 2): every workbook the product writes carries the one
page setup (read back with openpyxl), the monthly report's PDF has page numbers, the issuing
body, headings broken only between words and a Japan-time stamp (its text rendered with pypdf),
and each fiscal year has one name in the whole report."""

import datetime as dt
import io
import re
import shutil
import time

import openpyxl
import pypdf
import pytest
from fpdf import FPDF
from sqlmodel import Session
from typer.testing import CliRunner

from crm import timeutil
from crm.actor import SYSTEM
from crm.cli import app
from crm.config import Settings
from crm.csvio.export import Week, full_export, weekly_export
from crm.csvio.print_setup import PageHeading
from crm.csvio.xlsx import (
    COUNT,
    XLSX_MIME,
    Sheet,
    SheetColumn,
    export_sheets,
    workbook_bytes,
)
from crm.db import make_engine
from crm.reports.fiscal_years import counted_span
from crm.reports.monthly import japanese_font, monthly_files
from crm.reports.monthly_pdf import HeadingTooWide, heading_lines
from tests.api.test_api_files import client, world  # noqa: F401  (fixtures)

runner = CliRunner()
TITLE = "プロフェッショナル人材戦略拠点 月次報告"
ISSUER = "テスト県 産業労働部"
# 20:00 UTC on 6 December is 05:00 on 7 December in Japan: a stamp from the server's clock (UTC
# here, New York below) would show the 6th.
MOMENT = dt.datetime(2026, 12, 6, 20, 0, tzinfo=dt.UTC)
MADE = "2026-12-07 05:00（日本時間）"
# The one page setup as openpyxl reads it back. ``fitToWidth`` absent means 1 (the schema's
# default, which xlsxwriter leaves out).
ONE_PAGE_WIDE = (None, 1)


def pin_moment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(timeutil, "now_jst", lambda: MOMENT.astimezone(timeutil.JST))


@pytest.fixture(scope="module")
def reports(demo_template, tmp_path_factory):
    """The monthly reports for 2020-11 and 2016-03 on a copy of the demo, made with the clock
    pinned to MOMENT, the process's local time zone New York, and CRM_ISSUER set."""
    folder = tmp_path_factory.mktemp("print")
    database = folder / "demo.sqlite3"
    shutil.copy(demo_template, database)
    engine = make_engine(f"sqlite:///{database}")
    made = {}
    with pytest.MonkeyPatch.context() as patch:
        pin_moment(patch)
        patch.setenv("CRM_ISSUER", ISSUER)
        patch.setenv("TZ", "America/New_York")
        time.tzset()
        try:
            for month in ("2020-11", "2016-03"):
                with Session(engine) as session:
                    made[month] = monthly_files(session, SYSTEM, month)
        finally:
            patch.undo()
            time.tzset()
    engine.dispose()
    return folder, database, made


def _book(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


def assert_prints_one_page_wide(sheet, title: str, as_of: str) -> None:
    setup = sheet.page_setup
    assert sheet.sheet_properties.pageSetUpPr.fitToPage, sheet.title
    assert setup.fitToWidth in ONE_PAGE_WIDE and setup.fitToHeight == 0, sheet.title
    assert setup.paperSize == 9  # A4
    assert sheet.print_title_rows == "$1:$1", sheet.title  # the header row on every page
    assert sheet.oddHeader.left.text == title
    assert sheet.oddHeader.right.text == as_of
    assert sheet.oddFooter.center.text == "&P / &N"
    assert sheet.oddFooter.left.text == "&A"  # the sheet's name


def _cells(book):
    for sheet in book.worksheets:
        yield sheet.title, [c.value for c in sheet[1]]
        for row in sheet.iter_rows(min_row=2, values_only=True):
            yield sheet.title, list(row)


# --- the shared writer ----------------------------------------------------------------------


def test_a_wide_sheet_prints_landscape_a_narrow_one_portrait_a_chart_on_one_page():
    narrow = Sheet("狭い表", [SheetColumn("月"), SheetColumn("件数", COUNT)], [["2020-11", 5]])
    wide = Sheet(
        "広い表",
        [SheetColumn(f"累計 県外からの人材 {n}", COUNT) for n in range(8)],
        [list(range(8))],
    )
    chart = Sheet("グラフ", [], [], image=_png())
    heading = PageHeading("見出し & 題", "2020年11月末現在", "全国事務局")
    book = _book(workbook_bytes([narrow, wide, chart], heading))
    assert book["狭い表"].page_setup.orientation == "portrait"
    assert book["広い表"].page_setup.orientation == "landscape"
    for name in ("狭い表", "広い表"):
        # "&" starts a code in a header: written doubled, read back as typed.
        assert_prints_one_page_wide(book[name], "見出し && 題", "2020年11月末現在")
        assert book[name].oddFooter.right.text == "全国事務局"
    graph = book["グラフ"]
    assert graph.page_setup.orientation == "landscape"
    # Exactly one page: one wide, one tall (absent = 1).
    assert graph.page_setup.fitToHeight in (None, 1) and graph.page_setup.fitToWidth in (None, 1)
    assert graph.sheet_properties.pageSetUpPr.fitToPage
    assert len(graph._images) == 1 and graph.max_row == 1 and graph["A1"].value is None


def test_without_a_heading_a_sheet_is_titled_by_its_name_and_the_moment_in_japan_time(
    monkeypatch,
):
    pin_moment(monkeypatch)
    book = _book(workbook_bytes([Sheet("企業", [SheetColumn("名前")], [["株式会社テスト"]])]))
    assert_prints_one_page_wide(book["企業"], "企業", "2026年12月7日 05:00現在")


def _png() -> bytes:
    """A 2×1 PNG, written by hand (no image library needed)."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    pixels = zlib.compress(b"\x00\xff\x00\x00\x00\x00\xff")
    header = struct.pack(">IIBBBBB", 2, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


# --- the exports, the hubs report and the API -----------------------------------------------


def test_weekly_and_full_exports_print_with_their_week_and_moment(session, actors):
    weekly = weekly_export(session, actors.secretariat, Week(2020, 45))
    made = dt.datetime.fromisoformat(weekly.manifest["generated_at"])
    as_of = f"{made.year}年{made.month}月{made.day}日 {made:%H:%M}現在"
    book = _book(workbook_bytes(export_sheets(weekly)))
    title = "週次出力 2020-W45（2020-11-02〜2020-11-08） 全拠点"
    for sheet in book.worksheets:
        assert_prints_one_page_wide(sheet, title, as_of)
    assert book["企業"].page_setup.orientation == "landscape"  # dozens of columns

    full = full_export(session, actors.manager01)
    made = dt.datetime.fromisoformat(full.manifest["generated_at"])
    book = _book(workbook_bytes(export_sheets(full)))
    for sheet in book.worksheets:
        assert_prints_one_page_wide(
            sheet, "全件出力 拠点 01", f"{made.year}年{made.month}月{made.day}日 {made:%H:%M}現在"
        )


def test_the_hubs_workbook_prints_with_its_period_and_as_of(demo_engine, tmp_path, monkeypatch):
    monkeypatch.setenv("CRM_DATABASE_URL", demo_engine.url.render_as_string(hide_password=False))
    out = tmp_path / "hubs.xlsx"
    result = runner.invoke(
        app,
        ["report", "hubs", "--from", "2020-04", "--until", "2020-11"]
        + ["--format", "xlsx", "--out", str(out)],
    )
    assert result.exit_code == 0, result.output
    sheet = openpyxl.load_workbook(out)["都道府県比較"]
    assert_prints_one_page_wide(sheet, "都道府県比較 2020年4月1日から", "2020年11月末現在")
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.oddFooter.right.text == "全国事務局"  # the default issuer


def test_the_api_workbook_prints_with_its_table_and_the_moment(client, monkeypatch):  # noqa: F811
    pin_moment(monkeypatch)
    answer = client.get("/firms", params={"format": "xlsx"})
    assert answer.status_code == 200 and answer.headers["content-type"] == XLSX_MIME
    sheet = _book(answer.content).worksheets[0]
    assert_prints_one_page_wide(sheet, sheet.title, "2026年12月7日 05:00現在")


# --- the monthly report's workbook -----------------------------------------------------------


def test_every_sheet_of_the_monthly_report_prints_with_its_title_and_as_of(reports):
    _, _, made = reports
    book = _book(made["2020-11"].workbook)
    assert book.sheetnames == [
        "概要",
        "都道府県別",
        "年度別",
        "月別推移",
        "推移グラフ",
        "見通し",
        "人材還流",
    ]
    for sheet in book.worksheets:
        if sheet.title == "推移グラフ":
            continue
        assert_prints_one_page_wide(sheet, TITLE, "2020年11月末現在")
        assert sheet.oddFooter.right.text == ISSUER
        assert not sheet._images  # the chart prints on its own page, not beside a table
    assert book["都道府県別"].page_setup.orientation == "landscape"
    assert book["都道府県別"].print_area == "'都道府県別'!$A$1:$L$56"  # 46 + 8 blocks + 全国
    chart = book["推移グラフ"]
    assert len(chart._images) == 1
    assert chart.oddHeader.right.text == "2020年11月末現在"
    summary = {r[0].value: r[1].value for r in book["概要"].iter_rows(min_row=2)}
    assert summary["作成日時"] == MADE
    assert summary["発行"] == ISSUER


def test_one_name_for_each_fiscal_year_in_the_whole_report(reports):
    _, _, made = reports
    book = _book(made["2016-03"].workbook)
    named = [
        (sheet, str(value))
        for sheet, row in _cells(book)
        for value in row
        if value is not None and "年度" in str(value)
    ]
    # Every mention of a year is 「2015年度」 alone or followed by a space (a header's measure):
    # never 「2015年度（4月〜3月31日）」 beside 「2015年度（2016年1〜3月）」.
    years = {m for _, text in named for m in re.findall(r"\d{4}年度\S*", text)}
    assert years == {"2015年度"}, named
    summary = {r[0].value: r[1].value for r in book["概要"].iter_rows(min_row=2)}
    table = list(book["年度別"].iter_rows(min_row=2, values_only=True))
    assert summary["年度"] == table[0][0] == "2015年度"
    assert summary["年度の集計期間"] == table[0][1] == "2016年1月〜3月"
    assert "2015年度（2016年1月〜3月）" in _pdf_text(made["2016-03"].pdf)


def test_the_days_a_fiscal_year_counts():
    assert counted_span(2015, dt.date(2016, 3, 31)) == "2016年1月〜3月"
    assert counted_span(2015, dt.date(2016, 1, 31)) == "2016年1月"
    assert counted_span(2016, dt.date(2020, 11, 30)) == "2016年4月〜2017年3月"
    assert counted_span(2020, dt.date(2020, 11, 30)) == "2020年4月〜11月"
    assert counted_span(2026, dt.date(2026, 12, 1)) == "2026年4月〜12月1日"
    assert counted_span(2026, dt.date(2027, 2, 10)) == "2026年4月〜2027年2月10日"


# --- the monthly report's PDF ----------------------------------------------------------------


def _pdf_text(data: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages).replace("\x00", "")


def _runs(page) -> list[tuple[float, float, str]]:
    """The page's text as drawn: (y from the bottom, x, text) of each line of each cell."""
    runs: list[tuple[float, float, str]] = []

    def visit(text, _cm, tm, _font, _size):
        text = text.replace("\x00", "").strip()
        if text:
            runs.append((round(tm[5], 1), round(tm[4], 1), text))

    page.extract_text(visitor_text=visit)
    return runs


def test_every_page_has_its_number_of_the_total_the_issuer_and_the_japan_time_stamp(reports):
    _, _, made = reports
    reader = pypdf.PdfReader(io.BytesIO(made["2020-11"].pdf))
    total = len(reader.pages)
    assert total == 4  # the chart; the prefectures over two pages; the fiscal years
    for number, page in enumerate(reader.pages, start=1):
        texts = [text for _, _, text in _runs(page)]
        assert f"{number} / {total}" in texts, texts[-3:]
        assert f"発行: {ISSUER}" in texts
        assert f"作成日時: {MADE}" in texts
    assert reader.metadata.author == ISSUER
    first = [text for _, _, text in _runs(reader.pages[0])]
    assert f"発行: {ISSUER}\u3000作成日時: {MADE}" in first


def test_the_prefecture_headings_break_between_words_only(reports):
    _, _, made = reports
    reader = pypdf.PdfReader(io.BytesIO(made["2020-11"].pdf))
    expected = [
        "地域ブロック",
        "コード",
        "都道府県",
        "2020年度（2020年4月〜11月）",
        "累計（2016年1月〜）",
        "ブロック内",
        "順位※",
        *["相談件数", "成約件数", "うち副業・兼業", "県外からの人材"] * 2,
    ]
    for page in reader.pages[1:3]:  # the table runs over two pages, its headings on each
        runs = _runs(page)
        first_row = max(y for y, _, text in runs if text in ("北海道", "近畿"))
        top = max(y for y, _, text in runs if text == "地域ブロック")
        headings = [t for y, _, t in runs if first_row < y <= top + 10]
        assert sorted(headings) == sorted(expected), headings
        assert all(len(text) > 1 for text in headings)  # no lone character on a line
    legend = _pdf_text(made["2020-11"].pdf)
    assert "※ ブロック内順位は累計成約件数の多い順（同数は同順位）。" in legend


def test_a_heading_is_broken_at_its_spaces_and_a_word_never_split():
    pdf = FPDF(orientation="L", unit="mm", format="A4")
    pdf.add_font("jp", "B", str(japanese_font("B")), collection_font_number=0)
    pdf.set_font("jp", "B", 8)
    word = pdf.get_string_width("うち副業・兼業")
    assert heading_lines(pdf, "2020年度 うち副業・兼業", word + 3) == "2020年度\nうち副業・兼業"
    assert heading_lines(pdf, "2020年度 うち副業・兼業", 200) == "2020年度 うち副業・兼業"
    with pytest.raises(HeadingTooWide):
        heading_lines(pdf, "2020年度 うち副業・兼業", word)


def test_the_issuer_is_the_national_secretariat_unless_set(monkeypatch):
    monkeypatch.delenv("CRM_ISSUER", raising=False)
    assert Settings(_env_file=None).issuer == "全国事務局"
    monkeypatch.setenv("CRM_ISSUER", "東北ブロック事務局")
    assert Settings(_env_file=None).issuer == "東北ブロック事務局"
