"""What every command shares: the engine, the acting operator, and clean error exits.

``import crm.cli`` reads every command module to build the help, so the command modules import
the database, the services and the file formats inside the commands, when one runs: ``crm
--help``, ``crm demo`` and ``crm serve`` then start without loading what the other commands
need (pandas, for one, took longer to import than ``crm --help`` now takes to run);
``tests/cli/test_cli_imports.py`` keeps it so.
"""

import os
import sqlite3
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import click
import typer

from crm.actor import SYSTEM, Actor
from crm.errors import CrmError, ValidationError
from crm.files import reason

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlmodel import Session


def open_engine(require_current: bool = True) -> "Engine":
    from alembic.script import ScriptDirectory

    from crm.db import alembic_config, current_revision, make_engine

    with cli_errors():  # an unreadable or broken database is one line too
        engine = make_engine(long_running=True)  # batch work: the long statement timeout
        if require_current:
            head = ScriptDirectory.from_config(alembic_config(engine)).get_current_head()
            current = current_revision(engine)
    if require_current and current != head:
        fail(
            "データベースが最新のスキーマではありません。先に `crm db upgrade` を実行してください。"
        )
    return engine


def fail(message: str, code: int = 1) -> None:
    typer.echo(f"エラー: {message}", err=True)
    raise typer.Exit(code)


def _one_line(text: str, limit: int = 500) -> str:
    line = " ".join(str(text).split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def unexpected_message(error: BaseException) -> str:
    """One Japanese line for an error no service turned into a message (no traceback)."""
    if isinstance(error, OSError):
        where = f": {error.filename}" if error.filename else ""
        return f"ファイルを読み書きできませんでした（{reason(error)}）{where}"
    if isinstance(error, MemoryError):
        return "メモリが足りないため、処理を中止しました。"
    from sqlalchemy.exc import SQLAlchemyError

    if isinstance(error, SQLAlchemyError | sqlite3.Error):
        original = getattr(error, "orig", None) or error
        text = str(original).splitlines()[0] if str(original) else type(original).__name__
        if "full" in text or "disk I/O error" in text:
            return (
                "データベースのファイルを読み書きできませんでした（保存先の空き容量や"
                f"ファイルの大きさの上限を確認してください: {text}）。"
            )
        if isinstance(original, OverflowError) or "out of range" in text or "too large" in text:
            return "保存できる範囲を超える値があるため、書き込めませんでした。"
        return _one_line(f"データベースの処理に失敗しました（{type(original).__name__}: {text}）")
    if isinstance(error, OverflowError):
        return "保存できる範囲を超える値があるため、処理できませんでした。"
    return _one_line(f"予期しないエラーが発生しました（{type(error).__name__}: {error}）")


@contextmanager
def cli_errors() -> Iterator[None]:
    """Turn every error into a one-line message and exit code 1, never a traceback
    (``CRM_DEBUG=1`` prints the traceback as well, for a developer)."""
    try:
        yield
    except ValidationError as error:
        for field, why in error.fields.items():
            typer.echo(f"エラー: {_one_line(f'{field}: {why}')}", err=True)
        raise typer.Exit(1) from None
    except CrmError as error:
        fail(_one_line(str(error)))
    except (typer.Exit, typer.Abort, click.exceptions.ClickException):
        raise
    except Exception as error:
        if os.environ.get("CRM_DEBUG") == "1":
            traceback.print_exc()
        fail(unexpected_message(error))


@contextmanager
def unit_of_work(engine: "Engine") -> Iterator["Session"]:
    from crm.db import session_scope

    with cli_errors(), session_scope(engine) as session:
        yield session


def hub_option(value: str | None) -> str | None:
    """Every ``--hub``'s callback: the code read as on every path (``crm.validation.hub_code``:
    ``6`` is 06); anything else exits with the reason, before the command runs."""
    if value is None:
        return None
    from crm.validation import hub_code

    try:
        return hub_code(value)
    except ValueError as error:
        fail(f"--hub: {error}")  # exits
        return None


def operator_actor(hub: str | None = None) -> Actor:
    """Commands run from the shell act as the system operator (an administrator's shell);
    ``--hub`` narrows reads to one hub."""
    if hub is None:
        return SYSTEM
    from crm.reference import Role

    return Actor(
        user_id=None,
        username="system",
        role=Role.HUB_MANAGER,
        hub_code=hub,
        display_name="システム",
    )
