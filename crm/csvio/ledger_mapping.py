"""A ledger's mapping: which field each column fills, what its values mean, and what fills the
fields it has no column for. Suggested from the headers and values (``suggest_mapping``),
changed by the person on the 取込 page, written as a JSON or TOML file for ``crm import --map``
and saved as a hub's named template (``crm.csvio.ledger_templates``) — one shape for all three.

    entity = "consultations"            # or "companies"
    [columns]                           # header as written -> field key ("" ignores it)
    "会社名" = "name"
    "相談日" = "consulted_on"
    [values.channel]                    # value as written -> code
    "訪問" = "visit"
    [defaults]                          # for fields without a column
    channel = "visit"
"""

import json
import tomllib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from crm.csvio.ledger_fields import (
    CODED,
    CONSULTATION,
    DEFAULTABLE,
    FIELDS,
    IGNORE,
    LEDGER_ENTITIES,
    REQUIRED,
    choices_of,
    fields_for,
    norm,
    suggest_field,
    suggest_value,
)
from crm.csvio.ledger_header import LedgerTable
from crm.errors import CrmError

# Distinct values of a coded column the mapping step lists (a ledger has a handful).
MAX_DISTINCT = 50
MAX_MAPPING_BYTES = 200_000


class MappingError(CrmError):
    """A mapping that cannot be used, with every reason (each naming its column or field)."""

    def __init__(self, reasons: list[str]):
        super().__init__("対応づけに誤りがあります: " + " / ".join(reasons))
        self.reasons = reasons


@dataclass
class LedgerMapping:
    entity: str = CONSULTATION
    columns: dict[str, str] = field(default_factory=dict)  # header -> field key or IGNORE
    values: dict[str, dict[str, str]] = field(default_factory=dict)  # field -> value -> code
    defaults: dict[str, str] = field(default_factory=dict)  # field -> code for every row
    header_row: int | None = None  # the header's row number, when not detected

    def to_dict(self) -> dict:
        data: dict = {"entity": self.entity, "columns": dict(self.columns)}
        if self.values:
            data["values"] = {k: dict(v) for k, v in self.values.items() if v}
        if self.defaults:
            data["defaults"] = dict(self.defaults)
        if self.header_row is not None:
            data["header_row"] = self.header_row
        return data

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)

    @classmethod
    def from_dict(cls, data: object) -> "LedgerMapping":
        """A mapping read from a file or a template, its field names checked (a field may be
        named by its key or by its label as the page shows it)."""
        if not isinstance(data, dict):
            raise MappingError(["対応づけは「columns」などの項目を持つ表で書いてください"])
        reasons: list[str] = []
        entity = str(data.get("entity") or CONSULTATION)
        if entity not in LEDGER_ENTITIES:
            reasons.append(f"entity は {' / '.join(LEDGER_ENTITIES)} のいずれかです: {entity}")
            entity = CONSULTATION
        by_label = {norm(f.label): f.key for f in FIELDS.values()}
        columns: dict[str, str] = {}
        raw_columns = data.get("columns") or {}
        if not isinstance(raw_columns, dict):
            reasons.append("columns は「見出し = 項目」の表で書いてください")
            raw_columns = {}
        for header, target in raw_columns.items():
            key = "" if target in (None, "", False) else str(target)
            key = by_label.get(norm(key), key)
            if key and key not in FIELDS:
                reasons.append(f"列「{header}」: 項目「{target}」はありません")
                continue
            columns[str(header)] = key
        values: dict[str, dict[str, str]] = {}
        for key, table in (data.get("values") or {}).items():
            key = by_label.get(norm(str(key)), str(key))
            if key not in CODED or not isinstance(table, dict):
                reasons.append(f"values: 「{key}」は値を対応づける項目ではありません")
                continue
            values[key] = {str(k): str(v) for k, v in table.items() if v not in (None, "")}
        defaults: dict[str, str] = {}
        for key, value in (data.get("defaults") or {}).items():
            key = by_label.get(norm(str(key)), str(key))
            if key not in DEFAULTABLE:
                reasons.append(f"defaults: 「{key}」には既定値を指定できません")
                continue
            if value not in (None, ""):
                defaults[key] = str(value)
        header_row = data.get("header_row")
        if header_row is not None and not (isinstance(header_row, int) and header_row >= 1):
            reasons.append(f"header_row は見出しの行番号（1以上の整数）です: {header_row}")
            header_row = None
        if reasons:
            raise MappingError(reasons)
        return cls(entity, columns, values, defaults, header_row)

    @classmethod
    def from_text(cls, text: str, name: str = "") -> "LedgerMapping":
        stripped = text.lstrip("\ufeff").strip()
        try:
            if name.lower().endswith(".toml") or not stripped.startswith("{"):
                data: object = tomllib.loads(stripped)
            else:
                data = json.loads(stripped)
        except (tomllib.TOMLDecodeError, json.JSONDecodeError) as error:
            raise CrmError(
                f"{name or '対応づけ'}: JSON または TOML として読めません（{error}）"
            ) from None
        return cls.from_dict(data)

    @classmethod
    def from_file(cls, path: Path | str) -> "LedgerMapping":
        path = Path(path)
        if not path.is_file():
            raise CrmError(f"対応づけのファイルがありません: {path}")
        if path.stat().st_size > MAX_MAPPING_BYTES:
            raise CrmError(f"{path.name}: 対応づけのファイルが大きすぎます")
        try:
            text = path.read_bytes().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise CrmError(f"{path.name}: 対応づけのファイルは UTF-8 で保存してください") from None
        return cls.from_text(text, path.name)

    # --- using it ---------------------------------------------------------------------------

    def field_of(self, header: str) -> str:
        return self.columns.get(header, IGNORE)

    def ignored(self, table: LedgerTable) -> list[str]:
        """Headers of the columns nothing is read from."""
        return [h for h in table.headers if h and not self.field_of(h)]

    def code(self, key: str, text: str) -> str:
        """A coded cell as the import reads it: mapped to its code, or as written (a label
        or code the import knows, or a value it refuses naming the cell)."""
        mapped = self.values.get(key, {})
        if text in mapped:
            return mapped[text]
        return suggest_value(key, text) or text

    def check(self, table: LedgerTable) -> None:
        """Refuse a mapping that cannot import this table: a field fed by two columns (but
        the text fields that take several), a required field with neither column nor default."""
        reasons: list[str] = []
        allowed = {f.key for f in fields_for(self.entity)}
        used: dict[str, list[str]] = {}
        for header in table.headers:
            key = self.field_of(header)
            if not key:
                continue
            if key not in allowed:
                reasons.append(
                    f"列「{header}」: 「{FIELDS[key].label}」は"
                    f"{LEDGER_ENTITIES[self.entity]}の取込では使えません"
                )
                continue
            used.setdefault(key, []).append(header)
        for key, headers in used.items():
            if len(headers) > 1 and not FIELDS[key].many:
                names = "」「".join(headers)
                reasons.append(f"列「{names}」が同じ項目「{FIELDS[key].label}」になっています")
        repeated = [h for h, n in Counter(h for h in table.headers if h).items() if n > 1]
        for header in repeated:
            if self.field_of(header):
                reasons.append(f"見出し「{header}」の列が複数あります（見出しを変えてください）")
        for key in REQUIRED[self.entity]:
            if key in used or key in self.defaults:
                continue
            if key == "name":
                reasons.append("企業名に当たる列を選んでください")
            else:
                reasons.append(f"「{FIELDS[key].label}」に当たる列を選ぶか、既定値を選んでください")
        for key, code in self.defaults.items():
            if code not in choices_of(key):
                reasons.append(f"「{FIELDS[key].label}」の既定値「{code}」は選択肢にありません")
        for key, table_values in self.values.items():
            choices = choices_of(key)
            for text, code in table_values.items():
                if code not in choices:
                    reasons.append(
                        f"「{FIELDS[key].label}」の値「{text}」の対応先「{code}」は選択肢にありません"
                    )
        if reasons:
            raise MappingError(reasons)


def suggest_mapping(
    table: LedgerTable, entity: str = CONSULTATION, base: LedgerMapping | None = None
) -> LedgerMapping:
    """The mapping suggested for ``table``: each header's field by the vocabulary and the ledger
    words (one column per field, the first wins but for text fields that take several), each
    coded column's values by their labels and common words, and a default for a required coded
    field without a column. ``base`` (a template) decides the headers it knows."""
    mapping = LedgerMapping(entity=entity)
    if base is not None:
        mapping.values = {k: dict(v) for k, v in base.values.items()}
        mapping.defaults = dict(base.defaults)
        mapping.header_row = base.header_row
    allowed = {f.key for f in fields_for(entity)}
    taken: set[str] = set()
    for header in table.headers:
        if not header or header in mapping.columns:
            continue
        if base is not None and header in base.columns:
            key = base.columns[header] if base.columns[header] in allowed else IGNORE
        else:
            key = suggest_field(header, entity) or IGNORE
            if key and (key not in allowed or (key in taken and not FIELDS[key].many)):
                key = IGNORE
        mapping.columns[header] = key
        if key:
            taken.add(key)
    for index, header in enumerate(table.headers):
        key = mapping.field_of(header)
        if key not in CODED:
            continue
        known = mapping.values.setdefault(key, {})
        for value in distinct_values(table, index):
            if value not in known:
                suggested = suggest_value(key, value)
                if suggested is not None:
                    known[value] = suggested
    if "channel" in allowed and "channel" not in taken and "channel" not in mapping.defaults:
        mapping.defaults["channel"] = "other"  # shown on the page, for the person to change
    return mapping


def distinct_values(table: LedgerTable, index: int) -> list[str]:
    """The distinct values of a column in order of first appearance (at most ``MAX_DISTINCT``)."""
    seen: dict[str, None] = {}
    for value in table.column_values(index):
        seen.setdefault(value, None)
        if len(seen) >= MAX_DISTINCT:
            break
    return list(seen)
