import pytest
from sqlmodel import Session

from tests.auth import audit_check
from tests.utils import passwords

fast_password_hashing = passwords.fast_password_hashing
template_snapshot = audit_check.template_snapshot
writes_are_audited = audit_check.writes_are_audited


@pytest.fixture(autouse=True)
def _cheap_hashes_and_audited_writes(fast_password_hashing, writes_are_audited):
    """Every test here hashes with cheap Argon2id parameters, and every write it makes to its
    database must leave an audit entry."""


@pytest.fixture
def any_session(any_engine):
    """A session on SQLite and, when configured, on PostgreSQL (with the four test actors)."""
    from tests.utils.factories import make_actors

    with Session(any_engine, expire_on_commit=False) as session:
        session.info["actors"] = make_actors(session)
        session.commit()
        yield session
        session.rollback()
