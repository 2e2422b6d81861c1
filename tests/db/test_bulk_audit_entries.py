"""A large chunk of new rows is audited by the database (crm.writes.audit_rows): the entries
are the ones apply writes row by row in Python, field for field, on SQLite and PostgreSQL."""

import contextlib
import datetime as dt
import json
import sys

import pytest
from sqlmodel import Session, select

from crm.csvio.importer import import_files
from crm.models import AuditLog
from tests.csvio.helpers import csv_bytes
from tests.utils.databases import postgres_database, sqlite_copy
from tests.utils.factories import make_actors, make_company

ROWS = 260  # more than one direct chunk's threshold (200)


def _file(firm_id: int) -> bytes:
    lines = ["企業ID,相談日,相談経路,相談内容,経営姿勢,次のアクション,次回予定日"]
    for n in range(ROWS):
        day = dt.date(2025, 4, 1) + dt.timedelta(days=n % 200)
        stance = "検討中" if n % 3 == 0 else ""
        follow = f"電話{n}" if n % 4 == 0 else ""
        next_on = (day + dt.timedelta(days=14)).isoformat() if n % 4 == 0 else ""
        lines.append(
            f'{firm_id},{day.isoformat()},企業訪問,相談 "{n}" \\ {n},{stance},{follow},{next_on}'
        )
    return csv_bytes(lines)


def _entries(engine, *, in_python: bool, monkeypatch, used: list) -> list[tuple]:
    apply_module = sys.modules["crm.writes.apply"]
    monkeypatch.undo()
    original = apply_module.create_entries

    def spied(*args):
        written = False if in_python else original(*args)
        used.append(written)
        return written

    monkeypatch.setattr(apply_module, "create_entries", spied)
    with Session(engine, expire_on_commit=False) as session:
        actors = make_actors(session)
        firm = make_company(session, actors.manager01, name="監査確認株式会社")
        session.commit()
        report = import_files(
            session,
            actors.manager01,
            [("consultations.csv", _file(firm.id))],
            entity="consultations",
            dry_run=False,
        )
        assert report.ok, report.errors
        session.commit()
        rows = session.exec(
            select(AuditLog)
            .where(AuditLog.entity == "consultation", AuditLog.action == "create")
            .order_by(AuditLog.id)
        ).all()
        return [
            (a.user_id, a.username, a.entity_id, a.hub_code, json.loads(a.changes or "null"))
            for a in rows
        ]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def two_databases(request, tmp_path):
    with contextlib.ExitStack() as stack:
        if request.param == "sqlite":
            template = request.getfixturevalue("sqlite_template")
            yield [
                stack.enter_context(sqlite_copy(template, tmp_path / f"{name}.sqlite3"))
                for name in ("python", "database")
            ]
        else:
            template = request.getfixturevalue("postgres_template")
            yield [
                stack.enter_context(postgres_database(f"crm_audit_{name}", template=template))
                for name in ("python", "database")
            ]


def test_the_database_writes_the_entries_python_writes(two_databases, monkeypatch):
    used: list[bool] = []
    by_python = _entries(two_databases[0], in_python=True, monkeypatch=monkeypatch, used=used)
    assert used and not any(used)
    used.clear()
    by_database = _entries(two_databases[1], in_python=False, monkeypatch=monkeypatch, used=used)
    # The firm (one row) is audited in Python, the one chunk of 260 rows by the database.
    assert used == [False, True]
    assert len(by_database) == ROWS
    assert by_database == by_python
    # Fields without a value are left out, as a form's entry leaves them out.
    first = by_database[1][4]
    assert "stance" not in first and "next_action_on" not in first
    assert by_database[0][4]["next_action_on"] == [None, "2025-04-15"]
