"""``crm users``: accounts, run by the operator (acts as the system administrator, audited).

Passwords are read from standard input when it is not a terminal (``echo … | crm users add``),
or from a hidden prompt asked twice. They are never accepted as a command-line argument, which
would leave them in the shell history and the process list.
"""

import sys
from typing import Annotated

import typer

from crm.cli.common import (
    cli_errors,
    fail,
    hub_option,
    open_engine,
    operator_actor,
    unit_of_work,
)
from crm.errors import ValidationError
from crm.reference import Role
from crm.timeutil import to_jst

app = typer.Typer(
    help="User accounts: add, list, disable, enable, reset-password, unlock.", no_args_is_help=True
)


# The option each refused field of ``users.create_user`` was given with.
OPTIONS = {
    "username": "利用者名",
    "role": "--role",
    "hub_code": "--hub",
    "email": "--email",
    "display_name": "--display-name",
    "password": "パスワード",
    "partner_id": "--partner",
}


def _interactive() -> bool:
    return sys.stdin.isatty()


def read_password(prompt: str = "パスワード") -> str:
    if not _interactive():
        # First line only; the trailing newline of `echo` is not part of the password.
        return sys.stdin.readline().rstrip("\r\n")
    return typer.prompt(prompt, hide_input=True, confirmation_prompt=f"{prompt}（確認）")


@app.command("add")
def add_command(
    name: Annotated[str, typer.Argument(help="User name used to sign in.")],
    role: Annotated[
        Role, typer.Option("--role", help="hub_manager, secretariat, admin or partner.")
    ],
    hub: str | None = typer.Option(
        None, "--hub", callback=hub_option, help="A hub manager's prefecture code, e.g. 06."
    ),
    email: str | None = typer.Option(None, "--email", help="E-mail matched by single sign-on."),
    display_name: str | None = typer.Option(None, "--display-name", help="Name shown in the app."),
    partner: int | None = typer.Option(
        None, "--partner", help="A partner account: the ID of its partner (the パートナー page)."
    ),
    sso_only: bool = typer.Option(
        False, "--sso-only", help="No password: the account signs in only through SSO."
    ),
) -> None:
    """Create an account. The password comes from standard input or a hidden prompt.

    Examples:
      crm users add yamagata --role hub_manager --hub 06 --display-name "山形 太郎"
      printf '%s\\n' "$PASSWORD" | crm users add office --role secretariat
      crm users add sato --role admin --email sato@example.jp --sso-only
      crm users add agent1 --role partner --partner 3 --display-name "人材 一郎"
    """
    from crm.services import users

    if sso_only and not email:
        fail(
            "--sso-only には --email が必要です（シングルサインオンはメールアドレスで照合します）。"
        )
    password = None if sso_only else read_password()
    engine = open_engine()
    with unit_of_work(engine) as session:
        try:
            user = users.create_user(
                session,
                operator_actor(),
                username=name,
                role=role.value,
                hub_code=hub,
                display_name=display_name,
                email=email,
                password=password,
                partner_id=partner,
            )
        except ValidationError as error:  # named by the option the value came from
            raise ValidationError(
                {OPTIONS.get(field, field): why for field, why in error.fields.items()}
            ) from None
        summary = (
            f"{user.username}（{Role(user.role).label}"
            + (f"・拠点 {user.hub_code}" if user.hub_code else "")
            + (f"・パートナーID {user.partner_id}" if user.partner_id else "")
            + "）"
        )
    typer.echo(f"利用者 {summary} を作成しました。")


@app.command("list")
def list_command() -> None:
    """List accounts with their state: active or disabled, locked, failed sign-ins."""
    from sqlmodel import Session

    from crm.services import users

    engine = open_engine()
    with cli_errors(), Session(engine) as session:
        accounts = users.list_accounts(session, operator_actor())
    typer.echo("username\trole\thub\temail\tstate\tlock\tlast_sign_in")
    for a in accounts:
        if a.locked and a.locked_until is not None:
            lock = f"locked until {to_jst(a.locked_until):%Y-%m-%d %H:%M}"
        else:
            lock = f"{a.failed_attempts} failed" if a.failed_attempts else "-"
        last = f"{to_jst(a.last_sign_in_at):%Y-%m-%d %H:%M}" if a.last_sign_in_at else "-"
        typer.echo(
            "\t".join(
                [
                    a.username,
                    a.role,
                    a.hub_code or "-",
                    a.email or "-",
                    "active" if a.active else "disabled",
                    lock,
                    last,
                ]
            )
        )


@app.command("disable")
def disable_command(name: str = typer.Argument(...)) -> None:
    """Disable an account: it can no longer sign in and its open sessions end."""
    from crm.services import users

    with unit_of_work(open_engine()) as session:
        users.set_active(session, operator_actor(), name, False)
    typer.echo(f"利用者 {name} を利用停止にしました。")


@app.command("enable")
def enable_command(name: str = typer.Argument(...)) -> None:
    """Re-enable a disabled account."""
    from crm.services import users

    with unit_of_work(open_engine()) as session:
        users.set_active(session, operator_actor(), name, True)
    typer.echo(f"利用者 {name} を利用再開にしました。")


@app.command("reset-password")
def reset_password_command(name: str = typer.Argument(...)) -> None:
    """Set a new password (standard input or hidden prompt); lifts a lock, ends sessions."""
    from crm.services import users

    password = read_password("新しいパスワード")
    with unit_of_work(open_engine()) as session:
        users.reset_password(session, operator_actor(), name, password)
    typer.echo(f"利用者 {name} のパスワードを再設定しました。")


@app.command("unlock")
def unlock_command(name: str = typer.Argument(...)) -> None:
    """Lift a lock-out caused by repeated failed sign-ins."""
    from crm.services import users

    with unit_of_work(open_engine()) as session:
        users.unlock(session, operator_actor(), name)
    typer.echo(f"利用者 {name} のロックを解除しました。")


@app.command("sign-out-everywhere")
def sign_out_everywhere_command(name: str = typer.Argument(...)) -> None:
    """End every open session of an account (e.g. a lost laptop)."""
    from crm.services import users

    with unit_of_work(open_engine()) as session:
        users.sign_out_everywhere(session, operator_actor(), name)
    typer.echo(f"利用者 {name} のセッションをすべて終了しました。")
