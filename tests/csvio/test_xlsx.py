"""Excel workbooks out and in: typed cells read back with openpyxl, and the product's own
workbook imported through the same validation as its CSV."""

import datetime as dt
import io

import openpyxl
import pytest

from crm.csvio.export import Week, full_export, weekly_export
from crm.csvio.importer import import_files
from crm.csvio.reading import files_in
from crm.csvio.xlsx import export_sheets, workbook_bytes
from crm.services import companies
from tests.csvio.helpers import rows_of
from tests.csvio.test_cli import cli_db  # noqa: F401, F811  (a fixture)
from tests.utils.factories import make_company, make_consultation

WEEK = Week(2020, 45)  # 2020-11-02 … 2020-11-08


def _book(bundle) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(workbook_bytes(export_sheets(bundle))))


def _cells(book):
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            yield from row


@pytest.fixture
def week_data(session, actors):
    firm = make_company(
        session,
        actors.manager01,
        name='=HYPERLINK("x")',
        corporate_number="7000012050002",
        employees=1234,
    )
    make_consultation(session, actors.manager01, firm, on=dt.date(2020, 11, 4))
    session.commit()
    return firm


def test_weekly_workbook_has_typed_cells_frozen_headers_and_no_formula(session, actors, week_data):
    bundle = weekly_export(session, actors.secretariat, WEEK)
    book = _book(bundle)
    assert book.sheetnames == [
        "拠点別集計",
        "企業",
        "相談",
        "人材ニーズ",
        "紹介",
        "成約",
        "フォローアップ",
        "出力情報",
    ]
    for sheet in book.worksheets:
        assert sheet.freeze_panes == "A2"
    assert not [c.coordinate for c in _cells(book) if c.data_type == "f"]

    firms = book["企業"]
    header = [c.value for c in firms[1]]
    assert header[:6] == [
        "企業ID",
        "拠点コード",
        "企業名",
        "企業名カナ",
        "法人番号",
        "都道府県コード",
    ]
    row = dict(zip(header, firms[2], strict=True))
    assert row["企業ID"].value == str(week_data.id) and row["企業ID"].data_type == "s"
    assert row["拠点コード"].value == "01"
    assert row["法人番号"].value == "7000012050002" and row["法人番号"].data_type == "s"
    # The same neutralising as the CSV: the text is kept, with the CSV's guard.
    assert row["企業名"].value == '\'=HYPERLINK("x")'
    assert rows_of(bundle, "companies.csv")[0]["企業名"] == row["企業名"].value
    assert row["従業員数"].value == 1234 and row["従業員数"].number_format == "#,##0"
    assert isinstance(row["登録日時"].value, dt.datetime)
    assert firms.column_dimensions["C"].width > len(header[2])

    consultations = book["相談"]
    header = [c.value for c in consultations[1]]
    row = dict(zip(header, consultations[2], strict=True))
    assert row["相談日"].value == dt.datetime(2020, 11, 4)
    assert row["相談日"].is_date and row["相談日"].number_format == "yyyy-mm-dd"
    assert row["区分"].value == "当週"

    summary = book["拠点別集計"]
    header = [c.value for c in summary[1]]
    first = {h: c.value for h, c in zip(header, summary[2], strict=True)}
    assert first["拠点コード"] == "01" and first["相談（週）"] == 1
    assert summary["D2"].number_format == "#,##0"
    info = {r[0].value: r[1].value for r in book["出力情報"].iter_rows(min_row=2)}
    assert info["週"] == "2020-W45" and info["拠点"] == "全拠点"


def test_a_product_workbook_imports_unchanged(session, actors, week_data):
    bundle = full_export(session, actors.manager01)
    data = workbook_bytes(export_sheets(bundle))
    files = files_in(data, "full.xlsx")
    assert [name for name, _ in files] == [
        "full.xlsx[パートナー]",
        "full.xlsx[企業]",
        "full.xlsx[企業の担当者]",
        "full.xlsx[相談]",
        "full.xlsx[人材ニーズ]",
        "full.xlsx[ニーズの状況の履歴]",
        "full.xlsx[紹介]",
        "full.xlsx[成約]",
        "full.xlsx[フォローアップ]",
        "full.xlsx[年度目標]",
    ]
    report = import_files(session, actors.manager01, files[1:], dry_run=True)
    assert report.ok, report.errors
    # Targets and the status history are read by a restore only; a hub's import says so.
    assert report.warnings == []
    assert [line.split(":")[0] for line in report.skipped] == [
        "full.xlsx[ニーズの状況の履歴]",
        "full.xlsx[年度目標]",
    ]
    assert all("復元（crm import all）でだけ読み込みます" in line for line in report.skipped)
    assert {f.entity: dict(f.counts) for f in report.files if f.rows} == {
        "companies": {"unchanged": 1},
        "consultations": {"unchanged": 1},
    }
    assert {f.encoding for f in report.files} == {"xlsx"}


def test_a_hand_made_workbook_with_numbers_and_dates_is_read_like_its_csv(session, actors):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "企業"
    sheet.append(["企業名", "法人番号", "都道府県コード", "業種", "従業員数", "資本金（円）"])
    sheet.append(["山形精密株式会社", 7000012050002, 6, "E", 120.0, 10_000_000])
    book.create_sheet("Sheet2")  # empty: left out
    buffer = io.BytesIO()
    book.save(buffer)
    files = files_in(buffer.getvalue(), "手入力.xlsx")
    assert [name for name, _ in files] == ["手入力.xlsx[企業]"]
    report = import_files(session, actors.manager01, files, dry_run=False)
    assert report.ok, report.errors
    session.commit()
    found = companies.search_companies(session, actors.manager01, "山形精密")
    assert [(c.corporate_number, c.prefecture_code, c.employees) for c in found] == [
        ("7000012050002", "06", 120)
    ]


def test_nothing_to_import_is_a_clear_message(tmp_path, session, actors):
    from crm.csvio.excel import UnreadableFile

    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(UnreadableFile, match="フォルダ .*empty に CSV ファイルも Excel"):
        files_in(empty)
    book = openpyxl.Workbook()
    buffer = io.BytesIO()
    book.save(buffer)
    with pytest.raises(UnreadableFile, match="空のブック.xlsx: 取り込める記録のシートがありません"):
        files_in(buffer.getvalue(), "空のブック.xlsx")


def test_cli_writes_a_workbook(tmp_path, demo_engine, monkeypatch):
    from typer.testing import CliRunner

    from crm.cli import app

    url = demo_engine.url.render_as_string(hide_password=False)
    monkeypatch.setenv("CRM_DATABASE_URL", url)
    result = CliRunner().invoke(
        app, ["export", "weekly", "--week", "2020-W45", "--format", "xlsx", "--out", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(tmp_path / "2020-W45.xlsx", read_only=True)
    firms = book["企業"]
    header = [c.value for c in next(firms.iter_rows(max_row=1))]
    codes = [
        row[header.index("拠点コード")] for row in firms.iter_rows(min_row=2, values_only=True)
    ]
    # The same firms as the week's CSV export lists (counted from its file, not the workbook).
    from sqlmodel import Session

    from crm.actor import SYSTEM

    with Session(demo_engine) as session:
        csv_codes = [
            r["拠点コード"]
            for r in rows_of(weekly_export(session, SYSTEM, Week(2020, 45)), "companies.csv")
        ]
    assert len(codes) == len(csv_codes) > 300
    assert all(isinstance(c, str) and len(c) == 2 for c in codes)
    assert sum(c.startswith("0") for c in codes) == sum(c.startswith("0") for c in csv_codes)
    numbers = [
        row[header.index("法人番号")] for row in firms.iter_rows(min_row=2, values_only=True)
    ]
    assert all(n is None or (isinstance(n, str) and len(n) == 13) for n in numbers)


def test_cli_imports_a_workbook_and_explains_one_with_nothing_to_import(cli_db, tmp_path):  # noqa: F811
    from typer.testing import CliRunner

    from crm.cli import app

    runner = CliRunner()
    made = runner.invoke(
        app, ["export", "full", "--hub", "01", "--format", "xlsx", "--out", str(tmp_path)]
    )
    assert made.exit_code == 0, made.output
    (workbook,) = tmp_path.glob("full_*_hub01.xlsx")
    checked = runner.invoke(app, ["import", "all", str(workbook), "--hub", "01", "--dry-run"])
    assert checked.exit_code == 0, checked.output
    assert f"{workbook.name}[相談]（相談、2 行、xlsx、見出し 日本語）" in checked.output
    assert "変更なし 2" in checked.output

    partners_only = openpyxl.Workbook()
    partners_only.active.title = "パートナー"
    partners_only.active.append(["種別", "名称"])
    partners_only.active.append(["民間人材ビジネス", "テスト人材株式会社"])
    path = tmp_path / "partners.xlsx"
    partners_only.save(path)
    refused = runner.invoke(app, ["import", "all", str(path), "--hub", "01"])
    assert refused.exit_code == 1
    assert "partners.xlsx: 取り込むファイルがありません" in refused.output
    assert "エラー:  ファイル" not in refused.output

    empty = tmp_path / "empty.xlsx"
    openpyxl.Workbook().save(empty)
    refused = runner.invoke(app, ["import", "consultations", str(empty), "--hub", "01"])
    assert refused.exit_code == 1
    assert "empty.xlsx: 取り込める記録のシートがありません" in refused.output
