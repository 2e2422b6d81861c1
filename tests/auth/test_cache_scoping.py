"""Cached reads (ui.cache.cached_read) never hand one reader's results to another hub or role.

st.cache_data works without a running app (an in-memory cache), so these call the real cache.
"""

import pytest
import streamlit as st

from crm.errors import PermissionDenied
from crm.services import companies, users
from tests.utils.factories import make_company


@pytest.fixture
def cache(engine, monkeypatch):
    monkeypatch.setenv("CRM_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    st.cache_data.clear()
    from ui import cache as module

    yield module
    st.cache_data.clear()


def names(rows) -> set[str]:
    return {c.name for c in rows}


def test_two_hubs_never_share_a_cached_result(cache, session, actors):
    make_company(session, actors.manager01, name="一号の会社")
    make_company(session, actors.manager02, name="二号の会社")
    session.commit()
    first = cache.cached_read(companies.search_companies, actors.manager01)
    second = cache.cached_read(companies.search_companies, actors.manager02)
    national = cache.cached_read(companies.search_companies, actors.secretariat)
    assert names(first) == {"一号の会社"}
    assert names(second) == {"二号の会社"}
    assert names(national) == {"一号の会社", "二号の会社"}
    # Asked again, each reader gets their own cached entry back, not the last one computed.
    assert names(cache.cached_read(companies.search_companies, actors.manager01)) == {"一号の会社"}


def test_a_write_in_any_session_invalidates_the_cached_result(cache, session, actors):
    make_company(session, actors.manager01, name="最初の会社")
    session.commit()
    assert names(cache.cached_read(companies.search_companies, actors.manager01)) == {"最初の会社"}
    make_company(session, actors.manager01, name="後から登録した会社")
    session.commit()
    assert names(cache.cached_read(companies.search_companies, actors.manager01)) == {
        "最初の会社",
        "後から登録した会社",
    }


def test_roles_with_the_same_scope_never_share_a_cached_result(cache, actors):
    """Secretariat and administrators both read 'all' hubs, but only an administrator may list
    accounts: a result cached for the administrator must not reach the secretariat."""
    accounts = cache.cached_read(users.list_accounts, actors.admin)
    assert {a.username for a in accounts} >= {"admin", "secretariat"}
    with pytest.raises(PermissionDenied):
        cache.cached_read(users.list_accounts, actors.secretariat)
