import pytest

from tests.utils.passwords import fast_password_hashing  # noqa: F401


@pytest.fixture(autouse=True)
def _cheap_hashes(fast_password_hashing):
    """Every test here hashes with cheap Argon2id parameters."""
