"""`crm import all DIR` without --hub: a national full export into an empty database in one
command (partners, then every hub, in one transaction, ids kept)."""

import datetime as dt
import os
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlmodel import Session
from typer.testing import CliRunner

from crm.actor import SYSTEM
from crm.cli import app
from crm.csvio.export import MODELS, Week, full_export, weekly_export
from crm.services import companies, needs, targets
from crm.timeutil import to_jst
from tests.csvio.test_roundtrip import aggregates, records
from tests.utils.databases import sqlite_copy
from tests.utils.factories import (
    make_actors,
    make_company,
    make_consultation,
    make_need,
    make_partner,
    make_placement,
)

runner = CliRunner()


def _url(engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def _national_export(engine, out) -> str:
    with Session(engine) as session:
        folder = full_export(session, SYSTEM).write_to(out)
        session.rollback()
    return str(folder)


@pytest.fixture
def target(sqlite_template, tmp_path):
    with sqlite_copy(sqlite_template, tmp_path / "target.sqlite3") as engine:
        yield engine


def _data_files(engine, export) -> dict[str, bytes]:
    """The data files of an export (the manifest says when it was made, so it differs)."""
    with Session(engine) as session:
        bundle = export(session, SYSTEM)
        session.rollback()
    return {f.name: f.data for f in bundle.files}


def _two_hubs(engine) -> None:
    with Session(engine, expire_on_commit=False) as session:
        actors = make_actors(session)
        partner = make_partner(session)
        targets.set_target(
            session,
            actors.secretariat,
            {"hub_code": "01", "fiscal_year": 2025, "consultations": 120, "placements": 9},
        )
        targets.propose_target(
            session,
            actors.manager02,
            {"hub_code": "02", "fiscal_year": 2025, "consultations": 80, "placements": 5},
        )
        for manager, n in ((actors.manager01, 3), (actors.manager02, 2)):
            for i in range(n):
                firm = make_company(session, manager, name=f"株式会社{manager.hub_code}-{i}")
                companies.add_contact(
                    session,
                    manager,
                    firm.id,
                    {"name": f"担当 {i}", "title": "人事部長", "email": f"hr{i}@example.jp"},
                )
                consultation = make_consultation(session, manager, firm, on=dt.date(2025, 4, 1 + i))
                need = make_need(session, manager, consultation)
                needs.refer_need(
                    session,
                    manager,
                    {
                        "need_id": need.id,
                        "partner_id": partner.id,
                        "referred_on": dt.date(2025, 4, 10),
                    },
                )
                if i:
                    make_placement(session, manager, need, on=dt.date(2025, 5, 1))
        session.commit()


def test_a_national_export_into_an_empty_database_in_one_command(
    sqlite_engine, target, tmp_path, monkeypatch
):
    _two_hubs(sqlite_engine)
    folder = _national_export(sqlite_engine, tmp_path / "out")
    monkeypatch.setenv("CRM_DATABASE_URL", _url(target))

    dry = runner.invoke(app, ["import", "all", folder, "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "何も書き込んでいません" in dry.stdout
    assert records(target, None) == dict.fromkeys(MODELS, [])

    result = runner.invoke(app, ["import", "all", folder])
    assert result.exit_code == 0, result.output
    assert "2 拠点" in result.stdout
    # Same records with the same ids, and the same aggregates, in both hubs.
    assert records(target, None) == records(sqlite_engine, None)
    assert aggregates(target, ["01", "02"]) == aggregates(sqlite_engine, ["01", "02"])
    # Lossless: contacts, targets and every step of the needs' history came along, with the
    # versions and times they had, so a new full export and the week's export (late entries
    # and corrections come from those times) are the same bytes.
    source_files = _data_files(sqlite_engine, full_export)
    assert {n: source_files[n].count(b"\n") - 1 for n in ("contacts.csv", "targets.csv")} == {
        "contacts.csv": 5,
        "targets.csv": 2,
    }
    assert source_files["need_history.csv"].count(b"\n") - 1 > 5  # opened, referred, placed
    assert _data_files(target, full_export) == source_files
    # The week the records were entered in (dated 2025: all of them 遅延入力).
    with Session(sqlite_engine) as session:
        entered = session.execute(select(func.max(MODELS["consultations"].created_at))).scalar()
    year, number, _ = to_jst(entered).isocalendar()
    week = Week(year, number)
    weekly = _data_files(sqlite_engine, lambda s, a: weekly_export(s, a, week))
    assert weekly["consultations.csv"].decode("utf-8-sig").count("遅延入力") == 5
    assert _data_files(target, lambda s, a: weekly_export(s, a, week)) == weekly

    # The database now holds records: a second national import is refused in one line and
    # the one-hub import keeps today's matching (same file: nothing changes).
    again = runner.invoke(app, ["import", "all", folder])
    assert again.exit_code == 1
    assert again.output.startswith("エラー: データベースに拠点の記録が既にあるため")
    assert len(again.output.strip().splitlines()) == 1
    with Session(target) as session:
        companies = session.execute(select(func.count()).select_from(MODELS["companies"])).scalar()
    assert companies == 5


def test_a_refused_hub_leaves_the_whole_restore_unwritten(
    sqlite_engine, target, tmp_path, monkeypatch
):
    _two_hubs(sqlite_engine)
    folder = _national_export(sqlite_engine, tmp_path / "out")
    path = os.path.join(folder, "consultations.csv")
    lines = open(path, encoding="utf-8-sig").read().splitlines()
    # Break the last row (hub 02): a date that does not exist is refused.
    cells = lines[-1].split(",")
    date_column = lines[0].split(",").index("相談日")
    cells[date_column] = "2016-02-30"
    lines[-1] = ",".join(cells)
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        handle.write("\r\n".join(lines) + "\r\n")
    monkeypatch.setenv("CRM_DATABASE_URL", _url(target))

    result = runner.invoke(app, ["import", "all", folder])
    assert result.exit_code == 1
    assert f"consultations.csv {len(lines)} 行目「相談日」" in result.output
    assert records(target, None) == dict.fromkeys(MODELS, [])


@pytest.mark.slow
@pytest.mark.skipif(
    os.environ.get("CRM_SLOW_TESTS") != "1",
    reason="national demo restore takes over a minute: set CRM_SLOW_TESTS=1",
)
def test_the_national_demo_export_restored_in_one_command(
    demo_engine, target, tmp_path, monkeypatch
):
    folder = _national_export(demo_engine, tmp_path / "out")
    monkeypatch.setenv("CRM_DATABASE_URL", _url(target))
    result = runner.invoke(app, ["import", "all", folder])
    assert result.exit_code == 0, result.output
    with Session(demo_engine) as session:
        hubs = sorted(
            set(session.execute(select(MODELS["companies"].hub_code).distinct()).scalars())
        )
    # Compared table by table, naming the first row that differs: a diff of every row of the
    # demo would take pytest longer than the run.
    restored_rows, source_rows = records(target, None), records(demo_engine, None)
    differing = {
        name: next(
            (
                (index, got, want)
                for index, (got, want) in enumerate(
                    zip(restored_rows[name], source_rows[name], strict=False)
                )
                if got != want
            ),
            (len(restored_rows[name]), len(source_rows[name])),
        )
        for name in source_rows
        if restored_rows[name] != source_rows[name]
    }
    assert differing == {}
    assert aggregates(target, hubs) == aggregates(demo_engine, hubs)
    # Re-exported from the restored database: byte-identical data files (the source's are
    # the files just restored from; exporting the demo again would give the same bytes).
    restored = _data_files(target, full_export)
    source = {path.name: path.read_bytes() for path in Path(folder).iterdir()}
    assert set(source) == {*restored, "manifest.json"}
    assert restored == {name: source[name] for name in restored}
    assert all(restored[name].count(b"\n") > 100 for name in ("contacts.csv", "targets.csv"))
