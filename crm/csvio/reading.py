"""Turning an uploaded file into cleaned records: encoding, headers, entity, cell values.

Nothing here looks at the database; ``crm.csvio.importer`` validates what this returns.
"""

import unicodedata
import zipfile
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path

from crm.csvio.columns import ENTITIES, Column, EntitySpec
from crm.csvio.excel import UnreadableFile, decode, read_rows, unneutralise
from crm.errors import CrmError

LANGUAGES = {"ja": "日本語", "en": "英語", "mixed": "日本語・英語の混在"}


@dataclass(frozen=True)
class RowError:
    file: str
    row: int  # spreadsheet row number, header = 1
    column: str  # the header as written in the file ("" for the whole row or file)
    reason: str


@dataclass
class ParsedFile:
    name: str
    spec: EntitySpec
    encoding: str
    language: str
    headers: dict[str, str]  # column key -> header as written in the file
    records: list[tuple[int, dict[str, str | None]]]  # row number, column key -> cleaned text
    ignored_columns: list[str] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    def header(self, key: str) -> str:
        return self.headers.get(key) or self.spec.column(key).ja


def _norm(text: str) -> str:
    return unicodedata.normalize("NFKC", text).replace("\ufeff", "").strip().lower()


def _lookup(spec: EntitySpec) -> dict[str, tuple[Column, str]]:
    index: dict[str, tuple[Column, str]] = {}
    for column in spec.columns:
        index.setdefault(_norm(column.ja), (column, "ja"))
        index.setdefault(_norm(column.en), (column, "en"))
    return index


def guess_entity(name: str, header_row: list[str]) -> EntitySpec | None:
    """The entity a file holds: from its name (companies.csv …), else from its headers."""
    stem = Path(name).stem.lower()
    if stem in ENTITIES:
        return ENTITIES[stem]
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


def parse_file(name: str, data: bytes, entity: str | None = None) -> ParsedFile:
    """Decode ``data`` and map its header row onto the entity's columns."""
    text, encoding = decode(data)
    rows = read_rows(text)
    if not rows:
        raise UnreadableFile(f"{name}: 見出し行がありません（空のファイルです）。")
    header_number, header_row = rows[0]
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
    ignored: list[str] = []
    errors: list[RowError] = []
    for cell in header_row:
        label = clean_cell(cell) or ""
        found = lookup.get(_norm(label))
        if found is None or not found[0].importable:
            positions.append(None)
            if label and found is None:
                ignored.append(label)
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
    records = []
    width = len(header_row)
    for number, row in rows[1:]:
        if len(row) > width and any(cell.strip() for cell in row[width:]):
            errors.append(
                RowError(name, number, "", f"見出し（{width}列）より多い列に値があります")
            )
        values: dict[str, str | None] = {}
        for target, cell in zip(positions, row, strict=False):
            if target is not None:
                values[target.key] = clean_cell(cell)
        records.append((number, values))
    language = languages.pop() if len(languages) == 1 else ("mixed" if languages else "ja")
    return ParsedFile(name, spec, encoding, language, headers, records, ignored, errors)


def files_in(path_or_data: Path | str | bytes, name: str = "") -> list[tuple[str, bytes]]:
    """The CSV files of a folder, a zip (path or bytes) or a single CSV, as (name, bytes)."""
    if isinstance(path_or_data, bytes):
        if path_or_data.startswith(b"PK\x03\x04"):
            return _zip_members(path_or_data)
        return [(name or "upload.csv", path_or_data)]
    path = Path(path_or_data)
    if path.is_dir():
        return [(p.name, p.read_bytes()) for p in sorted(path.glob("*.csv"))]
    if not path.exists():
        raise CrmError(f"ファイルがありません: {path}")
    return files_in(path.read_bytes(), path.name)


def _zip_members(data: bytes) -> list[tuple[str, bytes]]:
    try:
        with zipfile.ZipFile(BytesIO(data)) as archive:
            return [
                (Path(info.filename).name, archive.read(info))
                for info in sorted(archive.infolist(), key=lambda i: i.filename)
                if not info.is_dir() and info.filename.lower().endswith(".csv")
            ]
    except zipfile.BadZipFile:
        raise UnreadableFile("zip ファイルを開けません。") from None
