"""A national full export imported into an empty database in one command.

``crm import all DIR`` without ``--hub``, run by the shell operator (an actor without an
account) on a database that holds no hub record, reads every file once, imports partners.csv
first (as the administrator), then each hub's share of every file as that hub's import — the
same validation and the same restore path as a one-hub import (``crm.csvio.importer``: the
file's ids kept, sequences set once afterwards) — all in the caller's ONE transaction. Rows
keep their row numbers in the original file, so an error names the row as the file shows it.
The caller commits only when every hub's import succeeded (and rolls back a dry run), so a
refused restore writes nothing. A database that already holds records is refused: there the
ordinary one-hub imports (``--hub``) with today's matching rules apply.
"""

from collections.abc import Callable
from dataclasses import replace

from sqlalchemy import select
from sqlmodel import Session

from crm.actor import Actor
from crm.csvio.importer import HUB_TABLES, ImportReport, Progress, import_files
from crm.csvio.reading import ParsedFile, Record, Records, RowError, parse_file
from crm.errors import CrmError, PermissionDenied
from crm.models import table_of
from crm.validation import hub_code


def holds_hub_records(session: Session) -> bool:
    return any(
        session.execute(select(table_of(model).c.id).limit(1)).first() is not None
        for model in HUB_TABLES
    )


def _hub_of(text: str | None) -> str:
    """A row's hub code as the one reader reads it ('' when blank; unknown codes as written,
    for the importer to refuse by row)."""
    if not (text or "").strip():
        return ""
    try:
        return hub_code(text)
    except ValueError:
        return (text or "").strip()


def restore_files(
    session: Session,
    operator: Actor,
    hub_actor: Callable[[str], Actor],
    files: list[tuple[str, bytes]],
    *,
    progress: Progress | None = None,
) -> list[ImportReport]:
    """Import every file of a national export (partners first, then each hub in code order)
    into the empty database, writing in the caller's transaction; one report per import.
    Stops at the first import with errors (its report is the last one): the caller must then
    roll back."""
    if operator.user_id is not None:
        raise PermissionDenied(
            "全国の出力をまとめて取り込めるのはコマンドラインの運用者だけです"
            "（拠点ごとに取り込んでください）。"
        )
    if holds_hub_records(session):
        raise CrmError(
            "データベースに拠点の記録が既にあるため、全国分をまとめて取り込めません。"
            "拠点ごとに --hub を指定して取り込んでください。"
        )
    say = progress or (lambda share, text: None)
    parsed: list[ParsedFile] = []
    errors: list[RowError] = []
    for name, data in files:
        try:
            parsed.append(parse_file(name, data))
        except CrmError as error:
            errors.append(RowError(name, 0, "", str(error)))
    if errors or not parsed:
        report = ImportReport(hub_code=None, dry_run=False)
        report.errors.extend(errors or [RowError("", 0, "", "取り込む CSV ファイルがありません。")])
        return [report]
    by_name = dict(files)
    reports: list[ImportReport] = []
    partners = [p for p in parsed if p.spec.name == "partners"]
    if partners:
        say(0.0, "パートナーを取り込んでいます…")
        report = import_files(
            session,
            operator,
            [(p.name, by_name[p.name]) for p in partners],
            dry_run=False,
            prepared=partners,
            restore=True,
        )
        reports.append(report)
        if report.errors:
            return reports
    records = [p for p in parsed if p.spec.name != "partners"]
    # Each file is read once and split by hub (reading every file again for each hub made the
    # demo's restore 47 readings of each file).
    shares_of = [_by_hub(p.records) for p in records]
    hubs = sorted({hub for by_hub in shares_of for hub in by_hub})
    if "" in hubs:  # every record of a national export names its hub
        report = ImportReport(hub_code=None, dry_run=False)
        report.errors.extend(
            RowError(p.name, row, p.header("hub_code"), "拠点コードが空欄です")
            for p in records
            for row, raw in p.records
            if not _hub_of(raw.get("hub_code"))
        )
        return [*reports, report]
    for number, hub in enumerate(hubs, start=1):
        shares = [
            replace(p, records=by_hub.get(hub, []))
            for p, by_hub in zip(records, shares_of, strict=True)
        ]
        shares = [s for s in shares if s.records]

        def hub_progress(share: float, text: str, hub=hub, number=number) -> None:
            say((number - 1 + share) / len(hubs), f"拠点 {hub}（{number}/{len(hubs)}）: {text}")

        report = import_files(
            session,
            hub_actor(hub),
            [(s.name, by_name[s.name]) for s in shares],
            hub=hub,
            dry_run=False,
            progress=hub_progress,
            prepared=shares,
            restore=True,
        )
        reports.append(report)
        if report.errors:
            break
    return reports


def _by_hub(records: Records | list[Record]) -> dict[str, Records | list[Record]]:
    def hub(values: dict[str, str | None]) -> str:
        return _hub_of(values.get("hub_code"))

    if isinstance(records, Records):
        return dict(records.grouped(hub))
    split: dict[str, list[Record]] = {}
    for row, raw in records:
        split.setdefault(hub(raw), []).append((row, raw))
    return dict(split)
