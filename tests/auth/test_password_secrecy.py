"""Passwords never appear in logs, command output, exports, the audit trail, the database (other
than as Argon2id hashes), the pages or error messages.

Every way a password enters the system is exercised with a distinctive password, then every
place it could leak to is searched for each of them.
"""

import logging
import sqlite3

from sqlmodel import Session
from streamlit.testing.v1 import AppTest
from typer.testing import CliRunner

from crm.actor import SYSTEM
from crm.auth.signin import authenticate
from crm.cli import app
from crm.db import make_engine
from crm.errors import CrmError
from crm.services import users
from tests.pages.conftest import ROOT

FIRST = "Kiwi-Orbit-5521-first"
RESET = "Mango-Delta-8830-reset"
WRONG = "Lemon-Quasar-1177-wrong"
CHANGED = "Papaya-Zenith-4402-changed"
SHORT = "Qx7-shrt"  # refused for its length: the refusal must not quote it
SECRETS = (FIRST, RESET, WRONG, CHANGED, SHORT)


def field(at: AppTest, label: str):
    return next(t for t in at.text_input if t.label == label)


def press(at: AppTest, label: str) -> AppTest:
    next(b for b in at.button if b.label == label).click()
    return at.run()


def page_state(at: AppTest) -> str:
    """What the page shows and what the session holds (typed values included)."""
    return "\n".join(
        [str(at._tree), repr(at.session_state.to_dict()), *(str(t.value) for t in at.text_input)]
    )


def test_passwords_never_leak(tmp_path, monkeypatch, caplog, capfd):
    caplog.set_level(logging.DEBUG)
    for name in ("streamlit", "sqlalchemy", "alembic", "crm"):
        logging.getLogger(name).addHandler(caplog.handler)  # Streamlit's loggers don't propagate
    database = tmp_path / "crm.sqlite3"
    monkeypatch.setenv("CRM_DATABASE_URL", f"sqlite:///{database}")
    monkeypatch.setenv("CRM_DEMO_ON_EMPTY", "0")
    seen: list[str] = []
    runner = CliRunner()

    def cli(*args, stdin=None):
        result = runner.invoke(app, list(args), input=stdin)
        seen.append(result.output + (result.stderr if result.stderr_bytes is not None else ""))
        return result

    assert cli("db", "upgrade").exit_code == 0
    assert cli("users", "add", "boss", "--role", "admin", stdin=FIRST + "\n").exit_code == 0
    assert (
        cli(
            "users", "add", "m01", "--role", "hub_manager", "--hub", "01", stdin=SHORT + "\n"
        ).exit_code
        == 1
    )
    assert (
        cli(
            "users", "add", "m01", "--role", "hub_manager", "--hub", "01", stdin=FIRST + "\n"
        ).exit_code
        == 0
    )
    assert cli("users", "reset-password", "boss", stdin=RESET + "\n").exit_code == 0
    assert cli("users", "reset-password", "boss", stdin=SHORT + "\n").exit_code == 1
    assert cli("users", "list").exit_code == 0

    engine = make_engine()
    with Session(engine) as s:  # error messages from the services
        for attempt in (
            lambda: users.reset_password(s, SYSTEM, "m01", SHORT),
            lambda: users.create_user(s, SYSTEM, username="x", role="secretariat", password=SHORT),
        ):
            try:
                attempt()
            except CrmError as error:
                seen.append(str(error))
        for name, password in (("boss", WRONG), ("nobody", FIRST), ("m01", WRONG)):
            seen.append(str(authenticate(s, name, password).message))
        s.commit()

    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=30).run()
    for name, password in (("boss", WRONG), ("nobody", RESET), ("boss", RESET)):
        field(at, "利用者名").input(name)
        field(at, "パスワード").input(password)
        press(at, "サインイン")
        seen.append(page_state(at))
    assert at.session_state["actor"].username == "boss"
    at.switch_page("pages/account.py").run()
    for current, new in ((WRONG, CHANGED), (RESET, SHORT), (RESET, CHANGED)):
        field(at, "現在のパスワード").input(current)
        field(at, "新しいパスワード（10文字以上）").input(new)
        field(at, "新しいパスワード（確認）").input(new)
        press(at, "パスワードを変更")
        seen.append(page_state(at))
    assert any("パスワードを変更しました" in s.value for s in at.success)

    from crm.csvio.export import full_export

    with Session(engine) as s:
        bundle = full_export(s, SYSTEM)
        seen += [f.data.decode("utf-8-sig", errors="replace") for f in bundle.files]
        s.commit()
    with sqlite3.connect(database) as connection:
        dump = "\n".join(connection.iterdump())
    assert "$argon2id$" in dump  # the hashes are there …
    seen.append(dump)  # … and nothing else of any password (audit trail included)
    out, err = capfd.readouterr()
    seen += [caplog.text, out, err]

    leaks = [(secret, text[:200]) for secret in SECRETS for text in seen if secret in text]
    assert leaks == []
