"""A large chunk of a write plan goes straight to the driver (crm.writes.bulk.insert_rows:
SQLite's executemany, PostgreSQL's COPY): it must store exactly what SQLAlchemy's own insert
stores, value for value."""

import datetime as dt
import sqlite3

import pytest
from sqlalchemy import insert, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from crm.models import AuditLog, Partner, table_of
from crm.writes import savepoint
from crm.writes.apply import insert_rows
from tests.utils.databases import sqlite_copy

NOW = dt.datetime(2026, 12, 7, 5, 4, 3, 21_000, tzinfo=dt.UTC)


def _stored(path, table: str) -> list[tuple]:
    with sqlite3.connect(path) as connection:
        return connection.execute(f"SELECT * FROM {table} ORDER BY id").fetchall()


PARTNERS = [
    {"id": n, "kind": "recruitment_agency", "name": f"会社{n}", "active": n % 2 == 0,
     "created_at": NOW, "updated_at": NOW, "version": 1}
    for n in range(1, 301)
]  # fmt: skip
ENTRIES = [
    {"id": n, "at": NOW - dt.timedelta(days=n), "action": "create", "entity": "partner",
     "entity_id": str(n), "changes": '{"name": [null, "会社"]}'}
    for n in range(1, 301)
]  # fmt: skip


def test_the_direct_insert_stores_what_sqlalchemy_stores(sqlite_template, tmp_path):
    stored = {}
    for how in ("direct", "sqlalchemy"):
        path = tmp_path / f"{how}.sqlite3"
        with sqlite_copy(sqlite_template, path) as engine, Session(engine) as session:
            for model, rows in ((Partner, PARTNERS), (AuditLog, ENTRIES)):
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


def _rows(session: Session, table: str) -> list[tuple]:
    return [tuple(row) for row in session.execute(text(f"SELECT * FROM {table} ORDER BY id"))]


@pytest.mark.postgres
def test_copy_stores_what_sqlalchemy_stores(postgres_engine):
    """On PostgreSQL a large chunk is streamed with COPY: the same values come back."""
    stored = {}
    with Session(postgres_engine) as session:
        for how in ("copy", "sqlalchemy"):
            for model, rows in ((Partner, PARTNERS), (AuditLog, ENTRIES)):
                if how == "copy":
                    insert_rows(session, table_of(model), [dict(r) for r in rows])
                else:
                    session.execute(insert(table_of(model)), [dict(r) for r in rows])
            stored[how] = (_rows(session, "partner"), _rows(session, "audit_log"))
            session.rollback()
    assert stored["copy"] == stored["sqlalchemy"]
    assert len(stored["copy"][0]) == len(PARTNERS)


def test_a_refused_chunk_is_sqlalchemys_error_and_its_savepoint_rolls_back(any_engine):
    """A constraint the database enforces surfaces as SQLAlchemy's IntegrityError (what the
    import's savepoints catch to pinpoint the row), and the transaction goes on after it."""
    twice = [*PARTNERS, {**PARTNERS[0]}]
    with Session(any_engine) as session:
        with pytest.raises(IntegrityError), savepoint(session):
            insert_rows(session, table_of(Partner), [dict(r) for r in twice])
        insert_rows(session, table_of(Partner), [dict(r) for r in PARTNERS])
        assert len(_rows(session, "partner")) == len(PARTNERS)
        session.rollback()
