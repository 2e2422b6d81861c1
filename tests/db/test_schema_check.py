"""The schema comparison behind `crm restore` and `crm db transfer` (crm.schema_check).

A migrated database matches the reference exactly (on both backends, also when migrated in
another process); every kind of object a tampered copy could carry is found and named, and
nothing else is; older backups are compared with their own revision.
"""

import sqlite3

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import text
from typer.testing import CliRunner

from crm.cli import app
from crm.db import MIGRATIONS_DIR, current_revision, make_engine, upgrade
from crm.schema_check import (
    Difference,
    SchemaMismatch,
    check_database,
    differences,
    mismatch_message,
    postgres_reference,
    sqlite_reference,
)
from crm.schema_objects import SQLITE_MASTER, normalise_sql, postgres_objects, sqlite_objects

# The newest migration, read from the migrations themselves (a new one must not break this).
HEAD = ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()


def test_sql_is_compared_by_its_tokens():
    same = normalise_sql("CREATE TABLE \"a\" (\n\tx  INT,  [y] TEXT DEFAULT 'A')")
    assert same == normalise_sql("create table a(x int, y text default 'A')")
    # a string literal keeps its case; a table's items may come in any order
    assert same != normalise_sql("create table a(x int, y text default 'a')")
    assert same == normalise_sql("create table a(y text default 'A', x int)")
    # a trigger's statements may not
    first = "CREATE TRIGGER t AFTER INSERT ON a BEGIN UPDATE a SET x = 1; DELETE FROM b; END"
    second = "CREATE TRIGGER t AFTER INSERT ON a BEGIN DELETE FROM b; UPDATE a SET x = 1; END"
    assert normalise_sql(first) != normalise_sql(second)


def test_the_message_is_one_line_naming_the_first_objects():
    extras = [Difference("extra", "trigger", f"promote_{n}") for n in range(8)]
    message = mismatch_message("バックアップ", "復元しません", extras)
    assert message == (
        "バックアップに本製品のスキーマにないトリガー「promote_0」、"
        + "、".join(f"本製品のスキーマにないトリガー「promote_{n}」" for n in range(1, 5))
        + "、ほか 3 件があるため復元しません。"
    )
    mixed = [
        Difference("different", "index", "public.ix_company_hub_code"),
        Difference("missing", "table", "public.company"),
    ]
    assert mismatch_message("移行元のデータベース", "移行しません", mixed) == (
        "移行元のデータベースのスキーマが本製品のものと異なるため移行しません"
        "（定義が本製品と異なるインデックス「ix_company_hub_code」、欠けているテーブル「company」）。"
    )
    long_name = Difference("extra", "view", "v" * 10_000)
    assert len(mismatch_message("バックアップ", "復元しません", [long_name] * 50)) < 500


def test_differences_are_extra_different_and_missing():
    expected = {("table", "a"): "1", ("table", "b"): "1", ("table column", "a.x"): "int"}
    found = {
        ("table", "a"): "2",
        ("table", "c"): "1",
        ("table column", "c.x"): "int",  # an extra table's column is not listed apart
        ("table column", "a.x"): "int",
    }
    assert differences(found, expected) == [
        Difference("extra", "table", "c"),
        Difference("different", "table", "a"),
        Difference("missing", "table", "b"),
    ]
    assert differences(expected, expected) == []


# --- SQLite ----------------------------------------------------------------------------------


def _sqlite_file_objects(path) -> dict:
    with sqlite3.connect(path) as connection:
        return sqlite_objects(connection.execute(SQLITE_MASTER).fetchall())


def test_a_migrated_sqlite_file_matches_the_reference(sqlite_template, tmp_path):
    # The template was migrated in this process; migrate one more in a child process too
    # (Alembic writes a copied table's constraints in set order, which varies by process).
    other = tmp_path / "other.sqlite3"
    result = CliRunner().invoke(
        app, ["db", "upgrade"], env={"CRM_DATABASE_URL": f"sqlite:///{other}"}
    )
    assert result.exit_code == 0, result.output
    reference = sqlite_reference(HEAD)
    assert len(reference) > 100
    assert differences(_sqlite_file_objects(sqlite_template), reference) == []
    assert differences(_sqlite_file_objects(other), reference) == []


def test_planner_statistics_are_not_schema(sqlite_engine):
    with sqlite_engine.connect() as connection:
        connection.exec_driver_sql("ANALYZE")
        assert connection.exec_driver_sql(
            "SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'"
        ).scalar_one()
    check_database(sqlite_engine, "移行元のデータベース", "移行しません")


def test_every_sqlite_tampering_is_found(sqlite_engine):
    with sqlite_engine.begin() as connection:
        for statement in (
            "CREATE TRIGGER promote AFTER UPDATE ON user_account BEGIN SELECT 1; END",
            "CREATE VIEW hashes AS SELECT password_hash FROM user_account",
            "CREATE TABLE stolen (hash TEXT)",
            "DROP INDEX ix_company_hub_code",
            "CREATE INDEX ix_company_hub_code ON company (hub_code, name)",
            "DROP INDEX ix_contact_hub_code",
            "CREATE UNIQUE INDEX ix_referral_extra ON referral (hub_code) WHERE id > 0",
            "DROP INDEX ix_referral_referred_on",
            "CREATE INDEX ix_referral_referred_on ON referral (referred_on) WHERE id > 0",
        ):
            connection.exec_driver_sql(statement)
        found = sqlite_objects(connection.exec_driver_sql(SQLITE_MASTER).all())
    assert differences(found, sqlite_reference(HEAD)) == [
        Difference("extra", "index", "ix_referral_extra"),
        Difference("extra", "table", "stolen"),
        Difference("extra", "trigger", "promote"),
        Difference("extra", "view", "hashes"),
        Difference("different", "index", "ix_company_hub_code"),
        Difference("different", "index", "ix_referral_referred_on"),
        Difference("missing", "index", "ix_contact_hub_code"),
    ]
    with pytest.raises(SchemaMismatch, match="トリガー「promote」"):
        check_database(sqlite_engine, "移行元のデータベース", "移行しません")


def test_an_older_backup_is_compared_with_its_own_revision(tmp_path):
    old = make_engine(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    upgrade(old, "0012")
    old.dispose()
    env = {"CRM_DATABASE_URL": f"sqlite:///{tmp_path / 'old.sqlite3'}", "CRM_DEMO_ON_EMPTY": "0"}
    runner = CliRunner()
    assert (
        runner.invoke(app, ["backup", str(tmp_path / "old-backup.sqlite3")], env=env).exit_code == 0
    )
    restored = f"sqlite:///{tmp_path / 'restored.sqlite3'}"
    result = runner.invoke(
        app,
        ["restore", str(tmp_path / "old-backup.sqlite3")],
        env={**env, "CRM_DATABASE_URL": restored},
    )
    assert result.exit_code == 0, result.output
    assert current_revision(make_engine(restored)) == "0012"  # `crm db upgrade` goes on from there


@pytest.mark.parametrize(
    ("rows", "said"),
    [
        (["0013", "0012"], "alembic_version に 2 行"),
        (["9999"], "リビジョン「9999」はこの版の CRM にありません"),
        (["head"], "リビジョン「head」はこの版の CRM にありません"),
    ],
)
def test_a_revision_we_do_not_know_is_refused(sqlite_engine, rows, said):
    with sqlite_engine.begin() as connection:
        connection.exec_driver_sql("DELETE FROM alembic_version")
        for row in rows:
            connection.exec_driver_sql("INSERT INTO alembic_version VALUES (?)", (row,))
    with pytest.raises(SchemaMismatch, match=said):
        check_database(sqlite_engine, "移行元のデータベース", "移行しません")


# --- PostgreSQL ------------------------------------------------------------------------------


@pytest.mark.postgres
def test_a_migrated_postgres_database_matches_the_reference(postgres_engine):
    with postgres_engine.connect() as connection:
        found = postgres_objects(connection)
    reference = postgres_reference(postgres_engine.url, HEAD, "テスト")
    assert {"extension", "function", "trigger", "sequence", "index"} <= {k for k, _ in reference}
    assert differences(found, reference) == []
    check_database(postgres_engine, "移行元のデータベース", "移行しません")


POSTGRES_TAMPERING = [
    "CREATE SCHEMA shadow",
    "CREATE SEQUENCE spare_seq",
    "CREATE RULE keep_quiet AS ON INSERT TO audit_log DO INSTEAD NOTHING",
    "ALTER TABLE user_account ENABLE ROW LEVEL SECURITY",
    "CREATE POLICY everyone ON user_account USING (true)",
    "CREATE EXTENSION citext",
    "CREATE FUNCTION on_ddl() RETURNS event_trigger LANGUAGE plpgsql AS $$BEGIN END$$",
    "CREATE EVENT TRIGGER watch_ddl ON ddl_command_start EXECUTE FUNCTION on_ddl()",
    "ALTER TABLE consultation DISABLE TRIGGER consultation_counts",
    "ALTER TABLE user_account ALTER COLUMN role SET DEFAULT 'admin'",
    "CREATE OR REPLACE FUNCTION referral_counts() RETURNS trigger LANGUAGE plpgsql"
    " AS $$BEGIN RETURN NULL; END$$",
    "CREATE FUNCTION text_eq(text, text) RETURNS boolean LANGUAGE sql AS 'SELECT true'",
    "CREATE OPERATOR === (LEFTARG = text, RIGHTARG = text, FUNCTION = text_eq)",
    "CREATE VIEW hashes AS SELECT password_hash FROM user_account",
    "CREATE MATERIALIZED VIEW hash_copy AS SELECT password_hash FROM user_account",
    "CREATE DOMAIN short_text AS text CHECK (length(VALUE) < 3)",
    "ALTER TABLE company ADD CONSTRAINT small_names CHECK (length(name) < 500)",
    "ALTER TABLE user_account ADD COLUMN stolen text",
    "DROP INDEX ix_contact_hub_code",
]


@pytest.mark.postgres
def test_every_postgres_tampering_is_found(postgres_engine):
    reference = postgres_reference(postgres_engine.url, HEAD, "テスト")
    with postgres_engine.begin() as connection:
        for statement in POSTGRES_TAMPERING:
            connection.execute(text(statement))
    with postgres_engine.connect() as connection:
        found = differences(postgres_objects(connection), reference)
    assert {(d.change, d.kind, d.name) for d in found} == {
        ("extra", "schema", "shadow"),
        ("extra", "sequence", "public.spare_seq"),
        ("extra", "rule", "keep_quiet on public.audit_log"),
        ("different", "table", "public.user_account"),  # row-level security on
        ("extra", "policy", "everyone on public.user_account"),
        ("extra", "extension", "citext"),  # (its members are not listed apart)
        ("extra", "function", "public.on_ddl()"),
        ("extra", "event trigger", "watch_ddl"),
        ("different", "trigger", "consultation_counts on public.consultation"),
        ("different", "table column", "public.user_account.role"),
        ("different", "function", "public.referral_counts()"),
        ("extra", "function", "public.text_eq(pg_catalog.text,pg_catalog.text)"),
        ("extra", "operator", "public.===(pg_catalog.text,pg_catalog.text)"),
        ("extra", "view", "public.hashes"),
        ("extra", "materialized view", "public.hash_copy"),
        ("extra", "type", "public.short_text"),
        ("extra", "domain constraint", "short_text_check on public.short_text"),
        ("extra", "table constraint", "small_names on public.company"),
        ("extra", "table column", "public.user_account.stolen"),
        ("missing", "index", "public.ix_contact_hub_code"),
    }
