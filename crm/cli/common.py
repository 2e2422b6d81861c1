"""What every command shares: the engine, the acting operator, and clean error exits."""

from collections.abc import Iterator
from contextlib import contextmanager

import typer
from alembic.script import ScriptDirectory
from sqlalchemy import Engine
from sqlmodel import Session

from crm.actor import SYSTEM, Actor
from crm.db import alembic_config, current_revision, make_engine, session_scope
from crm.errors import CrmError, ValidationError


def open_engine(require_current: bool = True) -> Engine:
    engine = make_engine()
    if require_current:
        head = ScriptDirectory.from_config(alembic_config(engine)).get_current_head()
        if current_revision(engine) != head:
            fail(
                "データベースが最新のスキーマではありません。"
                "先に `crm db upgrade` を実行してください。"
            )
    return engine


def fail(message: str, code: int = 1) -> None:
    typer.echo(f"エラー: {message}", err=True)
    raise typer.Exit(code)


@contextmanager
def cli_errors() -> Iterator[None]:
    """Turn service errors into a one-line message and exit code 1, never a traceback."""
    try:
        yield
    except ValidationError as error:
        for field, reason in error.fields.items():
            typer.echo(f"エラー: {field}: {reason}", err=True)
        raise typer.Exit(1) from None
    except CrmError as error:
        fail(str(error))


@contextmanager
def unit_of_work(engine: Engine) -> Iterator[Session]:
    with cli_errors(), session_scope(engine) as session:
        yield session


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
