"""Files and faults: what the CRM writes is owner-only and never half-written, and every CLI
failure (a full disk, a corrupt backup, a value too large to store) is one line and exit 1.

The full disk is a tiny tmpfs when this process may mount one (root, as in CI); otherwise the
command runs under RLIMIT_FSIZE, which fails writes past the limit with EFBIG the same way.
"""

import contextlib
import os
import resource
import shutil
import sqlite3
import stat
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlmodel import Session
from typer.testing import CliRunner

from crm.cli import app
from crm.db import make_engine
from crm.models import AuditLog

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Done:
    returncode: int
    stdout: str
    stderr: str


def crm(*args: str, url: str, fsize: int | None = None) -> Done:
    """Run ``crm ARGS`` on the database at ``url``: in this process (Click's test runner), or
    in a child process under RLIMIT_FSIZE = ``fsize`` bytes."""
    env = {"CRM_DATABASE_URL": url, "CRM_DEMO_ON_EMPTY": "0"}
    if fsize is None:
        with pytest.MonkeyPatch.context() as patch:
            for key, value in env.items():
                patch.setenv(key, value)
            patch.delenv("CRM_DEBUG", raising=False)
            result = CliRunner().invoke(app, list(args))
        assert result.exception is None or isinstance(result.exception, SystemExit), (
            result.exception
        )
        return Done(result.exit_code, result.stdout, result.stderr)

    def limit() -> None:  # in the child only
        resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))

    done = subprocess.run(
        [sys.executable, "-c", "from crm.cli import app; app()", *args],
        env={**os.environ, **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        preexec_fn=limit,
    )
    return Done(done.returncode, done.stdout, done.stderr)


def one_line_error(done: Done) -> str:
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert "Traceback" not in done.stderr + done.stdout
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("エラー: "), done.stderr
    return lines[0]


class TinyDisk:
    """A folder whose filesystem is full after ``size`` bytes: a tmpfs, or a size limit."""

    def __init__(self, path: Path, size: int, mounted: bool):
        self.path, self.size, self.mounted = path, size, mounted

    @property
    def fsize(self) -> int | None:
        return None if self.mounted else self.size

    def files(self) -> list[str]:
        return sorted(str(p.relative_to(self.path)) for p in self.path.rglob("*") if p.is_file())


@contextlib.contextmanager
def tiny_disk(size: int = 64 * 1024):
    path = Path(f"/tmp/crm-tiny-disk-{uuid.uuid4().hex[:8]}")
    path.mkdir()
    mounted = False
    # (CRM_TEST_NO_TMPFS=1 tries the size-limit way where mounting works too.)
    if os.geteuid() == 0 and shutil.which("mount") and not os.environ.get("CRM_TEST_NO_TMPFS"):
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
            capture_output=True,
        )
        mounted = done.returncode == 0
    try:
        yield TinyDisk(path, size, mounted)
    finally:
        if mounted:
            subprocess.run(["umount", str(path)], check=False)
        shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def known_url(known_engine):
    return known_engine.url.render_as_string(hide_password=False)


def exports_audited(engine) -> int:
    with Session(engine) as session:
        return session.execute(
            select(func.count()).select_from(AuditLog).where(AuditLog.action == "export")
        ).scalar_one()


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# --- a full disk ------------------------------------------------------------------------------


@pytest.mark.parametrize("output_format", ["csv", "xlsx"])
# xlsxwriter left its zip file open on a full disk; closed later by the garbage collector, it
# printed "Exception ignored in ZipFile.__del__" with a traceback (crm.csvio.xlsx).
@pytest.mark.filterwarnings("error::pytest.PytestUnraisableExceptionWarning")
def test_export_on_a_full_disk_leaves_nothing_and_no_audit(known_engine, known_url, output_format):
    with tiny_disk(8 * 1024) as disk:
        if not disk.mounted:  # a size limit that small would stop the database's own files
            pytest.skip("needs a tmpfs (mount as root) for an export smaller than the database")
        done = crm(
            "export",
            "full",
            "--format",
            output_format,
            "--out",
            str(disk.path / "out"),
            url=known_url,
            fsize=disk.fsize,
        )
        line = one_line_error(done)
        assert "書き込めませんでした" in line and "空き容量" in line, line
        assert disk.files() == []  # no truncated CSV, no workbook, no manifest, no temporary
    assert exports_audited(known_engine) == 0
    # With room to write, the same command makes the files and one audit entry.
    with tiny_disk(4 * 1024 * 1024) as disk:
        done = crm(
            "export",
            "full",
            "--format",
            output_format,
            "--out",
            str(disk.path / "out"),
            url=known_url,
        )
        assert done.returncode == 0, done.stderr
        assert disk.files()
    assert exports_audited(known_engine) == 1


def test_backup_on_a_full_disk_leaves_no_file_and_no_journal(known_url):
    with tiny_disk() as disk:
        done = crm("backup", str(disk.path / "crm.sqlite3"), url=known_url, fsize=disk.fsize)
        line = one_line_error(done)
        assert "バックアップに失敗しました" in line and "空き容量" in line, line
        assert disk.files() == []


def test_restore_onto_a_full_disk_leaves_no_database(known_url, tmp_path):
    backup = tmp_path / "backup.sqlite3"
    assert crm("backup", str(backup), url=known_url).returncode == 0
    with tiny_disk() as disk:
        target = f"sqlite:///{disk.path / 'restored.sqlite3'}"
        done = crm("restore", str(backup), url=target, fsize=disk.fsize)
        line = one_line_error(done)
        assert "復元に失敗しました" in line, line
        assert disk.files() == []


# --- corrupt backups and oversize values --------------------------------------------------------


def test_restore_of_a_corrupt_file_is_one_line(known_url, tmp_path):
    good = tmp_path / "good.sqlite3"
    assert crm("backup", str(good), url=known_url).returncode == 0
    data = good.read_bytes()
    not_sqlite = tmp_path / "notes.sqlite3"
    not_sqlite.write_bytes(b"these are not the pages of a database\n" * 200)
    truncated = tmp_path / "truncated.sqlite3"
    truncated.write_bytes(data[: len(data) // 3])
    scribbled = tmp_path / "scribbled.sqlite3"
    scribbled.write_bytes(data[:8192] + bytes(range(256)) * 64 + data[8192 + 256 * 64 :])
    for bad in (not_sqlite, truncated, scribbled):
        target = tmp_path / f"restored-{bad.stem}.sqlite3"
        line = one_line_error(crm("restore", str(bad), url=f"sqlite:///{target}"))
        assert str(bad) in line, line
        assert not target.exists() and not Path(f"{target}-journal").exists()


def test_a_database_that_is_no_database_is_one_line(tmp_path):
    broken = tmp_path / "crm.sqlite3"
    broken.write_bytes(b"not a database, just text\n" * 500)
    url = f"sqlite:///{broken}"
    for args in (("db", "current"), ("db", "upgrade"), ("export", "full", "--out", "x")):
        line = one_line_error(crm(*args, url=url))
        assert "データベース" in line, (args, line)


def test_values_too_large_to_store_are_one_line(known_url, tmp_path):
    companies = tmp_path / "companies.csv"
    header = "企業名,都道府県コード,従業員数\n"
    companies.write_text(header + f"巨大株式会社,06,{2**63}\n", encoding="utf-8")
    for args in (
        ("import", "companies", str(companies), "--hub", "06"),
        ("report", "hubs", "--fy", str(2**63), "--format", "csv"),
    ):
        done = crm(*args, url=known_url)
        assert done.returncode == 1, (args, done.stdout, done.stderr)
        assert "Traceback" not in done.stderr + done.stdout, args
        # Each error is one line (progress and an import's closing summary may stand around it).
        errors = [line for line in done.stderr.splitlines() if line.startswith("エラー: ")]
        assert len(errors) == 1, (args, done.stderr)
        if args[0] == "import":
            assert "2 行目「従業員数」" in errors[0], errors


# --- owner-only files -----------------------------------------------------------------------


@pytest.fixture
def wide_umask():
    previous = os.umask(0o022)  # what a default shell has: files 0644, folders 0755
    yield
    os.umask(previous)


def test_database_backups_and_exports_are_owner_only(known_url, tmp_path, wide_umask):
    # A new SQLite database, its -wal and -shm files.
    path = tmp_path / "data" / "new.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE t (x)")
        connection.exec_driver_sql("INSERT INTO t VALUES (1)")
        for suffix in ("", "-wal", "-shm"):
            assert mode(Path(f"{path}{suffix}")) == 0o600, suffix
    engine.dispose()
    assert mode(path.parent) == 0o700
    # An existing world-readable database is narrowed when opened.
    os.chmod(path, 0o644)
    make_engine(f"sqlite:///{path}").dispose()
    assert mode(path) == 0o600

    backup = tmp_path / "backup.sqlite3"
    assert crm("backup", str(backup), url=known_url).returncode == 0
    assert mode(backup) == 0o600
    restored = tmp_path / "restored" / "crm.sqlite3"
    assert crm("restore", str(backup), url=f"sqlite:///{restored}").returncode == 0
    assert mode(restored) == 0o600 and mode(restored.parent) == 0o700
    with sqlite3.connect(restored) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)

    out = tmp_path / "exports"
    assert crm("export", "full", "--out", str(out), url=known_url).returncode == 0
    (folder,) = out.iterdir()
    assert mode(out) == 0o700 and mode(folder) == 0o700
    assert {mode(p) for p in folder.iterdir()} == {0o600}
    assert (
        crm("export", "full", "--format", "xlsx", "--out", str(out), url=known_url).returncode == 0
    )
    assert {mode(p) for p in out.glob("*.xlsx")} == {0o600}
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no temporaries left


def test_demo_credentials_file_is_owner_only(tmp_path, wide_umask, sqlite_template):
    from crm.demo.accounts import write_credentials_file

    class Summary:
        def sign_in_text(self) -> str:
            return "利用者名 admin / パスワード example-only"

    shutil.copy(sqlite_template, tmp_path / "crm.sqlite3")
    engine = make_engine(f"sqlite:///{tmp_path / 'crm.sqlite3'}")
    written = write_credentials_file(engine, Summary())
    engine.dispose()
    assert written == tmp_path / "demo-credentials.txt"
    assert mode(written) == 0o600
    assert "example-only" in written.read_text(encoding="utf-8")


# --- the network --------------------------------------------------------------------------------


def test_the_app_listens_on_this_machine_unless_told_otherwise(monkeypatch):
    import tomllib

    from crm.config import get_settings
    from ui.runtime import serves_this_machine_only

    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["server"]["address"] == "127.0.0.1"
    monkeypatch.delenv("CRM_SERVER_ADDRESS", raising=False)
    assert get_settings().server_address == "127.0.0.1"
    assert serves_this_machine_only()
    monkeypatch.setenv("CRM_SERVER_ADDRESS", "0.0.0.0")  # the documented office-network setting
    assert not serves_this_machine_only()


def test_the_demo_password_is_not_printed_for_a_network_address(tmp_path):
    import datetime as dt

    from crm.demo.summary import DemoSummary

    summary = DemoSummary(
        kind="demo",
        seed=2016,
        password="Demo-Secret-Word-42",
        accounts=("admin", "secretariat", "hub06"),
        counts={},
        first_day=dt.date(2016, 1, 4),
        last_day=dt.date(2026, 11, 30),
        seconds=1.0,
        database="sqlite:///db/crm.sqlite3",
        credentials_path=tmp_path / "demo-credentials.txt",
    )
    assert "Demo-Secret-Word-42" in summary.sign_in_text()
    hidden = summary.sign_in_text(show_password=False)
    assert "Demo-Secret-Word-42" not in hidden
    assert str(tmp_path / "demo-credentials.txt") in hidden
