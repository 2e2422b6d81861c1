"""Importing a hub's own ledger through the one import.

A ledger (any header row, any column order, the hub's own words; ``crm.csvio.ledger_header``)
is mapped (``crm.csvio.ledger_mapping``) onto the same rows the product's own files give: a
companies file holding the firms the ledger creates and, for a consultations ledger, a
consultations file whose 企業ID is either a firm of the hub (matched by ``ledger_firms``) or
the *local key* of a firm of the companies file — the bundle mechanism the import already has
for needs.csv naming a firm that companies.csv creates. Both go to ``import_files`` as parsed
files, so the input models, the rules, the preview, all-or-nothing, the write layer and the
audit are the import's own; nothing here writes.

Cells keep their row numbers and every error names the ledger's own column header (a firm's
error is reported on the first row of that firm). Values are read by the import as it reads
every file: dates in era form (Ｈ２８．４．１, R3.5.10, 令和3年5月10日) and full-width digits
included; coded columns are mapped value by value first (「訪問」→ visit).
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlmodel import Session, col, select

from crm import rules
from crm.actor import Actor
from crm.csvio.columns import COMPANIES, CONSULTATIONS
from crm.csvio.import_report import ImportReport, Progress
from crm.csvio.importer import _authorise, import_files
from crm.csvio.ledger_fields import CODED, CONSULTATION, FIELDS, FIRM, LEDGER_ENTITIES
from crm.csvio.ledger_firms import LINK, NEW, LedgerFirm, firm_key, match_firms, split_address
from crm.csvio.ledger_header import LedgerTable, detect_header, is_product_layout, source_rows
from crm.csvio.ledger_mapping import LedgerMapping, suggest_mapping
from crm.csvio.reading import (
    Capped,
    ParsedFile,
    Record,
    RowError,
    clean_cell,
    files_in,
)
from crm.errors import CrmError
from crm.models import Company

FIRM_KEYS = (
    "name",
    "kana",
    "corporate_number",
    "prefecture_code",
    "city",
    "industry",
    "employees",
    "capital_jpy",
    "sales_band",
    "notes",
)
CONSULTATION_KEYS = (
    "consulted_on",
    "channel",
    "stance",
    "summary",
    "next_action",
    "next_action_on",
)


class NotALedger(CrmError):
    """A file in which no row looks like a ledger's header."""


@dataclass
class LedgerSource:
    """An uploaded or named file: its import entries (a workbook: one per sheet)."""

    name: str
    files: list[tuple[str, bytes]]

    @classmethod
    def read(cls, data: bytes, name: str) -> "LedgerSource":
        return cls(name, files_in(data, name))

    def is_product_layout(self) -> bool:
        """Every sheet or file is in the product's own layout (the existing import reads it)."""
        for entry, data in self.files:
            _, rows = source_rows(entry, data)
            if not is_product_layout(entry, rows):
                return False
        return True

    def table(self, entity: str = CONSULTATION, header_row: int | None = None) -> LedgerTable:
        """The first sheet (or the CSV) whose rows hold a ledger's header."""
        for entry, data in self.files:
            encoding, rows = source_rows(entry, data)
            table = detect_header(entry, encoding, rows, entity, header_row)
            if table is not None:
                return table
        at = f"{header_row} 行目に" if header_row else "先頭の行に"
        raise NotALedger(
            f"{self.name}: {at}見出し（会社名・相談日・相談内容など）が見つかりません。"
            "見出しの行に項目の名前を書いたファイルを選んでください。"
        )

    def data_of(self, table: LedgerTable) -> bytes:
        return dict(self.files)[table.name]


@dataclass
class LedgerPlan:
    """A ledger ready for the import: the firms, and the parsed files it becomes."""

    table: LedgerTable
    mapping: LedgerMapping
    firms: list[LedgerFirm]
    row_firm: dict[int, str]  # ledger row -> firm key
    parsed: list[ParsedFile]
    errors: list[RowError] = field(default_factory=list)  # rows the mapping itself refuses

    def firm_of_row(self, row: int) -> LedgerFirm | None:
        key = self.row_firm.get(row)
        return next((f for f in self.firms if f.key == key), None)


@dataclass
class LedgerReport:
    """The import's report with what the mapping did: each row's firm, the ignored columns."""

    report: ImportReport
    plan: LedgerPlan

    @property
    def ignored(self) -> list[str]:
        return self.plan.mapping.ignored(self.plan.table)

    def firm_rows(self) -> list[dict[str, object]]:
        """Per ledger row: what will happen to its firm (for the preview)."""
        shown: list[dict[str, object]] = []
        for number, _ in self.plan.table.rows:
            firm = self.plan.firm_of_row(number)
            if firm is None:
                continue
            shown.append(
                {
                    "行": number,
                    "企業名": firm.name,
                    "所在地": _place_text(firm),
                    "取込での扱い": firm.action_label,
                    "確認": "要確認" if firm.flagged else "",
                    "理由": firm.reason,
                }
            )
        return shown


def _place_text(firm: LedgerFirm) -> str:
    from crm.reference import PREFECTURES

    return PREFECTURES.get(firm.prefecture_code, ("", ""))[0] + (firm.city or "")


# --- from ledger rows to the import's rows -------------------------------------------------------


def _appended(lines: list[str], header: str, value: str, labelled: bool) -> None:
    lines.append(f"{header}: {value}" if labelled else value)


def _row_values(
    table: LedgerTable, mapping: LedgerMapping, cells: list[str], hub: str
) -> tuple[dict[str, str | None], dict[str, str | None]]:
    """(the firm's cells, the consultation's cells) of one ledger row, as text the import
    reads. Coded values are mapped; text fields fed by several columns are joined."""
    firm: dict[str, str | None] = {}
    consultation: dict[str, str | None] = {}
    summary: list[str] = []
    notes: list[str] = []
    address: str | None = None
    for index, header in enumerate(table.headers):
        key = mapping.field_of(header)
        if not key:
            continue
        value = clean_cell(cells[index]) if index < len(cells) else None
        if value is None:
            continue
        if key in CODED:
            value = mapping.code(key, value)
        if key == "address":
            address = value
        elif key == "summary":
            _appended(summary, header, value, labelled=False)
        elif key == "summary_note":
            _appended(summary, header, value, labelled=True)
        elif key == "notes":
            _appended(notes, header, value, labelled=True)
        elif FIELDS[key].entity == FIRM:
            firm[FIELDS[key].column or key] = value
        else:
            consultation[FIELDS[key].column or key] = value
    prefecture, city = split_address(address)
    if not firm.get("prefecture_code"):
        firm["prefecture_code"] = prefecture or mapping.defaults.get("prefecture_code") or hub
    if not firm.get("city") and city:
        firm["city"] = city
    if notes:
        firm["notes"] = "\n".join(notes)
    if mapping.entity == CONSULTATION:
        if summary:
            consultation["summary"] = "\n".join(summary)
        for key in ("channel", "stance"):
            if not consultation.get(key) and key in mapping.defaults:
                consultation[key] = mapping.defaults[key]
    return firm, consultation


def _headers(table: LedgerTable, mapping: LedgerMapping) -> dict[str, str]:
    """Field column key -> the ledger header it comes from (what errors name)."""
    headers: dict[str, str] = {}
    for header in table.headers:
        key = mapping.field_of(header)
        if not key:
            continue
        column = FIELDS[key].column
        if key == "address":
            headers.setdefault("prefecture_code", header)
            headers.setdefault("city", header)
        elif column is not None:
            headers.setdefault(column, header)
    return headers


def _local_keys(session: Session, count: int) -> list[int]:
    """Keys for the new firms of the bundle: ids from the top of the id range, which no
    sequence reaches, skipping any a stored firm happens to use (a key must never be taken
    for a stored firm: an id of the hub's firm means that firm)."""
    if count == 0:
        return []
    floor = rules.MAX_ID - 2 * count - 1000
    used = set(session.exec(select(Company.id).where(col(Company.id) >= floor)).all())
    keys: list[int] = []
    candidate = rules.MAX_ID
    while len(keys) < count:
        if candidate not in used:
            keys.append(candidate)
        candidate -= 1
    return keys


def _plan_ledger(
    session: Session,
    table: LedgerTable,
    mapping: LedgerMapping,
    hub: str,
    choices: dict[str, int | None] | None = None,
) -> LedgerPlan:
    """The ledger's firms matched and its rows turned into the import's parsed files. The
    caller has checked that the actor may import into ``hub`` (``import_ledger`` does)."""
    mapping.check(table)
    headers = _headers(table, mapping)
    name_header = headers.get("name", "企業名")
    firms: dict[str, LedgerFirm] = {}
    rows: list[tuple[int, str, dict[str, str | None]]] = []
    row_firm: dict[int, str] = {}
    errors: list[RowError] = []
    for number, cells in table.rows:
        firm_cells, consultation = _row_values(table, mapping, cells, hub)
        name = firm_cells.get("name")
        if not name:
            if any(firm_cells.get(k) for k in ("corporate_number", "kana")) or consultation:
                errors.append(RowError(table.name, number, name_header, "企業名がありません"))
            continue
        key = firm_key(
            name,
            firm_cells.get("prefecture_code") or hub,
            firm_cells.get("city"),
            firm_cells.get("corporate_number"),
        )
        firm = firms.get(key)
        if firm is None:
            firm = firms[key] = LedgerFirm(
                key,
                name,
                firm_cells.get("prefecture_code") or hub,
                firm_cells.get("city"),
                firm_cells.get("corporate_number"),
                values=firm_cells,
            )
        firm.rows.append(number)
        row_firm[number] = key
        rows.append((number, key, consultation))
    match_firms(session, hub, firms.values(), choices)
    new_firms = [f for f in firms.values() if f.action == NEW]
    parsed: list[ParsedFile] = []
    firm_headers = {k: headers[k] for k in FIRM_KEYS if k in headers}
    firm_headers.setdefault("prefecture_code", "都道府県（拠点の都道府県）")
    if mapping.entity == FIRM:
        records: list[Record] = [
            (f.rows[0], {k: f.values.get(k) for k in FIRM_KEYS}) for f in new_firms
        ]
        parsed.append(_parsed(table, COMPANIES, firm_headers, records, mapping))
    else:
        keys = dict(
            zip((f.key for f in new_firms), _local_keys(session, len(new_firms)), strict=True)
        )
        if new_firms:
            firm_records: list[Record] = [
                (f.rows[0], {"id": str(keys[f.key]), **{k: f.values.get(k) for k in FIRM_KEYS}})
                for f in new_firms
            ]
            parsed.append(
                _parsed(
                    table,
                    COMPANIES,
                    {"id": name_header, **firm_headers},
                    firm_records,
                    mapping,
                    False,
                )
            )
        consultation_headers = {k: headers[k] for k in CONSULTATION_KEYS if k in headers}
        consultation_headers["company_id"] = name_header
        for key in ("channel", "stance"):
            if key not in consultation_headers and key in mapping.defaults:
                consultation_headers[key] = f"{FIELDS[key].label}（既定値）"
        for key in ("consulted_on", "summary", "channel"):
            consultation_headers.setdefault(key, FIELDS[key].label)
        consultation_records: list[Record] = []
        for number, key, consultation in rows:
            firm = firms[key]
            company = firm.company_id if firm.action == LINK else keys[key]
            consultation_records.append(
                (
                    number,
                    {
                        "company_id": str(company),
                        **{k: consultation.get(k) for k in CONSULTATION_KEYS},
                    },
                )
            )
        parsed.append(
            _parsed(table, CONSULTATIONS, consultation_headers, consultation_records, mapping)
        )
    if errors:
        parsed[-1].errors.extend(errors)
    return LedgerPlan(table, mapping, list(firms.values()), row_firm, parsed, errors)


def _parsed(
    table: LedgerTable,
    spec,
    headers: dict[str, str],
    records: list[Record],
    mapping: LedgerMapping,
    list_ignored: bool = True,
) -> ParsedFile:
    ignored: Capped[str] = Capped(mapping.ignored(table) if list_ignored else [])
    return ParsedFile(table.name, spec, table.encoding, "ja", headers, records, ignored)


# --- the entry points ---------------------------------------------------------------------------


def preview_mapping(
    session: Session,
    actor: Actor,
    source: LedgerSource,
    entity: str = CONSULTATION,
    base: LedgerMapping | None = None,
    hub: str | None = None,
) -> tuple[LedgerTable, LedgerMapping]:
    """The ledger's header and the mapping suggested for it (``base``: a template)."""
    if entity not in LEDGER_ENTITIES:
        raise CrmError(f"台帳の種類は {' / '.join(LEDGER_ENTITIES)} のいずれかです: {entity}")
    _authorise(session, actor, {entity}, hub)
    table = source.table(entity, base.header_row if base is not None else None)
    return table, suggest_mapping(table, entity, base)


def import_ledger(
    session: Session,
    actor: Actor,
    source: LedgerSource,
    mapping: LedgerMapping,
    *,
    hub: str | None = None,
    dry_run: bool = True,
    choices: dict[str, int | None] | None = None,
    progress: Progress | None = None,
    preview_rows: int = 0,
) -> LedgerReport:
    """Validate the mapped ledger and, unless any error (and not ``dry_run``), write it in the
    caller's transaction, exactly as ``import_files`` writes a bundle (it is one)."""
    hub = _authorise(session, actor, {mapping.entity}, hub)
    assert hub is not None  # a hub import always names its hub
    table = source.table(mapping.entity, mapping.header_row)
    plan = _plan_ledger(session, table, mapping, hub, choices)
    report = import_files(
        session,
        actor,
        [(table.name, source.data_of(table))],
        hub=hub,
        dry_run=dry_run,
        progress=progress,
        preview_rows=preview_rows,
        prepared=plan.parsed,
    )
    _name_local_keys(report, plan)
    flagged = [f for f in plan.firms if f.flagged]
    report.warnings.extend(
        RowError(table.name, f.rows[0], plan.parsed[-1].header("company_id"), f.reason)
        for f in flagged
        if not any(w.row == f.rows[0] and w.reason.startswith("同じ企業") for w in report.warnings)
    )
    return LedgerReport(report, plan)


def _name_local_keys(report: ImportReport, plan: LedgerPlan) -> None:
    """A consultation whose new firm was refused names that firm, not the bundle's key."""
    keys = {
        f"企業ID {record[1]['id']} ": next(f for f in plan.firms if f.rows[0] == record[0])
        for parsed in plan.parsed
        if parsed.spec.name == "companies" and plan.mapping.entity == CONSULTATION
        for record in parsed.records
    }
    if not keys or not report.errors:
        return
    errors: Capped[RowError] = Capped(limit=report.errors.limit)
    for error in report.errors:
        firm = next((f for k, f in keys.items() if k in error.reason), None)
        if firm is not None:
            error = RowError(
                error.file,
                error.row,
                error.column,
                f"企業「{firm.name}」（{firm.rows[0]} 行目）に誤りがあるため取り込めません",
            )
        errors.append(error)
    errors.more = report.errors.more
    report.errors = errors


def firms_summary(firms: Iterable[LedgerFirm]) -> dict[str, int]:
    """How many firms the ledger links and creates, and how many wait for a choice."""
    firms = list(firms)
    return {
        LINK: sum(1 for f in firms if f.action == LINK),
        NEW: sum(1 for f in firms if f.action == NEW),
        "flagged": sum(1 for f in firms if f.flagged),
    }
