"""Excel workbooks (.xlsx): exports and reports as typed sheets, written in constant memory.

One writer for every workbook the product makes (the weekly and full exports, ``crm report
hubs``, the monthly report):

- each sheet has a Japanese header row, frozen, with an autofilter, and fitted column widths;
- cells are typed by their column: codes, 法人番号 and ids as text (a spreadsheet keeps the
  leading zeros and all 13 digits); dates and timestamps as dates; counts and money as numbers
  with thousands separators; ratios as percentages;
- text gets the same formula neutralising as the CSV (``crm.csvio.excel.neutralise``), and is
  always written as a string cell, so no cell of a product workbook is ever a formula;
- every sheet prints one page wide with its header row on every page, the document's title,
  its 「…現在」 and page numbers (``crm.csvio.print_setup``); a chart gets a sheet of its own;
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
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO, Any

import xlsxwriter  # type: ignore[import-untyped]
from xlsxwriter.worksheet import Worksheet  # type: ignore[import-untyped]

from crm.csvio.columns import BOOL, DATE, ENTITIES, INT, STAMP, SUMMARY, Column, EntitySpec
from crm.csvio.excel import neutralise, unneutralise
from crm.csvio.print_setup import PageHeading, apply_print_setup, moment_as_of
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
WRAPPED = "wrapped text"
ROW_HEIGHT = 15  # points: a row of one line in the default font
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
INFO_SHEET = "出力情報"
SHEET_NAMES: dict[str, str] = {spec.name: spec.label for spec in (*ENTITIES.values(), SUMMARY)}
MONEY_AND_COUNTS = {"employees", "capital_jpy", "headcount"}


@dataclass(frozen=True)
class SheetColumn:
    header: str
    kind: str = TEXT
    # Text wrapped at the column's greatest width (a sentence), rather than running over the
    # cells to its right and off the printed page.
    wrap: bool = False


@dataclass(frozen=True)
class Sheet:
    """A sheet to write: its name, its columns and its rows of Python values
    (str, int, float, date, datetime or None). A sheet without columns holds only its
    ``image`` (a chart), printed on a page of its own."""

    name: str
    columns: Sequence[SheetColumn]
    rows: Iterable[Sequence[Any]]
    image: bytes | None = None  # a PNG: a chart sheet's only content, else right of the table
    # What its printed pages say at the top (the workbook's heading when None).
    heading: PageHeading | None = None


def display_width(text: str) -> int:
    """Columns a text takes in a spreadsheet: wide (Japanese) characters count twice."""
    if text.isascii():
        return len(text)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


class _SheetWriter:
    def __init__(
        self,
        book: xlsxwriter.Workbook,
        formats: dict,
        header_format,
        sheet: Sheet,
        heading: PageHeading,
    ):
        self.book, self.formats, self.header_format, self.sheet = (
            book,
            formats,
            header_format,
            sheet,
        )
        self.heading = sheet.heading or heading
        self.widths = [display_width(c.header) + 2 for c in sheet.columns]
        self.parts = 0
        self.worksheets: list[Worksheet] = []
        self.row = MAX_ROWS

    def _new_part(self) -> Worksheet:
        self.parts += 1
        name = self.sheet.name if self.parts == 1 else f"{self.sheet.name}_{self.parts}"
        worksheet = self.book.add_worksheet(name[:31])
        self.worksheets.append(worksheet)
        self.row = 1
        if not self.sheet.columns:
            return worksheet
        for col, column in enumerate(self.sheet.columns):
            worksheet.write_string(0, col, neutralise(column.header), self.header_format)
        worksheet.freeze_panes(1, 0)
        return worksheet

    def write(self) -> None:
        if not self.sheet.columns:
            self._write_chart()
            return
        worksheet = self.worksheets[-1] if self.worksheets else self._new_part()
        columns = self.sheet.columns
        wrapped = [col for col, column in enumerate(columns) if column.wrap]
        for values in self.sheet.rows:
            if self.row >= MAX_ROWS:
                worksheet = self._new_part()
            if wrapped:
                self._fit_height(worksheet, [values[col] for col in wrapped])
            for col, value in enumerate(values):
                if value is None or value == "":
                    continue
                kind = columns[col].kind
                if kind == TEXT or isinstance(value, str):
                    text = neutralise(str(value))
                    wrap = columns[col].wrap
                    worksheet.write_string(
                        self.row, col, text, self.formats[WRAPPED if wrap else TEXT]
                    )
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
        widths = [
            MAX_WIDTH if column.wrap else min(width, MAX_WIDTH)
            for column, width in zip(columns, self.widths, strict=True)
        ]
        for worksheet in self.worksheets:
            for col, width in enumerate(widths):
                worksheet.set_column(col, col, width)
            worksheet.autofilter(0, 0, 0, max(len(columns) - 1, 0))
            # The table only: text running over the cells to its right is not printed as
            # empty columns of the grid.
            last_row = self.row - 1 if worksheet is self.worksheets[-1] else MAX_ROWS - 1
            worksheet.print_area(0, 0, last_row, max(len(columns) - 1, 0))
            apply_print_setup(worksheet, self.heading, width=sum(widths))
        if self.sheet.image is not None:
            self.worksheets[0].insert_image(
                1,
                len(columns) + 1,
                "chart.png",
                {"image_data": io.BytesIO(self.sheet.image), "x_scale": 0.5, "y_scale": 0.5},
            )

    def _fit_height(self, worksheet: Worksheet, texts: Sequence[Any]) -> None:
        """Make the row tall enough for its wrapped text: spreadsheets keep the default height
        of a row written without one (LibreOffice prints the rest cut off)."""
        room = MAX_WIDTH - 2  # a little under the column's width: glyphs are not all equal
        lines = max((-(-display_width(str(t)) // room) for t in texts if t), default=1)
        if lines > 1:
            worksheet.set_row(self.row, ROW_HEIGHT * lines)

    def _write_chart(self) -> None:
        worksheet = self._new_part()
        if self.sheet.image is not None:
            worksheet.insert_image(
                0,
                0,
                "chart.png",
                {"image_data": io.BytesIO(self.sheet.image), "x_scale": 0.5, "y_scale": 0.5},
            )
        apply_print_setup(worksheet, self.heading, width=0, header_rows=0)


def write_workbook(
    sheets: Iterable[Sheet], target: Path | IO[bytes], heading: PageHeading | None = None
) -> None:
    """Write ``sheets`` in order into one workbook at ``target`` (a path or a binary file).
    ``heading`` is what the printed pages of a sheet without its own say at the top; by
    default the sheet's name and the moment the workbook is made (Japan time)."""
    made = moment_as_of()
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
    formats[WRAPPED] = book.add_format({**FORMATS[TEXT], "text_wrap": True, "valign": "top"})
    for sheet in sheets:
        page = heading or PageHeading(sheet.name, made)
        _SheetWriter(book, formats, header, sheet, page).write()
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


def workbook_bytes(sheets: Iterable[Sheet], heading: PageHeading | None = None) -> bytes:
    buffer = io.BytesIO()
    write_workbook(sheets, buffer, heading)
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


def export_heading(manifest: dict) -> PageHeading:
    """What an export's printed pages say: 「週次出力 2026-W49（2026-11-30〜2026-12-06）」 or
    「全件出力」, the hubs, and the moment it was made (Japan time, as its manifest)."""
    period = manifest.get("period") or {}
    title = {"weekly": "週次出力", "full": "全件出力"}.get(manifest.get("kind", ""), "出力")
    if manifest.get("week"):
        title += f" {manifest['week']}"
    if period.get("first_day"):
        title += f"（{period['first_day']}〜{period.get('last_day', '')}）"
    hubs = manifest.get("hubs")
    title += " 全拠点" if hubs == "all" else f" 拠点 {'・'.join(hubs or [])}"
    made = manifest.get("generated_at")
    return PageHeading(title, moment_as_of(dt.datetime.fromisoformat(made) if made else None))


def export_sheets(bundle) -> list[Sheet]:
    """The sheets of an export bundle (``crm.csvio.export.ExportBundle``): the summary first
    (weekly), then one sheet per data file in the bundle's order, then the export's details."""
    encoding = bundle.manifest.get("encoding", "utf-8-sig")
    heading = export_heading(bundle.manifest)
    ordered = sorted(bundle.files, key=lambda f: f.entity != SUMMARY.name)
    sheets, listed = [], []
    for file in ordered:
        spec = SUMMARY if file.entity == SUMMARY.name else ENTITIES[file.entity]
        name = SHEET_NAMES[file.entity]
        sheets.append(replace(_csv_sheet(name, spec, file.open(), encoding), heading=heading))
        listed.append((name, file.entity, file.rows))
    sheets.append(replace(_info_sheet(bundle.manifest, listed), heading=heading))
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
