"""An import killed (SIGKILL) while it writes leaves the database exactly as before, and usable.

`crm import` writes a file in one transaction; the process is killed after it reports that it
has started writing rows, so part of the file is inside the open transaction when it dies.
"""

import os
import signal
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, inspect, select, text
from sqlmodel import Session
from typer.testing import CliRunner

from bench.import_100k import write_files
from bench.writers import prepare_writers, write_consultations
from crm.cli import app
from crm.models import Consultation

ROOT = Path(__file__).resolve().parents[2]
ROWS = 30_000


def table_counts(engine) -> dict[str, int]:
    with engine.connect() as connection:
        counts = {
            table: connection.execute(text(f'SELECT count(*) FROM "{table}"')).scalar_one()
            for table in inspect(engine).get_table_names()
        }
        counts["data_version"] = connection.execute(
            text("SELECT sum(version) FROM data_version")
        ).scalar_one()
    return counts


def test_import_killed_mid_write_leaves_the_database_unchanged_and_usable(
    any_engine, tmp_path, monkeypatch
):
    url = any_engine.url.render_as_string(hide_password=False)
    env = {**os.environ, "CRM_DATABASE_URL": url, "CRM_DEMO_ON_EMPTY": "0"}
    monkeypatch.setenv("CRM_DATABASE_URL", url)
    companies, big = write_files(tmp_path, companies=300, rows=ROWS)
    loaded = CliRunner().invoke(app, ["import", "companies", str(companies), "--hub", "06"])
    assert loaded.exit_code == 0, loaded.output
    before = table_counts(any_engine)
    any_engine.dispose()

    importer = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from crm.cli import app; app()",
            "import",
            "consultations",
            str(big),
            "--hub",
            "06",
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    seen = []
    for line in importer.stderr:
        seen.append(line.rstrip())
        if "書き込み中" in line:  # rows are going into the open transaction now
            importer.send_signal(signal.SIGKILL)
            break
    assert importer.wait(timeout=60) == -signal.SIGKILL, seen
    assert not any("取込が完了しました" in line for line in seen)

    assert table_counts(any_engine) == before
    if any_engine.dialect.name == "sqlite":
        with any_engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA integrity_check").scalar_one() == "ok"

    # Usable: a hub manager's write, then an import that completes (a smaller file, same shape).
    writer = prepare_writers(any_engine, hubs=["06"], prefix="after-kill")[0]
    result = write_consultations(any_engine, writer, 3, "after-kill")
    assert result.errors == [] and len(result.ids) == 3
    (tmp_path / "small").mkdir()
    _, small = write_files(tmp_path / "small", companies=300, rows=500)
    again = subprocess.run(
        [
            sys.executable,
            "-c",
            "from crm.cli import app; app()",
            "import",
            "consultations",
            str(small),
            "--hub",
            "06",
        ],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert again.returncode == 0, again.stderr[-2000:]
    with Session(any_engine) as session:
        in_hub = session.execute(
            select(func.count()).select_from(Consultation).where(Consultation.hub_code == "06")
        ).scalar_one()
    assert in_hub == before["consultation"] + 3 + 500
