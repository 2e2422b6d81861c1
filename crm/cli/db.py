"""``crm db``: schema migrations."""

import typer

from crm.cli.common import cli_errors, open_engine
from crm.db import current_revision, upgrade

app = typer.Typer(help="Database schema (Alembic migrations).", no_args_is_help=True)


@app.command("upgrade")
def upgrade_command(revision: str = typer.Argument("head", help="Target revision.")) -> None:
    """Apply migrations up to REVISION (default: the latest).

    Example: CRM_DATABASE_URL=postgresql+psycopg://crm@db/crm crm db upgrade
    """
    engine = open_engine(require_current=False)
    with cli_errors():
        upgrade(engine, revision)
        reached = current_revision(engine)
    typer.echo(
        f"データベースを更新しました（リビジョン {reached}、{engine.url.render_as_string()}）"
    )


@app.command("current")
def current_command() -> None:
    """Print the database's current migration revision."""
    engine = open_engine(require_current=False)
    with cli_errors():
        revision = current_revision(engine)
    typer.echo(revision or "(未作成)")


@app.command("transfer")
def transfer_command(
    to: str = typer.Option(
        ...,
        "--to",
        help="URL of the empty, migrated target database (e.g. postgresql+psycopg://…).",
    ),
) -> None:
    """Copy every table of the configured database into an EMPTY migrated database at URL, in
    one transaction, then print each table's row count and content hash on both sides.

    Example: crm db transfer --to postgresql+psycopg://crm@db/crm
    """
    from crm.db import make_engine
    from crm.dbtransfer import transfer

    source = open_engine()
    with cli_errors():
        target = make_engine(to)
        try:
            checks = transfer(source, target, progress=lambda line: typer.echo(line, err=True))
        finally:
            target.dispose()
    width = max(len(c.name) for c in checks)
    for check in checks:
        mark = "一致" if check.ok else "不一致"
        typer.echo(
            f"{check.name:<{width}}  {check.source_rows:>9,} 件 → {check.target_rows:>9,} 件  "
            f"sha256 {check.target_hash[:16]}  {mark}"
        )
    total = sum(c.target_rows for c in checks)
    typer.echo(
        f"{len(checks)} テーブル、{total:,} 行をコピーしました。件数と内容はすべて一致しています"
        f"（{target.url.render_as_string()}）。"
    )
