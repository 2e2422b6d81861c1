"""The PostgreSQL engine plans every statement for its own values (crm.db.make_engine)."""

import pytest
from sqlalchemy import text

from crm.db import make_engine
from tests.conftest import NO_POSTGRES
from tests.utils.databases import POSTGRES_URL


def _plan_cache_mode(url: str) -> str:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return connection.execute(text("SHOW plan_cache_mode")).scalar_one()
    finally:
        engine.dispose()


@pytest.mark.skipif(not POSTGRES_URL, reason=NO_POSTGRES)
def test_statements_are_planned_for_their_values():
    assert POSTGRES_URL
    assert _plan_cache_mode(POSTGRES_URL) == "force_custom_plan"
    # A URL that sets its own options keeps them.
    separator = "&" if "?" in POSTGRES_URL else "?"
    assert _plan_cache_mode(f"{POSTGRES_URL}{separator}options=-c%20plan_cache_mode%3Dauto") == (
        "auto"
    )
