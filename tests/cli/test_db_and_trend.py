"""`crm db upgrade` and `crm report trend` run in-process against a temporary database."""

import datetime as dt

from typer.testing import CliRunner

from crm.cli import app
from tests.utils.factories import (
    make_actors,
    make_company,
    make_consultation,
    make_need,
    make_placement,
)

runner = CliRunner()


def test_commands_refuse_an_unmigrated_database(tmp_path, monkeypatch):
    monkeypatch.setenv("CRM_DATABASE_URL", f"sqlite:///{tmp_path / 'new.sqlite3'}")
    result = runner.invoke(app, ["report", "trend"])
    assert result.exit_code == 1
    assert "crm db upgrade" in result.output
    assert "Traceback" not in result.output


def test_upgrade_then_trend(tmp_path, monkeypatch):
    monkeypatch.setenv("CRM_DATABASE_URL", f"sqlite:///{tmp_path / 'new.sqlite3'}")
    result = runner.invoke(app, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    from sqlmodel import Session

    from crm.db import make_engine

    engine = make_engine()
    with Session(engine) as session:
        actors = make_actors(session)
        company = make_company(session, actors.manager01)
        c = make_consultation(session, actors.manager01, company, on=dt.date(2016, 1, 5))
        make_consultation(session, actors.manager01, company, on=dt.date(2016, 3, 5))
        make_placement(
            session,
            actors.manager01,
            make_need(session, actors.manager01, c),
            on=dt.date(2016, 2, 1),
        )
        session.commit()
    result = runner.invoke(app, ["report", "trend", "--codes"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[:4] == [
        "month,consultations,contracts",
        "2016-01,1,0",
        "2016-02,1,1",
        "2016-03,2,1",
    ]
    hub02 = runner.invoke(app, ["report", "trend", "--hub", "02", "--codes"])
    assert hub02.output.splitlines() == ["month,consultations,contracts"]


def test_trend_headers_are_japanese_unless_codes_are_asked(tmp_path, monkeypatch):
    monkeypatch.setenv("CRM_DATABASE_URL", f"sqlite:///{tmp_path / 'new.sqlite3'}")
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    assert runner.invoke(app, ["report", "trend"]).output.splitlines() == [
        "年月,累計相談件数,累計成約件数"
    ]
    assert runner.invoke(app, ["report", "trend", "--codes"]).output.splitlines() == [
        "month,consultations,contracts"
    ]
