"""Backups of a live database, and restoring them.

SQLite: the online backup API (``sqlite3.Connection.backup``) copies every page in one step
inside one read transaction, so the copy is a consistent snapshot even while the app keeps
writing (WAL readers do not block writers). The copy is checked (``PRAGMA integrity_check``),
switched to a single self-contained file (rollback journal instead of WAL) and only then moved
to its name; an existing file is never overwritten.

PostgreSQL: ``pg_dump --format=custom`` (one REPEATABLE READ snapshot, also consistent while
writers run) and ``pg_restore``. When the client tools are not installed, the exact command to
run is returned instead.

Before anything is restored, the backup's schema is compared with a scratch database that our
migrations made at the backup's revision (``crm.schema_check``): a backup holding one object the
migrations do not create (an extra trigger, table, view, function …), lacking one, or defining
one differently is refused with the objects named, and the target is not touched. SQLite: the
backup file's ``sqlite_master``. PostgreSQL: the archive's schema is first restored into a
scratch database on the target's server and compared there.

After a restore every data-version counter is raised above both the restored and the replaced
value, so cached dashboard numbers in every app process are recomputed (see ``ui/cache.py``).
"""

import os
import shlex
import shutil
import sqlite3
import subprocess
import time
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine, inspect, text
from sqlalchemy.engine import URL

from crm.errors import CrmError
from crm.files import private_dir, private_file, reason
from crm.schema_check import check_postgres, check_sqlite, scratch_postgres
from crm.schema_objects import SQLITE_MASTER

# Tables whose row counts a backup or restore reports (hub records and bookkeeping).
COUNTED_TABLES = [
    "company",
    "consultation",
    "talent_need",
    "referral",
    "placement",
    "follow_up",
    "audit_log",
]
_BUSY_TIMEOUT_MS = 30_000


class BackupError(CrmError):
    """A backup or restore was refused or failed; the message says why (Japanese)."""


class ToolMissing(BackupError):
    """pg_dump / pg_restore is not installed; ``command`` is what to run elsewhere."""

    def __init__(self, message: str, command: str):
        super().__init__(message)
        self.command = command


@dataclass
class BackupResult:
    path: Path
    bytes: int
    seconds: float
    counts: dict[str, int] = field(default_factory=dict)


# --- SQLite ----------------------------------------------------------------------------------


def sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("メモリ上のデータベースはバックアップできません。")
    return Path(url.database)


def _connect(path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(path, timeout=_BUSY_TIMEOUT_MS / 1000)
    connection.execute(f"PRAGMA busy_timeout={_BUSY_TIMEOUT_MS}")
    return connection


def sqlite_counts(connection: sqlite3.Connection) -> dict[str, int]:
    present = {
        row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
    }
    return {
        table: connection.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
        for table in COUNTED_TABLES
        if table in present
    }


def integrity_errors(connection: sqlite3.Connection) -> list[str]:
    rows = [row[0] for row in connection.execute("PRAGMA integrity_check")]
    return [] if rows == ["ok"] else rows


def _refuse_existing(out: Path) -> None:
    if out.exists():
        raise BackupError(
            f"{out} は既に存在します。上書きはしません（別の名前を指定してください）。"
        )
    if not out.parent.is_dir():
        raise BackupError(f"保存先のフォルダ {out.parent} がありません。")


def _remove_with_journals(path: Path) -> None:
    for name in (path.name, f"{path.name}-journal", f"{path.name}-wal", f"{path.name}-shm"):
        path.with_name(name).unlink(missing_ok=True)


def _sqlite_failure(what: str, path: Path, error: sqlite3.Error | OSError) -> BackupError:
    """A one-line Japanese reason for a failed SQLite copy (a full disk, a size limit …)."""
    if isinstance(error, OSError):
        return BackupError(f"{what}に失敗しました: {path}（{reason(error)}）")
    text = str(error)
    if "full" in text:
        why = "保存先の空き容量が足りません"
    elif "disk I/O error" in text:
        why = "書き込みに失敗しました。保存先の空き容量やファイルの大きさの上限を確認してください"
    elif "not a database" in text or "malformed" in text:
        why = "SQLite のデータベースではないか、壊れています"
    else:
        why = text
    return BackupError(f"{what}に失敗しました: {path}（{why}）")


def backup_sqlite(source: Path, out: Path) -> BackupResult:
    """Copy the live SQLite database ``source`` to the new file ``out`` (owner-only).

    Written under a temporary name beside ``out`` and linked to its name only when complete
    and checked; on any failure (a full disk included) no file and no journal is left."""
    _refuse_existing(out)
    if not source.exists():
        raise BackupError(f"データベース {source} がありません。")
    started = time.perf_counter()
    partial = out.with_name(f".{out.name}.partial-{os.getpid()}")
    try:
        private_file(partial)  # SQLite keeps the mode of the file it opens (0600)
        with closing(_connect(source)) as live, closing(sqlite3.connect(partial)) as copy:
            live.backup(copy)  # pages=-1: all pages in one step, one consistent snapshot
        copy = sqlite3.connect(partial)
        try:
            copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
            problems = integrity_errors(copy)
            if problems:
                raise BackupError(
                    "バックアップの整合性検査に失敗しました: " + "; ".join(problems[:5])
                )
            counts = sqlite_counts(copy)
        finally:
            copy.close()
        with open(partial, "rb+") as handle:
            os.fsync(handle.fileno())
        try:
            os.link(partial, out)  # fails rather than overwrite a file created meanwhile
        except FileExistsError:
            raise BackupError(f"{out} は既に存在します。上書きはしません。") from None
    except (sqlite3.Error, OSError) as error:
        raise _sqlite_failure("バックアップ", out, error) from error
    finally:
        _remove_with_journals(partial)
    return BackupResult(out, out.stat().st_size, time.perf_counter() - started, counts)


def restore_sqlite(backup: Path, target: Path, replace: bool) -> BackupResult:
    """Copy ``backup`` into the database at ``target`` (which must be empty unless ``replace``).

    Uses the backup API in the other direction: the target is rewritten under SQLite's own
    lock, so app processes that have it open see either the old or the restored data.
    """
    if not backup.is_file():
        raise BackupError(f"バックアップファイル {backup} がありません。")
    started = time.perf_counter()
    # A missing or empty target (opening the engine creates the file, empty and owner-only)
    # is removed again if the restore fails: nothing half-restored is left.
    created = not target.exists() or target.stat().st_size == 0
    try:
        return _restore_sqlite(backup, target, replace, started)
    except (sqlite3.Error, OSError) as error:
        if created:
            _remove_with_journals(target)
        if isinstance(error, sqlite3.DatabaseError) and not isinstance(
            error, sqlite3.OperationalError
        ):
            raise BackupError(
                f"{backup} は CRM のバックアップではないか、壊れています（{error}）。"
            ) from error
        raise _sqlite_failure("復元", target, error) from error
    except CrmError:  # a refusal (BackupError, SchemaMismatch)
        if created:
            _remove_with_journals(target)
        raise


def _restore_sqlite(backup: Path, target: Path, replace: bool, started: float) -> BackupResult:
    with closing(sqlite3.connect(f"file:{backup}?mode=ro", uri=True)) as source:
        problems = integrity_errors(source)
        if problems:
            raise BackupError(f"{backup} は壊れています: " + "; ".join(problems[:5]))
        tables = {
            row[0] for row in source.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        }
        if "alembic_version" not in tables:
            raise BackupError(f"{backup} は CRM のデータベースではありません。")
        check_sqlite(
            source.execute(SQLITE_MASTER).fetchall(),
            lambda: [str(r[0]) for r in source.execute("SELECT version_num FROM alembic_version")],
            f"バックアップ {backup} ",
            "復元しません",
        )
        private_dir(target.parent)
        private_file(target)
        with closing(_connect(target)) as live:
            old_versions = _sqlite_versions(live)
            if _sqlite_has_tables(live) and not replace:
                raise BackupError(
                    f"復元先 {target} には既にデータがあります。"
                    "置き換える場合は --replace を指定してください。"
                )
            source.backup(live)
        live = _connect(target)
        try:
            live.execute("PRAGMA journal_mode=WAL")
            _raise_versions_sqlite(live, old_versions)
            counts = sqlite_counts(live)
        finally:
            live.close()
    return BackupResult(target, target.stat().st_size, time.perf_counter() - started, counts)


def _sqlite_has_tables(connection: sqlite3.Connection) -> bool:
    return (
        connection.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0]
        > 0
    )


def _sqlite_versions(connection: sqlite3.Connection) -> dict[str, int]:
    try:
        return dict(connection.execute("SELECT scope, version FROM data_version"))
    except sqlite3.OperationalError:  # no such table: an empty target
        return {}


def _raise_versions_sqlite(connection: sqlite3.Connection, old: dict[str, int]) -> None:
    with connection:
        rows = connection.execute("SELECT scope, version FROM data_version").fetchall()
        for scope, version in rows:
            connection.execute(
                "UPDATE data_version SET version = ? WHERE scope = ?",
                (max(version, old.get(scope, 0)) + 1, scope),
            )


# --- PostgreSQL ------------------------------------------------------------------------------


def _libpq(url: URL) -> tuple[str, dict[str, str]]:
    """A libpq connection URI without the password, and the environment that carries it."""
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    # (URL.set ignores None, so build the password-less URL from its parts.)
    plain = URL.create(
        "postgresql",
        username=url.username,
        host=url.host,
        port=url.port,
        database=url.database,
        query=url.query,
    )
    return plain.render_as_string(hide_password=False), env


def pg_dump_command(url: URL, out: Path) -> list[str]:
    uri, _ = _libpq(url)
    return [
        "pg_dump",
        "--format=custom",
        "--no-owner",
        "--no-privileges",
        "--file",
        str(out),
        "--dbname",
        uri,
    ]


def pg_restore_command(url: URL, backup: Path, replace: bool) -> list[str]:
    uri, _ = _libpq(url)
    command = [
        "pg_restore",
        "--no-owner",
        "--no-privileges",
        "--single-transaction",
        "--exit-on-error",
        "--dbname",
        uri,
    ]
    if replace:
        command[1:1] = ["--clean", "--if-exists"]
    return [*command, str(backup)]


def _require_tool(command: list[str]) -> None:
    if shutil.which(command[0]) is None:
        raise ToolMissing(
            f"{command[0]} が見つかりません。"
            "PostgreSQL のクライアントがある機械で次を実行してください。",
            shlex.join(command),
        )


def _run(command: list[str], url: URL, what: str) -> None:
    _, env = _libpq(url)
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(
            f"{what}に失敗しました（{command[0]} 終了コード {done.returncode}）: "
            + done.stderr.strip()[-2000:]
        )


def backup_postgres(engine: Engine, out: Path) -> BackupResult:
    _refuse_existing(out)
    _require_tool(pg_dump_command(engine.url, out))
    started = time.perf_counter()
    partial = out.with_name(f".{out.name}.partial-{os.getpid()}")
    try:
        private_file(partial)  # pg_dump writes into it and keeps its mode (0600)
        _run(pg_dump_command(engine.url, partial), engine.url, "バックアップ")
        try:
            os.link(partial, out)
        except FileExistsError:
            raise BackupError(f"{out} は既に存在します。上書きはしません。") from None
    finally:
        partial.unlink(missing_ok=True)
    return BackupResult(out, out.stat().st_size, time.perf_counter() - started)


def restore_postgres(engine: Engine, backup: Path, replace: bool) -> BackupResult:
    if not backup.is_file():
        raise BackupError(f"バックアップファイル {backup} がありません。")
    _require_tool(pg_restore_command(engine.url, backup, replace))
    started = time.perf_counter()
    old_versions = _engine_versions(engine)
    if inspect(engine).get_table_names() and not replace:
        raise BackupError(
            "復元先のデータベースには既にデータがあります。"
            "置き換える場合は --replace を指定してください。"
        )
    _check_postgres_backup(engine.url, backup)
    engine.dispose()  # our own pooled connections would hold locks pg_restore --clean needs
    _run(pg_restore_command(engine.url, backup, replace), engine.url, "復元")
    _raise_versions(engine, old_versions)
    return BackupResult(
        backup, backup.stat().st_size, time.perf_counter() - started, engine_counts(engine)
    )


def _check_postgres_backup(url: URL, backup: Path) -> None:
    """Restore the archive's schema and its Alembic revision into a scratch database on the
    target's server and compare it there, so nothing reaches the target before it passes."""
    with scratch_postgres(url, "バックアップ") as scratch:
        whole = pg_restore_command(scratch.url, backup, replace=False)
        for only in (["--schema-only"], ["--data-only", "--table=alembic_version"]):
            _run([*whole[:-1], *only, whole[-1]], scratch.url, f"{backup} の復元前の検査")
        with scratch.connect() as connection:
            check_postgres(connection, url, f"バックアップ {backup} ", "復元しません")


# --- both ------------------------------------------------------------------------------------


def backup(engine: Engine, out: Path) -> BackupResult:
    out = Path(out).absolute()
    if engine.dialect.name == "sqlite":
        return backup_sqlite(sqlite_path(engine.url), out)
    if engine.dialect.name == "postgresql":
        return backup_postgres(engine, out)
    raise BackupError(f"{engine.dialect.name} のバックアップには対応していません。")


def restore(engine: Engine, backup_file: Path, replace: bool = False) -> BackupResult:
    backup_file = Path(backup_file).absolute()
    if engine.dialect.name == "sqlite":
        engine.dispose()
        return restore_sqlite(backup_file, sqlite_path(engine.url), replace)
    if engine.dialect.name == "postgresql":
        return restore_postgres(engine, backup_file, replace)
    raise BackupError(f"{engine.dialect.name} の復元には対応していません。")


def engine_counts(engine: Engine) -> dict[str, int]:
    present = set(inspect(engine).get_table_names())
    with engine.connect() as connection:
        return {
            table: connection.execute(text(f'SELECT count(*) FROM "{table}"')).scalar_one()
            for table in COUNTED_TABLES
            if table in present
        }


def _engine_versions(engine: Engine) -> dict[str, int]:
    if "data_version" not in inspect(engine).get_table_names():
        return {}
    with engine.connect() as connection:
        return dict(connection.execute(text("SELECT scope, version FROM data_version")).all())


def _raise_versions(engine: Engine, old: dict[str, int]) -> None:
    with engine.begin() as connection:
        for scope, version in connection.execute(
            text("SELECT scope, version FROM data_version")
        ).all():
            connection.execute(
                text("UPDATE data_version SET version = :v WHERE scope = :s"),
                {"v": max(version, old.get(scope, 0)) + 1, "s": scope},
            )
