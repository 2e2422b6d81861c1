"""A large chunk of a write plan goes straight to SQLite's driver (crm.writes.apply.insert_rows):
it must store exactly what SQLAlchemy's own insert stores, value for value."""

import datetime as dt
import sqlite3

from sqlalchemy import insert
from sqlmodel import Session

from crm.models import AuditLog, Partner, table_of
from crm.writes.apply import insert_rows
from tests.utils.databases import sqlite_copy

NOW = dt.datetime(2026, 12, 7, 5, 4, 3, 21_000, tzinfo=dt.UTC)


def _stored(path, table: str) -> list[tuple]:
    with sqlite3.connect(path) as connection:
        return connection.execute(f"SELECT * FROM {table} ORDER BY id").fetchall()


def test_the_direct_insert_stores_what_sqlalchemy_stores(sqlite_template, tmp_path):
    partners = [
        {"id": n, "kind": "recruitment_agency", "name": f"会社{n}", "active": n % 2 == 0,
         "created_at": NOW, "updated_at": NOW, "version": 1}
        for n in range(1, 301)
    ]  # fmt: skip
    entries = [
        {"id": n, "at": NOW - dt.timedelta(days=n), "action": "create", "entity": "partner",
         "entity_id": str(n), "changes": '{"name": [null, "会社"]}'}
        for n in range(1, 301)
    ]  # fmt: skip
    stored = {}
    for how in ("direct", "sqlalchemy"):
        path = tmp_path / f"{how}.sqlite3"
        with sqlite_copy(sqlite_template, path) as engine, Session(engine) as session:
            for model, rows in ((Partner, partners), (AuditLog, entries)):
                if how == "direct":
                    insert_rows(session, table_of(model), [dict(r) for r in rows])
                else:
                    session.execute(insert(table_of(model)), [dict(r) for r in rows])
            session.commit()
        stored[how] = (_stored(path, "partner"), _stored(path, "audit_log"))
    assert stored["direct"] == stored["sqlalchemy"]
    partner, entry = stored["direct"][0][0], stored["direct"][1][0]
    assert "2026-12-07 05:04:03.021000" in partner
    assert entry[1].startswith("2026-12-06 05:04:03.021000")
