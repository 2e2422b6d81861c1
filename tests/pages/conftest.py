"""Page tests: run the real entry script under AppTest against a per-test SQLite database."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.auth import audit_check
from tests.utils import passwords
from ui.headless import run_entry_script_every_run

ROOT = Path(__file__).resolve().parents[2]

# Opt-in fixtures for page tests: cheap Argon2id hashing; every write leaves an audit entry.
fast_password_hashing = passwords.fast_password_hashing
template_snapshot = audit_check.template_snapshot
writes_are_audited = audit_check.writes_are_audited


@pytest.fixture(autouse=True)
def entry_script_every_run():
    """Run streamlit_app.py on every AppTest run, as the server does (see ui.headless)."""
    undo = run_entry_script_every_run()
    yield
    undo()


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
