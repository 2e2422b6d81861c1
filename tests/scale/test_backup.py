"""`crm backup` while hub managers keep writing, then `crm restore` of the copy.

The copy must be one consistent moment: every consultation in it has its audit row and its
data-version bump (all three are written in one transaction), it holds some but not all of the
writes made during the run, and the restored database passes the integrity check, counts the
same as the copy and accepts new writes.
"""

import os
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import String, cast, func, select, text
from sqlalchemy.engine import make_url
from sqlmodel import Session

from bench.writers import national_version, prepare_writers, write_consultations
from crm.backup import COUNTED_TABLES, engine_counts
from crm.db import make_engine, session_scope
from crm.demo import load_synthetic
from crm.models import AuditLog, Consultation, DataVersion
from crm.services import consultations
from crm.services.base import data_version
from tests.conftest import POSTGRES_URL

ROOT = Path(__file__).resolve().parents[2]
TAG = "backup-run"


def crm(*args: str, url: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "CRM_DATABASE_URL": url, "CRM_DEMO_ON_EMPTY": "0"}
    return subprocess.run(
        [sys.executable, "-c", "from crm.cli import app; app()", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


def url_of(engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def snapshot_facts(engine) -> dict[str, int]:
    """What must agree inside one consistent snapshot."""
    with Session(engine) as session:
        tagged = session.execute(
            select(func.count())
            .select_from(Consultation)
            .where(Consultation.summary.like(f"{TAG} %"))
        ).scalar_one()
        audited = session.execute(
            select(func.count())
            .select_from(AuditLog)
            .join(Consultation, AuditLog.entity_id == cast(Consultation.id, String))
            .where(
                AuditLog.entity == "consultation",
                AuditLog.action == "create",
                Consultation.summary.like(f"{TAG} %"),
            )
        ).scalar_one()
        version = data_version(session, "all")
    return {"tagged": tagged, "audited": audited, "version": version}


def backup_while_writing(engine, out: Path) -> tuple[subprocess.CompletedProcess, dict, int]:
    """Start writers, run `crm backup` in its own process mid-stream, let writers go on a bit."""
    writers = prepare_writers(engine, hubs=["01", "06", "27", "40"])
    before = snapshot_facts(engine)
    stop = threading.Event()
    results = []
    threads = [
        threading.Thread(
            target=lambda w=w: results.append(
                write_consultations(engine, w, 100_000, TAG, stop=stop, think=0.01)
            )
        )
        for w in writers
    ]
    for thread in threads:
        thread.start()
    try:
        _wait_for_writes(engine, at_least=20)
        done = crm("backup", str(out), url=url_of(engine))
        _wait_for_writes(engine, at_least=snapshot_facts(engine)["tagged"] + 20)
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    assert [e for r in results for e in r.errors] == []
    written = sum(len(r.ids) for r in results)
    return done, before, written


def _wait_for_writes(engine, at_least: int) -> None:
    deadline = time.monotonic() + 60
    while snapshot_facts(engine)["tagged"] < at_least:
        assert time.monotonic() < deadline, "writers made no progress"
        time.sleep(0.05)


def check_restored(restored, before: dict, written: int) -> dict:
    facts = snapshot_facts(restored)
    assert 0 < facts["tagged"] < written  # taken mid-stream, not before or after the writers
    assert facts["audited"] == facts["tagged"]  # no write half in the copy
    # nor a counter bump without its write (the restore itself raises every counter by one,
    # for the caches)
    with Session(restored) as session:
        counters = session.execute(select(func.count()).select_from(DataVersion)).scalar_one()
    assert facts["version"] - counters - before["version"] == facts["tagged"]
    return facts


@pytest.fixture
def filled_sqlite(sqlite_engine):
    load_synthetic(sqlite_engine, consultations=3000, seed=1)
    return sqlite_engine


def test_sqlite_backup_during_writes_restores_consistent(filled_sqlite, tmp_path):
    engine = make_engine(url_of(filled_sqlite), pool_size=8)
    out = tmp_path / "copy.sqlite3"

    done, before, written = backup_while_writing(engine, out)

    assert done.returncode == 0, done.stderr
    assert "バックアップを作成しました" in done.stdout
    with sqlite3.connect(out) as raw:
        assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # one file
    assert not Path(f"{out}-wal").exists()
    live = snapshot_facts(engine)
    assert live["tagged"] == written and live["version"] - before["version"] == written

    restored_url = f"sqlite:///{tmp_path / 'restored.sqlite3'}"
    done = crm("restore", str(out), url=restored_url)
    assert done.returncode == 0, done.stderr
    restored = make_engine(restored_url)
    with sqlite3.connect(out) as raw:
        copy_counts = {
            t: raw.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in COUNTED_TABLES
        }
    assert engine_counts(restored) == copy_counts
    assert copy_counts["consultation"] == 3000 + check_restored(restored, before, written)["tagged"]
    with restored.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA integrity_check").scalar_one() == "ok"
    _accepts_writes(restored)
    restored.dispose()
    engine.dispose()


def test_backup_refuses_to_overwrite_and_restore_refuses_a_full_database(filled_sqlite, tmp_path):
    url = url_of(filled_sqlite)
    out = tmp_path / "exists.sqlite3"
    out.write_bytes(b"keep me")
    done = crm("backup", str(out), url=url)
    assert done.returncode == 1 and "上書きはしません" in done.stderr
    assert out.read_bytes() == b"keep me"

    copy = tmp_path / "copy.sqlite3"
    assert crm("backup", str(copy), url=url).returncode == 0
    done = crm("restore", str(copy), url=url)  # the live database is not empty
    assert done.returncode == 1 and "--replace" in done.stderr
    assert "Traceback" not in done.stderr


def test_restore_replace_raises_the_data_version(filled_sqlite, tmp_path):
    """Caches keyed by the data version must not serve numbers from before the restore."""
    url = url_of(filled_sqlite)
    copy = tmp_path / "copy.sqlite3"
    assert crm("backup", str(copy), url=url).returncode == 0
    writers = prepare_writers(filled_sqlite, hubs=["01"])
    write_consultations(filled_sqlite, writers[0], 5, TAG)
    version_before = national_version(filled_sqlite)
    filled_sqlite.dispose()

    done = crm("restore", "--replace", str(copy), url=url)

    assert done.returncode == 0, done.stderr
    assert national_version(filled_sqlite) > version_before
    assert snapshot_facts(filled_sqlite)["tagged"] == 0  # the later writes are gone again


@pytest.mark.postgres
def test_postgres_pg_dump_during_writes_restores_consistent(postgres_engine, tmp_path):
    load_synthetic(postgres_engine, consultations=3000, seed=1)
    engine = make_engine(url_of(postgres_engine), pool_size=8)
    out = tmp_path / "copy.dump"

    done, before, written = backup_while_writing(engine, out)

    if done.returncode == 2:
        pytest.skip("pg_dump is not installed: " + done.stdout.strip())
    assert done.returncode == 0, done.stderr
    target = f"crm_restore_{uuid.uuid4().hex[:8]}"
    admin = make_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{target}"'))
    restored_url = (
        make_url(url_of(engine)).set(database=target).render_as_string(hide_password=False)
    )
    try:
        done = crm("restore", str(out), url=restored_url)
        assert done.returncode == 0, done.stderr
        restored = make_engine(restored_url)
        counts = engine_counts(restored)
        assert counts["consultation"] == 3000 + check_restored(restored, before, written)["tagged"]
        _accepts_writes(restored)
        restored.dispose()
    finally:
        engine.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)'))
        admin.dispose()


def _accepts_writes(engine) -> None:
    writer = prepare_writers(engine, hubs=["02"], prefix="after-restore")[0]
    with session_scope(engine) as session:
        consultations.log_consultation(
            session,
            writer.actor,
            {
                "company_id": writer.company_id,
                "consulted_on": "2026-11-02",
                "channel": "visit",
                "summary": "復元後の記録",
            },
        )
    with Session(engine) as session:
        assert (
            session.execute(
                select(func.count())
                .select_from(Consultation)
                .where(Consultation.summary == "復元後の記録")
            ).scalar_one()
            == 1
        )


def test_postgres_backup_without_pg_dump_prints_the_command(tmp_path, monkeypatch):
    """Where the PostgreSQL client tools are missing, say what to run (without the password)."""
    from typer.testing import CliRunner

    from crm.cli import app

    monkeypatch.setenv("CRM_DATABASE_URL", "postgresql+psycopg://crm:s3cret@db.example:5432/crm")
    monkeypatch.setenv("PATH", str(tmp_path))  # no pg_dump here
    out = tmp_path / "crm.dump"
    result = CliRunner().invoke(app, ["backup", str(out)])
    assert result.exit_code == 2
    assert result.stdout.strip() == (
        f"pg_dump --format=custom --no-owner --no-privileges --file {out} "
        "--dbname postgresql://crm@db.example:5432/crm"
    )
    assert "s3cret" not in result.output
    assert "pg_dump が見つかりません" in result.output
    assert not out.exists()
