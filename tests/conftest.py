"""Fixtures: a migrated database per test (SQLite always; PostgreSQL when configured).

PostgreSQL tests read ``CRM_TEST_POSTGRES_URL`` (e.g. postgresql+psycopg://postgres@127.0.0.1/test);
without it they are skipped with that reason. ``.ci/run`` always sets it.
"""

import shutil

import pytest
from sqlmodel import Session

from crm.db import make_engine, upgrade
from tests.utils.databases import POSTGRES_URL, postgres_database, sqlite_copy
from tests.utils.factories import make_actors

# The known data set (tests/analytics/fixtures.py) serves the analytics, CLI and page tests.
pytest_plugins = ["tests.analytics.fixtures"]

NO_POSTGRES = "CRM_TEST_POSTGRES_URL is not set: PostgreSQL tests skipped (.ci/run sets it)"


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    """One migrated SQLite file, copied for each test (migrating per test would be slow)."""
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture
def sqlite_engine(sqlite_template, tmp_path):
    with sqlite_copy(sqlite_template, tmp_path / "crm.sqlite3") as engine:
        yield engine


@pytest.fixture(scope="session")
def postgres_template():
    """A migrated PostgreSQL database used as the template for each test's database."""
    if not POSTGRES_URL:
        pytest.skip(NO_POSTGRES)
    with postgres_database("crm_template") as engine:
        upgrade(engine)
        engine.dispose()  # a template database must have no open connections
        yield engine.url.database


@pytest.fixture
def postgres_engine(postgres_template):
    with postgres_database("crm_test", template=postgres_template) as engine:
        yield engine


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_engine(request):
    """Runs the test on SQLite and, when configured, on PostgreSQL."""
    return request.getfixturevalue(f"{request.param}_engine")


@pytest.fixture
def engine(sqlite_engine):
    return sqlite_engine


@pytest.fixture
def session(engine):
    with Session(engine, expire_on_commit=False) as session:
        yield session
        session.rollback()


@pytest.fixture
def actors(session):
    actors = make_actors(session)
    session.commit()
    return actors


# --- demo data (crm.demo) --------------------------------------------------------------------

# CRM_DEMO_PASSWORD while the demo template loads: every demo account signs in with it.
DEMO_TEST_PASSWORD = "demo-test-password"


@pytest.fixture(scope="session")
def _demo_load(sqlite_template, tmp_path_factory):
    from crm.demo import load_demo

    path = tmp_path_factory.mktemp("demo") / "demo.sqlite3"
    shutil.copy(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CRM_DEMO_PASSWORD", DEMO_TEST_PASSWORD)
        summary = load_demo(engine)
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path, summary


@pytest.fixture(scope="session")
def demo_template(_demo_load):
    """A SQLite file holding the full demo history (``load_demo``, seed 2016), loaded once per
    session. Accounts: admin, secretariat, hub01…hub47 (no hub13), password DEMO_TEST_PASSWORD."""
    return _demo_load[0]


@pytest.fixture(scope="session")
def demo_summary(_demo_load):
    """The DemoSummary of the template's load (counts per entity, accounts)."""
    return _demo_load[1]


@pytest.fixture
def demo_engine(demo_template, tmp_path):
    """A per-test copy of the demo database. To run page tests on it, override ``engine`` in
    the test module: ``@pytest.fixture\\ndef engine(demo_engine): return demo_engine``."""
    with sqlite_copy(demo_template, tmp_path / "demo.sqlite3") as engine:
        yield engine
