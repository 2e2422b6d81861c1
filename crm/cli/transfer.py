"""``crm export`` and ``crm import``: weekly/full CSV exports and validated bulk imports."""

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from crm.cli.common import (
    cli_errors,
    fail,
    hub_option,
    open_engine,
    operator_actor,
    unit_of_work,
)
from crm.csvio.excel import DEFAULT_ENCODING, ENCODINGS

if TYPE_CHECKING:
    from crm.csvio.importer import ImportReport

export_app = typer.Typer(help="CSV exports (weekly, full).", no_args_is_help=True)
import_app = typer.Typer(
    help="CSV imports: validate every row, then write all or nothing.", no_args_is_help=True
)

_HUB_ONLY = typer.Option(
    None, "--hub", callback=hub_option, help="Only this hub (default: all hubs)."
)
_ENCODING = typer.Option(
    DEFAULT_ENCODING, "--encoding", help="utf-8-sig (UTF-8 with BOM, default) or cp932 (Shift_JIS)."
)
_HEADERS = typer.Option("ja", "--headers", help="Column headers: ja (default) or en.")
_OUT = typer.Option(..., "--out", help="Directory the export's folder is written into.")
_FORMAT = typer.Option(
    "csv",
    "--format",
    help="csv (a folder of CSV files, default) or xlsx (one Excel workbook, a sheet per file).",
)


def _write(bundle, out: Path, output_format: str) -> Path:
    if output_format == "xlsx":
        from crm.csvio.xlsx import write_export_workbook

        return write_export_workbook(bundle, out)
    return bundle.write_to(out)


def _check(encoding: str, headers: str, output_format: str = "csv") -> None:
    if output_format not in ("csv", "xlsx"):
        fail(f"--format は csv または xlsx です（{output_format}）")
    if encoding not in ENCODINGS:
        fail(f"--encoding は {' / '.join(ENCODINGS)} のいずれかです")
    if headers not in ("ja", "en"):
        fail("--headers は ja または en です")


@export_app.command("weekly")
def weekly_command(
    week: str | None = typer.Option(
        None,
        "--week",
        help="ISO week, e.g. 2026-W47 (default: the "
        "last complete week, Monday–Sunday, Japan time).",
    ),
    hub: str | None = _HUB_ONLY,
    encoding: str = _ENCODING,
    headers: str = _HEADERS,
    out: Path = _OUT,
    output_format: str = _FORMAT,
) -> None:
    """Write OUT/<week>/ with the week's records, companies, summary and manifest.json
    (with --format xlsx: OUT/<week>.xlsx, one sheet per file plus the summary).

    Example (cron, Mondays 06:00 JST): crm export weekly --out /srv/crm/exports
    """
    from crm.csvio.export import Week, weekly_export

    _check(encoding, headers, output_format)
    engine = open_engine()
    # The file is written before the session commits: a failed write rolls the export's
    # audit entry back, and nothing partial is left (crm.files).
    with unit_of_work(engine) as session:
        chosen = Week.parse(week) if week else None
        bundle = weekly_export(
            session, operator_actor(hub), chosen, hub=hub, encoding=encoding, headers=headers
        )
        folder = _write(bundle, out, output_format)
    typer.echo(f"{bundle.manifest['week']} を出力しました: {folder}")
    for file in bundle.files:
        typer.echo(f"  {file.name}: {file.rows:,} 行")


@export_app.command("full")
def full_command(
    hub: str | None = _HUB_ONLY,
    encoding: str = _ENCODING,
    headers: str = _HEADERS,
    out: Path = _OUT,
    output_format: str = _FORMAT,
) -> None:
    """Write OUT/full_<date>/ with every record (and the partners), for backup or moving data
    (with --format xlsx: OUT/full_<date>.xlsx, one sheet per file).

    Example: crm export full --hub 06 --out /tmp/backup
    """
    from crm.csvio.export import full_export

    _check(encoding, headers, output_format)
    engine = open_engine()
    with unit_of_work(engine) as session:  # written before the audit entry commits
        bundle = full_export(
            session, operator_actor(hub), hub=hub, encoding=encoding, headers=headers
        )
        folder = _write(bundle, out, output_format)
    typer.echo(f"全件を出力しました: {folder}")
    for file in bundle.files:
        typer.echo(f"  {file.name}: {file.rows:,} 行")


@export_app.command("columns")
def columns_command() -> None:
    """Print the documented column layout of every file (Markdown)."""
    from crm.csvio.columns import layout_markdown

    typer.echo(layout_markdown())


def _progress():
    last = {"step": -1}

    def report(share: float, text: str) -> None:
        step = int(share * 20)
        if step != last["step"]:
            last["step"] = step
            typer.echo(f"[{'#' * step}{'.' * (20 - step)}] {share:4.0%} {text}", err=True)

    return report


def _print(report: "ImportReport") -> None:
    from crm.csvio.importer import beyond
    from crm.presentation.labels import prefecture_label

    for line in report.summary_lines():
        typer.echo(line)
    for file in report.files:
        if file.ignored_notice:
            typer.echo(f"{file.name}: {file.ignored_notice}")
    for skipped in report.skipped:
        typer.echo(f"注意: {skipped}")
    for warning in report.warnings:
        typer.echo(f"注意: {warning.file} {warning.row} 行目「{warning.column}」: {warning.reason}")
    if report.warnings.more:
        typer.echo(f"注意: {beyond(report.warnings, '同じ企業と思われる行')}")
    for error in report.errors:
        where = f"{error.row} 行目" if error.row else "ファイル"
        column = f"「{error.column}」" if error.column else ""
        typer.echo(f"エラー: {error.file} {where}{column}: {error.reason}", err=True)
    if report.errors.more:
        typer.echo(f"エラー: {beyond(report.errors, '誤り')}", err=True)
    if report.errors:
        typer.echo(
            f"{report.errors.total:,} 件の誤りがあるため、何も書き込んでいません。", err=True
        )
    elif report.dry_run:
        typer.echo("確認のみ（--dry-run）: 何も書き込んでいません。")
    else:
        hub = f"{prefecture_label(report.hub_code)}の拠点" if report.hub_code else "パートナー"
        typer.echo(f"取り込みました（{hub}{report.effects_text()}）。")


def _run_import(
    entity: str | None,
    path: Path,
    hub: str | None,
    dry_run: bool,
    skip: tuple[str, ...] = (),
    restore: bool = False,
) -> None:
    from crm.csvio.importer import import_files
    from crm.csvio.reading import entity_of, files_in

    engine = open_engine()
    with cli_errors():
        files = [(name, data) for name, data in files_in(path) if entity_of(name) not in skip]
        if not files:
            fail(
                f"{path}: 取り込むファイルがありません（パートナーと拠点別集計は "
                "crm import all では取り込みません）。"
            )
        with unit_of_work(engine) as session:
            report = import_files(
                session,
                operator_actor(hub),
                files,
                entity=entity,
                hub=hub,
                dry_run=dry_run,
                progress=_progress(),
                restore=restore,
            )
    _print(report)
    if report.errors:
        raise typer.Exit(1)


def _entity_command(entity: str, label: str):
    def command(
        file: Path = typer.Argument(
            ..., exists=True, dir_okay=False, help="CSV file (UTF-8 or CP932)."
        ),
        hub: str | None = typer.Option(
            None, "--hub", callback=hub_option, help="Hub code the rows belong to, e.g. 01."
        ),
        dry_run: bool = typer.Option(
            False, "--dry-run", help="Validate and report; write nothing."
        ),
    ) -> None:
        _run_import(entity, file, hub, dry_run)

    command.__doc__ = (
        f"Import {label} from FILE into hub --hub (all rows valid, or nothing).\n\n"
        f"Example: crm import {entity} {entity}.csv --hub 01 --dry-run"
    )
    return command


def _ledger_command(entity: str, label: str):
    def command(
        file: Path = typer.Argument(
            ..., exists=True, dir_okay=False, help="CSV (UTF-8 or CP932) or Excel (.xlsx) file."
        ),
        hub: str | None = typer.Option(
            None, "--hub", callback=hub_option, help="Hub code the rows belong to, e.g. 01."
        ),
        dry_run: bool = typer.Option(
            False, "--dry-run", help="Validate and report; write nothing."
        ),
        map_file: Path | None = typer.Option(
            None,
            "--map",
            exists=True,
            dir_okay=False,
            help="A ledger's column mapping (JSON or TOML): read FILE as a hub's own ledger.",
        ),
        template: str | None = typer.Option(
            None, "--template", help="A ledger's mapping saved as a template of the hub."
        ),
        save_template: str | None = typer.Option(
            None, "--save-template", help="Save the mapping used as this template of the hub."
        ),
    ) -> None:
        if map_file is None and template is None:
            if save_template is not None:
                fail("--save-template は --map または --template と一緒に指定してください")
            _run_import(entity, file, hub, dry_run)
            return
        from crm.cli.ledger import run_ledger_import

        run_ledger_import(entity, file, hub, dry_run, map_file, template, save_template)

    command.__doc__ = (
        f"Import {label} from FILE into hub --hub (all rows valid, or nothing).\n\n"
        "FILE is the product's own layout, or with --map/--template a hub's own ledger\n"
        "(any header row, its own column names, era dates).\n\n"
        f"Examples: crm import {entity} {entity}.csv --hub 01 --dry-run\n"
        f"          crm import {entity} 台帳.xlsx --hub 06 --map 台帳.toml --dry-run"
    )
    return command


for _entity, _label in (
    ("companies", "companies (企業)"),
    ("consultations", "consultations (相談)"),
    ("needs", "talent needs (人材ニーズ)"),
    ("referrals", "referrals (紹介)"),
    ("placements", "placements (成約)"),
    ("follow_ups", "follow-ups (フォローアップ)"),
):
    factory = _ledger_command if _entity in ("companies", "consultations") else _entity_command
    import_app.command(_entity.replace("_", "-"))(factory(_entity, _label))


@import_app.command("partners")
def partners_command(
    file: Path = typer.Argument(..., exists=True, dir_okay=False),
    dry_run: bool = typer.Option(False, "--dry-run"),
) -> None:
    """Import partners (reference data) as the administrator.

    Example: crm import partners partners.csv
    """
    _run_import("partners", file, None, dry_run)


@import_app.command("all")
def all_command(
    path: Path = typer.Argument(..., exists=True, help="An export folder, a zip, or one CSV."),
    hub: str | None = typer.Option(
        None,
        "--hub",
        callback=hub_option,
        help="Hub code the rows belong to. Without it: a national export into an EMPTY database.",
    ),
    dry_run: bool = typer.Option(False, "--dry-run"),
    restore: bool = typer.Option(
        False,
        "--restore",
        help="With --hub: restore the hub's full export into an EMPTY database, ids kept.",
    ),
) -> None:
    """Import every CSV of an export folder or zip for one hub, in one transaction
    (companies, consultations, needs, referrals, placements, follow-ups; partners.csv and
    summary.csv are skipped). The database gives new rows their ids; an id in a file must
    name a record of the hub.

    With --hub and --restore, into a database holding no hub record: the hub's full export
    with its ids, history, targets and times kept. Without --hub, into such a database: the
    whole national export (partners first, then every hub's rows, ids kept) in one
    transaction.

    Examples: crm import all exports/full_2026-11-26_hub01 --hub 01
              crm import all exports/full_2026-11-26_hub01 --hub 01 --restore
              crm import all exports/full_2026-11-26
    """
    if hub is not None:
        _run_import(None, path, hub, dry_run, skip=("partners", "summary"), restore=restore)
        return
    _run_restore(path, dry_run)


def _run_restore(path: Path, dry_run: bool) -> None:
    from crm.csvio.reading import entity_of, files_in
    from crm.csvio.restore import restore_files

    engine = open_engine()
    with cli_errors():
        files = [(name, data) for name, data in files_in(path) if entity_of(name) != "summary"]
        with unit_of_work(engine) as session:
            reports = restore_files(
                session, operator_actor(), operator_actor, files, progress=_progress()
            )
            refused = any(r.errors for r in reports)
            if refused or dry_run:
                session.rollback()  # all hubs or none; a dry run writes nothing
    for report in reports:
        if report.errors:
            _print(report)
    if refused:
        raise typer.Exit(1)
    rows = sum(f.rows for r in reports for f in r.files)
    hubs = sum(1 for r in reports if r.hub_code)
    if dry_run:
        typer.echo(f"確認のみ（--dry-run）: {hubs} 拠点、{rows:,} 行。何も書き込んでいません。")
    else:
        typer.echo(f"全国分を取り込みました: {hubs} 拠点、{rows:,} 行（ID はファイルのまま）。")
