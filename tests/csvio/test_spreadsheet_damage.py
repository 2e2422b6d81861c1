"""A weekly export opened in a spreadsheet program and saved back the common way, then
re-imported: every damage is repaired, or refused with its cause, row and column.

The save is simulated as Excel (Japanese locale, 「CSV UTF-8」) does it to a General-formatted
sheet: codes become numbers ("04" → 4), a 13-digit 法人番号 is shown and saved in exponent
form (6.06E+12) or, saved from a number cell, as ``6060301016601.0``; dates are rewritten as
2020/11/2; a date cell that lost its format is saved as its serial number (44137).
"""

import csv
import datetime as dt
import io
import re

import openpyxl
import pytest

from crm.cli.common import operator_actor
from crm.csvio.columns import DATE, ENTITIES, STAMP
from crm.csvio.dates import EXCEL_EPOCH
from crm.csvio.excel import UnreadableFile, decode
from crm.csvio.export import Week, weekly_export
from crm.csvio.importer import import_files
from crm.csvio.reading import files_in, parse_file

WEEK = Week(2020, 45)
HUB = "04"  # 宮城県: its code has a leading zero
SERIAL_COLUMNS = {"next_action_on", "due_on"}  # date cells whose format was lost


@pytest.fixture
def engine(demo_engine):
    return demo_engine


def _serial(day: dt.date) -> str:
    return str((day - EXCEL_EPOCH).days)


def spreadsheet_value(column, text: str, corporate_number: str) -> str:
    """What a General-formatted cell shows, and a spreadsheet saves, for an exported value."""
    if not text:
        return text
    if column.key == "corporate_number":
        return corporate_number.format(int(text))
    if column.kind == DATE:
        day = dt.date.fromisoformat(text)
        return _serial(day) if column.key in SERIAL_COLUMNS else f"{day:%Y/%-m/%-d}"
    if column.kind == STAMP:
        stamp = dt.datetime.fromisoformat(text)
        return f"{stamp:%Y/%-m/%-d %-H:%M}"
    if re.fullmatch(r"\d+", text):
        return str(int(text))  # "04" → 4
    return text


def saved_csv(data: bytes, entity: str, corporate_number: str) -> bytes:
    spec = ENTITIES[entity]
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    columns = [spec.header_index[h] for h in rows[0]]
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(rows[0])
    for row in rows[1:]:
        writer.writerow(
            [spreadsheet_value(c, v, corporate_number) for c, v in zip(columns, row, strict=True)]
        )
    return out.getvalue().encode("utf-8-sig")


def _export(session):
    bundle = weekly_export(session, operator_actor(HUB), WEEK, hub=HUB)
    session.rollback()  # the export's audit entry is not what is tested
    return [f for f in bundle.files if f.entity in ENTITIES]


def _import(session, files):
    return import_files(session, operator_actor(HUB), files, hub=HUB, dry_run=True)


def _counts(report):
    return {f.entity: dict(f.counts) for f in report.files}


def test_the_untouched_export_imports_unchanged(session):
    files = _export(session)
    report = _import(session, [(f.name, f.data) for f in files])
    assert report.ok, report.errors[:5]
    assert {e for e, c in _counts(report).items() if set(c) - {"unchanged"}} == set()
    assert sum(f.rows for f in files) >= 20  # companies, consultations, needs, …


def test_codes_float_corporate_numbers_slash_and_serial_dates_are_repaired(session):
    files = _export(session)
    saved = [(f.name, saved_csv(f.data, f.entity, "{}.0")) for f in files]
    text = dict(saved)["companies.csv"].decode("utf-8-sig")
    assert ",4," in text and ".0," in text  # the damage is really there
    assert "2020/11/" in dict(saved)["consultations.csv"].decode("utf-8-sig")
    report = _import(session, saved)
    assert report.ok, report.errors[:5]
    # Every row reads back as the record it came from.
    assert {e for e, c in _counts(report).items() if set(c) - {"unchanged"}} == set()


def test_exponent_corporate_numbers_are_refused_with_cause_row_and_column(session):
    files = _export(session)
    saved = [(f.name, saved_csv(f.data, f.entity, "{:.2E}")) for f in files]
    companies = list(csv.DictReader(io.StringIO(dict(saved)["companies.csv"].decode("utf-8-sig"))))
    damaged = [n for n, row in enumerate(companies, start=2) if row["法人番号"]]
    assert damaged and companies[damaged[0] - 2]["法人番号"].endswith("E+12")
    report = _import(session, saved)
    assert [(e.file, e.row, e.column) for e in report.errors] == [
        ("companies.csv", row, "法人番号") for row in damaged
    ]
    reason = report.errors[0].reason
    assert "指数表記" in reason and "E+12" in reason and "「文字列」" in reason


def test_a_workbook_saved_with_number_and_date_cells_is_repaired(session):
    """The same damage inside an .xlsx: codes and 法人番号 as number cells, dates as date
    cells, and date cells without a date format (serial numbers)."""
    files = _export(session)
    book = openpyxl.Workbook()
    book.remove(book.active)
    for file in files:
        spec = ENTITIES[file.entity]
        sheet = book.create_sheet(spec.label)
        rows = list(csv.reader(io.StringIO(file.data.decode("utf-8-sig"), newline="")))
        columns = [spec.header_index[h] for h in rows[0]]
        sheet.append(rows[0])
        for row in rows[1:]:
            cells = []
            for column, value in zip(columns, row, strict=True):
                if value and column.kind == DATE:
                    day = dt.date.fromisoformat(value)
                    cells.append((day - EXCEL_EPOCH).days if column.key in SERIAL_COLUMNS else day)
                elif re.fullmatch(r"\d+", value):
                    cells.append(int(value))
                else:
                    cells.append(value or None)
            sheet.append(cells)
    buffer = io.BytesIO()
    book.save(buffer)
    report = _import(session, files_in(buffer.getvalue(), "保存し直した.xlsx"))
    assert report.ok, report.errors[:5]
    assert {e for e, c in _counts(report).items() if set(c) - {"unchanged"}} == set()
    assert len(report.files) == len(files)


CONSULTATIONS_HEADER = "企業ID,相談日,相談経路,相談内容"


@pytest.mark.parametrize("delimiter", ["\t", ";"])
def test_tab_and_semicolon_separated_files_are_read(delimiter):
    text = "\r\n".join(
        [
            CONSULTATIONS_HEADER.replace(",", delimiter),
            delimiter.join(["1", "2020/11/2", "訪問", "x"]),
        ]
    )
    parsed = parse_file("consultations.csv", ("\ufeff" + text).encode("utf-8"))
    assert not parsed.ignored_columns and not parsed.errors
    assert parsed.records == [
        (2, {"company_id": "1", "consulted_on": "2020/11/2", "channel": "訪問", "summary": "x"})
    ]
    assert parsed.encoding.endswith("区切り）")


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        # UTF-8 opened as Shift_JIS and saved as UTF-8 again.
        (
            "企業名,相談内容\r\n山形精密,面談\r\n".encode().decode("cp932", "replace").encode(),
            "文字化け",
        ),
        # UTF-8 opened as a Western code page and saved again.
        ("企業名\r\n山形精密\r\n".encode().decode("cp1252", "ignore").encode(), "Windows-1252"),
        # EUC-JP: decodes as CP932, but as half-width katakana.
        ("企業名,市区町村\r\n山形精密株式会社,山形市\r\n".encode("euc_jp"), "EUC-JP"),
        # Characters already replaced.
        ("企業名\r\n山形\ufffd\ufffd\r\n".encode(), "置き換え文字"),
    ],
)
def test_mojibake_is_refused_with_how_to_save(data, expected):
    with pytest.raises(UnreadableFile) as raised:
        decode(data)
    assert expected in str(raised.value)
    assert "CSV UTF-8（コンマ区切り）" in str(raised.value)


def test_real_japanese_in_either_encoding_is_not_mojibake():
    text = "企業名,企業名カナ\r\n山形精密株式会社,ﾔﾏｶﾞﾀｾｲﾐﾂ\r\n株式会社ｱｲｳ,ｱｲｳ\r\n"
    assert decode(text.encode("cp932")) == (text, "cp932")
    assert decode(text.encode("utf-8")) == (text, "utf-8")
