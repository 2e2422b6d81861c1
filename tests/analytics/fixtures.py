"""Fixtures for the known data set: built once per test session into a SQLite file and
copied for each test (building it through the services takes a few seconds)."""

import shutil

import pytest
from sqlmodel import Session

from crm.db import make_engine
from tests.analytics.known_data import build_known_data
from tests.utils.databases import sqlite_copy


@pytest.fixture(scope="session")
def known_template(sqlite_template, tmp_path_factory):
    """(path of a SQLite file holding the known data set, its KnownData)."""
    path = tmp_path_factory.mktemp("known") / "known.sqlite3"
    shutil.copy(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    with Session(engine, expire_on_commit=False) as session:
        data = build_known_data(session)
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path, data


@pytest.fixture
def known_engine(known_template, tmp_path):
    """A per-test copy of the known data set (SQLite)."""
    with sqlite_copy(known_template[0], tmp_path / "known.sqlite3") as engine:
        yield engine


@pytest.fixture
def known(known_engine, known_template):
    """(session, KnownData) on a copy of the SQLite template."""
    with Session(known_engine, expire_on_commit=False) as session:
        yield session, known_template[1]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def known_any(request, known_template):
    """(session, KnownData) on SQLite (template copy) and, when configured, PostgreSQL."""
    if request.param == "sqlite":
        engine = request.getfixturevalue("known_engine")
        data = known_template[1]
        with Session(engine, expire_on_commit=False) as session:
            yield session, data
        return
    engine = request.getfixturevalue("postgres_engine")
    with Session(engine, expire_on_commit=False) as session:
        data = build_known_data(session)
        # Same seed, same order of writes: the same records as the SQLite template.
        assert data.consultations == known_template[1].consultations
        yield session, data
