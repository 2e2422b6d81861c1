"""Checks that every write left its audit entry: each new row a 'create', each version step an
'update', each vanished row a 'delete' (rows written by a CSV import: the 'import' entry).

Usage: ``before = snapshot(session)`` … writes … ``assert unaudited(session, before) == []``.
"""

from collections import Counter

import pytest
from sqlmodel import Session, func, select

from crm.db import make_engine
from crm.models import (
    AuditLog,
    Company,
    Consultation,
    Contact,
    FollowUp,
    Hub,
    KpiTarget,
    Partner,
    Placement,
    Referral,
    TalentCategory,
    TalentNeed,
    UserAccount,
)

AUDITED = [
    Company,
    Contact,
    Consultation,
    TalentNeed,
    Referral,
    Placement,
    FollowUp,
    Partner,
    TalentCategory,
    KpiTarget,
    UserAccount,
    Hub,
]


def _key(model) -> str:
    return model.__tablename__


def _id_column(model):
    return model.code if model is Hub else model.id


def snapshot(session: Session) -> dict:
    """Versions of every audited row, and the last audit id, before the writes under test."""
    versions = {}
    for model in AUDITED:
        column = _id_column(model)
        for row_id, version in session.exec(select(column, model.version)).all():
            versions[(_key(model), str(row_id))] = version
    last = session.exec(select(func.max(AuditLog.id))).one() or 0
    return {"versions": versions, "last_audit": last}


def new_entries(session: Session, before: dict) -> list[AuditLog]:
    return list(
        session.exec(
            select(AuditLog).where(AuditLog.id > before["last_audit"]).order_by(AuditLog.id)
        ).all()
    )


def unaudited(session: Session, before: dict) -> list[str]:
    """Descriptions of writes since ``before`` that have no audit entry (empty when all do)."""
    entries = new_entries(session, before)
    creates = {(e.entity, e.entity_id) for e in entries if e.action == "create"}
    updates = Counter((e.entity, e.entity_id) for e in entries if e.action == "update")
    deletes = {(e.entity, e.entity_id) for e in entries if e.action == "delete"}
    imported = any(e.action == "import" for e in entries)
    problems = []
    now = {}
    for model in AUDITED:
        for row_id, version in session.exec(select(_id_column(model), model.version)).all():
            now[(_key(model), str(row_id))] = version
    for key, version in now.items():
        old = before["versions"].get(key)
        if old is None:
            if key not in creates and not imported:
                problems.append(f"{key}: created without an audit entry")
        elif version > old and updates[key] < version - old and not imported:
            problems.append(f"{key}: {version - old} update(s), {updates[key]} audited")
    for key in before["versions"]:
        if key not in now and key not in deletes:
            problems.append(f"{key}: deleted without an audit entry")
    return problems


@pytest.fixture(scope="session")
def template_snapshot(sqlite_template):
    """The audited rows a freshly migrated database starts with (hubs, seed categories)."""
    engine = make_engine(f"sqlite:///{sqlite_template}")
    with Session(engine) as session:
        before = snapshot(session)
    engine.dispose()
    return before


@pytest.fixture
def writes_are_audited(request, template_snapshot):
    """After the test: every write to its database (``engine`` fixture) left audit entries."""
    # Taken before the test, so that it is torn down after this check.
    engine = request.getfixturevalue("engine") if "engine" in request.fixturenames else None
    yield
    if engine is None:
        return
    with Session(engine) as session:
        assert unaudited(session, template_snapshot) == []
