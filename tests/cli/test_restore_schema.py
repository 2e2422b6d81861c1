"""`crm restore` and `crm db transfer` install only our schema (issue 22, item 3).

A backup (or a transfer's source) holding one schema object our migrations do not make — a
trigger that makes a hub manager an administrator when a password is reset, a table for stolen
hashes, a view over the password hashes — or an index defined differently is refused in one
line naming the object, exit 1, and the target is not touched. A good backup still restores.
Both on SQLite (file backups) and PostgreSQL (pg_dump archives).
"""

import os
import shutil
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlmodel import Session
from typer.testing import CliRunner

from crm.cli import app
from crm.models import UserAccount
from crm.schema_objects import postgres_objects
from tests.utils.databases import postgres_database, sqlite_copy
from tests.utils.factories import make_actors, make_company


def crm(*args: str, url: str):
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CRM_DATABASE_URL", url)
        patch.setenv("CRM_DEMO_ON_EMPTY", "0")
        patch.delenv("CRM_DEBUG", raising=False)
        result = CliRunner().invoke(app, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def url_of(engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def one_line_error(result) -> str:
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("エラー: "), result.stderr
    assert "Traceback" not in result.output
    return lines[0]


def fill(engine) -> None:
    with Session(engine, expire_on_commit=False) as session:
        actors = make_actors(session)
        make_company(session, actors.manager01, name="株式会社復元")
        session.commit()


def user_count(engine) -> int:
    with Session(engine) as session:
        return session.execute(select(func.count()).select_from(UserAccount)).scalar_one()


# What each tampering adds, and how the refusal names it.
SQLITE_TAMPERING = {
    "trigger": (
        [
            "CREATE TRIGGER promote_on_password AFTER UPDATE OF password_hash ON user_account"
            " WHEN new.role = 'hub_manager'"
            " BEGIN UPDATE user_account SET role = 'admin' WHERE id = new.id; END"
        ],
        ["本製品のスキーマにないトリガー「promote_on_password」"],
    ),
    "table": (
        ["CREATE TABLE stolen_hash (username TEXT, password_hash TEXT)"],
        ["本製品のスキーマにないテーブル「stolen_hash」"],
    ),
    "index": (
        [
            "DROP INDEX ix_company_hub_code",
            "CREATE INDEX ix_company_hub_code ON company (hub_code) WHERE merged_into IS NULL",
        ],
        ["定義が本製品と異なるインデックス「ix_company_hub_code」"],
    ),
    "view": (
        ["CREATE VIEW password_hashes AS SELECT username, password_hash FROM user_account"],
        ["本製品のスキーマにないビュー「password_hashes」"],
    ),
}

POSTGRES_TAMPERING = {
    "trigger": (
        [
            "CREATE FUNCTION promote_hub_manager() RETURNS trigger LANGUAGE plpgsql AS"
            " $$BEGIN UPDATE user_account SET role = 'admin' WHERE id = NEW.id; RETURN NEW; END$$",
            "CREATE TRIGGER promote_on_password AFTER UPDATE OF password_hash ON user_account"
            " FOR EACH ROW WHEN (NEW.role = 'hub_manager') EXECUTE FUNCTION promote_hub_manager()",
        ],
        [
            "本製品のスキーマにない関数「promote_hub_manager()」",
            "本製品のスキーマにないトリガー「promote_on_password on user_account」",
        ],
    ),
    "table": (
        ["CREATE TABLE stolen_hash (username text, password_hash text)"],
        ["本製品のスキーマにないテーブル「stolen_hash」"],
    ),
    "index": (
        [
            "DROP INDEX ix_company_hub_code",
            "CREATE INDEX ix_company_hub_code ON company (hub_code) WHERE merged_into IS NULL",
        ],
        ["定義が本製品と異なるインデックス「ix_company_hub_code」"],
    ),
    "view": (
        ["CREATE VIEW password_hashes AS SELECT username, password_hash FROM user_account"],
        ["本製品のスキーマにないビュー「password_hashes」"],
    ),
}


# --- SQLite ----------------------------------------------------------------------------------


@pytest.fixture
def good_backup(sqlite_engine, tmp_path) -> Path:
    fill(sqlite_engine)
    out = tmp_path / "good.sqlite3"
    assert crm("backup", str(out), url=url_of(sqlite_engine)).exit_code == 0
    return out


def tampered_copy(backup: Path, statements: list[str]) -> Path:
    tampered = backup.with_name(f"tampered-{backup.name}")
    shutil.copy(backup, tampered)
    with sqlite3.connect(tampered) as connection:
        for statement in statements:
            connection.execute(statement)
    return tampered


def dump(path: Path) -> list[str]:
    with sqlite3.connect(path) as connection:
        return list(connection.iterdump())


def test_the_tampering_trigger_would_promote_a_hub_manager(good_backup):
    """The trigger of the tests does what the issue describes, so refusing it matters."""
    tampered = tampered_copy(good_backup, SQLITE_TAMPERING["trigger"][0])
    with sqlite3.connect(tampered) as connection:
        connection.execute(
            "UPDATE user_account SET password_hash = 'x' WHERE username = ?", ("manager01",)
        )
        role = connection.execute(
            "SELECT role FROM user_account WHERE username = 'manager01'"
        ).fetchone()[0]
    assert role == "admin"


@pytest.mark.parametrize("tampering", sorted(SQLITE_TAMPERING))
def test_a_tampered_sqlite_backup_is_refused_into_a_new_database(good_backup, tmp_path, tampering):
    statements, named = SQLITE_TAMPERING[tampering]
    tampered = tampered_copy(good_backup, statements)
    target = tmp_path / "restored" / "crm.sqlite3"

    line = one_line_error(crm("restore", str(tampered), url=f"sqlite:///{target}"))

    assert line.startswith(f"エラー: バックアップ {tampered} "), line
    for name in named:
        assert name in line, line
    assert "復元しません" in line, line
    assert not target.exists() and not Path(f"{target}-wal").exists()


@pytest.mark.parametrize("tampering", sorted(SQLITE_TAMPERING))
def test_a_tampered_sqlite_backup_leaves_a_database_it_would_replace_unchanged(
    good_backup, sqlite_template, tmp_path, tampering
):
    statements, named = SQLITE_TAMPERING[tampering]
    tampered = tampered_copy(good_backup, statements)
    with sqlite_copy(sqlite_template, tmp_path / "live.sqlite3") as live:
        with Session(live) as session:
            make_actors(session)
            session.commit()
        live.dispose()
        path = Path(str(live.url.database))
        before = dump(path)

        line = one_line_error(crm("restore", "--replace", str(tampered), url=url_of(live)))

        assert named[0] in line, line
        assert dump(path) == before
        assert user_count(live) == 4


def test_a_good_sqlite_backup_restores(good_backup, sqlite_template, tmp_path):
    target = tmp_path / "restored.sqlite3"
    result = crm("restore", str(good_backup), url=f"sqlite:///{target}")
    assert result.exit_code == 0, result.output
    assert "company: 1 行" in result.stdout
    assert user_count_at(target) == 4

    # And over a database with other data, with --replace.
    with sqlite_copy(sqlite_template, tmp_path / "other.sqlite3") as other:
        result = crm("restore", "--replace", str(good_backup), url=url_of(other))
        assert result.exit_code == 0, result.output
        assert user_count(other) == 4


def user_count_at(path: Path) -> int:
    with sqlite3.connect(path) as connection:
        return connection.execute("SELECT count(*) FROM user_account").fetchone()[0]


def test_db_transfer_refuses_a_tampered_sqlite_source(sqlite_engine, sqlite_template, tmp_path):
    fill(sqlite_engine)
    with sqlite_engine.begin() as connection:
        connection.exec_driver_sql(SQLITE_TAMPERING["trigger"][0][0])
    with sqlite_copy(sqlite_template, tmp_path / "target.sqlite3") as target:
        line = one_line_error(
            crm("db", "transfer", "--to", url_of(target), url=url_of(sqlite_engine))
        )
        assert line == (
            "エラー: 移行元のデータベースに本製品のスキーマにないトリガー「promote_on_password」"
            "があるため移行しません。"
        )
        assert user_count(target) == 0


# --- PostgreSQL ------------------------------------------------------------------------------


def no_scratch_databases_left() -> bool:
    """None of this process's scratch databases is left (another test process may be
    restoring at the same moment: its scratch databases carry its own process id)."""
    with postgres_database("crm_probe") as probe, probe.connect() as connection:
        left = connection.execute(
            text("SELECT count(*) FROM pg_database WHERE datname LIKE :mine"),
            {"mine": f"crm_schema_check_{os.getpid()}_%"},
        ).scalar_one()
    return left == 0


def pg_backup(engine, out: Path) -> Path:
    result = crm("backup", str(out), url=url_of(engine))
    if result.exit_code == 2:
        pytest.skip("pg_dump is not installed")
    assert result.exit_code == 0, result.output
    return out


@pytest.mark.postgres
@pytest.mark.parametrize("tampering", sorted(POSTGRES_TAMPERING))
def test_a_tampered_pg_dump_is_refused_and_the_target_untouched(
    postgres_engine, postgres_template, tmp_path, tampering
):
    statements, named = POSTGRES_TAMPERING[tampering]
    fill(postgres_engine)
    with postgres_engine.begin() as connection:
        for statement in statements:
            connection.execute(text(statement))
    tampered = pg_backup(postgres_engine, tmp_path / "tampered.dump")

    with postgres_database("crm_restore") as empty:
        line = one_line_error(crm("restore", str(tampered), url=url_of(empty)))
        for name in named:
            assert name in line, line
        assert line.startswith(f"エラー: バックアップ {tampered} "), line
        with empty.connect() as connection:
            assert postgres_objects(connection) == {}  # not one object restored

    with postgres_database("crm_live", template=postgres_template) as live:
        fill(live)
        with live.connect() as connection:
            before = postgres_objects(connection)
        line = one_line_error(crm("restore", "--replace", str(tampered), url=url_of(live)))
        assert named[-1] in line, line
        with live.connect() as connection:
            assert postgres_objects(connection) == before
        assert user_count(live) == 4
    assert no_scratch_databases_left()


@pytest.mark.postgres
def test_a_good_pg_dump_restores(postgres_engine, tmp_path):
    fill(postgres_engine)
    good = pg_backup(postgres_engine, tmp_path / "good.dump")
    with postgres_database("crm_restore") as empty:
        result = crm("restore", str(good), url=url_of(empty))
        assert result.exit_code == 0, result.output
        assert user_count(empty) == 4
        assert "company: 1 行" in result.stdout
    assert no_scratch_databases_left()


@pytest.mark.postgres
def test_db_transfer_refuses_a_tampered_postgres_source(postgres_engine, sqlite_template, tmp_path):
    fill(postgres_engine)
    with postgres_engine.begin() as connection:
        for statement in POSTGRES_TAMPERING["trigger"][0]:
            connection.execute(text(statement))
    with sqlite_copy(sqlite_template, tmp_path / "target.sqlite3") as target:
        line = one_line_error(
            crm("db", "transfer", "--to", url_of(target), url=url_of(postgres_engine))
        )
        assert line.startswith("エラー: 移行元のデータベースに本製品のスキーマにない関数"), line
        assert "トリガー「promote_on_password on user_account」" in line, line
        assert line.endswith("があるため移行しません。"), line
        assert user_count(target) == 0
    assert no_scratch_databases_left()
