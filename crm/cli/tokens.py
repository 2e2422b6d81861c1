"""``crm tokens``: API and calendar tokens for other systems (run by the operator, audited)."""

import typer

from crm.cli.common import open_engine, operator_actor, unit_of_work
from crm.timeutil import to_jst

app = typer.Typer(help="API tokens: add, list, revoke.", no_args_is_help=True)

_NAME = typer.Option(None, "--name", help="What the token is for, e.g. 事務局集計シート.")
_EXPIRES = typer.Option(None, "--expires", help="Days until it stops working (default: never).")
_CALENDAR = typer.Option(
    False, "--calendar", help="A token for the calendar feed only (it reads nothing else)."
)


def _when(moment) -> str:
    return f"{to_jst(moment):%Y/%m/%d %H:%M}" if moment else "—"


@app.command("add")
def add_command(
    username: str = typer.Argument(..., help="The account the token reads as."),
    name: str | None = _NAME,
    expires: int | None = _EXPIRES,
    calendar: bool = _CALENDAR,
) -> None:
    """Make a token. It is printed once: store it where the other system keeps secrets.

    Examples:
      crm tokens add secretariat --name 事務局集計シート --expires 365
      crm tokens add yamagata --calendar
    """
    from crm.auth import api_tokens

    kind = api_tokens.CALENDAR if calendar else api_tokens.API
    with unit_of_work(open_engine()) as session:
        made, token = api_tokens.create_token(
            session, operator_actor(), username, name=name, expires_days=expires, kind=kind
        )
    typer.echo(
        f"トークン（ID {made.id}・{made.name}・{api_tokens.KINDS[made.kind]}）を発行しました。"
    )
    typer.echo("この値は二度と表示されません。安全な場所に保管してください:")
    typer.echo(token)
    if calendar:
        typer.echo("カレンダー購読URL: <アプリのURL>/api/v1/calendar.ics?token=" + token)


@app.command("list")
def list_command() -> None:
    """Every token: whose, what for, until when, last use (never the token itself)."""
    from crm.auth import api_tokens

    with unit_of_work(open_engine()) as session:
        tokens = api_tokens.list_tokens(session, operator_actor())
    if not tokens:
        typer.echo("トークンはまだありません。")
    for t in tokens:
        typer.echo(
            f"{t.id}\t{t.username}\t{t.name}\t{api_tokens.KINDS.get(t.kind, t.kind)}\t{t.state}\t"
            f"期限 {_when(t.expires_at)}\t最終利用 {_when(t.last_used_at)}"
        )


@app.command("revoke")
def revoke_command(
    token_id: int = typer.Argument(..., help="The token's ID (crm tokens list)."),
) -> None:
    """Stop a token at once."""
    from crm.auth import api_tokens

    with unit_of_work(open_engine()) as session:
        revoked = api_tokens.revoke_token(session, operator_actor(), token_id)
    typer.echo(f"トークン（ID {revoked.id}・{revoked.name}）を失効させました。")
