"""Page tests: run the real entry script under AppTest against a per-test SQLite database."""

from pathlib import Path

import pytest
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest

from tests.auth import audit_check
from tests.utils import passwords

ROOT = Path(__file__).resolve().parents[2]

# Opt-in fixtures for page tests: cheap Argon2id hashing; every write leaves an audit entry.
fast_password_hashing = passwords.fast_password_hashing
template_snapshot = audit_check.template_snapshot
writes_are_audited = audit_check.writes_are_audited


@pytest.fixture(autouse=True)
def entry_script_every_run(monkeypatch):
    """Run streamlit_app.py on every AppTest run, as the server does.

    Because a ``pages/`` folder sits beside the entry script, AppTest starts each run in
    Streamlit's old folder mode, which runs the last page's file directly and skips the entry
    script (its sign-in, session checks and role navigation). A running server leaves that mode
    for good at the first st.navigation call; this makes every test run do the same."""
    original = PagesManager.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    monkeypatch.setattr(PagesManager, "__init__", init)


@pytest.fixture
def app_env(engine, monkeypatch):
    """Point the app at this test's database, without demo loading."""
    monkeypatch.setenv("CRM_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("CRM_DEMO_ON_EMPTY", "0")
    return engine


@pytest.fixture
def open_page(app_env):
    """open_page(actor, "pages/companies.py", query={"company": "1"}) -> AppTest after run."""

    def run(actor, page: str | None = None, query: dict | None = None, timeout: float = 30):
        at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=timeout)
        at.session_state["actor"] = actor
        for key, value in (query or {}).items():
            at.query_params[key] = value
        at.run()
        if page is not None:
            at.switch_page(page)
            at.run()
        return at

    return run
