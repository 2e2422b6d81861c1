"""`crm users …` in-process against a temporary database."""

import pytest
from sqlmodel import Session, select
from typer.testing import CliRunner

from crm.auth.signin import authenticate
from crm.cli import app
from crm.cli import users as users_cli
from crm.db import make_engine
from crm.models import AuditLog, UserAccount

runner = CliRunner()
PASSWORD = "correct horse battery"


@pytest.fixture
def database(tmp_path, monkeypatch):
    monkeypatch.setenv("CRM_DATABASE_URL", f"sqlite:///{tmp_path / 'crm.sqlite3'}")
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    engine = make_engine()
    yield engine
    engine.dispose()


def crm(*args, stdin=None):
    return runner.invoke(app, list(args), input=stdin)


def listing(result) -> dict[str, list[str]]:
    lines = result.output.strip().splitlines()
    assert lines[0].split("\t") == [
        "username",
        "role",
        "hub",
        "email",
        "state",
        "lock",
        "last_sign_in",
    ]
    return {line.split("\t")[0]: line.split("\t")[1:] for line in lines[1:]}


def test_add_reads_the_password_from_standard_input(database):
    result = crm(
        "users",
        "add",
        "yamagata",
        "--role",
        "hub_manager",
        "--hub",
        "06",
        "--email",
        "yamagata@example.jp",
        "--display-name",
        "山形 花子",
        stdin=PASSWORD + "\n",
    )
    assert result.exit_code == 0, result.output
    assert "yamagata（拠点マネージャー・拠点 06）" in result.output
    with Session(database) as s:
        assert authenticate(s, "yamagata", PASSWORD).ok  # the newline is not part of it
        user = s.exec(select(UserAccount).where(UserAccount.username == "yamagata")).one()
        assert (user.display_name, user.email) == ("山形 花子", "yamagata@example.jp")
    assert listing(crm("users", "list"))["yamagata"][:4] == [
        "hub_manager",
        "06",
        "yamagata@example.jp",
        "active",
    ]


def test_add_prompts_twice_on_a_terminal(database, monkeypatch):
    monkeypatch.setattr(users_cli, "_interactive", lambda: True)
    mismatch = crm(
        "users",
        "add",
        "office",
        "--role",
        "secretariat",
        stdin=f"{PASSWORD}\nsomething else\n{PASSWORD}\n{PASSWORD}\n",
    )
    assert mismatch.exit_code == 0, mismatch.output
    assert PASSWORD not in mismatch.output  # hidden input is not echoed
    with Session(database) as s:
        assert authenticate(s, "office", PASSWORD).ok


def test_add_refuses_bad_input_without_a_traceback(database):
    short = crm("users", "add", "x", "--role", "admin", stdin="short\n")
    assert short.exit_code == 1 and "10文字以上" in short.output
    no_hub = crm("users", "add", "m", "--role", "hub_manager", stdin=PASSWORD + "\n")
    assert no_hub.exit_code == 1 and "拠点コード" in no_hub.output
    bad_role = crm("users", "add", "m", "--role", "boss", stdin=PASSWORD + "\n")
    assert bad_role.exit_code == 2
    assert "Traceback" not in short.output + no_hub.output + bad_role.output
    sso = crm("users", "add", "sato", "--role", "admin", "--sso-only")
    assert sso.exit_code == 1 and "--email" in sso.output


def test_sso_only_account_has_no_password(database):
    result = crm(
        "users", "add", "sato", "--role", "admin", "--email", "sato@example.jp", "--sso-only"
    )
    assert result.exit_code == 0, result.output
    with Session(database) as s:
        assert (
            s.exec(select(UserAccount.password_hash).where(UserAccount.username == "sato")).one()
            is None
        )


def test_lock_disable_enable_unlock_and_reset(database):
    crm("users", "add", "boss", "--role", "admin", stdin=PASSWORD + "\n")
    crm("users", "add", "m01", "--role", "hub_manager", "--hub", "01", stdin=PASSWORD + "\n")
    with Session(database) as s:
        for _ in range(5):
            authenticate(s, "m01", "not the password")
        s.commit()
    assert listing(crm("users", "list"))["m01"][4].startswith("locked until ")
    assert crm("users", "unlock", "m01").exit_code == 0
    assert listing(crm("users", "list"))["m01"][4] == "-"

    assert crm("users", "disable", "m01").exit_code == 0
    assert listing(crm("users", "list"))["m01"][3] == "disabled"
    with Session(database) as s:
        assert not authenticate(s, "m01", PASSWORD).ok
        s.commit()
    assert crm("users", "enable", "m01").exit_code == 0

    assert crm("users", "reset-password", "m01", stdin="a brand new password\n").exit_code == 0
    assert crm("users", "sign-out-everywhere", "m01").exit_code == 0
    missing = crm("users", "disable", "nobody")
    assert missing.exit_code == 1 and "nobody" in missing.output
    with Session(database) as s:
        assert authenticate(s, "m01", "a brand new password").ok
        actions = s.exec(
            select(AuditLog.action)
            .where(AuditLog.username == "system", AuditLog.entity_id == "2")
            .order_by(AuditLog.id)
        ).all()
    assert actions == [
        "create",
        "unlock",
        "disable",
        "enable",
        "password_reset",
        "sign_out_everywhere",
    ]
