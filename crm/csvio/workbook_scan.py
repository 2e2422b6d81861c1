"""A workbook checked part by part before any reader allocates for it.

An .xlsx sheet says its own extent: a 1.6 KB file with one cell at XFD1048576 makes a reader
that lays the sheet out as a grid allocate hundreds of gigabytes. So every XML part is
streamed through expat here (memory bounded by the chunk size, time by the file's size, never
by the extent it claims), and the workbook is refused, naming the sheet and its part, when

- a sheet's extent — its declared ``<dimension>``, and every row and cell reference (rows and
  cells without a reference counting by position, as readers place them) — exceeds what a
  hub's file can hold (``MAX_ROWS`` rows, ``MAX_COLUMNS`` columns, ``MAX_CELLS`` cells as
  rows × columns from A1);
- a part is damaged: XML cut short or malformed, an entity no one declared, a cell naming a
  shared string the workbook does not hold;
- a part carries a DTD (``<!DOCTYPE``) at all: workbooks need none, and entity declarations
  are how a few hundred bytes expand to gigabytes.

Pure Python with no native reader, so the child process that reads workbooks
(``crm.csvio.workbook_child``) runs it before it opens the workbook with calamine.
"""

import re
import zipfile
import zlib
from dataclasses import dataclass, field
from io import BytesIO
from posixpath import normpath
from xml.parsers import expat

from crm.csvio.excel import UnreadableFile

# The product's largest file for one hub (every consultation of a decade, 100,000 rows on the
# import benchmark) has 18 columns at most (needs, placements); the limits leave room for
# hand-made sheets with extra columns and for a few hundred thousand rows.
MAX_ROWS = 300_000
MAX_COLUMNS = 256
MAX_CELLS = 10_000_000
STRINGS_PART = "xl/sharedstrings.xml"  # the part the reader takes shared strings from
WORKBOOK_PART = "xl/workbook.xml"
WORKBOOK_RELS = "xl/_rels/workbook.xml.rels"
MAX_SHEETS_NAMED = 1_000  # sheet names kept for messages (a workbook may claim millions)
_CHUNK = 256 * 1024
_REFERENCE = re.compile(r"\$?([A-Za-z]+)\$?([0-9]+)")
_EXCEL_COLUMNS = 16_384  # XFD
_EXCEL_ROWS = 1_048_576
SAVE_AGAIN = "Excel で開き直し、「Excel ブック（*.xlsx）」として保存し直してください。"


class WorkbookTooLarge(UnreadableFile):
    """A sheet whose extent is beyond what a hub's file holds."""


class DamagedWorkbook(UnreadableFile):
    """A part of the workbook that cannot be read as it is."""


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters.upper()[:4]:  # four letters are already beyond any limit
        number = number * 26 + ord(letter) - 64
    return number


def _column_letters(number: int) -> str:
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def cell_name(row: int, column: int) -> str:
    """``XFD1048576`` for row 1,048,576, column 16,384."""
    return f"{_column_letters(column)}{row}"


class _Refused(Exception):
    """Raised inside an expat handler to stop the parse; carries the message's reason."""

    def __init__(self, kind: type[UnreadableFile], reason: str):
        super().__init__(reason)
        self.kind, self.reason = kind, reason


def _local(name: str) -> str:
    return name.rpartition(":")[2] if ":" in name else name


_COLUMNS: dict[str, int] = {}  # column letters -> number, filled as references are read


def _reference(text: str) -> tuple[int, int]:
    """(row, column) of a cell reference such as ``B12``; absurd sizes are kept absurd (the
    extent check refuses them) but bounded, so that no huge number is ever built."""
    letters = text.rstrip("0123456789")
    column = _COLUMNS.get(letters)
    digits = text[len(letters) :]
    if column is None or not digits:
        match = _REFERENCE.fullmatch(text.strip())
        if match is None:
            raise _Refused(DamagedWorkbook, f"セル番地「{text[:20]}」が正しくありません")
        letters, digits = match.groups()
        column = _column_number(letters)
        if len(_COLUMNS) < 20_000 and len(letters) <= 3:
            _COLUMNS[letters] = column
    return (int(digits) if len(digits) <= 9 else 10**9), column


def _row_number(text: str) -> int:
    text = text.strip()
    if not text.isdigit():
        raise _Refused(DamagedWorkbook, f"行番号「{text[:20]}」が正しくありません")
    return int(text) if len(text) <= 9 else 10**9


@dataclass
class _Extent:
    """How far one sheet reaches, from its dimension and its row and cell references."""

    rows: int = 0
    columns: int = 0

    def reach(self, row: int, column: int) -> None:
        self.rows, self.columns = max(self.rows, row), max(self.columns, column)
        if (
            self.rows > MAX_ROWS
            or self.columns > MAX_COLUMNS
            or self.rows * self.columns > MAX_CELLS
        ):
            raise _Refused(WorkbookTooLarge, self.describe())

    def describe(self) -> str:
        rows, columns = min(self.rows, 10 * _EXCEL_ROWS), min(self.columns, 10 * _EXCEL_COLUMNS)
        return f"{cell_name(rows, columns)} まで: {rows:,} 行 × {columns:,} 列"


@dataclass
class _PartFacts:
    """What one part told the scan."""

    part: str
    shared_used: tuple[int, str] = (-1, "")  # largest shared-string index named, its cell
    strings: int = 0  # <si> items (of a shared-strings part)
    sheets: list[tuple[str, str]] = field(default_factory=list)  # workbook: (name, rel id)
    targets: dict[str, str] = field(default_factory=dict)  # relationships: id -> target


def _scan_part(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> _PartFacts:
    """Stream one XML part through expat. The handlers run for every element of a sheet
    (millions), hence one closure over plain locals rather than methods and attributes.

    Rows and cells count only after ``<sheetData>`` (drawings have ``row`` elements of their
    own); nothing after sheetData in a worksheet is named ``row``, ``c`` or ``v``, so no end
    handler is needed, and the text of a shared-string cell's ``<v>`` is collected until the
    next cell or row starts (or the part ends)."""
    facts = _PartFacts(info.filename)
    extent = _Extent()
    parser = expat.ParserCreate()
    parser.buffer_text = True
    in_sheet = False
    row = column = 0
    string_cell = ""  # the t="s" cell whose <v> text is being collected
    text: list[str] = []

    def shared_string() -> None:
        nonlocal string_cell
        parser.CharacterDataHandler = None
        value = "".join(text).strip()
        if not value.isdigit():
            raise _Refused(
                DamagedWorkbook,
                f"セル {string_cell} の共有文字列の番号「{value[:20]}」が数字ではありません",
            )
        index = int(value) if len(value) <= 12 else 10**12
        if index > facts.shared_used[0]:
            facts.shared_used = (index, string_cell)
        string_cell = ""

    def start(name: str, attributes: dict[str, str]) -> None:
        nonlocal in_sheet, row, column, string_cell
        local = name.rpartition(":")[2] if ":" in name else name
        if in_sheet:
            if local == "c":
                if string_cell:
                    shared_string()
                written = attributes.get("r")
                if written:
                    row, column = _reference(written)
                else:
                    column += 1
                    row = row or 1
                if row > extent.rows or column > extent.columns:
                    extent.reach(row, column)
                if attributes.get("t") == "s":
                    string_cell = written or cell_name(row, column)
            elif local == "v":
                if string_cell:
                    text.clear()
                    parser.CharacterDataHandler = text.append
            elif local == "row":
                if string_cell:
                    shared_string()
                written = attributes.get("r")
                row, column = (_row_number(written) if written else row + 1), 0
                if row > extent.rows:
                    extent.reach(row, 1)
            return
        if local == "sheetData":
            in_sheet = True
        elif local == "dimension":
            last = attributes.get("ref", "").rpartition(":")[2].strip()
            if _REFERENCE.fullmatch(last):  # else it says nothing: the cells still count
                extent.reach(*_reference(last))
        elif local == "si":
            facts.strings += 1
        elif local == "sheet":
            if len(facts.sheets) < MAX_SHEETS_NAMED:
                rel = next((v for k, v in attributes.items() if _local(k) == "id"), "")
                facts.sheets.append((attributes.get("name", ""), rel))
        elif local == "Relationship" and len(facts.targets) < MAX_SHEETS_NAMED:
            facts.targets[attributes.get("Id", "")] = attributes.get("Target", "")

    parser.StartElementHandler = start
    parser.StartDoctypeDeclHandler = _refuse_dtd
    parser.EntityDeclHandler = _refuse_dtd
    with archive.open(info) as stream:
        while chunk := stream.read(_CHUNK):
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    if string_cell:
        shared_string()
    return facts


def _refuse_dtd(*_: object) -> None:
    raise _Refused(
        DamagedWorkbook,
        "文書型宣言（DTD）を含んでいます。Excel のファイルには不要で、実体の展開で"
        "メモリを使い尽くす攻撃に使われるため、DTD を含むファイルは読みません",
    )


# expat's error codes for XML that ends before it is complete
_CUT_SHORT = {
    expat.errors.codes[expat.errors.XML_ERROR_NO_ELEMENTS],
    expat.errors.codes[expat.errors.XML_ERROR_UNCLOSED_TOKEN],
    expat.errors.codes[expat.errors.XML_ERROR_PARTIAL_CHAR],
    expat.errors.codes[expat.errors.XML_ERROR_UNCLOSED_CDATA_SECTION],
}


_STREAM_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, OSError)


def _expat_reason(error: expat.ExpatError) -> str:
    where = f"{error.lineno} 行 {error.offset + 1} 桁目付近"
    if error.code in _CUT_SHORT:
        return f"XML が途中で終わっています: {where}"
    if error.code == expat.errors.codes[expat.errors.XML_ERROR_UNDEFINED_ENTITY]:
        return f"定義されていない実体参照（&…;）があります: {where}"
    return f"XML の形式が正しくありません: {where}、{expat.errors.messages[error.code]}"


def _sheet_names(archive: zipfile.ZipFile) -> dict[str, str]:
    """part name (lower case) -> sheet name, from the workbook and its relationships: read
    first, so that a refusal names the sheet as the user knows it."""
    try:
        book = _scan_part(archive, archive.getinfo(WORKBOOK_PART))
        rels = _scan_part(archive, archive.getinfo(WORKBOOK_RELS))
    except (KeyError, _Refused, expat.ExpatError, *_STREAM_ERRORS):
        return {}  # the scan of every part below names what is wrong with them
    names = {}
    for name, rel in book.sheets:
        target = rels.targets.get(rel, "")
        part = target.lstrip("/") if target.startswith("/") else normpath(f"xl/{target}")
        names[part.lower()] = name
    return names


def scan_workbook(data: bytes, book: str) -> None:
    """Refuse ``data`` (an .xlsx) if a sheet reaches beyond the limits or a part is damaged;
    raises WorkbookTooLarge or DamagedWorkbook naming ``book``, the sheet and its part."""
    try:
        with zipfile.ZipFile(BytesIO(data)) as archive:
            names = _sheet_names(archive)
            scans = [_checked_part(archive, info, book, names) for info in _xml_parts(archive)]
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError):
        raise UnreadableFile(f"{book}: Excel ファイル（zip）を開けません。{SAVE_AGAIN}") from None
    strings = next((s for s in scans if s.part.lower() == STRINGS_PART), None)
    held = strings.strings if strings is not None else 0
    for scan in scans:
        index, cell = scan.shared_used
        if index >= held:
            reason = (
                f"セル {cell} が共有文字列の {index:,} 番を指していますが、"
                f"共有文字列は {held:,} 件（0〜{held - 1:,} 番）しかありません"
                if held
                else f"セル {cell} が共有文字列を指していますが、共有文字列がありません"
            )
            raise _damaged(book, _part_label(scan.part, names), reason)


def _xml_parts(archive: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    return [
        info
        for info in archive.infolist()
        if not info.is_dir() and info.filename.lower().endswith((".xml", ".rels"))
    ]


def _checked_part(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, book: str, names: dict[str, str]
) -> _PartFacts:
    label = _part_label(info.filename, names)
    try:
        return _scan_part(archive, info)
    except _Refused as refused:
        if refused.kind is WorkbookTooLarge:
            raise WorkbookTooLarge(
                f"{book}: {label}の範囲が大きすぎます（{refused.reason}）。"
                f"取り込めるシートは {MAX_ROWS:,} 行・{MAX_COLUMNS:,} 列・"
                f"{MAX_CELLS:,} セル（行 × 列）までです。使っていない行や列を削除して"
                "保存し直すか、ファイルを分けて取り込んでください。"
            ) from None
        raise _damaged(book, label, refused.reason) from None
    except expat.ExpatError as error:
        raise _damaged(book, label, _expat_reason(error)) from None
    except _STREAM_ERRORS:
        raise _damaged(book, label, "圧縮されたデータが壊れています") from None


def _part_label(part: str, names: dict[str, str]) -> str:
    """How a message names a part: the sheet as the user knows it, and the part itself."""
    sheet = names.get(part.lower())
    if sheet is not None:
        return f"シート「{sheet}」（{part}）"
    return f"シート（{part}）" if "worksheets/" in part.lower() else f"部品（{part}）"


def _damaged(book: str, label: str, reason: str) -> DamagedWorkbook:
    return DamagedWorkbook(
        f"{book}: Excel ファイルの{label}が壊れているため読めません（{reason}）。{SAVE_AGAIN}"
    )
