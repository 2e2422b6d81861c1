"""Cheap Argon2id parameters for tests (the app's defaults take about half a second a hash)."""

import pytest
from argon2 import PasswordHasher

from crm.auth import passwords


@pytest.fixture
def fast_password_hashing(monkeypatch):
    monkeypatch.setattr(
        passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )
    passwords._decoy_hash.cache_clear()
    yield
    passwords._decoy_hash.cache_clear()
