"""Excel workbooks (.xlsx): exports and reports as typed sheets, written in constant memory.

One writer for every workbook the product makes (the weekly and full exports, ``crm report
hubs``, the monthly report):

- each sheet has a Japanese header row, frozen, with an autofilter, and fitted column widths;
- cells are typed by their column: codes, 法人番号 and ids as text (a spreadsheet keeps the
  leading zeros and all 13 digits); dates and timestamps as dates; counts and money as numbers
  with thousands separators; ratios as percentages;
- text gets the same formula neutralising as the CSV (``crm.csvio.excel.neutralise``), and is
  always written as a string cell, so no cell of a product workbook is ever a formula;
- xlsxwriter's ``constant_memory`` mode flushes each row to a temporary file as it is written,
  so a sheet of a million rows never sits in memory as cells.

An export's workbook is made from the export's own CSV files (``export_workbook``), so the two
formats cannot drift apart: the same rows, the same order, the same values.
"""

import csv
import datetime as dt
import io
import unicodedata
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import xlsxwriter  # type: ignore[import-untyped]
from xlsxwriter.worksheet import Worksheet  # type: ignore[import-untyped]

from crm.csvio.columns import BOOL, DATE, ENTITIES, INT, STAMP, SUMMARY, Column, EntitySpec
from crm.csvio.excel import neutralise, unneutralise
from crm.files import atomic_write, private_dir

# Cell kinds of a workbook column.
TEXT, COUNT, NUMBER, DAY, TIMESTAMP, RATIO, DECIMAL = (
    "text",
    "count",
    "number",
    "date",
    "timestamp",
    "ratio",
    "decimal",
)
FORMATS: dict[str, dict[str, Any]] = {
    TEXT: {"num_format": "@"},
    COUNT: {"num_format": "#,##0"},
    NUMBER: {"num_format": "0"},
    DAY: {"num_format": "yyyy-mm-dd"},
    TIMESTAMP: {"num_format": "yyyy-mm-dd hh:mm:ss"},
    RATIO: {"num_format": "0.0%"},
    DECIMAL: {"num_format": "#,##0.0"},
}
MAX_ROWS = 1_048_576  # Excel's limit, header included
MAX_WIDTH = 60
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
INFO_SHEET = "出力情報"
SHEET_NAMES: dict[str, str] = {spec.name: spec.label for spec in (*ENTITIES.values(), SUMMARY)}
MONEY_AND_COUNTS = {"employees", "capital_jpy", "headcount"}


@dataclass(frozen=True)
class SheetColumn:
    header: str
    kind: str = TEXT


@dataclass(frozen=True)
class Sheet:
    """A sheet to write: its name, its columns and its rows of Python values
    (str, int, float, date, datetime or None)."""

    name: str
    columns: Sequence[SheetColumn]
    rows: Iterable[Sequence[Any]]
    image: bytes | None = None  # a PNG placed to the right of the table (a chart)


def display_width(text: str) -> int:
    """Columns a text takes in a spreadsheet: wide (Japanese) characters count twice."""
    if text.isascii():
        return len(text)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


class _SheetWriter:
    def __init__(self, book: xlsxwriter.Workbook, formats: dict, header_format, sheet: Sheet):
        self.book, self.formats, self.header_format, self.sheet = (
            book,
            formats,
            header_format,
            sheet,
        )
        self.widths = [display_width(c.header) + 2 for c in sheet.columns]
        self.parts = 0
        self.worksheets: list[Worksheet] = []
        self.row = MAX_ROWS

    def _new_part(self) -> Worksheet:
        self.parts += 1
        name = self.sheet.name if self.parts == 1 else f"{self.sheet.name}_{self.parts}"
        worksheet = self.book.add_worksheet(name[:31])
        for col, column in enumerate(self.sheet.columns):
            worksheet.write_string(0, col, neutralise(column.header), self.header_format)
        worksheet.freeze_panes(1, 0)
        self.worksheets.append(worksheet)
        self.row = 1
        return worksheet

    def write(self) -> None:
        worksheet = self.worksheets[-1] if self.worksheets else self._new_part()
        columns = self.sheet.columns
        for values in self.sheet.rows:
            if self.row >= MAX_ROWS:
                worksheet = self._new_part()
            for col, value in enumerate(values):
                if value is None or value == "":
                    continue
                kind = columns[col].kind
                if kind == TEXT or isinstance(value, str):
                    text = neutralise(str(value))
                    worksheet.write_string(self.row, col, text, self.formats[TEXT])
                    # Measured only when it could widen the column (at most 2 per character).
                    width = display_width(text) if 2 * len(text) + 2 > self.widths[col] else 0
                elif kind in (DAY, TIMESTAMP):
                    worksheet.write_datetime(self.row, col, value, self.formats[kind])
                    width = 10 if kind == DAY else 19
                else:
                    worksheet.write_number(self.row, col, value, self.formats[kind])
                    width = len(f"{value:,.1f}" if kind in (RATIO, DECIMAL) else f"{value:,}")
                if width + 2 > self.widths[col]:
                    self.widths[col] = width + 2
            self.row += 1
        for worksheet in self.worksheets:
            for col, width in enumerate(self.widths):
                worksheet.set_column(col, col, min(width, MAX_WIDTH))
            worksheet.autofilter(0, 0, 0, max(len(columns) - 1, 0))
        if self.sheet.image is not None:
            self.worksheets[0].insert_image(
                1,
                len(columns) + 1,
                "chart.png",
                {"image_data": io.BytesIO(self.sheet.image), "x_scale": 0.5, "y_scale": 0.5},
            )


def write_workbook(sheets: Iterable[Sheet], target: Path | IO[bytes]) -> None:
    """Write ``sheets`` in order into one workbook at ``target`` (a path or a binary file)."""
    options = {
        "constant_memory": True,
        "strings_to_numbers": False,
        "strings_to_formulas": False,
        "strings_to_urls": False,
        "default_date_format": "yyyy-mm-dd",
    }
    book = xlsxwriter.Workbook(str(target) if isinstance(target, Path) else target, options)
    formats = {kind: book.add_format(spec) for kind, spec in FORMATS.items()}
    header = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    for sheet in sheets:
        _SheetWriter(book, formats, header, sheet).write()
    try:
        book.close()
    except BaseException as error:
        _abandon_zip_files(error)
        raise


def _abandon_zip_files(error: BaseException) -> None:
    """Close the zip file xlsxwriter leaves open when packaging fails (a full disk): it would
    otherwise be closed by the garbage collector after our file is gone, and print "Exception
    ignored in ZipFile.__del__" with a traceback under the one-line error."""
    seen: set[int] = set()
    cause: BaseException | None = error
    while cause is not None and id(cause) not in seen:  # xlsxwriter re-raises its own error
        seen.add(id(cause))
        trace = cause.__traceback__
        while trace is not None:
            for value in list(trace.tb_frame.f_locals.values()):
                if isinstance(value, zipfile.ZipFile) and value.fp is not None:
                    try:
                        value.close()
                    except (OSError, ValueError):
                        value.fp = None  # nothing more can be written; the file is discarded
            trace = trace.tb_next
        cause = cause.__cause__ or cause.__context__


def workbook_bytes(sheets: Iterable[Sheet]) -> bytes:
    buffer = io.BytesIO()
    write_workbook(sheets, buffer)
    return buffer.getvalue()


# --- exports --------------------------------------------------------------------------------


def column_kind(column: Column) -> str:
    """How an export column is typed in a workbook."""
    if column.key == "id" or column.key.endswith("_id"):
        return TEXT  # ids are names of records, not quantities
    if column.kind == DATE:
        return DAY
    if column.kind == STAMP:
        return TIMESTAMP
    if column.kind in (INT, BOOL):
        if column.key in MONEY_AND_COUNTS or column.key.endswith(("_week", "_total")):
            return COUNT
        return NUMBER
    return TEXT


def _typed(kind: str, cell: str) -> Any:
    """A CSV cell of an export as the value its workbook cell holds."""
    if cell == "":
        return None
    if kind == DAY:
        return dt.date.fromisoformat(cell)
    if kind == TIMESTAMP:
        return dt.datetime.fromisoformat(cell)
    if kind in (COUNT, NUMBER):
        return int(cell)
    return cell


def _csv_sheet(name: str, spec: EntitySpec, source: IO[bytes], encoding: str) -> Sheet:
    # Decoded as it is read: a national file is hundreds of MB, and its text is not kept.
    stream = io.TextIOWrapper(
        source, encoding="cp932" if encoding == "cp932" else "utf-8-sig", newline=""
    )
    reader = csv.reader(stream)
    headers = next(reader)
    by_header = spec.header_index
    columns = [
        SheetColumn(h, column_kind(by_header[h]) if h in by_header else TEXT) for h in headers
    ]
    kinds = [c.kind for c in columns]

    def rows() -> Iterable[list]:
        with stream:
            for record in reader:
                # The CSV already neutralised text; the writer neutralises once, so undo it.
                yield [
                    unneutralise(cell) if kind == TEXT else _typed(kind, cell)
                    for kind, cell in zip(kinds, record, strict=True)
                ]

    return Sheet(name, columns, rows())


def _info_sheet(manifest: dict, files: list[tuple[str, str, int]]) -> Sheet:
    period = manifest.get("period") or {}
    who = manifest.get("generated_by") or {}
    hubs = manifest.get("hubs")
    lines: list[list[Any]] = [
        ["種類", {"weekly": "週次出力", "full": "全件出力"}.get(manifest.get("kind", ""), "")],
        ["週", manifest.get("week")],
        ["期間（初日）", period.get("first_day")],
        ["期間（末日）", period.get("last_day")],
        ["拠点", "全拠点" if hubs == "all" else "・".join(hubs or [])],
        ["作成日時", (manifest.get("generated_at") or "").replace("T", " ")[:19]],
        ["作成者", f"{who.get('display_name', '')}（{who.get('username', '')}）"],
        ["形式", manifest.get("format")],
        [None, None],
        ["シート", "行数"],
        *([sheet, rows] for sheet, _, rows in files),
    ]
    return Sheet(INFO_SHEET, [SheetColumn("項目"), SheetColumn("内容")], lines)


def export_sheets(bundle) -> list[Sheet]:
    """The sheets of an export bundle (``crm.csvio.export.ExportBundle``): the summary first
    (weekly), then one sheet per data file in the bundle's order, then the export's details."""
    encoding = bundle.manifest.get("encoding", "utf-8-sig")
    ordered = sorted(bundle.files, key=lambda f: f.entity != SUMMARY.name)
    sheets, listed = [], []
    for file in ordered:
        spec = SUMMARY if file.entity == SUMMARY.name else ENTITIES[file.entity]
        name = SHEET_NAMES[file.entity]
        sheets.append(_csv_sheet(name, spec, file.open(), encoding))
        listed.append((name, file.entity, file.rows))
    sheets.append(_info_sheet(bundle.manifest, listed))
    return sheets


def export_workbook_name(bundle) -> str:
    return f"{bundle.folder}.xlsx"


def write_export_workbook(bundle, out_dir: Path) -> Path:
    """Write ``out_dir/<folder>.xlsx`` for an export bundle and return its path."""
    path = private_dir(Path(out_dir)) / export_workbook_name(bundle)
    # Streamed sheet by sheet (constant memory); owner-only, nothing partial on failure.
    with atomic_write(path) as handle:
        write_workbook(export_sheets(bundle), handle)
    return path
