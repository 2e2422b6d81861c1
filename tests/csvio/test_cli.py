"""`crm export weekly|full` and `crm import …` in-process against a temporary database."""

import datetime as dt
import json

import pytest
from sqlalchemy import func, select
from sqlmodel import Session
from typer.testing import CliRunner

from crm.cli import app
from crm.db import make_engine, upgrade
from crm.models import AuditLog, Company, Consultation
from tests.csvio.helpers import jst, stamp
from tests.utils.factories import make_actors, make_company, make_consultation

runner = CliRunner()


@pytest.fixture
def cli_db(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    monkeypatch.setenv("CRM_DATABASE_URL", url)
    engine = make_engine(url)
    upgrade(engine)
    with Session(engine, expire_on_commit=False) as session:
        actors = make_actors(session)
        firm = make_company(session, actors.manager01, name="山形精密株式会社")
        stamp(session, firm, created=jst(2026, 11, 2, 9))
        for day in (dt.date(2026, 11, 16), dt.date(2026, 11, 22)):
            row = make_consultation(session, actors.manager01, firm, on=day)
            stamp(session, row, created=jst(day.year, day.month, day.day, 17))
        session.commit()
    yield engine
    engine.dispose()


def count(engine, model) -> int:
    with Session(engine) as session:
        return session.execute(select(func.count()).select_from(model)).scalar_one()


def test_weekly_export_writes_the_folder_and_reruns_identically(cli_db, tmp_path):
    out = tmp_path / "exports"
    args = ["export", "weekly", "--week", "2026-W47", "--out", str(out)]
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    folder = out / "2026-W47"
    assert sorted(p.name for p in folder.iterdir()) == [
        "companies.csv",
        "consultations.csv",
        "follow_ups.csv",
        "manifest.json",
        "needs.csv",
        "placements.csv",
        "referrals.csv",
        "summary.csv",
    ]
    assert "consultations.csv: 2 行" in first.output
    data = {p.name: p.read_bytes() for p in folder.iterdir()}
    again = runner.invoke(app, args)
    assert again.exit_code == 0, again.output
    for name, content in data.items():
        if name != "manifest.json":
            assert (folder / name).read_bytes() == content, name
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["generated_by"]["username"] == "system"
    assert count(cli_db, AuditLog) > 0
    hub = runner.invoke(app, [*args, "--hub", "01", "--encoding", "cp932", "--headers", "en"])
    assert hub.exit_code == 0, hub.output
    text = (out / "2026-W47_hub01" / "consultations.csv").read_bytes().decode("cp932")
    assert text.startswith("id,hub_code,company_id")


def test_weekly_export_refuses_a_bad_week_or_option(cli_db, tmp_path):
    bad = runner.invoke(app, ["export", "weekly", "--week", "2025-W53", "--out", str(tmp_path)])
    assert bad.exit_code == 1 and "2026-W47" in bad.output and "Traceback" not in bad.output
    enc = runner.invoke(app, ["export", "weekly", "--encoding", "latin-1", "--out", str(tmp_path)])
    assert enc.exit_code == 1 and "--encoding" in enc.output


def test_import_dry_run_then_write_then_reimport(cli_db, tmp_path):
    file = tmp_path / "firms.csv"
    file.write_bytes(
        "企業名,法人番号,都道府県コード\r\n米沢織物株式会社,7000012050002,01\r\n".encode("cp932")
    )
    dry = runner.invoke(app, ["import", "companies", str(file), "--hub", "01", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "新規 1" in dry.output and "何も書き込んでいません" in dry.output
    assert count(cli_db, Company) == 1
    done = runner.invoke(app, ["import", "companies", str(file), "--hub", "01"])
    assert done.exit_code == 0 and "取り込みました（北海道の拠点）" in done.output
    assert count(cli_db, Company) == 2
    again = runner.invoke(app, ["import", "companies", str(file), "--hub", "01"])
    assert "新規 0・更新 0・変更なし 1" in again.output
    assert count(cli_db, Company) == 2


def test_import_errors_are_listed_with_rows_and_exit_1(cli_db, tmp_path):
    file = tmp_path / "consultations.csv"
    file.write_text(
        "企業ID,相談日,相談経路,相談内容\n1,2026-13-01,visit,a\n1,2026-01-05,電話,b\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["import", "consultations", str(file), "--hub", "01"])
    assert result.exit_code == 1
    assert "2 行目「相談日」: 存在しない日付です" in result.output
    assert "3 行目「相談経路」: 選択肢にない値です: 電話" in result.output
    assert "2 件の誤り" in result.output
    assert count(cli_db, Consultation) == 2


def test_import_needs_a_hub(cli_db, tmp_path):
    file = tmp_path / "companies.csv"
    file.write_text("企業名,都道府県コード\nあ,01\n", encoding="utf-8")
    result = runner.invoke(app, ["import", "companies", str(file)])
    assert result.exit_code == 1 and "--hub" in result.output


def test_full_export_then_import_all_into_an_empty_database(cli_db, tmp_path, monkeypatch):
    out = tmp_path / "full"
    assert runner.invoke(app, ["export", "full", "--hub", "01", "--out", str(out)]).exit_code == 0
    folder = next(out.iterdir())
    target = f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    monkeypatch.setenv("CRM_DATABASE_URL", target)
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    # Without --restore a hub import never takes ids from the file: they must name the hub's
    # records, and this database has none.
    refused = runner.invoke(app, ["import", "all", str(folder), "--hub", "01"])
    assert refused.exit_code == 1 and "IDはデータベースが付けます" in refused.output
    result = runner.invoke(app, ["import", "all", str(folder), "--hub", "01", "--restore"])
    assert result.exit_code == 0, result.output
    engine = make_engine(target)
    assert (count(engine, Company), count(engine, Consultation)) == (1, 2)
    engine.dispose()
