"""Turning an uploaded file into cleaned records: encoding, headers, entity, cell values.

Reads CSV (UTF-8 or CP932; comma, tab or semicolon separated) and Excel workbooks (.xlsx, one
sheet per file: sheets named like the export's files or sheets, e.g. ``consultations`` or
「相談」, or any sheet whose headers say what it holds). A sheet becomes the same rows of text a
CSV gives (numbers without a spurious ``.0``, dates as ``YYYY-MM-DD``), so both go through
exactly the same validation. Damage a spreadsheet program does to a file is repaired where the
value is still whole (``6060301016601.0``, codes that lost their leading zero, serial dates)
and refused with its cause and the fix where it is not (a 法人番号 shown as ``6.06E+12``).

Workbooks are read in a child process (``crm.csvio.workbook_reader``), after their sheets'
extent and parts were checked (``crm.csvio.workbook_scan``): this process never runs the
native reader. Errors and ignored columns are listed up to ``MAX_LISTED`` and counted beyond
(``Capped``), so that a file of a million bad rows reports in bounded memory.

Nothing here looks at the database; ``crm.csvio.importer`` validates what this returns.
"""

import io
import re
import unicodedata
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import partial
from io import BytesIO
from itertools import islice
from pathlib import Path
from typing import Generic, TypeVar

from crm.csvio.columns import ENTITIES, INT, REFERENCES, SUMMARY, Column, EntitySpec
from crm.csvio.excel import (
    DELIMITERS,
    UnreadableFile,
    decode,
    detect_delimiter,
    iter_rows,
    unneutralise,
)
from crm.csvio.workbook_reader import Rows, read_workbook
from crm.errors import CrmError
from crm.vocabulary import FORMER_TERMS

LANGUAGES = {"ja": "日本語", "en": "英語", "mixed": "日本語・英語の混在"}
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
XLSX = "xlsx"
# Sheets of a product workbook that are not records: the weekly summary and the export details.
NOT_RECORDS = {SUMMARY.name, SUMMARY.label, "出力情報"}
# Columns whose cells are whole numbers or digit codes: a spreadsheet may have turned them
# into floats (``4.0``, ``6060301016601.0``) or into exponent form (``6.06E+12``).
DIGIT_COLUMNS = {"corporate_number", "hub_code", "prefecture_code"}
_WHOLE_FLOAT = re.compile(r"^[+-]?\d+\.0+$")
_EXPONENT = re.compile(r"^[+-]?\d+(?:\.\d+)?[eE][+-]?\d+$")
# Errors (and ignored columns) a report lists; beyond them it counts.
MAX_LISTED = 100
# An ignored column's header as a notice quotes it (a header cell may hold megabytes).
MAX_HEADER_SHOWN = 40
T = TypeVar("T")


class Capped(list[T], Generic[T]):
    """The first ``limit`` items added, and how many more there were (``more``): a file of a
    million invalid rows lists a hundred errors and counts the rest, in bounded memory."""

    def __init__(self, items: Iterable[T] = (), limit: int = MAX_LISTED):
        super().__init__()
        self.limit, self.more = limit, 0
        self.extend(items)

    def append(self, item: T) -> None:
        if len(self) < self.limit:
            super().append(item)
        else:
            self.more += 1

    def extend(self, items: Iterable[T]) -> None:
        for item in items:
            self.append(item)
        if isinstance(items, Capped):
            self.more += items.more

    def __iadd__(self, items: Iterable[T]) -> "Capped[T]":  # type: ignore[override,misc]
        self.extend(items)
        return self

    @property
    def total(self) -> int:
        """Every item added, listed or only counted."""
        return len(self) + self.more


@dataclass(frozen=True)
class RowError:
    file: str
    row: int  # spreadsheet row number, header = 1
    column: str  # the header as written in the file ("" for the whole row or file)
    reason: str


Record = tuple[int, dict[str, str | None]]  # row number, column key -> cleaned text
RowSource = Iterable[tuple[int, list[str]]]


class Records:
    """A file's records, made from its rows each time they are read: an import holds the
    file's text and one chunk of records, never a dictionary per row of the whole file.
    ``len`` and the file's own errors come from the first reading (``parse_file``)."""

    def __init__(self, rows: Callable[[], RowSource], positions: list[Column | None], count: int):
        self._rows, self._positions, self._count = rows, positions, count

    def __iter__(self) -> Iterator[Record]:
        positions = self._positions
        for number, row in self._rows():
            yield number, _values(positions, row)

    def __len__(self) -> int:
        return self._count

    def grouped(self, key: Callable[[dict[str, str | None]], str]) -> dict[str, "Records"]:
        """The records split by ``key`` of each record, the file read once: each group keeps
        its rows' cells (not records), so a national restore reads each hub's share without
        reading the whole file again for every hub."""
        groups: dict[str, list[tuple[int, list[str]]]] = {}
        positions = self._positions
        for number, row in self._rows():
            groups.setdefault(key(_values(positions, row)), []).append((number, row))
        return {
            name: Records(partial(iter, rows), positions, len(rows))
            for name, rows in groups.items()
        }

    def __getitem__(self, index: slice) -> list[Record]:
        return list(islice(self, index.start, index.stop, index.step))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Iterable) and list(self) == list(other)

    __hash__ = None  # type: ignore[assignment]


def _values(positions: list[Column | None], row: list[str]) -> dict[str, str | None]:
    values: dict[str, str | None] = {}
    for target, cell in zip(positions, row, strict=False):
        if target is not None:
            value = clean_cell(cell)
            if value is not None:
                value = _repair(target, value)[0]
            values[target.key] = value
    return values


@dataclass
class ParsedFile:
    name: str
    spec: EntitySpec
    encoding: str
    language: str
    headers: dict[str, str]  # column key -> header as written in the file
    records: Records | list[Record]
    ignored_columns: Capped[str] = field(default_factory=Capped)
    errors: Capped[RowError] = field(default_factory=Capped)
    # How often each value occurs in the columns that name other records (``tally``).
    tallies: dict[str, Counter[str]] | None = field(
        default=None, init=False, repr=False, compare=False
    )

    def header(self, key: str) -> str:
        return self.headers.get(key) or self.spec.column(key).ja

    def tally(self, key: str) -> Counter[str]:
        """How often each value occurs in column ``key`` (one that names other records, see
        ``REFERENCES``), counted once for all such columns."""
        if self.tallies is None:
            self.tallies = _tallies(self.headers, self.records)
        return self.tallies.get(key, Counter())


def _tallies(headers: dict[str, str], records: Iterable[Record]) -> dict[str, Counter[str]]:
    keys = [key for key in REFERENCES if key in headers]
    found: dict[str, Counter[str]] = {key: Counter() for key in keys}
    if keys:
        for _, values in records:
            for key in keys:
                value = values.get(key)
                if value is not None:
                    found[key][value] += 1
    return found


def _norm(text: str) -> str:
    return unicodedata.normalize("NFKC", text).replace("\ufeff", "").strip().lower()


def _lookup(spec: EntitySpec) -> dict[str, tuple[Column, str]]:
    index: dict[str, tuple[Column, str]] = {}
    for column in spec.columns:
        index.setdefault(_norm(column.ja), (column, "ja"))
        index.setdefault(_norm(column.en), (column, "en"))
    # Files written before the vocabulary was unified (雇用形態, 前住所地) still import.
    for former, key in FORMER_TERMS.items():
        found = next((c for c in spec.columns if c.key == key), None)
        if found is not None:
            index.setdefault(_norm(former), (found, "ja"))
    return index


def sheet_of(name: str) -> tuple[str, str] | None:
    """(workbook name, sheet name) for a sheet entry ``book.xlsx[相談]``, else None."""
    match = re.match(r"^(?P<book>.*?\.xls[xm])\[(?P<sheet>.+)\]$", name, re.IGNORECASE)
    return (match["book"], match["sheet"]) if match else None


def _entity_by_name(name: str) -> str | None:
    """The entity a file or sheet name says: ``consultations.csv``, ``相談``, ``needs``."""
    stem = _norm(Path(name).stem if name.lower().endswith((".csv", *WORKBOOK_SUFFIXES)) else name)
    for spec in ENTITIES.values():
        if stem in (spec.name, _norm(spec.label)):
            return spec.name
    if stem in (SUMMARY.name, _norm(SUMMARY.label)):
        return SUMMARY.name
    return None


def entity_of(name: str) -> str | None:
    """The entity a file holds by its name alone (a workbook's sheet by the sheet's name, else
    by the workbook's), or None when only its headers can tell."""
    split = sheet_of(name)
    if split is None:
        return _entity_by_name(name)
    return _entity_by_name(split[1]) or _entity_by_name(split[0])


def guess_entity(name: str, header_row: list[str]) -> EntitySpec | None:
    """The entity a file holds: from its name (companies.csv, a sheet 「相談」 …), else from
    its headers."""
    named = entity_of(name)
    if named in ENTITIES:
        return ENTITIES[named]
    cells = {_norm(cell) for cell in header_row}
    scores = {spec.name: len(cells & set(_lookup(spec))) for spec in ENTITIES.values()}
    best = max(scores.values(), default=0)
    winners = [name for name, score in scores.items() if score == best]
    return ENTITIES[winners[0]] if best >= 2 and len(winners) == 1 else None


def clean_cell(text: str | None) -> str | None:
    if text is None:
        return None
    text = unneutralise(text).strip()
    return text or None


def _shown_header(label: str) -> str:
    return label if len(label) <= MAX_HEADER_SHOWN else label[: MAX_HEADER_SHOWN - 1] + "…"


def _repair(column: Column, text: str) -> tuple[str | None, str | None]:
    """A cell a spreadsheet program damaged: (the repaired value, None) or (None, the reason
    it cannot be repaired)."""
    if not (column.key in DIGIT_COLUMNS or column.kind == INT):
        return text, None
    if _WHOLE_FLOAT.match(text):
        return text.split(".")[0], None
    if _EXPONENT.match(text):
        what = "法人番号" if column.key == "corporate_number" else f"「{column.ja}」"
        return None, (
            f"{what}が指数表記（{text}）になっています。表計算ソフトが数値として扱い、"
            "下の桁が失われています（元の値は戻せません）。列の書式を「文字列」にして"
            "元の値を入力し直すか、出力した CSV・Excel ファイルを開かずにそのまま"
            "取り込んでください。"
        )
    return text, None


def parse_file(name: str, data: bytes, entity: str | None = None) -> ParsedFile:
    """Decode ``data`` (a CSV, or for a sheet entry ``book.xlsx[sheet]`` the workbook) and map
    its header row onto the entity's columns."""
    split = sheet_of(name)
    rows: Callable[[], RowSource]
    if split is not None:
        sheet = sheet_rows(data, split[1], name)
        encoding = XLSX

        def rows() -> RowSource:
            return sheet

    else:
        text, encoding = decode(data)
        delimiter = detect_delimiter(text)
        del text  # each reading decodes the bytes again, a little at a time: no copy is kept
        codec = encoding

        def rows() -> RowSource:
            return iter_rows(io.TextIOWrapper(BytesIO(data), encoding=codec, newline=""), delimiter)

        if delimiter != ",":
            encoding = f"{encoding}（{DELIMITERS[delimiter]}）"
    first = next(iter(rows()), None)
    if first is None:
        raise UnreadableFile(f"{name}: 見出し行がありません（空のファイルです）。")
    header_number, header_row = first
    if entity is not None:
        if entity not in ENTITIES:
            raise CrmError(f"取込の種類は {' / '.join(ENTITIES)} のいずれかです: {entity}")
        spec = ENTITIES[entity]
    else:
        guessed = guess_entity(name, header_row)
        if guessed is None:
            raise CrmError(
                f"{name}: 見出しから取込の種類（企業・相談…）を判定できません。"
                "種類を指定してください。"
            )
        spec = guessed
    lookup = _lookup(spec)
    positions: list[Column | None] = []
    headers: dict[str, str] = {}
    languages: set[str] = set()
    ignored: Capped[str] = Capped()
    errors: Capped[RowError] = Capped()
    for cell in header_row:
        label = clean_cell(cell) or ""
        found = lookup.get(_norm(label))
        if found is None or not (found[0].importable or found[0].restored):
            positions.append(None)
            if label and found is None:
                ignored.append(_shown_header(label))
            continue
        column, language = found
        if column.key in headers:
            errors.append(
                RowError(
                    name,
                    header_number,
                    label,
                    f"列「{label}」が重複しています（「{headers[column.key]}」と同じ列）",
                )
            )
            positions.append(None)
            continue
        headers[column.key] = label
        languages.add(language)
        positions.append(column)
    width = len(header_row)
    count = 0
    tallied = [key for key in REFERENCES if key in headers]
    tallies: dict[str, Counter[str]] = {key: Counter() for key in tallied}
    # Only cells a spreadsheet may have damaged, or that name other records, are read now.
    checked = [
        (index, target)
        for index, target in enumerate(positions)
        if target is not None
        and (target.key in DIGIT_COLUMNS or target.kind == INT or target.key in tallies)
    ]
    # The first reading: the file's own errors, its size and what its rows refer to (a CSV
    # that is not well formed is refused here, before anything is checked or written).
    for number, row in islice(rows(), 1, None):
        count += 1
        if len(row) > width and any(cell.strip() for cell in row[width:]):
            errors.append(
                RowError(name, number, "", f"見出し（{width}列）より多い列に値があります")
            )
        for index, target in checked:
            if index >= len(row):
                break
            value = clean_cell(row[index])
            if value is None:
                continue
            value, problem = _repair(target, value)
            if problem is not None:
                errors.append(RowError(name, number, headers[target.key], problem))
            elif target.key in tallies:
                tallies[target.key][value] += 1  # type: ignore[index]
    language = languages.pop() if len(languages) == 1 else ("mixed" if languages else "ja")
    records = Records(lambda: islice(rows(), 1, None), positions, count)
    parsed = ParsedFile(name, spec, encoding, language, headers, records, ignored, errors)
    parsed.tallies = tallies
    return parsed


# --- Excel workbooks ---------------------------------------------------------------------------


class ReadWorkbook(bytes):
    """A workbook's bytes together with the rows of its sheets, read once (in the child
    process): ``files_in`` hands each sheet on as ``("book.xlsx[sheet]", the workbook)``, and
    callers keep, hash and store those bytes as they are, while ``parse_file`` takes the
    sheet's rows from here instead of reading the workbook again."""

    sheets: dict[str, Rows]

    def __new__(cls, data: bytes, sheets: dict[str, Rows]) -> "ReadWorkbook":
        read = super().__new__(cls, data)
        read.sheets = sheets
        return read


def sheet_rows(data: bytes, sheet: str, name: str = "") -> Rows:
    """Every non-blank row of one sheet with its row number as the spreadsheet shows it."""
    book = name or "Excel"
    sheets = data.sheets if isinstance(data, ReadWorkbook) else read_workbook(data, book)
    if sheet not in sheets:
        raise UnreadableFile(f"{book}: シート「{sheet}」がありません。")
    return sheets[sheet]


def is_workbook(data: bytes) -> bool:
    if not data.startswith(b"PK\x03\x04"):
        return False
    try:
        with zipfile.ZipFile(BytesIO(data)) as archive:
            return "xl/workbook.xml" in archive.namelist()
    except zipfile.BadZipFile:
        return False


def _is_record_sheet(sheet: str) -> bool:
    return sheet not in NOT_RECORDS and _entity_by_name(sheet) != SUMMARY.name


def _workbook_members(data: bytes, book: str) -> list[tuple[str, bytes]]:
    """One entry per sheet holding records: ``book.xlsx[sheet]`` with the workbook's bytes
    (the summary and 出力情報 sheets of a product workbook, and empty sheets, are left out).
    The workbook is read here, once, in the child process."""
    sheets = {
        sheet: rows
        for sheet, rows in read_workbook(data, book).items()
        if rows and _is_record_sheet(sheet)
    }
    if not sheets:
        raise UnreadableFile(f"{book}: 取り込める記録のシートがありません（空のブックです）。")
    read = ReadWorkbook(data, sheets)
    return [(f"{book}[{sheet}]", read) for sheet in sheets]


# --- archive and file limits --------------------------------------------------------------------

MIB = 1024 * 1024
# Caps on what one import may unpack, checked while the bytes stream out of an archive (never
# after reading a member whole), so a small archive that expands to gigabytes is refused with
# a message and the process stays small. The largest file the product exports for a hub (every
# consultation of a decade) is a few tens of megabytes.
MAX_MEMBERS = 200  # files in a zip (and parts in a workbook)
MAX_FILE_BYTES = 100 * MIB  # one CSV or workbook, uncompressed
MAX_TOTAL_BYTES = 200 * MIB  # everything one import unpacks
MAX_RATIO = 100  # uncompressed / compressed size of a zip member larger than RATIO_FLOOR
RATIO_FLOOR = MIB
_CHUNK = MIB


class ArchiveTooLarge(UnreadableFile):
    """An archive, workbook or file beyond the import's limits."""


def _too_large(label: str, why: str) -> ArchiveTooLarge:
    return ArchiveTooLarge(
        f"{label}: {why}。取り込めるのは1ファイル展開後{MAX_FILE_BYTES // MIB} MB、"
        f"1回の取込で合計{MAX_TOTAL_BYTES // MIB} MB、zip の中は{MAX_MEMBERS}ファイルまでです。"
        "ファイルを分けて取り込んでください。"
    )


@dataclass
class _Budget:
    """What one import has unpacked so far."""

    total: int = 0

    def take(self, label: str, size: int) -> None:
        if size > MAX_FILE_BYTES:
            raise _too_large(label, f"展開後の大きさが{MAX_FILE_BYTES // MIB} MB を超えます")
        if self.total + size > MAX_TOTAL_BYTES:
            raise _too_large(label, f"展開後の合計が{MAX_TOTAL_BYTES // MIB} MB を超えます")


def _stream_member(
    archive: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    label: str,
    budget: _Budget,
    *,
    keep: bool = True,
    ratio: bool = True,
) -> bytes:
    """A member's bytes (with ``keep`` false: b"", after measuring it), decompressed in
    chunks and refused as soon as it passes a limit, whatever its header claims."""
    budget.take(label, info.file_size)
    compressed = max(info.compress_size, 1)
    if ratio and info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * compressed:
        raise _too_large(
            label, f"圧縮率が異常に高い（{info.file_size // compressed:,}倍）ファイルです"
        )
    chunks: list[bytes] = []
    read = 0
    with archive.open(info) as stream:
        while chunk := stream.read(_CHUNK):
            read += len(chunk)
            budget.take(label, read)
            if ratio and read > RATIO_FLOOR and read > MAX_RATIO * compressed:
                raise _too_large(label, "圧縮率が異常に高いファイルです")
            if keep:
                chunks.append(chunk)
    budget.total += read
    return b"".join(chunks)


def _members_of(archive: zipfile.ZipFile, label: str) -> list[zipfile.ZipInfo]:
    infos = archive.infolist()
    if len(infos) > MAX_MEMBERS:
        raise _too_large(label, f"zip の中のファイルが多すぎます（{len(infos):,}個）")
    return infos


def check_workbook(data: bytes, book: str) -> None:
    """Refuse a workbook whose parts expand beyond the limits, before it is parsed: a workbook
    is a zip whose sheets the reader unpacks, so they are measured here first, streaming.
    Parts are XML that compresses very well, so only the absolute caps apply."""
    parts = _Budget()
    try:
        with zipfile.ZipFile(BytesIO(data)) as archive:
            for info in _members_of(archive, book):
                if not info.is_dir():
                    _stream_member(archive, info, book, parts, keep=False, ratio=False)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError):
        raise UnreadableFile(f"{book}: Excel ファイル（zip）を開けません。") from None


# --- files ------------------------------------------------------------------------------------

_OLD_EXCEL = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def files_in(path_or_data: Path | str | bytes, name: str = "") -> list[tuple[str, bytes]]:
    """The files to import from a folder, a zip, an Excel workbook or a single CSV (path or
    bytes), as (name, bytes); a workbook gives one entry per sheet (``book.xlsx[sheet]``).
    Raises UnreadableFile, naming the file, when there is nothing to import."""
    return _files_in(path_or_data, name, _Budget())


def _files_in(
    path_or_data: Path | str | bytes, name: str, budget: _Budget
) -> list[tuple[str, bytes]]:
    if isinstance(path_or_data, bytes):
        label = name or "アップロードしたファイル"
        budget.take(label, len(path_or_data))
        if is_workbook(path_or_data):
            check_workbook(path_or_data, name or "upload.xlsx")
            budget.total += len(path_or_data)
            return _workbook_members(path_or_data, name or "upload.xlsx")
        if path_or_data.startswith(_OLD_EXCEL):
            raise UnreadableFile(
                f"{label}: Excel 97-2003 形式（.xls）は読めません。Excel で開き、"
                "「Excel ブック（*.xlsx）」または「CSV UTF-8（コンマ区切り）」で保存してください。"
            )
        if path_or_data.startswith(b"PK\x03\x04"):
            members = _zip_members(path_or_data, label, budget)
            if not members:
                raise UnreadableFile(
                    f"{label}: zip の中に CSV ファイルも Excel ファイル（.xlsx）もありません。"
                )
            return members
        if not path_or_data.strip():
            raise UnreadableFile(f"{label}: ファイルが空です。")
        budget.total += len(path_or_data)
        return [(name or "upload.csv", path_or_data)]
    path = Path(path_or_data)
    if path.is_dir():
        found = sorted(
            p for p in path.iterdir() if p.suffix.lower() in (".csv", *WORKBOOK_SUFFIXES)
        )
        if not found:
            raise UnreadableFile(
                f"フォルダ {path} に CSV ファイルも Excel ファイル（.xlsx）もありません。"
            )
        return [entry for p in found for entry in _files_in(_read_file(p, budget), p.name, budget)]
    if not path.exists():
        raise CrmError(f"ファイルがありません: {path}")
    return _files_in(_read_file(path, budget), path.name, budget)


def _read_file(path: Path, budget: _Budget) -> bytes:
    """A file's bytes, refused by its size before it is read."""
    budget.take(path.name, path.stat().st_size)
    return path.read_bytes()


def _zip_members(data: bytes, label: str, budget: _Budget) -> list[tuple[str, bytes]]:
    try:
        with zipfile.ZipFile(BytesIO(data)) as archive:
            members = []
            for info in sorted(_members_of(archive, label), key=lambda i: i.filename):
                lower = info.filename.lower()
                if info.is_dir() or not lower.endswith((".csv", *WORKBOOK_SUFFIXES)):
                    continue
                member = Path(info.filename).name
                content = _stream_member(archive, info, f"{label} の {member}", budget)
                if lower.endswith(".csv"):
                    members.append((member, content))
                else:
                    check_workbook(content, member)
                    members.extend(_workbook_members(content, member))
            return members
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError):
        raise UnreadableFile(f"{label}: zip ファイルを開けません。") from None
