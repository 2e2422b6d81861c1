"""CSV取込 page: bounded lists (100 errors and 「ほか N 件」, a short ignored-columns notice)
and a hostile workbook refused with its reason, as the CLI shows them."""

from crm.csvio.reading import MAX_LISTED
from tests.csvio.hostile_workbooks import far_cell
from tests.csvio.test_bounded_reports import (
    BAD_ROWS,
    EXTRA_COLUMNS,
    bad_rows_file,
    wide_header_file,
)

PAGE = "pages/import.py"


def _upload(at, name, data, kind="text/csv"):
    at.file_uploader(key="import.file").set_value((name, data, kind)).run(timeout=120)
    assert not at.exception
    return at


def test_many_invalid_rows_show_100_and_the_count(open_page, actors):
    at = _upload(open_page(actors.manager01, PAGE), "companies.csv", bad_rows_file())
    assert any(f"{BAD_ROWS:,} 件の誤りがあります" in e.value for e in at.error)
    errors = at.dataframe[-1].value  # after the preview
    assert len(errors) == MAX_LISTED and list(errors["行"])[:2] == [2, 3]
    captions = [c.value for c in at.caption]
    assert (
        f"ほか {BAD_ROWS - MAX_LISTED:,} 件の誤りがあります（最初の 100 件だけを示しています）。"
        in captions
    )


def test_a_million_unknown_columns_show_a_short_notice(open_page, actors):
    at = _upload(open_page(actors.manager01, PAGE), "companies.csv", wide_header_file())
    [notice] = [c.value for c in at.caption if "取り込まない列" in c.value]
    assert notice.endswith(f"（ほか {EXTRA_COLUMNS - MAX_LISTED:,} 列）")
    assert len(notice) < 2_000


def test_a_hostile_workbook_is_refused_on_the_page(open_page, actors):
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    at = _upload(open_page(actors.manager01, PAGE), "far.xlsx", far_cell("XFD1048576"), xlsx)
    [error] = [e.value for e in at.error]
    assert error.startswith(
        "far.xlsx: シート「企業」（xl/worksheets/sheet1.xml）の範囲が大きすぎます"
    )
    assert "300,000 行・256 列" in error
