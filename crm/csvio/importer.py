"""CSV import: parse every file, validate every row, then write all of it or nothing.

- Each row goes through the same input model the forms use (``crm.entities`` via
  ``parse_input``), after dates (ISO, 2016/4/1, 令和6年4月1日, R6.4.1), numbers (full-width,
  thousands separators) and coded values (label or code) are read; then through the same
  cross-record rule functions the services call (``crm.rules``: date order, pipeline moves,
  withdrawn needs, the firm of a consultation, follow-up targets, partners, unique corporate
  number, …), fed with the stored rows and the rows of this import, checked in bulk. Only
  references inside the hub and the file's own bookkeeping (duplicate ids or corporate numbers
  within a file, the hub column) are the importer's.
- Every error is collected with its file, row number (header = row 1), column and reason; if
  there is any, nothing is written. A report lists the first ``MAX_LISTED`` (100) errors,
  warnings and ignored columns of each kind and counts the rest (``Capped``; ``beyond``
  says 「ほか N 件」), so that a million invalid rows cost neither gigabytes nor a page of
  megabytes.
- Ids. A row whose id is a record of the hub updates that record (and companies are also
  matched by corporate number), so importing the same file twice creates nothing the second
  time. New rows get their ids from the database, never from the file: an id that matches no
  record of the hub is refused for its row ("leave the id blank for a new row"), with one
  exception inside a bundle: when another file of the same import refers to that id (needs.csv
  naming a firm that companies.csv of the same import creates), the id is a *local key* of the
  bundle. The new row gets a database id, and every reference to the key is rewritten to it.
  A local key can never be taken for a stored record, because an id of a stored record in the
  hub means an update, and one of another hub is refused. No imported value moves a sequence.
- Restore: the shell operator (``crm import`` from the command line, an actor without an
  account) importing into a database that holds no hub records at all keeps the file's ids
  (1 … 2,147,483,647), so that an export restored into an empty database is the same data; the
  restore lasts for the transaction that began on the empty database (a restore of several hubs
  is several imports in one transaction), and on PostgreSQL each table's sequence is then set
  once to the largest id of the table (``_restoring``, ``_insert``).
- Updates carry the version the import validated in the UPDATE itself
  (``WHERE id = :id AND version = :expected``). If someone saved one of the rows after the
  check, the import stops with ``ImportConflict`` naming the file, row and what changed; the
  caller rolls the transaction back, so nothing of the import is written.
- Hub records are written only by a manager of that hub. Validated rows are written with bulk
  inserts and updates in the caller's transaction; the import is audited once with its counts
  and raises the data version of the hub.
"""

import datetime as dt
import hashlib
import json
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from pydantic import BaseModel
from sqlalchemy import Table, func, select
from sqlmodel import Session, SQLModel, col

from crm import rules, workflow
from crm.actor import Actor
from crm.areas import residence_of
from crm.csvio.columns import BOOL, DATE, INT, REQUIRED_COLUMNS, RESTORE_ONLY
from crm.csvio.dates import parse_date, parse_stamp
from crm.csvio.excel import CP932_VARIANTS
from crm.csvio.export import MODELS
from crm.csvio.reading import (
    LANGUAGES,
    Capped,
    ParsedFile,
    RowError,
    files_in,
    parse_file,
)
from crm.entities import (
    CompanyInput,
    ConsultationInput,
    ContactInput,
    FollowUpInput,
    NeedInput,
    PartnerInput,
    PlacementInput,
    ReferralInput,
    StatusChangeInput,
)
from crm.errors import CrmError, PermissionDenied, StaleVersion, ValidationError
from crm.models import (
    Company,
    Consultation,
    Contact,
    FollowUp,
    Hub,
    KpiTarget,
    NeedStatusChange,
    Partner,
    Placement,
    Referral,
    TalentCategory,
    TalentNeed,
)
from crm.reference import LabelledEnum, NeedStatus, Role, TargetStatus
from crm.services.base import ENTITY_LABELS, record_audit
from crm.services.merge import new_firm_warnings, require_not_merged
from crm.services.targets import validated_target
from crm.timeutil import today_jst
from crm.validation import NOT_AN_INTEGER, hub_code, parse_input
from crm.writes import Key, Plan, apply, savepoint
from crm.writes.apply import WriteRefused, entity_name

Progress = Callable[[float, str], None]
CHUNK = 2000
INPUTS: dict[str, type[BaseModel]] = {
    "companies": CompanyInput,
    "consultations": ConsultationInput,
    "needs": NeedInput,
    "referrals": ReferralInput,
    "placements": PlacementInput,
    "follow_ups": FollowUpInput,
    "partners": PartnerInput,
    "contacts": ContactInput,
    "need_history": StatusChangeInput,
}
ACTIONS = {"create": "新規", "update": "更新", "unchanged": "変更なし"}
# Reference columns and the kind of record they name.
REFERENCES = {
    "company_id": "companies",
    "consultation_id": "consultations",
    "need_id": "needs",
    "placement_id": "placements",
    "partner_id": "partners",
}
# Every table holding hub work: a database where all are empty may be restored with its ids.
HUB_TABLES = (
    Company,
    Contact,
    Consultation,
    TalentNeed,
    NeedStatusChange,
    Referral,
    Placement,
    FollowUp,
    KpiTarget,
)
_RESTORE = "crm_import_restore"


@dataclass
class Planned:
    row: int
    action: str  # create | update | unchanged
    id: int | None  # the record's id (None: a new row, until the database gives it one)
    values: dict
    before: dict | None = None
    local: int | None = None  # the file's id of a new row, as a key of this bundle only
    stamps: dict = field(default_factory=dict)  # a restore: the file's version and times
    key: Key | None = None  # a new row's Key in the write plan


@dataclass
class FileReport:
    name: str
    entity: str
    label: str
    encoding: str
    language: str
    rows: int
    counts: Counter = field(default_factory=Counter)
    ignored_columns: Capped[str] = field(default_factory=Capped)
    preview: list[dict] = field(default_factory=list)

    @property
    def language_label(self) -> str:
        return LANGUAGES[self.language]

    @property
    def ignored_notice(self) -> str:
        """「取り込まない列: …」 with the first columns and how many more ('' for none)."""
        if not self.ignored_columns:
            return ""
        more = self.ignored_columns.more
        return (
            "取り込まない列: "
            + "、".join(self.ignored_columns)
            + (f"（ほか {more:,} 列）" if more else "")
        )


def beyond(items: Capped, what: str) -> str:
    """「ほか N 件の…」 for what a report counted but did not list ('' when it listed all)."""
    if not items.more:
        return ""
    return (
        f"ほか {items.more:,} 件の{what}があります（最初の {len(items):,} 件だけを示しています）。"
    )


@dataclass
class ImportReport:
    hub_code: str | None
    dry_run: bool
    files: list[FileReport] = field(default_factory=list)
    errors: Capped[RowError] = field(default_factory=Capped)
    # Rows that look like a firm already registered (or an earlier row): shown, not refused.
    warnings: Capped[RowError] = field(default_factory=Capped)
    skipped: list[str] = field(default_factory=list)  # files not read, and why
    effects: Counter = field(default_factory=Counter)  # automatic follow-on writes
    written: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    def totals(self) -> Counter:
        total: Counter[str] = Counter()
        for file in self.files:
            total.update(file.counts)
        return total

    def summary_lines(self) -> list[str]:
        lines = []
        for f in self.files:
            counts = "・".join(f"{ACTIONS[k]} {f.counts.get(k, 0):,}" for k in ACTIONS)
            lines.append(
                f"{f.name}（{f.label}、{f.rows:,} 行、{f.encoding}、"
                f"見出し {f.language_label}）: {counts}"
            )
        return lines


class ImportConflict(CrmError):
    """Someone saved rows of this import after it was checked: the import wrote nothing that
    the caller may keep (roll the transaction back; ``session_scope`` does). ``report.errors``
    names each file, row and what changed."""

    def __init__(self, report: ImportReport):
        self.report = report
        super().__init__(
            "取込を中止しました（何も書き込んでいません）: "
            "確認の後に他の利用者が更新した行があります。"
            + " ".join(f"{e.file} {e.row} 行目: {e.reason}" for e in report.errors)
            + (f" {beyond(report.errors, '誤り')}" if report.errors.more else "")
        )


class ImportRefused(CrmError):
    """Raised by callers that want an exception; the importer itself returns the report."""

    def __init__(self, report: ImportReport):
        self.report = report
        super().__init__(
            f"取込できません: {report.errors.total:,} 件の誤りがあります"
            "（何も書き込んでいません）。"
        )


# --- values -----------------------------------------------------------------------------------


def _table(model: type[SQLModel]) -> Table:
    """The Core table of a model (SQLModel sets ``__table__`` on table classes at runtime)."""
    table: Table = model.__table__  # type: ignore[attr-defined]
    return table


def _nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()


def _int(text: str) -> int:
    cleaned = _nfkc(text).replace(",", "").replace(" ", "")
    if not cleaned.lstrip("-").isdigit():
        raise ValueError(NOT_AN_INTEGER)
    return int(cleaned)


_TILDES = str.maketrans({"〜": "~", "～": "~", "−": "-", "－": "-"})


def _choice(enum: type[LabelledEnum], text: str) -> str:
    """A coded value from its code or Japanese label, tolerant of the tilde/dash variants a
    round trip through CP932 produces; unknown text is passed on for the input model to refuse."""
    wanted = _nfkc(text).translate(_TILDES)
    for code, label in enum.labels().items():
        if wanted in (code, _nfkc(label).translate(_TILDES)):
            return code
    return text


def _bool(text: str) -> bool:
    value = _nfkc(text).lower()
    if value in {"1", "true", "yes", "有効", "はい", "○"}:
        return True
    if value in {"0", "false", "no", "無効", "いいえ", "×"}:
        return False
    raise ValueError("1（有効）または 0（無効）で入力してください")


def _hub(text: str | None) -> str | None:
    """A row's hub code by the one reader (``crm.validation.hub_code``); an unreadable code as
    written, for the row's check to refuse."""
    if text is None:
        return None
    try:
        return hub_code(text)
    except ValueError:
        return _nfkc(text)


# --- the import -------------------------------------------------------------------------------


class _Run:
    """One import: the parsed files, what the database already holds, and the plan."""

    def __init__(
        self,
        session: Session,
        actor: Actor,
        hub: str | None,
        report: ImportReport,
        progress: Progress,
        total_rows: int,
    ):
        self.session, self.actor, self.hub, self.report = session, actor, hub, report
        self.progress, self.total_rows, self.done_rows = progress, max(total_rows, 1), 0
        self.db: dict[str, dict[int, dict]] = defaultdict(dict)  # entity -> id -> stored row
        self.loaded: dict[str, set[int]] = defaultdict(set)
        self.mine: dict[str, dict[int, dict]] = defaultdict(dict)  # rows this import writes
        self.id_map: dict[str, dict[int, int]] = defaultdict(dict)  # file id -> record id
        self.plans: dict[str, list[Planned]] = {}
        self.entities_in_files: set[str] = set()
        categories = list(
            session.execute(
                select(TalentCategory).order_by(
                    col(TalentCategory.sort_order), col(TalentCategory.id)
                )
            ).scalars()
        )
        self.categories = {str(c.id): c.id for c in categories}
        for c in categories:
            self.categories[_nfkc(c.code).lower()] = c.id
            self.categories[_nfkc(c.name_ja)] = c.id
        self.category_names = [c.name_ja for c in categories if c.active]
        self.partners = set(session.execute(select(col(Partner.id))).scalars())
        self.corporate: dict[str, tuple[int, str]] = {}  # number -> (company id, hub)
        self.corporate_rows: dict[str, int] = {}  # number -> row of this import
        self.placement_counts: Counter | None = None  # need id -> placements stored
        self.target_years: dict[int, int] = {}  # fiscal year -> row of targets.csv
        self.restore = False  # keep the file's ids (see _restoring)
        self.needs_by_consultation: dict[int, tuple[set[int], dt.date | None]] | None = None
        self.first_records: dict[int, tuple[dt.date | None, dt.date | None]] | None = None
        # kind -> ids other files of this import refer to (candidates for local keys)
        self.references: dict[str, set[int]] = defaultdict(set)
        self.placements_in_files: Counter = Counter()  # need id -> placement rows
        self.local_keys: dict[str, set[int]] = defaultdict(set)  # kind -> keys of new rows
        self.assigned: dict[str, dict[int, int]] = defaultdict(dict)  # local key -> new id
        self.parsed: dict[str, ParsedFile] = {}
        self.contents: dict[str, dict[tuple, list[dict]]] = {}  # entity -> content -> rows

    # database rows, loaded in chunks and cached
    def stored(self, entity: str, ids: Iterable[int]) -> None:
        table = _table(MODELS[entity])
        wanted = sorted({i for i in ids if 1 <= i <= rules.MAX_ID} - self.loaded[entity])
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            for row in self.session.execute(select(table).where(table.c.id.in_(chunk))):
                self.db[entity][row.id] = dict(row._mapping)
            self.loaded[entity].update(chunk)

    def same_content(self, entity: str, values: dict) -> dict | None:
        """A stored row of the hub equal in every imported field to ``values`` and not yet
        matched by another row of this import (so a file listing two identical rows matches
        two stored ones, and a re-import of a file without ids creates nothing)."""
        keys = sorted(values)
        if entity not in self.contents:
            table = _table(MODELS[entity])
            index: dict[tuple, list[dict]] = defaultdict(list)
            statement = select(table).where(table.c.hub_code == self.hub).order_by(table.c.id)
            for row in self.session.execute(statement):
                stored = dict(row._mapping)
                index[tuple(stored[k] for k in keys)].append(stored)
            self.contents[entity] = index
        candidates = self.contents[entity].get(tuple(values[k] for k in keys))
        if not candidates:
            return None
        stored = candidates.pop(0)
        self.db[entity].setdefault(stored["id"], stored)
        return stored

    def record(self, entity: str, record_id: int) -> dict | None:
        """A row as it will be after this import: planned values over stored ones."""
        if record_id in self.mine[entity]:
            return self.mine[entity][record_id]
        return self.db[entity].get(record_id)

    def tick(self, rows: int = 1) -> None:
        self.done_rows += rows
        if self.done_rows % 1000 == 0 or self.done_rows == self.total_rows:
            self.progress(
                0.7 * self.done_rows / self.total_rows,
                f"検証中… {self.done_rows:,} / {self.total_rows:,} 行",
            )


_FIELD_COLUMNS = {"category_id": "category"}  # input-model field -> column it comes from


class _RowCheck:
    """Collects the errors of one row against the headers of its file."""

    def __init__(self, run: _Run, parsed: ParsedFile, number: int, raw: dict):
        self.run, self.parsed, self.number, self.raw = run, parsed, number, raw
        self.failed: set[str] = set()
        self.errors: list[tuple[str, RowError]] = []
        self.local_key: int | None = None  # the row's id, when it is a key of this bundle only

    def error(self, key: str, reason: str) -> None:
        if key in self.failed:
            return
        self.failed.add(key)
        key = _FIELD_COLUMNS.get(key, key)
        header = (
            self.parsed.header(key) if key in {c.key for c in self.parsed.spec.columns} else key
        )
        self.errors.append((key, RowError(self.parsed.name, self.number, header, reason)))

    def flush(self) -> None:
        """Hand the row's errors to the report, left to right as the columns stand in the file."""
        order = {key: index for index, key in enumerate(self.parsed.headers)}
        self.errors.sort(key=lambda item: order.get(item[0], len(order)))
        self.run.report.errors.extend(error for _, error in self.errors)
        self.errors.clear()

    def typed(self) -> dict:
        """The row's cells as Python values for the input model (errors recorded per cell)."""
        data: dict = {}
        for column in self.parsed.spec.columns:
            if not column.importable or column.key not in self.raw:
                continue
            value = self.raw[column.key]
            if value is None:
                data[column.key] = None
                continue
            try:
                if column.kind == DATE:
                    value = parse_date(value)
                elif column.kind == INT:
                    value = _int(value)
                elif column.kind == BOOL:
                    value = _bool(value)
                elif column.enum is not None:
                    value = _choice(column.enum, value)
            except ValueError as error:
                self.error(column.key, str(error))
                continue
            data[column.key] = value
        return data

    def model(self, entity: str, data: dict):
        try:
            return parse_input(INPUTS[entity], data)
        except ValidationError as error:
            for key, reason in error.fields.items():
                self.error(key, reason)
            return None


def _validate_file(run: _Run, parsed: ParsedFile) -> list[Planned]:
    spec = parsed.spec
    entity = spec.name
    report_errors = run.report.errors
    report_errors.extend(parsed.errors)
    rows = []
    seen_ids: dict[int, int] = {}
    # Load what the rows refer to in one go, not row by row.
    file_ids = [i for _, raw in parsed.records if (i := _safe_int(raw.get("id"))) is not None]
    run.stored(entity, file_ids)
    for key, target in REFERENCES.items():
        if key in parsed.headers and target != "partners":
            refs = [
                run.id_map[target].get(i, i)
                for _, raw in parsed.records
                if (i := _safe_int(raw.get(key))) is not None
            ]
            run.stored(target, refs)
    if entity == "companies":
        numbers = {n for _, raw in parsed.records if (n := raw.get("corporate_number"))}
        run.corporate = _corporate_owners(run, numbers)
    if entity == "placements" and "need_id" in parsed.headers:
        _stored_placements(run)
    rule = RULES[entity]
    for number, raw in parsed.records:
        check = _RowCheck(run, parsed, number, raw)
        data = check.typed()
        file_id = data.pop("id", None)
        version = data.pop("version", None)
        if file_id is not None:
            for key, reason in rules.record_id(file_id).items():
                check.error(key, reason)
                file_id = None
        if file_id is not None:
            if file_id in seen_ids:
                check.error(
                    "id", f"ID {file_id} がこのファイルの {seen_ids[file_id]} 行目と重複しています"
                )
            else:
                seen_ids[file_id] = number
        if entity != "partners":
            row_hub = _hub(data.pop("hub_code", None))
            if row_hub is not None and row_hub != run.hub:
                check.error(
                    "hub_code", f"拠点コード {row_hub} の行は拠点 {run.hub} に取り込めません"
                )
        existing = None
        if file_id is not None:
            existing = run.db[entity].get(file_id)
            if existing is not None and existing.get("hub_code", run.hub) != run.hub:
                check.error("id", f"ID {file_id} は他の拠点の{spec.label}です（取り込めません）")
                existing = None
            elif entity == "companies" and existing is not None:
                if not _takes_records(run, check, "id", existing):
                    existing = None
            elif existing is None and not run.restore:
                # Not a record of the hub: only a key of this bundle, never a database id.
                if file_id in run.references[entity]:
                    check.local_key = file_id
                else:
                    check.error(
                        "id",
                        f"ID {file_id} の{spec.label}はありません。新しい行はIDを空欄にしてください"
                        "（IDはデータベースが付けます）",
                    )
                file_id = None
        planned = rule(run, check, data, file_id, existing)
        run.tick()
        if planned is not None and run.restore and planned.action == "create":
            planned.stamps = _restored_stamps(check, version)
        if planned is None or check.failed:
            check.flush()
            continue
        if planned.before is not None:
            if parsed.encoding.startswith("cp932"):
                _keep_cp932_variants(planned.values, planned.before)
            changed = {k: v for k, v in planned.values.items() if planned.before.get(k) != v}
            if not changed:
                planned.action = "unchanged"
            elif version is not None and version != planned.before.get("version"):
                check.error(
                    "version",
                    f"この行は出力後に更新されています（現在の版 {planned.before.get('version')}、"
                    f"ファイルの版 {version}）。最新の記録を出力し直してください",
                )
                check.flush()
                continue
        key = planned.id if planned.id is not None else planned.local
        if key is not None:
            run.mine[entity][key] = {
                **(planned.before or {}),
                **planned.values,
                "id": key,
                "_new": planned.before is None,
            }
        if planned.local is not None and planned.action == "create":
            run.local_keys[entity].add(planned.local)
        rows.append(planned)
    return rows


def _restored_stamps(check: _RowCheck, version: int | None) -> dict:
    """What a restore keeps of a row besides its fields: its version and the times it was
    created, changed (approved, moved) — so the weekly export and every page read the same
    history afterwards. Who did it is not in the files (accounts are not exported)."""
    stamps: dict = {} if version is None else {"version": version}
    for column in check.parsed.spec.columns:
        if not column.restored or check.raw.get(column.key) is None:
            continue
        try:
            stamps[column.key] = parse_stamp(check.raw[column.key])
        except ValueError as error:
            check.error(column.key, str(error))
    return stamps


def _keep_cp932_variants(values: dict, before: dict) -> None:
    """A CP932 file cannot tell 〜 (U+301C) from ～ (U+FF5E), − from －, ‖ from ∥, — from ―,
    ¢ £ ¬ from ￠ ￡ ￢ (one byte each): a text equal to the stored one but for these keeps the
    stored characters, so re-importing a hub's own CP932 export changes nothing."""
    for key, value in values.items():
        stored = before.get(key)
        if (
            isinstance(value, str)
            and isinstance(stored, str)
            and value != stored
            and value.translate(CP932_VARIANTS) == stored.translate(CP932_VARIANTS)
        ):
            values[key] = stored


def _safe_int(text: str | None) -> int | None:
    try:
        return None if text is None else _int(text)
    except ValueError:
        return None


def _plan(
    run: _Run,
    entity: str,
    check: _RowCheck,
    values: dict,
    file_id: int | None,
    existing: dict | None,
) -> Planned:
    if existing is not None:
        # A column the file leaves out keeps its stored value instead of being blanked.
        present = {_FIELD_COLUMNS.get(k, k) for k in values} & set(check.parsed.headers)
        kept = {
            k: existing[k]
            for k in values
            if _FIELD_COLUMNS.get(k, k) not in present and k in _OPTIONAL_FIELDS
        }
        return Planned(check.number, "update", existing["id"], {**values, **kept}, existing)
    if file_id is not None:
        # A restore keeps the file's id unless another hub uses that id.
        if file_id in run.db[entity]:
            check.error("id", f"ID {file_id} は他の拠点の記録で使われています")
    elif entity != "partners":
        same = run.same_content(entity, values)
        if same is not None:
            if check.local_key is not None:
                run.id_map[entity][check.local_key] = same["id"]
            return Planned(check.number, "unchanged", same["id"], values, same)
    return Planned(check.number, "create", file_id, values, local=check.local_key)


def _in_hub(
    run: _Run, check: _RowCheck, key: str, entity: str, ref: int | None, label: str
) -> dict | None:
    """The referenced row of this hub (stored or in this import), or an error."""
    if ref is None:
        return None
    ref = run.id_map[entity].get(ref, ref)
    row = run.record(entity, ref)
    if row is None:
        check.error(
            key, f"{label}ID {ref} は登録されていません（既存の記録にも、この取込にもありません）"
        )
        return None
    if row.get("hub_code") != run.hub:
        check.error(key, f"{label}ID {ref} は他の拠点の{label}です")
        return None
    if entity == "companies" and not _takes_records(run, check, key, row):
        return None
    return row


def _takes_records(run: _Run, check: _RowCheck, key: str, company: dict) -> bool:
    """A firm merged into another takes no new or changed record (the rule every path obeys,
    ``crm.services.merge.require_not_merged``: the reason names the firm it now lives on)."""
    if company.get("merged_into") is None:
        return True
    try:
        require_not_merged(run.session, company["id"], key)
    except ValidationError as refusal:
        _report(check, refusal.fields)
        return False
    return True


# --- rules per entity ---------------------------------------------------------------------------


def _report(check: _RowCheck, errors: rules.Errors) -> None:
    for key, reason in errors.items():
        check.error(key, reason)


def _companies(
    run: _Run, check: _RowCheck, data: dict, file_id: int | None, existing: dict | None
) -> Planned | None:
    parsed = check.model("companies", data)
    if parsed is None:
        return None
    values = parsed.model_dump()
    number = values["corporate_number"]
    if number is not None:
        first = run.corporate_rows.get(number)
        if first is not None:
            check.error(
                "corporate_number",
                f"法人番号 {number} がこのファイルの {first} 行目と重複しています",
            )
            return None
        run.corporate_rows[number] = check.number
        owner = run.corporate.get(number)
        if owner is not None and existing is None and owner[1] == run.hub:
            # A firm of the hub with this number: the row describes that firm.
            run.stored("companies", [owner[0]])
            existing = run.db["companies"][owner[0]]
            key = file_id if file_id is not None else check.local_key
            if key is not None:
                run.id_map["companies"][key] = owner[0]
            check.local_key = None
        errors = rules.corporate_number_free(
            number, owner, run.hub, None if existing is None else existing["id"]
        )
        if errors:
            _report(check, errors)
            return None
    return _plan(run, "companies", check, {**values, "hub_code": run.hub}, file_id, existing)


def _consultations(
    run: _Run, check: _RowCheck, data: dict, file_id: int | None, existing: dict | None
) -> Planned | None:
    parsed = check.model("consultations", data)
    company = _in_hub(run, check, "company_id", "companies", data.get("company_id"), "企業")
    if parsed is None or company is None or check.failed:
        return None
    values = parsed.model_dump()
    values["company_id"] = company["id"]
    values["hub_code"] = run.hub
    if existing is not None and (
        values["company_id"] != existing["company_id"]
        or values["consulted_on"] != existing["consulted_on"]
    ):  # stored needs opened from it stay with its firm and after it
        companies, first_opened = _stored_needs_by_consultation(run).get(
            existing["id"], (set(), None)
        )
        _report(
            check,
            rules.consultation_of_needs(
                values["company_id"], values["consulted_on"], companies, first_opened
            ),
        )
        if check.failed:
            return None
    return _plan(run, "consultations", check, values, file_id, existing)


def _stored_needs_by_consultation(run: _Run) -> dict[int, tuple[set[int], dt.date | None]]:
    """Per stored consultation of the hub: the firms of the needs opened from it and the
    earliest opening (one GROUP BY, the first time it is needed)."""
    if run.needs_by_consultation is None:
        table = _table(TalentNeed)
        statement = (
            select(table.c.consultation_id, table.c.company_id, func.min(table.c.opened_on))
            .where(table.c.hub_code == run.hub, table.c.consultation_id.is_not(None))
            .group_by(table.c.consultation_id, table.c.company_id)
        )
        found: dict[int, tuple[set[int], dt.date | None]] = {}
        for consultation_id, company_id, opened_on in run.session.execute(statement):
            companies, first = found.get(consultation_id, (set(), None))
            companies.add(company_id)
            found[consultation_id] = (
                companies,
                opened_on if first is None else min(first, opened_on),
            )
        run.needs_by_consultation = found
    return run.needs_by_consultation


def _first_records_of_needs(run: _Run) -> dict[int, tuple[dt.date | None, dt.date | None]]:
    """Per stored need of the hub: its earliest referral and placement dates."""
    if run.first_records is None:
        found: dict[int, tuple[dt.date | None, dt.date | None]] = {}
        for model, column, position in (
            (Referral, "referred_on", 0),
            (Placement, "placed_on", 1),
        ):
            table = _table(model)
            statement = (
                select(table.c.need_id, func.min(table.c[column]))
                .where(table.c.hub_code == run.hub)
                .group_by(table.c.need_id)
            )
            for need_id, day in run.session.execute(statement):
                pair = list(found.get(need_id, (None, None)))
                pair[position] = day
                found[need_id] = (pair[0], pair[1])
        run.first_records = found
    return run.first_records


def _needs(
    run: _Run, check: _RowCheck, data: dict, file_id: int | None, existing: dict | None
) -> Planned | None:
    category = data.pop("category", None)
    status = data.pop("status", None)
    if category is not None:
        data["category_id"] = run.categories.get(_nfkc(category)) or run.categories.get(
            _nfkc(category).lower()
        )
        if data["category_id"] is None:
            _report(check, rules.known_category(category, False, run.category_names))
            data["category_id"] = 0  # reported; lets the other fields be checked
    if status is not None and status not in NeedStatus.labels():
        check.error("status", rules.not_a_choice(status))
        status = None
    parsed = check.model("needs", data)
    company = _in_hub(run, check, "company_id", "companies", data.get("company_id"), "企業")
    consultation = _in_hub(
        run, check, "consultation_id", "consultations", data.get("consultation_id"), "相談"
    )
    if parsed is None or company is None or check.failed:
        return None
    values = parsed.model_dump()
    values["company_id"] = company["id"]
    if consultation is not None:
        values["consultation_id"] = consultation["id"]
        _report(
            check,
            rules.need_consultation(
                company["id"],
                values["opened_on"],
                consultation["company_id"],
                consultation["consulted_on"],
            ),
        )
    if existing is not None and values["opened_on"] != existing["opened_on"]:
        # not opened after its own stored referrals and placements
        referred, placed = _first_records_of_needs(run).get(existing["id"], (None, None))
        _report(check, rules.need_before_its_records(values["opened_on"], referred, placed))
    before = None if existing is None else existing["status"]
    values["status"] = status or before or NeedStatus.OPEN.value
    if values["status"] != before:
        key = existing["id"] if existing is not None else (file_id or check.local_key)
        placements = run.placements_in_files[key] if key is not None else 0
        if existing is not None:
            placements += _stored_placements(run)[existing["id"]]
        _report(check, rules.need_move(before, values["status"], placements))
    values["hub_code"] = run.hub
    return None if check.failed else _plan(run, "needs", check, values, file_id, existing)


def _stored_placements(run: _Run) -> Counter:
    """Placements stored per need of the hub (one GROUP BY, the first time it is needed)."""
    if run.placement_counts is None:
        run.placement_counts = _placement_counts(run)
    return run.placement_counts


def _need_for(
    run: _Run, check: _RowCheck, data: dict, existing: dict | None, date_key: str
) -> dict | None:
    need = _in_hub(run, check, "need_id", "needs", data.get("need_id"), "ニーズ")
    if need is None:
        return None
    _report(check, rules.after_need_opened(date_key, data.get(date_key), need["opened_on"]))
    # Rows added to a need this import does not itself carry meet the forms' workflow rules
    # (a need the import carries brings its own history, e.g. a restore).
    if existing is None and "_new" not in need:
        if date_key == "referred_on":
            _report(check, rules.referral_to_need(need["status"]))
        else:
            _report(check, rules.placement_for_need(need["status"]))
    return need


def _check_partner(run: _Run, check: _RowCheck, data: dict) -> None:
    partner_id = data.get("partner_id")
    _report(check, rules.partner_known(partner_id, partner_id in run.partners))


def _referrals(
    run: _Run, check: _RowCheck, data: dict, file_id: int | None, existing: dict | None
) -> Planned | None:
    parsed = check.model("referrals", data)
    need = _need_for(run, check, data, existing, "referred_on")
    _check_partner(run, check, data)
    if parsed is None or need is None or check.failed:
        return None
    values = parsed.model_dump()
    values["need_id"] = need["id"]
    values["hub_code"] = run.hub
    return _plan(run, "referrals", check, values, file_id, existing)


def _placements(
    run: _Run, check: _RowCheck, data: dict, file_id: int | None, existing: dict | None
) -> Planned | None:
    parsed = check.model("placements", data)
    need = _need_for(run, check, data, existing, "placed_on")
    _check_partner(run, check, data)
    if parsed is None or need is None or check.failed:
        return None
    values = parsed.model_dump()
    values["need_id"] = need["id"]
    values["engagement"] = values["engagement"] or need["engagement"]
    values["company_id"] = need["company_id"]
    values["hub_code"] = run.hub
    if values.get("previous_prefecture") and run.hub is not None:
        values["previous_residence"] = residence_of(values["previous_prefecture"], run.hub)
    return _plan(run, "placements", check, values, file_id, existing)


def _follow_ups(
    run: _Run, check: _RowCheck, data: dict, file_id: int | None, existing: dict | None
) -> Planned | None:
    parsed = check.model("follow_ups", data)
    company_id = data.get("company_id")
    if company_id is not None:
        company_id = run.id_map["companies"].get(company_id, company_id)
    placement = _in_hub(run, check, "placement_id", "placements", data.get("placement_id"), "成約")
    company = None
    if placement is None and company_id is not None:
        company = _in_hub(run, check, "company_id", "companies", data.get("company_id"), "企業")
    _report(
        check,
        rules.follow_up_target(
            company_id,
            data.get("placement_id"),
            None if placement is None else placement["company_id"],
        ),
    )
    if parsed is None or check.failed:
        return None
    values = parsed.model_dump()
    if placement is not None:
        values["placement_id"] = placement["id"]
        values["company_id"] = placement["company_id"]
    elif company is not None:
        values["company_id"] = company["id"]
    values["hub_code"] = run.hub
    return _plan(run, "follow_ups", check, values, file_id, existing)


def _contacts(
    run: _Run, check: _RowCheck, data: dict, file_id: int | None, existing: dict | None
) -> Planned | None:
    parsed = check.model("contacts", data)
    company = _in_hub(run, check, "company_id", "companies", data.get("company_id"), "企業")
    if parsed is None or company is None or check.failed:
        return None
    values = {**parsed.model_dump(), "company_id": company["id"], "hub_code": run.hub}
    return _plan(run, "contacts", check, values, file_id, existing)


def _targets(
    run: _Run, check: _RowCheck, data: dict, file_id: int | None, existing: dict | None
) -> Planned | None:
    try:
        target = validated_target(run.session, {**data, "hub_code": run.hub})
    except ValidationError as error:
        _report(check, error.fields)
        return None
    first = run.target_years.setdefault(target.fiscal_year, check.number)
    if first != check.number:
        check.error(
            "fiscal_year",
            f"{target.fiscal_year}年度の目標がこのファイルの {first} 行目と重複しています",
        )
        return None
    status = data.get("status")
    if status not in TargetStatus.labels():
        choices = "／".join(TargetStatus.labels().values())
        check.error(
            "status",
            f"承認を入力してください（{choices}）"
            if status is None
            else rules.not_a_choice(status) + f"（{choices}）",
        )
        return None
    values = {**target.model_dump(), "status": status}
    return _plan(run, "targets", check, values, file_id, existing)


def _need_history(
    run: _Run, check: _RowCheck, data: dict, file_id: int | None, existing: dict | None
) -> Planned | None:
    parsed = check.model("need_history", data)
    need = _in_hub(run, check, "need_id", "needs", data.get("need_id"), "ニーズ")
    if parsed is None or need is None or check.failed:
        return None
    values = {**parsed.model_dump(), "need_id": need["id"], "hub_code": run.hub}
    _report(check, rules.after_need_opened("changed_on", values["changed_on"], need["opened_on"]))
    if check.failed:
        return None
    return _plan(run, "need_history", check, values, file_id, existing)


def _partners(run, check, data, file_id, existing):
    values = check.model(
        "partners", {**data, "active": True if data.get("active") is None else data["active"]}
    )
    if values is None:
        return None
    values = values.model_dump()
    if existing is None and file_id is None:
        match = (
            run.session.execute(
                select(Partner.id).where(
                    Partner.kind == values["kind"], Partner.name == values["name"]
                )
            )
            .scalars()
            .first()
        )
        if match is not None:
            run.stored("partners", [match])
            existing = run.db["partners"][match]
    planned = _plan(run, "partners", check, values, file_id, existing)
    if planned.id is not None:
        run.partners.add(planned.id)
    return planned


# Fields a file may leave out when it updates records (derived fields are always recomputed).
_OPTIONAL_FIELDS = {
    "kana",
    "corporate_number",
    "city",
    "industry",
    "employees",
    "capital_jpy",
    "notes",
    "stance",
    "next_action",
    "next_action_on",
    "consultation_id",
    "headcount",
    "salary_band",
    "status",
    "outcome",
    "engagement",
    "partner_id",
    "age_band",
    "previous_residence",
    "previous_prefecture",
    "done_on",
    "active",
    "prefecture_code",
}

RULES = {
    "companies": _companies,
    "consultations": _consultations,
    "needs": _needs,
    "referrals": _referrals,
    "placements": _placements,
    "follow_ups": _follow_ups,
    "partners": _partners,
    "contacts": _contacts,
    "targets": _targets,
    "need_history": _need_history,
}


def _corporate_owners(run: _Run, numbers: set[str]) -> dict[str, tuple[int, str]]:
    from crm.validation import normalize_corporate_number

    table = _table(MODELS["companies"])
    valid: set[str] = set()
    for raw in numbers:
        try:
            number = normalize_corporate_number(raw)
        except ValueError:
            continue
        if number is not None:
            valid.add(number)
    owners = {}
    wanted = sorted(valid)
    for start in range(0, len(wanted), 500):
        statement = select(table.c.corporate_number, table.c.id, table.c.hub_code).where(
            table.c.corporate_number.in_(wanted[start : start + 500])
        )
        owners.update({n: (i, h) for n, i, h in run.session.execute(statement)})
    return owners


def _placement_counts(run: _Run) -> Counter:
    table = _table(MODELS["placements"])
    statement = (
        select(table.c.need_id, func.count())
        .where(table.c.hub_code == run.hub)
        .group_by(table.c.need_id)
    )
    return Counter(dict(run.session.execute(statement).all()))


# --- writing ------------------------------------------------------------------------------------
# Every row and every effect goes through the one write layer (crm.writes) and the workflow's
# plain functions (crm.workflow), as a form's save does: one plan for the whole import.


def _origin(entity: str, row: int) -> tuple[str, int]:
    return (entity, row)


def _keyed(run: _Run, values: dict) -> dict:
    """``values`` with references to new rows of this bundle as Keys of the plan."""
    if not any(run.local_keys.values()):  # no new row of this bundle is referred to
        return values
    keyed = dict(values)
    for column, target in REFERENCES.items():
        value = keyed.get(column)
        if value is not None and value in run.local_keys[target]:
            keyed[column] = Key(target, value)
    return keyed


def _plan_writes(run: _Run) -> Plan:
    plan = Plan(keep_ids=run.restore)
    moves: dict[int, _NeedMove] = {}
    for entity, plans in run.plans.items():
        model = MODELS[entity]
        for p in plans:
            origin = _origin(entity, p.row)
            if p.action == "create":
                key = Key(entity, p.local if p.local is not None else ("row", p.row))
                plan.insert(
                    model,
                    {**_keyed(run, p.values), **p.stamps},
                    key=key,
                    id=p.id if run.restore else None,
                    origin=origin,
                )
                p.key = key
            elif p.action == "update":
                assert p.id is not None and p.before is not None  # an update names its record
                plan.change(
                    model, p.id, _version(p.before), _keyed(run, p.values), p.before, origin=origin
                )
        if entity == "needs":
            _need_steps(run, plan, plans)
        if entity in {"referrals", "placements"}:
            _follow_on(run, plan, entity, [p for p in plans if p.action == "create"], moves)
    for move in moves.values():
        need = move.need
        plan.change(
            TalentNeed,
            need["id"],
            need["version"],
            {"status": move.steps[-1].to_status},
            need,
            origin=_origin(move.entity, move.row),
        )
        for step in move.steps:
            plan.insert(NeedStatusChange, step.row(need["id"], run.hub or ""))
    run.report.effects["needs_status"] += len(moves)
    return plan


def _need_steps(run: _Run, plan: Plan, plans: list[Planned]) -> None:
    """Each new need's first step, and each status a file changes, as a form's move makes it
    (a file that carries the needs' history, a restore, brings its own steps instead)."""
    if "need_history" in run.entities_in_files:
        return
    for p in plans:
        hub = run.hub or ""
        if p.action == "create" and p.key is not None:
            step = workflow.opened(p.values["status"], p.values["opened_on"])
            plan.insert(NeedStatusChange, step.row(p.key, hub), origin=_origin("needs", p.row))
        elif p.action == "update" and p.before is not None:
            if p.values["status"] != p.before["status"]:
                step = workflow.Step(p.before["status"], p.values["status"], today_jst())
                plan.insert(NeedStatusChange, step.row(p.id, hub), origin=_origin("needs", p.row))


def _version(row: dict | None) -> int:
    assert row is not None  # an update always has the stored row it was checked against
    return int(row["version"])


@dataclass
class _NeedMove:
    """A stored need that new referrals or placements move along (as the forms do)."""

    need: dict  # the need as the import checked it
    entity: str  # the file and row that cause the (first) move
    row: int
    steps: list[workflow.Step] = field(default_factory=list)

    @property
    def status(self) -> str:
        return self.steps[-1].to_status if self.steps else self.need["status"]


def _follow_on(
    run: _Run, plan: Plan, entity: str, creates: list[Planned], moves: dict[int, _NeedMove]
) -> None:
    """What the forms do after a new referral or placement, for needs this import does not
    itself carry: the workflow's step for the need (open → referred on a referral, → placed
    once the headcount is filled), and a follow-up after each placement (unless the import
    brings its own follow-ups)."""
    counts = _stored_placements(run)
    follow_ups = 0
    for p in creates:
        need = run.record("needs", p.values["need_id"])
        assert need is not None  # the row was checked against it
        if entity == "placements" and "follow_ups" not in run.entities_in_files:
            plan.insert(
                FollowUp,
                {
                    **_keyed(run, {"hub_code": run.hub, "company_id": p.values["company_id"]}),
                    "placement_id": p.key,
                    **workflow.follow_up_after(p.values["placed_on"]),
                },
                origin=_origin(entity, p.row),
            )
            follow_ups += 1
        if "_new" in need:  # the import carries this need's own status
            continue
        move = moves.get(need["id"]) or _NeedMove(need, entity, p.row)
        if entity == "referrals":
            step = workflow.after_referral(move.status, p.values["referred_on"])
        else:
            counts[need["id"]] += 1
            step = workflow.after_placement(
                move.status, need["headcount"], counts[need["id"]], p.values["placed_on"]
            )
        if step is not None:
            move.steps.append(step)
            moves[need["id"]] = move
    run.report.effects["follow_ups"] += follow_ups


def _write(run: _Run) -> None:
    """Write the import's plan through the one write layer; a row someone saved meanwhile, or
    that the database refuses, is reported against its file and row (``ImportConflict``)."""
    plan = _plan_writes(run)
    total, written = max(len(plan), 1), 0

    def advance(rows: int) -> None:
        nonlocal written
        written += rows
        run.progress(
            0.7 + 0.3 * min(written / total, 1.0), f"書き込み中… {written:,} / {total:,} 行"
        )

    try:
        apply(run.session, run.actor, plan, progress=advance, audit=not run.restore, pinpoint=True)
    except StaleVersion as conflict:
        _refuse(run, [_conflict_error(run, conflict)])
    except WriteRefused as refusal:
        entity, row = refusal.origin or ("", 0)
        parsed = run.parsed.get(entity)
        name = parsed.name if parsed is not None else ""
        run.report.errors.append(RowError(name, row, "", str(refusal)))
        run.report.written = False
        raise _RefusedByDatabase from None


class _RefusedByDatabase(Exception):
    """The database refused a row (in the report); the caller rolls the write back."""


def _conflict_error(run: _Run, conflict: StaleVersion) -> RowError:
    entity, row = conflict.origin if isinstance(conflict.origin, tuple) else ("", 0)
    parsed = run.parsed.get(entity)
    label = ENTITY_LABELS.get(conflict.entity, conflict.entity)
    changed = [
        f"{_label(parsed, key) if parsed else key}: {_shown(before)} → {_shown(after)}"
        for key, (before, after) in conflict.changes.items()
    ]
    if conflict.current_version == 0:
        reason = f"{label}（ID {conflict.row_id}）は取込の確認の後に削除されました"
    else:
        reason = (
            f"{label}（ID {conflict.row_id}）は取込の確認の後に他の利用者が更新しました"
            f"（版 {conflict.expected_version} → {conflict.current_version}"
            + (f"、変更: {'、'.join(changed)}" if changed else "")
            + "）。最新の記録を出力し直して取り込んでください"
        )
    column = ""
    if parsed is not None:
        # The file's own record, or the need a referral or placement of the file moves.
        own = entity_name(MODELS[entity]) == conflict.entity
        column = parsed.header("version" if own else "need_id")
    return RowError(parsed.name if parsed is not None else "", row, column, reason)


def _refuse(run: _Run, errors: list[RowError]) -> None:
    run.report.errors.extend(errors)
    run.report.written = False
    raise ImportConflict(run.report)


def _label(parsed: ParsedFile, key: str) -> str:
    try:
        return parsed.spec.column(key).ja
    except StopIteration:
        return key


def _shown(value: object) -> str:
    return "（空欄）" if value is None else f"「{value}」"


# --- entry points -------------------------------------------------------------------------------


def _restoring(session: Session, actor: Actor, asked: bool) -> bool:
    """Whether this import restores an export into an empty database, keeping its ids: only
    when asked (``crm import all`` without --hub, ``crm.csvio.restore``), only by the shell
    operator (an actor without an account, such as ``crm.cli.common.operator_actor``), and
    only into a database without any hub record. A restore of several hubs is several imports
    in one transaction: the transaction that found the database empty stays a restore until
    it commits or rolls back. Any other import leaves ids to the database."""
    if not asked:
        return False
    if actor.user_id is not None:
        raise PermissionDenied(
            "IDを保ったままの復元はコマンドラインの運用者だけが行えます"
            "（拠点の取込ではIDはデータベースが付けます）。"
        )
    transaction = session.get_transaction()
    if transaction is not None and session.info.get(_RESTORE) is transaction:
        return True
    for model in HUB_TABLES:
        table = _table(model)
        if session.execute(select(table.c.id).limit(1)).first() is not None:
            raise CrmError(
                "データベースに拠点の記録が既にあるため、IDを保ったまま復元できません。"
                "拠点ごとに --hub を指定して取り込んでください（IDはデータベースが付けます）。"
            )
    session.info[_RESTORE] = session.get_transaction()
    return True


def _rehearse(run: _Run) -> None:
    """The dry run: the whole write in a savepoint, then rolled back; what the database or a
    concurrent writer refused is in the report."""
    rehearsal = savepoint(run.session)
    try:
        _write(run)
    except (ImportConflict, _RefusedByDatabase):
        pass  # the report holds the refusal
    finally:
        rehearsal.rollback()
    run.report.written = False


def _gather_references(run: _Run, parsed_files: list[ParsedFile]) -> None:
    """Which ids the files refer to, per kind of record, before any row is checked: an id of a
    new row that another file names is a local key of the bundle (see the module's doc)."""
    for parsed in parsed_files:
        for key, target in REFERENCES.items():
            if key not in parsed.headers:
                continue
            for _, raw in parsed.records:
                value = _safe_int(raw.get(key))
                if value is None:
                    continue
                run.references[target].add(value)
                if parsed.spec.name == "placements" and key == "need_id":
                    run.placements_in_files[value] += 1


def _authorise(session: Session, actor: Actor, entities: set[str], hub: str | None) -> str | None:
    if entities == {"partners"}:
        actor.require_role(Role.ADMIN)
        return None
    if "partners" in entities:
        raise CrmError("パートナーは拠点の記録と別に（管理者として）取り込んでください。")
    hub = hub or actor.hub_code
    if not hub:
        raise CrmError("取込先の拠点を指定してください（例: --hub 01）。")
    if session.get(Hub, hub) is None:
        raise CrmError(f"拠点コード {hub} は存在しません。")
    if actor.role == Role.SECRETARIAT:
        raise PermissionDenied("全国事務局は拠点の記録を取り込めません（閲覧のみ）。")
    actor.require_write(hub)
    return hub


def import_files(
    session: Session,
    actor: Actor,
    files: list[tuple[str, bytes]],
    *,
    entity: str | None = None,
    hub: str | None = None,
    dry_run: bool = True,
    progress: Progress | None = None,
    preview_rows: int = 0,
    prepared: list[ParsedFile] | None = None,
    restore: bool = False,
) -> ImportReport:
    """Validate every row of ``files`` (name, bytes) and, unless any error, write them in the
    caller's transaction. ``entity`` names the kind of a single file; otherwise each file's
    kind comes from its name or headers. Returns the report; a refused import writes nothing.
    A ``dry_run`` is the real load inside a savepoint that is rolled back, so that what the
    database itself refuses (a constraint) shows in the preview too and the preview and the
    run cannot disagree. ``prepared``: the files already parsed (a national restore's share of
    one hub, ``crm.csvio.restore``). ``restore``: keep the files' ids (``_restoring``)."""
    progress = progress or (lambda share, text: None)
    report = ImportReport(hub_code=hub, dry_run=dry_run)
    parsed_files: list[ParsedFile] = list(prepared or [])
    for name, data in [] if prepared is not None else files:
        try:
            parsed_files.append(parse_file(name, data, entity if len(files) == 1 else None))
        except CrmError as error:
            report.errors.append(RowError(name, 0, "", str(error)))
    restoring = _restoring(session, actor, restore)
    if not restoring:
        for parsed in parsed_files:
            if parsed.spec.name in RESTORE_ONLY:
                report.skipped.append(
                    f"{parsed.name}: {parsed.spec.label}は空のデータベースへの復元"
                    "（crm import all）でだけ読み込みます。このファイルは読み飛ばしました。"
                )
        parsed_files = [p for p in parsed_files if p.spec.name not in RESTORE_ONLY]
    if not parsed_files:
        if not report.errors:
            report.errors.append(RowError("", 0, "", "取り込む CSV ファイルがありません。"))
        return report
    order = list(MODELS)
    parsed_files.sort(key=lambda p: ["partners", *order].index(p.spec.name))
    kinds = [p.spec.name for p in parsed_files]
    duplicates = {k for k in kinds if kinds.count(k) > 1}
    for kind in duplicates:
        report.errors.append(RowError("", 0, "", f"同じ種類のファイルが複数あります: {kind}"))
    report.hub_code = hub = _authorise(session, actor, set(kinds), hub)
    run = _Run(session, actor, hub, report, progress, sum(len(p.records) for p in parsed_files))
    run.entities_in_files = set(kinds)
    run.restore = restoring
    _gather_references(run, parsed_files)
    for parsed in parsed_files:
        file_report = FileReport(
            parsed.name,
            parsed.spec.name,
            parsed.spec.label,
            parsed.encoding,
            parsed.language,
            len(parsed.records),
            ignored_columns=parsed.ignored_columns,
        )
        file_report.preview = [
            {parsed.header(k): v for k, v in raw.items()}
            for _, raw in parsed.records[:preview_rows]
        ]
        run.parsed[parsed.spec.name] = parsed
        missing = _missing_columns(parsed)
        if missing:
            report.errors.extend(missing)
        else:
            plans = _validate_file(run, parsed)
            run.plans[parsed.spec.name] = plans
            if parsed.spec.name == "companies" and hub is not None:
                new = [(p.row, p.values.get("name")) for p in plans if p.action == "create"]
                report.warnings.extend(
                    RowError(parsed.name, row, parsed.header("name"), reason)
                    for row, reason in new_firm_warnings(session, hub_code=hub, firms=new)
                )
            file_report.counts = Counter(p.action for p in plans)
        report.files.append(file_report)
    if report.errors:
        progress(1.0, f"確認が終わりました（誤り {report.errors.total:,} 件、書き込みなし）")
        return report
    progress(0.7, "検証が終わりました。書き込みます…")
    if dry_run:
        _rehearse(run)
        progress(1.0, f"確認が終わりました（誤り {report.errors.total:,} 件、書き込みなし）")
        return report
    writing = savepoint(session)
    try:
        _write(run)
    except (ImportConflict, _RefusedByDatabase) as refused:
        writing.rollback()  # nothing of the import stays, whatever the caller does next
        if isinstance(refused, ImportConflict):
            raise
        progress(1.0, f"取込を中止しました（誤り {report.errors.total:,} 件、書き込みなし）")
        return report
    writing.commit()
    # audit_log.entity holds 40 characters: name a single kind, or "bundle" (the files say which).
    record_audit(
        session,
        actor,
        "import",
        entity=kinds[0] if len(kinds) == 1 else "bundle",
        hub_code=hub,
        detail=json.dumps(
            {
                "files": [
                    {
                        "name": f.name,
                        "entity": f.entity,
                        "rows": f.rows,
                        "encoding": f.encoding,
                        "sha256": hashlib.sha256(data).hexdigest(),
                        **{k: f.counts.get(k, 0) for k in ACTIONS},
                    }
                    for f, (_, data) in zip(
                        report.files, _matching(files, report.files), strict=True
                    )
                ],
                "automatic": dict(report.effects),
            },
            ensure_ascii=False,
        ),
    )
    report.written = True
    progress(1.0, "取込が完了しました")
    return report


def _matching(files: list[tuple[str, bytes]], reports: list[FileReport]):
    by_name = dict(files)
    return [(r.name, by_name[r.name]) for r in reports]


def _missing_columns(parsed: ParsedFile) -> list[RowError]:
    return [
        RowError(
            parsed.name,
            1,
            parsed.spec.column(key).ja,
            f"必須の列「{parsed.spec.column(key).ja}」（{parsed.spec.column(key).en}）がありません",
        )
        for key in REQUIRED_COLUMNS[parsed.spec.name]
        if key not in parsed.headers
    ]


def import_path(session: Session, actor: Actor, path, **kwargs) -> ImportReport:
    """``import_files`` for a CSV file, a folder of CSV files or a zip."""
    return import_files(session, actor, files_in(path), **kwargs)
