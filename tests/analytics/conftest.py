import pytest
from sqlmodel import Session

from tests.analytics.known_data import build_known_data


@pytest.fixture
def known(engine):
    """(session, KnownData) on SQLite."""
    with Session(engine, expire_on_commit=False) as session:
        yield session, build_known_data(session)


@pytest.fixture
def known_any(any_engine):
    """(session, KnownData) on SQLite and, when configured, PostgreSQL."""
    with Session(any_engine, expire_on_commit=False) as session:
        yield session, build_known_data(session)
