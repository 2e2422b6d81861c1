"""The monthly report and the hubs workbook printed by LibreOffice (``soffice --headless
--convert-to pdf``, Debian's libreoffice-calc-nogui), as an office prints them: the page count
follows from the sheets, no table is cut into strips of columns, and every page carries the
title, its 「…現在」 and 「n / N」. Without a page setup the monthly report printed as 31 pages,
都道府県別 in strips of four columns.

Skipped when soffice is missing, unless CRM_OFFICE_REQUIRED=1 (CI) makes that a failure."""

import os
import re
import shutil
import subprocess
from pathlib import Path

import pypdf
import pytest
from sqlmodel import Session
from typer.testing import CliRunner

from crm.actor import SYSTEM
from crm.cli import app
from crm.db import make_engine
from crm.reports.monthly import monthly_files

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
pytestmark = pytest.mark.skipif(
    SOFFICE is None and os.environ.get("CRM_OFFICE_REQUIRED") != "1",
    reason="LibreOffice (soffice) is not installed: apt-get install libreoffice-calc-nogui",
)
TITLE = "プロフェッショナル人材戦略拠点 月次報告"

# The monthly report's sheets and the pages each prints on, from its rows (data rows below a
# header row) and the page setup:
# - 概要 (14 rows, 2 columns), 年度別 (6 fiscal years) and 人材還流 (46 hubs and 全国計, 7
#   columns): one page each;
# - 都道府県別: 12 columns scaled to one landscape page wide, where 56 rows (46 hubs, 8 block
#   subtotals, 全国) fit one page tall as well;
# - 月別推移: 59 months (2016-01 … 2020-11) of 5 narrow columns at full size on portrait A4,
#   which holds about 48 rows: two pages;
# - 推移グラフ: the chart alone, fitted to one page;
# - 見通し: 94 rows (47 × 相談・成約) of 12 columns, scaled to one landscape page wide: two.
EXPECTED_PAGES = {
    "概要": 1,
    "都道府県別": 1,
    "年度別": 1,
    "月別推移": 2,
    "推移グラフ": 1,
    "見通し": 2,
    "人材還流": 1,
}


def convert(workbook: Path, out: Path) -> list[str]:
    """The text of each page of ``workbook`` printed to PDF by LibreOffice."""
    assert SOFFICE is not None, "CRM_OFFICE_REQUIRED=1 but soffice is not installed"
    profile = out / "profile"  # its own profile: no lock shared with another soffice
    subprocess.run(
        [
            SOFFICE,
            "--headless",
            "--norestore",
            f"-env:UserInstallation={profile.as_uri()}",
            "--convert-to",
            "pdf",
            "--outdir",
            str(out),
            str(workbook),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    reader = pypdf.PdfReader(out / f"{workbook.stem}.pdf")
    return [page.extract_text() for page in reader.pages]


def footers(pages: list[str], sheets: list[str]) -> list[tuple[str, int, int]]:
    """Each page's footer: the sheet's name (&A) and 「n / N」 (&P / &N)."""
    pattern = re.compile(rf"({'|'.join(map(re.escape, sheets))}) (\d+) / (\d+)")
    found = []
    for text in pages:
        match = pattern.search(text)
        assert match, text[:200]
        found.append((match.group(1), int(match.group(2)), int(match.group(3))))
    return found


@pytest.fixture(scope="module")
def monthly(demo_template, tmp_path_factory) -> tuple[list[str], list[tuple[str, int, int]]]:
    """The 2020-11 report's workbook printed: each page's text and footer."""
    folder = tmp_path_factory.mktemp("office")
    database = folder / "demo.sqlite3"
    shutil.copy(demo_template, database)
    engine = make_engine(f"sqlite:///{database}")
    with Session(engine) as session:
        files = monthly_files(session, SYSTEM, "2020-11")
    engine.dispose()
    pages = convert(files.write_to(folder)[0], folder)
    return pages, footers(pages, list(EXPECTED_PAGES))


def sheet_pages(monthly, name: str) -> list[str]:
    pages, printed = monthly
    return [text for text, (sheet, _, _) in zip(pages, printed, strict=True) if sheet == name]


def test_the_monthly_report_prints_at_the_expected_page_count(monthly):
    pages, printed = monthly
    sheets = list(EXPECTED_PAGES)
    total = sum(EXPECTED_PAGES.values())
    assert len(pages) == total == 9
    # Numbered 1 … N through the document, the sheets in the workbook's order.
    assert [(n, of) for _, n, of in printed] == [(n, total) for n in range(1, total + 1)]
    per_sheet = {name: sum(1 for s, _, _ in printed if s == name) for name in sheets}
    assert per_sheet == EXPECTED_PAGES
    for text in pages:
        assert TITLE in text and "2020年11月末現在" in text and "全国事務局" in text


def test_the_prefecture_table_is_one_page_with_every_column(monthly):
    (page,) = sheet_pages(monthly, "都道府県別")
    # Not cut into strips: the first and the last column's headers and the first and last
    # rows on the same page.
    for expected in ("地域ブロック", "ブロック内順位（累計成約）", "北海道", "全国 計", "52,144"):
        assert expected in page, expected


def test_a_table_over_two_pages_repeats_its_header_row(monthly):
    months = sheet_pages(monthly, "月別推移")
    assert len(months) == 2
    for text in months:
        assert "月 相談件数 成約件数 累計 相談件数 累計 成約件数" in text
    assert "2016-01" in months[0] and "2020-11" in months[1]


def test_the_hubs_workbook_prints_on_one_page(demo_engine, tmp_path, monkeypatch):
    monkeypatch.setenv("CRM_DATABASE_URL", demo_engine.url.render_as_string(hide_password=False))
    out = tmp_path / "都道府県比較.xlsx"
    result = CliRunner().invoke(
        app,
        ["report", "hubs", "--from", "2020-04", "--until", "2020-11", "--format", "xlsx"]
        + ["--out", str(out)],
    )
    assert result.exit_code == 0, result.output
    pages = convert(out, tmp_path)
    # 46 hubs of 26 columns: one landscape page wide (it printed 6 pages in column strips).
    assert len(pages) == 1
    assert footers(pages, ["都道府県比較"]) == [("都道府県比較", 1, 1)]
    for expected in ("拠点コード", "累計 県外からの人材", "北海道", "沖縄県", "2020年11月末現在"):
        assert expected in pages[0], expected
