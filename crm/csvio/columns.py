"""The documented CSV layout of every entity: column order, Japanese and English headers.

Derived from the declarations (``crm.entities``): each entity's ``FileLayout`` gives the
published column order (new columns go at the end), each declared field its headers, kind,
choices and note; the columns every file shares are here. Exports write every column;
imports read the columns marked ``importable`` (by either header) and ignore the rest (names,
timestamps, the 区分 mark), so an export can be imported again as it is.

Japanese headers are the fields' terms in ``crm.vocabulary`` (one vocabulary for pages, files
and reports); files with the former terms (雇用形態, 前住所地) still import.

Value conventions (both header languages):
- dates ``YYYY-MM-DD``; timestamps ``YYYY-MM-DD HH:MM:SS`` in Japan time;
- coded values (経路, 採用形態, …) as the Japanese label with Japanese headers and as the
  English code with English headers; imports accept either;
- 人材区分 as its Japanese name (ja) or code (en); 業種 as the JSIC division letter A–T;
- 区分 (weekly export only), from the audit trail: 当週 = dated in the week, 遅延入力 = entered
  during the week with an earlier date, 訂正 = a field of an earlier, already reported record
  that held a value was edited during the week, 状況変更 = only a pipeline step (a need's 状況,
  a referral's 結果) happened during the week; needs carry that step's date in 状況の日付.
"""

import datetime as dt
from dataclasses import dataclass, field
from typing import get_args

from sqlmodel import SQLModel

from crm.entities import (
    COMPANY_FILE,
    CONSULTATION_FILE,
    CONTACT_FILE,
    FOLLOW_UP_FILE,
    NEED_FILE,
    PARTNER_FILE,
    PLACEMENT_FILE,
    REFERRAL_FILE,
    STATUS_CHANGE_FILE,
    TARGET_FILE,
    Company,
    Consultation,
    Contact,
    Declared,
    FileLayout,
    FollowUp,
    KpiTarget,
    NeedStatusChange,
    Partner,
    Placement,
    Referral,
    TalentNeed,
    declared,
)
from crm.reference import LabelledEnum
from crm.vocabulary import FORMER_TERMS

INT, TEXT, DATE, STAMP, CODE, BOOL = "int", "text", "date", "timestamp", "code", "bool"


@dataclass(frozen=True)
class Column:
    key: str
    ja: str
    en: str
    kind: str = TEXT
    enum: type[LabelledEnum] | None = None
    importable: bool = True
    note: str = ""
    # Read only when an export is restored into an empty database (stamps, approval time).
    restored: bool = False


@dataclass(frozen=True)
class EntitySpec:
    name: str  # also the file name stem: companies.csv …
    label: str  # Japanese name for messages
    columns: tuple[Column, ...]
    date_keys: tuple[str, ...] = ()  # business dates that place a row in a week
    importable: bool = True
    header_index: dict[str, Column] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self):
        for column in self.columns:
            for name in (column.ja, column.en, column.key):
                self.header_index.setdefault(name, column)
        # Headers of files written before the vocabulary was unified.
        for former, key in FORMER_TERMS.items():
            found = next((c for c in self.columns if c.key == key), None)
            if found is not None:
                self.header_index.setdefault(former, found)

    @property
    def file_name(self) -> str:
        return f"{self.name}.csv"

    def headers(self, language: str) -> list[str]:
        return [c.ja if language == "ja" else c.en for c in self.columns]

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)


# Columns every file may carry besides the entity's declared fields: the id, the hub, the
# bookkeeping, and names beside ids (written for people, never read back).
_VERSION = Column(
    "version", "版", "version", INT, note="更新の競合検出: 出力後に他の人が更新した行は取り込めない"
)
SHARED_COLUMNS: dict[str, Column] = {
    column.key: column
    for column in (
        Column("hub_code", "拠点コード", "hub_code", note="取込先の拠点と一致すること"),
        _VERSION,
        Column("created_at", "登録日時", "created_at", STAMP, importable=False, restored=True),
        Column("updated_at", "更新日時", "updated_at", STAMP, importable=False, restored=True),
        Column(
            "entry_kind",
            "区分",
            "entry_kind",
            importable=False,
            note="週次出力のみ: 当週／遅延入力／訂正／状況変更",
        ),
        Column("company_id", "企業ID", "company_id", INT, importable=False),
        Column("company_name", "企業名", "company_name", importable=False),
        Column("partner_name", "パートナー名", "partner_name", importable=False),
        Column(
            "status_changed_on",
            "状況の日付",
            "status_changed_on",
            DATE,
            importable=False,
            note="状況がその値になった日（経過の最新の日付）",
        ),
        Column("changed_at", "記録日時", "changed_at", STAMP, importable=False, restored=True),
        Column("approved_at", "承認日時", "approved_at", STAMP, importable=False, restored=True),
    )
}


def _kind(found: Declared) -> str:
    if found.spec.choices is not None:
        return CODE
    if found.spec.column:  # the file names the record (人材区分's name), not its id
        return TEXT
    annotation = found.annotation
    for kind, types in (
        (STAMP, (dt.datetime,)),
        (DATE, (dt.date,)),
        (BOOL, (bool,)),
        (INT, (int,)),
    ):
        if annotation in types or any(t in get_args(annotation) for t in types):
            return kind
    return TEXT


def _column(found: Declared) -> Column:
    return Column(
        found.column,
        found.spec.term,
        found.spec.en or found.column,
        _kind(found),
        enum=found.spec.choices,
        importable=not found.spec.derived,
        note=found.spec.note,
    )


def _file(layout: FileLayout, model: type[SQLModel]) -> EntitySpec:
    """The file of ``layout``: each column from the model's declared field of that key, else
    one of the shared columns."""
    fields = {found.column: found for found in declared(model)}
    columns = []
    for key in layout.columns:
        if key == "id":
            note = "空欄なら新規。出力したIDのまま取り込むと同じ記録を更新"
            columns.append(Column("id", layout.id_term, "id", INT, note=note))
        elif key in fields:
            columns.append(_column(fields[key]))
        else:
            columns.append(SHARED_COLUMNS[key])
    return EntitySpec(layout.name, layout.label, tuple(columns), layout.date_keys)


COMPANIES = _file(COMPANY_FILE, Company)
CONSULTATIONS = _file(CONSULTATION_FILE, Consultation)
NEEDS = _file(NEED_FILE, TalentNeed)
REFERRALS = _file(REFERRAL_FILE, Referral)
PLACEMENTS = _file(PLACEMENT_FILE, Placement)
FOLLOW_UPS = _file(FOLLOW_UP_FILE, FollowUp)
PARTNERS = _file(PARTNER_FILE, Partner)
CONTACTS = _file(CONTACT_FILE, Contact)
# Restored only (see RESTORE_ONLY): written by the target and pipeline services, not by files.
TARGETS = _file(TARGET_FILE, KpiTarget)
NEED_HISTORY = _file(STATUS_CHANGE_FILE, NeedStatusChange)

SUMMARY = EntitySpec(
    "summary",
    "拠点別集計",
    (
        Column("hub_code", "拠点コード", "hub_code"),
        Column("hub_name", "拠点名", "hub_name"),
        Column("week", "週", "week", note="ISO週 例 2026-W47"),
        Column("consultations_week", "相談（週）", "consultations_week", INT),
        Column("needs_week", "人材ニーズ（週）", "needs_week", INT),
        Column("referrals_week", "紹介（週）", "referrals_week", INT),
        Column("placements_week", "成約（週）", "placements_week", INT),
        Column("follow_ups_done_week", "フォローアップ実施（週）", "follow_ups_done_week", INT),
        Column("late_entries_week", "遅延入力・訂正（週）", "late_entries_week", INT),
        Column("consultations_total", "相談（累計）", "consultations_total", INT),
        Column("needs_total", "人材ニーズ（累計）", "needs_total", INT),
        Column("referrals_total", "紹介（累計）", "referrals_total", INT),
        Column("placements_total", "成約（累計）", "placements_total", INT),
        Column("follow_ups_done_total", "フォローアップ実施（累計）", "follow_ups_done_total", INT),
        Column(
            "status_changes_week",
            "状況変更（週）",
            "status_changes_week",
            INT,
            note="週より前の日付の記録で、週の間に状況・結果だけが進んだ行の数",
        ),
    ),
    importable=False,
)

# Dependency order: a file may refer only to entities before it.
HUB_ENTITIES: dict[str, EntitySpec] = {
    spec.name: spec for spec in (COMPANIES, CONSULTATIONS, NEEDS, REFERRALS, PLACEMENTS, FOLLOW_UPS)
}
# A full export: every table of hub work, in dependency order (the weekly one: HUB_ENTITIES).
FULL_ENTITIES: dict[str, EntitySpec] = {
    spec.name: spec
    for spec in (
        COMPANIES,
        CONTACTS,
        CONSULTATIONS,
        NEEDS,
        NEED_HISTORY,
        REFERRALS,
        PLACEMENTS,
        FOLLOW_UPS,
        TARGETS,
    )
}
# Files only a restore into an empty database reads: targets are proposed and approved on
# their page, and a need's history is written by the pipeline steps themselves.
# Columns that name another record by its id, and the kind of record each names.
REFERENCES = {
    "company_id": "companies",
    "consultation_id": "consultations",
    "need_id": "needs",
    "placement_id": "placements",
    "partner_id": "partners",
}
RESTORE_ONLY = frozenset({TARGETS.name, NEED_HISTORY.name})
ENTITIES: dict[str, EntitySpec] = {"partners": PARTNERS, **FULL_ENTITIES}

# Columns an import file must have (an export always has them); their cells may still be blank
# where the record allows it, e.g. 経営姿勢.
REQUIRED_COLUMNS = {
    "companies": ["name", "prefecture_code"],
    "consultations": ["company_id", "consulted_on", "channel", "summary"],
    "needs": ["company_id", "category", "engagement", "role_title", "opened_on"],
    "referrals": ["need_id", "partner_id", "referred_on"],
    "placements": ["need_id", "placed_on"],
    "follow_ups": ["due_on"],
    "partners": ["kind", "name"],
    "contacts": ["company_id", "name"],
    "targets": ["fiscal_year", "consultations", "placements", "status"],
    "need_history": ["need_id", "to_status", "changed_on"],
}

ENTRY_KINDS = {  # weekly export's 区分 in each header language
    "week": {"ja": "当週", "en": "week"},
    "late": {"ja": "遅延入力", "en": "late_entry"},
    "corrected": {"ja": "訂正", "en": "correction"},
    "status": {"ja": "状況変更", "en": "status_change"},
}


def layout_markdown() -> str:
    """The column layout of every file, as Markdown (for the README and `crm export columns`)."""
    parts = []
    for spec in (*ENTITIES.values(), SUMMARY):
        parts.append(f"### {spec.file_name}（{spec.label}）\n")
        parts.append(
            "| # | 日本語見出し | English header | 取込 | 説明 |"
        )  # 取込: 必須 / ○ / 復元 (a restore only) / — (ignored)
        parts.append("|---|---|---|---|---|")
        for number, column in enumerate(spec.columns, start=1):
            note = column.note
            if column.enum is not None:
                note = (note + " " if note else "") + "／".join(column.enum.labels().values())
            if column.restored or (column.importable and spec.name in RESTORE_ONLY):
                imported = "復元"  # read only by a restore into an empty database
            elif not (column.importable and spec.importable):
                imported = "—"
            else:
                imported = "必須" if column.key in REQUIRED_COLUMNS.get(spec.name, ()) else "○"
            parts.append(f"| {number} | {column.ja} | {column.en} | {imported} | {note} |")
        parts.append("")
    return "\n".join(parts)
