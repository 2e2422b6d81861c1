"""Is a database's schema exactly the one our migrations make?

A backup is restored, and a database transferred, only when every schema object in it — table,
column, index, trigger, view, constraint, and on PostgreSQL also function, sequence, rule,
policy, extension, event trigger and the rest — is one the migrations create, with the same
definition, and none of theirs is missing. The reference is a scratch database of the same
backend migrated to the same revision (SQLite in memory; PostgreSQL a new database on the same
server, dropped afterwards), so two renderings of one object are made by the same engine.

A tampered backup (an extra trigger that makes a hub manager an administrator at the next
password reset, say) is refused with one Japanese line naming each offending object.
"""

import os
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool, StaticPool

from crm.db import MIGRATIONS_DIR, make_engine, upgrade
from crm.errors import CrmError
from crm.schema_objects import SQLITE_MASTER, Objects, postgres_objects, sqlite_objects

# How many offending objects the refusal names (the CLI prints one line of at most 500 chars).
NAMED = 5

_KINDS = {
    "table": "テーブル",
    "table column": "列",
    "index": "インデックス",
    "trigger": "トリガー",
    "view": "ビュー",
    "materialized view": "マテリアライズドビュー",
    "foreign table": "外部テーブル",
    "sequence": "シーケンス",
    "table constraint": "制約",
    "domain constraint": "ドメイン制約",
    "function": "関数",
    "procedure": "プロシージャ",
    "aggregate": "集約関数",
    "rule": "ルール",
    "policy": "ポリシー",
    "extension": "拡張機能",
    "event trigger": "イベントトリガー",
    "schema": "スキーマ",
    "type": "型",
    "domain": "ドメイン",
    "composite type": "複合型",
    "operator": "演算子",
    "operator class": "演算子クラス",
    "operator family": "演算子族",
    "collation": "照合順序",
    "cast": "キャスト",
    "language": "手続き言語",
    "publication": "パブリケーション",
    "publication relation": "パブリケーションの対象",
    "subscription": "サブスクリプション",
    "foreign-data wrapper": "外部データラッパー",
    "server": "外部サーバー",
    "statistics object": "拡張統計",
    "access method": "アクセスメソッド",
    "large object": "ラージオブジェクト",
    "default acl": "既定の権限",
}


class SchemaMismatch(CrmError):
    """The schema is not ours; the message names what differs (Japanese, one line)."""


@dataclass(frozen=True)
class Difference:
    change: str  # "extra" | "missing" | "different"
    kind: str
    name: str

    def describe(self) -> str:
        kind = _KINDS.get(self.kind, f"オブジェクト（{self.kind}）")
        name = _readable(self.name)
        if self.change == "extra":
            return f"本製品のスキーマにない{kind}「{name}」"
        if self.change == "missing":
            return f"欠けている{kind}「{name}」"
        return f"定義が本製品と異なる{kind}「{name}」"


def _readable(name: str, limit: int = 60) -> str:
    name = " ".join(name.replace("public.", "").replace("pg_catalog.", "").split())
    return name if len(name) <= limit else name[: limit - 1] + "…"


def differences(found: Objects, expected: Objects) -> list[Difference]:
    """What ``found`` has beyond ``expected``, lacks, or defines differently (extras first:
    they are what a tampered copy adds)."""
    extra = _without_their_columns(sorted(found.keys() - expected.keys()), "extra")
    missing = _without_their_columns(sorted(expected.keys() - found.keys()), "missing")
    different = [
        Difference("different", *key)
        for key in sorted(found.keys() & expected.keys())
        if found[key] != expected[key]
    ]
    return extra + different + missing


def _without_their_columns(keys: list[tuple[str, str]], change: str) -> list[Difference]:
    """The objects, less the columns of a table that is itself listed (PostgreSQL lists
    columns apart; an extra table's columns are no news)."""
    tables = {name for kind, name in keys if kind == "table"}
    return [
        Difference(change, kind, name)
        for kind, name in keys
        if not (kind == "table column" and name.rsplit(".", 1)[0] in tables)
    ]


def mismatch_message(subject: str, refusal: str, found: list[Difference]) -> str:
    """One line: ``subject`` (バックアップ / 移行元のデータベース) is not ours, so ``refusal``
    (復元しません / 移行しません), naming the first few objects that differ."""
    named = "、".join(d.describe() for d in found[:NAMED])
    more = f"、ほか {len(found) - NAMED} 件" if len(found) > NAMED else ""
    if all(d.change == "extra" for d in found):
        return f"{subject}に{named}{more}があるため{refusal}。"
    return f"{subject}のスキーマが本製品のものと異なるため{refusal}（{named}{more}）。"


def require_same(found: Objects, expected: Objects, subject: str, refusal: str) -> None:
    found_differences = differences(found, expected)
    if found_differences:
        raise SchemaMismatch(mismatch_message(subject, refusal, found_differences))


# --- revisions -------------------------------------------------------------------------------


def require_known_revision(revisions: list[str], subject: str) -> str:
    """The single Alembic revision a database records, if this version of the CRM has it."""
    if len(revisions) != 1:
        raise SchemaMismatch(
            f"{subject}のスキーマのリビジョンが読み取れません（alembic_version に "
            f"{len(revisions)} 行）。CRM のデータベースではないか、改変されています。"
        )
    revision = revisions[0]
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if revision not in {r.revision for r in ScriptDirectory.from_config(config).walk_revisions()}:
        raise SchemaMismatch(
            f"{subject}のスキーマのリビジョン「{_readable(revision, 40)}」はこの版の CRM に"
            "ありません（より新しい版で作られたものなら、その版で扱ってください）。"
        )
    return revision


def _not_crm(subject: str) -> SchemaMismatch:
    return SchemaMismatch(
        f"{subject}は CRM のデータベースではありません（alembic_version 表がありません）。"
    )


# --- the reference: a scratch database migrated by our migrations -----------------------------


def sqlite_reference(revision: str) -> Objects:
    """The objects of an in-memory SQLite database migrated to ``revision``."""
    engine = make_engine("sqlite://", poolclass=StaticPool)  # one connection: one database
    try:
        upgrade(engine, revision)
        with engine.connect() as connection:
            return sqlite_objects(connection.exec_driver_sql(SQLITE_MASTER).all())
    finally:
        engine.dispose()


@contextmanager
def scratch_postgres(server: URL, what: str) -> Iterator[Engine]:
    """A new, empty database on ``server``'s PostgreSQL (from template0, so nothing an
    administrator added to template1 comes along), dropped afterwards."""
    # The process id in the name tells whose scratch database a leftover would be.
    name = f"crm_schema_check_{os.getpid()}_{uuid.uuid4().hex[:12]}"
    admin = make_engine(
        server.render_as_string(hide_password=False),
        isolation_level="AUTOCOMMIT",
        poolclass=NullPool,
    )
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE template0'))
    except SQLAlchemyError as error:
        admin.dispose()
        raise SchemaMismatch(
            f"{what}のスキーマを照合する一時データベースを作成できません。接続するロールに "
            f"CREATEDB 権限が必要です（{_first_line(error)}）。"
        ) from error
    engine = make_engine(
        server.set(database=name).render_as_string(hide_password=False), poolclass=NullPool
    )
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _first_line(error: SQLAlchemyError) -> str:
    original = getattr(error, "orig", None) or error
    lines = str(original).strip().splitlines()
    return lines[0] if lines else type(original).__name__


def postgres_reference(server: URL, revision: str, what: str) -> Objects:
    """The objects of a scratch database on ``server`` migrated to ``revision``."""
    with scratch_postgres(server, what) as engine:
        upgrade(engine, revision)
        with engine.connect() as connection:
            return postgres_objects(connection)


# --- the checks ------------------------------------------------------------------------------


def check_sqlite(
    master_rows: Iterable[Sequence],
    read_revisions: Callable[[], list[str]],
    subject: str,
    refusal: str,
) -> None:
    """Refuse (``SchemaMismatch``) unless the ``sqlite_master`` rows are exactly what the
    migrations make at the revision ``read_revisions`` returns (read only once the version
    table is known to be a plain table: a view could run any query)."""
    found = sqlite_objects(master_rows)
    if ("table", "alembic_version") not in found:
        raise _not_crm(subject)
    revision = require_known_revision(read_revisions(), subject)
    require_same(found, sqlite_reference(revision), subject, refusal)


def check_postgres(connection: Connection, server: URL, subject: str, refusal: str) -> None:
    """Refuse (``SchemaMismatch``) unless the connected PostgreSQL database holds exactly what
    the migrations make at its revision; the reference is migrated on ``server``."""
    found = postgres_objects(connection)
    if not found.get(("table", "public.alembic_version"), "").startswith("r "):
        raise _not_crm(subject)
    revisions = connection.execute(text("SELECT version_num FROM public.alembic_version"))
    revision = require_known_revision([str(r) for r in revisions.scalars()], subject)
    require_same(found, postgres_reference(server, revision, subject), subject, refusal)


def check_database(engine: Engine, subject: str, refusal: str) -> None:
    """``check_sqlite`` / ``check_postgres`` on a live database (``crm db transfer``'s source)."""
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            check_sqlite(
                connection.exec_driver_sql(SQLITE_MASTER).all(),
                lambda: [
                    str(r)
                    for r in connection.exec_driver_sql(
                        "SELECT version_num FROM alembic_version"
                    ).scalars()
                ],
                subject,
                refusal,
            )
        else:
            check_postgres(connection, engine.url, subject, refusal)
