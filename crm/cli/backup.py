"""``crm backup OUT`` and ``crm restore IN``: copies of the live database, and putting one back."""

from pathlib import Path

import typer

from crm.cli.common import cli_errors, fail, open_engine


def _print_counts(counts: dict[str, int]) -> None:
    for table, rows in counts.items():
        typer.echo(f"  {table}: {rows:,} 行")


def _or_print_command(action):
    """Run ``action``; if a PostgreSQL client tool is missing, print the command and exit 2."""
    from crm import backup as backups

    try:
        return action()
    except backups.ToolMissing as missing:
        typer.echo(f"エラー: {missing}", err=True)
        typer.echo(missing.command)
        raise typer.Exit(2) from None


_OUT = typer.Argument(..., dir_okay=False, help="New file to write (never overwritten).")
_BACKUP = typer.Argument(..., exists=True, dir_okay=False, help="A file made by crm backup.")
_REPLACE = typer.Option(
    False, "--replace", help="Replace the data of a database that is not empty."
)


def backup_command(out: Path = _OUT) -> None:
    """Copy the configured database to OUT while the app keeps running.

    SQLite: the online backup API (one consistent snapshot; writers are not stopped), then an
    integrity check. PostgreSQL: pg_dump --format=custom (if pg_dump is not installed, prints
    the command to run and exits with code 2).

    Examples: crm backup /srv/backup/crm-$(date +%F).sqlite3 ;
    CRM_DATABASE_URL=postgresql+psycopg://crm@db/crm crm backup /srv/backup/crm.dump
    """
    from crm import backup as backups

    engine = open_engine(require_current=False)
    with cli_errors():
        result = _or_print_command(lambda: backups.backup(engine, out))
    typer.echo(
        f"バックアップを作成しました: {result.path}（{result.bytes / 2**20:,.1f} MiB、"
        f"{result.seconds:.1f} 秒）"
    )
    _print_counts(result.counts)


def restore_command(backup_file: Path = _BACKUP, replace: bool = _REPLACE) -> None:
    """Put a backup made by `crm backup` into the configured database.

    The target must be empty (a new file or database) unless --replace is given. Afterwards
    every app process recomputes its cached numbers (the data version is raised).
    PostgreSQL: runs pg_restore (prints the command and exits 2 if it is not installed).

    First the backup's schema is compared with what the migrations make at its revision: any
    object extra, missing or defined differently (a trigger, table, index, view, function …)
    is named and nothing is restored (exit 1). On PostgreSQL this uses two scratch databases
    on the target's server, so the role needs CREATEDB.

    Example: CRM_DATABASE_URL=sqlite:////srv/crm/restored.sqlite3 crm restore backup.sqlite3
    """
    from crm import backup as backups

    engine = open_engine(require_current=False)
    with cli_errors():
        result = _or_print_command(lambda: backups.restore(engine, backup_file, replace=replace))
    if not result.counts:
        fail("復元後のデータベースに CRM の表が見つかりません。")
    typer.echo(f"復元しました（{result.seconds:.1f} 秒）: {engine.url.render_as_string()}")
    _print_counts(result.counts)
