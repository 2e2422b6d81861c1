"""``crm db``: schema migrations."""

import typer

from crm.cli.common import cli_errors, fail, open_engine

app = typer.Typer(help="Database schema (Alembic migrations).", no_args_is_help=True)


@app.command("upgrade")
def upgrade_command(revision: str = typer.Argument("head", help="Target revision.")) -> None:
    """Apply migrations up to REVISION (default: the latest).

    Example: CRM_DATABASE_URL=postgresql+psycopg://crm@db/crm crm db upgrade
    """
    from crm.db import current_revision, upgrade

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
    from crm.db import current_revision

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
        target = make_engine(to, long_running=True)
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


@app.command("check-summaries")
def check_summaries_command(
    limit: int = typer.Option(20, help="How many differing rows to print."),
) -> None:
    """Recount consultations, needs and placements from the rows and compare them with the
    counts kept on write; exit status 1 when any differ.

    Example: crm db check-summaries
    """
    from crm.analytics.counted import month_text
    from crm.summaries.check import check_summaries

    engine = open_engine()
    with cli_errors(), engine.connect() as connection:
        differences = check_summaries(connection)
    if not differences:
        typer.echo("集計表はすべての行の数え直しと一致しています（差異 0 件）。")
        return
    for difference in differences[:limit]:
        key = "、".join(
            f"{name}={month_text(int(str(value))) if name == 'month' else value}"
            for name, value in difference.key.items()
        )
        typer.echo(
            f"{difference.table}: {key}: 集計表 {difference.stored:,} 件 / "
            f"数え直し {difference.counted:,} 件"
        )
    if len(differences) > limit:
        typer.echo(f"… ほか {len(differences) - limit:,} 件")
    fail(
        f"集計表と行の数え直しに {len(differences):,} 件の差異があります。"
        "`crm db rebuild-summaries` で作り直せます。"
    )


@app.command("rebuild-summaries")
def rebuild_summaries_command() -> None:
    """Empty the summary tables and count every row again, in one transaction.

    Example: crm db rebuild-summaries
    """
    from crm.summaries.check import rebuild_summaries

    engine = open_engine()
    with cli_errors(), engine.begin() as connection:
        written = rebuild_summaries(connection)
    for table, rows in written.items():
        typer.echo(f"{table}: {rows:,} 行")
    typer.echo("集計表を作り直しました。")
