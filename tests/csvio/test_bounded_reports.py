"""Bounded import reports: the first 100 errors are listed and the rest counted (「ほか N
件」), ignored columns likewise, from the parse on (a million bad rows do not become a million
error objects), and the CLI prints the same bounded lists."""

import pytest
from typer.testing import CliRunner

from crm.cli import app
from crm.csvio.importer import FileReport, beyond, import_files
from crm.csvio.reading import MAX_LISTED, Capped, RowError, parse_file
from tests.csvio.helpers import csv_bytes

EXTRA_COLUMNS = 1_000_000
BAD_ROWS = 5_000


def wide_header_file() -> bytes:
    """Two firms, and a header with a million columns the import does not know."""
    extra = ",".join(f"メモ{n}" for n in range(EXTRA_COLUMNS))
    return csv_bytes(
        [f"企業名,都道府県コード,{extra}", "山形精工株式会社,01", "庄内食品株式会社,01"]
    )


def bad_rows_file(rows: int = BAD_ROWS) -> bytes:
    """``rows`` firms with a prefecture code that does not exist (one error each)."""
    return csv_bytes(["企業名,都道府県コード", *(f"存在しない県の会社{n},99" for n in range(rows))])


def test_capped_lists_the_first_items_and_counts_the_rest():
    items: Capped[int] = Capped(range(150))
    assert list(items) == list(range(MAX_LISTED)) and items.more == 50 and items.total == 150
    items.append(150)
    items += [151, 152]
    assert len(items) == MAX_LISTED and items.total == 153
    other: Capped[int] = Capped()
    other.extend(items)  # a capped list handed on keeps its count
    assert other.total == 153
    assert (
        beyond(other, "誤り") == "ほか 53 件の誤りがあります（最初の 100 件だけを示しています）。"
    )
    assert beyond(Capped([1]), "誤り") == ""


def test_a_million_unknown_columns_make_a_short_notice(session, actors):
    data = wide_header_file()
    parsed = parse_file("companies.csv", data)
    assert len(parsed.ignored_columns) == MAX_LISTED
    assert parsed.ignored_columns.more == EXTRA_COLUMNS - MAX_LISTED
    report = import_files(session, actors.manager01, [("companies.csv", data)], dry_run=True)
    assert report.errors == [] and report.totals()["create"] == 2
    notice = report.files[0].ignored_notice
    assert notice.startswith("取り込まない列: メモ0、メモ1、")
    assert notice.endswith(f"（ほか {EXTRA_COLUMNS - MAX_LISTED:,} 列）")
    assert len(notice) < 2_000  # was 7.9 MB


def test_an_ignored_header_is_quoted_short():
    report = FileReport("a.csv", "companies", "企業", "utf-8", "ja", 1)
    parsed = parse_file(
        "companies.csv", csv_bytes(["企業名,都道府県コード," + "長" * 10_000, "A,01"])
    )
    report.ignored_columns = parsed.ignored_columns
    assert len(report.ignored_notice) < 100 and report.ignored_notice.endswith("…")


def test_many_invalid_rows_list_100_errors_and_count_the_rest(session, actors):
    report = import_files(
        session, actors.manager01, [("companies.csv", bad_rows_file())], dry_run=True
    )
    assert len(report.errors) == MAX_LISTED
    assert report.errors.total == BAD_ROWS
    assert [e.row for e in report.errors] == list(range(2, 2 + MAX_LISTED))  # the first rows
    assert all(e.column == "都道府県コード" for e in report.errors)
    assert beyond(report.errors, "誤り").startswith(f"ほか {BAD_ROWS - MAX_LISTED:,} 件の誤り")


def test_the_parse_counts_its_errors_beyond_the_cap():
    """Errors found while reading (here: 法人番号 in exponent form on every row) are counted,
    not kept: 200,000 of them leave 100 objects."""
    rows = 200_000
    data = csv_bytes(
        ["企業名,法人番号,都道府県コード", *(f"会社{n},6.06E+12,01" for n in range(rows))]
    )
    parsed = parse_file("companies.csv", data)
    assert isinstance(parsed.errors, Capped)
    assert len(parsed.errors) == MAX_LISTED and parsed.errors.total == rows
    assert all(isinstance(e, RowError) and "指数表記" in e.reason for e in parsed.errors)


@pytest.fixture
def cli_env(sqlite_engine, monkeypatch):
    monkeypatch.setenv("CRM_DATABASE_URL", sqlite_engine.url.render_as_string(False))
    monkeypatch.delenv("CRM_DEBUG", raising=False)


def test_the_cli_prints_100_errors_and_the_count(cli_env, tmp_path):
    path = tmp_path / "companies.csv"
    path.write_bytes(bad_rows_file())
    result = CliRunner().invoke(app, ["import", "companies", str(path), "--hub", "06"])
    assert result.exit_code == 1
    lines = [line for line in result.stderr.splitlines() if not line.startswith("[")]  # progress
    listed = [line for line in lines if line.startswith("エラー: companies.csv ")]
    assert len(listed) == MAX_LISTED
    assert f"エラー: ほか {BAD_ROWS - MAX_LISTED:,} 件の誤りがあります" in result.stderr
    assert lines[-1] == f"{BAD_ROWS:,} 件の誤りがあるため、何も書き込んでいません。"
    assert len(lines) == MAX_LISTED + 2


def test_the_cli_prints_a_short_ignored_columns_line(cli_env, tmp_path):
    path = tmp_path / "companies.csv"
    path.write_bytes(wide_header_file())
    result = CliRunner().invoke(app, ["import", "companies", str(path), "--hub", "06", "--dry-run"])
    assert result.exit_code == 0, result.output
    [line] = [line for line in result.stdout.splitlines() if "取り込まない列" in line]
    assert line.endswith(f"（ほか {EXTRA_COLUMNS - MAX_LISTED:,} 列）") and len(line) < 2_000
