"""CSV import: parse every file, validate every row, then write all of it or nothing.

The import's steps live in small modules: reading cells (``import_cells``), matching rows with
what the database holds (``import_match``), planning each row by its entity's rules
(``import_plan``), and running the write through the one write layer (``import_write``); the
report is ``import_report``. This module is the entry point (``import_files``).

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

import hashlib
import json
from collections import Counter

from sqlalchemy import select
from sqlmodel import Session

from crm.actor import Actor
from crm.csvio.columns import REQUIRED_COLUMNS, RESTORE_ONLY
from crm.csvio.export import MODELS
from crm.csvio.import_cells import core_table
from crm.csvio.import_match import HUB_TABLES, Run, gather_references
from crm.csvio.import_plan import validate_file
from crm.csvio.import_report import (
    ACTIONS,
    FileReport,
    ImportConflict,
    ImportRefused,
    ImportReport,
    Planned,
    Progress,
    beyond,
)
from crm.csvio.import_store import PlanStore
from crm.csvio.import_write import RefusedByDatabase, rehearse, write_import
from crm.csvio.reading import (
    ParsedFile,
    RowError,
    files_in,
    parse_file,
)
from crm.errors import CrmError, PermissionDenied
from crm.models import (
    Hub,
)
from crm.reference import Role
from crm.services.base import record_audit
from crm.services.merge import new_firm_warnings
from crm.writes import savepoint

# --- entry points -------------------------------------------------------------------------------


_RESTORE = "crm_import_restore"


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
        table = core_table(model)
        if session.execute(select(table.c.id).limit(1)).first() is not None:
            raise CrmError(
                "データベースに拠点の記録が既にあるため、IDを保ったまま復元できません。"
                "拠点ごとに --hub を指定して取り込んでください（IDはデータベースが付けます）。"
            )
    session.info[_RESTORE] = session.get_transaction()
    return True


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
    run = Run(session, actor, hub, report, progress, sum(len(p.records) for p in parsed_files))
    run.entities_in_files = set(kinds)
    run.restore = restoring
    gather_references(run, parsed_files)
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
            _check_file(run, parsed, file_report)
        report.files.append(file_report)
    try:
        return _write(session, actor, run, files, kinds, dry_run)
    finally:
        for store in run.plans.values():
            store.close()


def _check_file(run: Run, parsed: ParsedFile, file_report: FileReport) -> None:
    """Check the file's rows, keeping those to write (``PlanStore``) and counting them."""
    store = run.plans[parsed.spec.name] = PlanStore()
    counts: Counter[str] = Counter()
    new_firms: list[tuple[int, str | None]] = []

    def keep(plans: list[Planned]) -> None:
        store.add(plans)
        counts.update(p.action for p in plans)
        if parsed.spec.name == "companies":
            new_firms.extend((p.row, p.values.get("name")) for p in plans if p.action == "create")

    validate_file(run, parsed, keep)
    file_report.counts = counts
    if new_firms and run.hub is not None:
        run.report.warnings.extend(
            RowError(parsed.name, row, parsed.header("name"), reason)
            for row, reason in new_firm_warnings(run.session, hub_code=run.hub, firms=new_firms)
        )


def _write(
    session: Session,
    actor: Actor,
    run: Run,
    files: list[tuple[str, bytes]],
    kinds: list[str],
    dry_run: bool,
) -> ImportReport:
    report, progress, hub = run.report, run.progress, run.hub
    if report.errors:
        progress(1.0, f"確認が終わりました（誤り {report.errors.total:,} 件、書き込みなし）")
        return report
    progress(0.7, "検証が終わりました。書き込みます…")
    if dry_run:
        rehearse(run)
        progress(1.0, f"確認が終わりました（誤り {report.errors.total:,} 件、書き込みなし）")
        return report
    writing = savepoint(session)
    try:
        write_import(run)
    except (ImportConflict, RefusedByDatabase) as refused:
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


# The import's public names, for callers that know only this module.
__all__ = [
    "ACTIONS",
    "HUB_TABLES",
    "FileReport",
    "ImportConflict",
    "ImportRefused",
    "ImportReport",
    "Progress",
    "beyond",
    "import_files",
    "import_path",
]
