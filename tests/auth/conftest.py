import pytest

from tests.auth import audit_check
from tests.utils import passwords

fast_password_hashing = passwords.fast_password_hashing
template_snapshot = audit_check.template_snapshot
writes_are_audited = audit_check.writes_are_audited


@pytest.fixture(autouse=True)
def _cheap_hashes_and_audited_writes(fast_password_hashing, writes_are_audited):
    """Every test here hashes with cheap Argon2id parameters, and every write it makes to its
    database must leave an audit entry."""
