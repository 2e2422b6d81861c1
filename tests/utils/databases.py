"""Throw-away databases for tests: a copy of a migrated SQLite template, or a new PostgreSQL
database (empty, or cloned from a template database)."""

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from crm.db import make_engine

POSTGRES_URL = os.environ.get("CRM_TEST_POSTGRES_URL")


@contextmanager
def sqlite_copy(template: Path, path: Path) -> Iterator[Engine]:
    """An engine on a copy of ``template`` at ``path`` (disposed afterwards)."""
    shutil.copy(template, path)
    engine = make_engine(f"sqlite:///{path}")
    try:
        yield engine
    finally:
        engine.dispose()


@contextmanager
def postgres_database(prefix: str, template: str | None = None) -> Iterator[Engine]:
    """An engine on a new database on CRM_TEST_POSTGRES_URL's server, empty or a clone of
    database ``template``; dropped afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    admin = make_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    clone = f' TEMPLATE "{template}"' if template else ""
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"{clone}'))
    engine = make_engine(
        make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    )
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
