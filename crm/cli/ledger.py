"""``crm import consultations|companies FILE --map MAP | --template NAME``: a hub's own ledger
through the one import (``crm.csvio.ledger_import``), with the mapping from a JSON or TOML file
or from a template the hub saved; ``--save-template NAME`` keeps the mapping used."""

from pathlib import Path

import typer

from crm.cli.common import cli_errors, fail, open_engine, operator_actor, unit_of_work
from crm.cli.transfer import _print, _progress
from crm.csvio.ledger_firms import LINK
from crm.csvio.ledger_import import LedgerSource, import_ledger
from crm.csvio.ledger_mapping import LedgerMapping
from crm.csvio.ledger_templates import get_template, save_template


def run_ledger_import(
    entity: str,
    file: Path,
    hub: str | None,
    dry_run: bool,
    map_file: Path | None,
    template: str | None,
    save_as: str | None,
) -> None:
    if map_file is not None and template is not None:
        fail("--map と --template はどちらか一方を指定してください")
    if hub is None:
        fail("台帳の取込では取込先の拠点を --hub で指定してください（例: --hub 06）")
    engine = open_engine()
    actor = operator_actor(hub)
    with cli_errors():
        source = LedgerSource.read(file.read_bytes(), file.name)
        with unit_of_work(engine) as session:
            if map_file is not None:
                mapping = LedgerMapping.from_file(map_file)
            else:
                mapping = get_template(session, actor, template or "", hub)
            if mapping.entity != entity:
                fail(f"対応づけは {mapping.entity} の取込のものです（このコマンドは {entity}）。")
            result = import_ledger(
                session, actor, source, mapping, hub=hub, dry_run=dry_run, progress=_progress()
            )
            if save_as and not result.report.errors and not dry_run:
                save_template(session, actor, save_as, mapping, hub)
            if result.report.errors:
                session.rollback()
    plan = result.plan
    typer.echo(
        f"{plan.table.name}: 見出し {plan.table.header_text()}、データ {len(plan.table.rows):,} 行"
    )
    for line in _firm_lines(result):
        typer.echo(line)
    _print(result.report)
    if save_as and not result.report.errors and not dry_run:
        typer.echo(f"対応づけをテンプレート「{save_as}」として保存しました。")
    if result.report.errors:
        raise typer.Exit(1)


def _firm_lines(result) -> list[str]:
    lines = []
    for firm in result.plan.firms:
        rows = "・".join(str(r) for r in firm.rows[:5]) + ("…" if len(firm.rows) > 5 else "")
        mark = "（要確認）" if firm.flagged else ""
        lines.append(f"企業 {firm.name}（{rows} 行目）: {firm.action_label}{mark}")
    linked = sum(1 for f in result.plan.firms if f.action == LINK)
    lines.append(f"企業: 既存 {linked:,} 社に紐付け・新規 {len(result.plan.firms) - linked:,} 社")
    return lines
