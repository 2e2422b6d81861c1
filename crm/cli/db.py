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
