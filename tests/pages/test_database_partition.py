"""A page whose database link goes silent (a proxy that stops forwarding) shows the Japanese
「データベースに接続できません」 message in time, not a spinner forever nor 「予期しないエラー」,
and shows the page again once the link is back (crm.db_timeouts, ui.failures)."""

import time

import pytest
from sqlalchemy.engine import make_url

from crm.db import make_engine, session_scope
from crm.db_timeouts import UNAVAILABLE
from tests.conftest import NO_POSTGRES
from tests.utils.databases import POSTGRES_URL
from tests.utils.factories import make_actors, make_company
from tests.utils.stalling_proxy import StallingProxy

pytestmark = [pytest.mark.postgres, pytest.mark.skipif(not POSTGRES_URL, reason=NO_POSTGRES)]

CONNECT_TIMEOUT = 2  # libpq's least
# The page's first read on a silent link: the pool's check of an idle connection, then a new
# connection (each bounded by the connect timeout), with a loaded machine's margin.
BOUND = 2 * CONNECT_TIMEOUT + 4


@pytest.fixture
def proxy():
    server = make_url(POSTGRES_URL)
    with StallingProxy((server.host or "127.0.0.1", server.port or 5432)) as proxy:
        yield proxy


@pytest.fixture
def engine(postgres_engine, proxy, monkeypatch):
    """This test's database through the proxy (``app_env`` points the app at its URL)."""
    monkeypatch.setenv("CRM_DB_CONNECT_TIMEOUT_SECONDS", str(CONNECT_TIMEOUT))
    monkeypatch.setenv("CRM_DB_STATEMENT_TIMEOUT_SECONDS", "1")
    engine = make_engine(
        postgres_engine.url.set(host="127.0.0.1", port=proxy.port).render_as_string(
            hide_password=False
        )
    )
    yield engine
    engine.dispose()


def test_a_silent_database_shows_the_message_and_the_page_comes_back(
    postgres_engine, engine, open_page, proxy
):
    with session_scope(postgres_engine) as s:
        manager = make_actors(s).manager01
        make_company(s, manager, name="山形精機株式会社")

    at = open_page(manager, "pages/companies.py", timeout=60)
    assert not at.exception
    assert not at.error, [e.value for e in at.error]

    proxy.stop_forwarding()
    started = time.monotonic()
    at.run()
    elapsed = time.monotonic() - started
    assert not at.exception, [e.value for e in at.exception]
    assert [e.value for e in at.error] == [UNAVAILABLE]
    assert elapsed < BOUND

    proxy.resume_forwarding()
    at.run()
    assert not at.exception
    assert not at.error, [e.value for e in at.error]
