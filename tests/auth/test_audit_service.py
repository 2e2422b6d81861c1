"""Browsing the audit trail: filters, Japan-time periods, administrators only, no editing."""

import datetime as dt
import inspect
import re
from pathlib import Path

import pytest
from sqlalchemy import update

from crm.errors import PermissionDenied
from crm.models import AuditLog
from crm.services import audit
from crm.services.audit import AuditFilter, browse_audit, count_audit
from crm.timeutil import JST
from tests.utils.factories import make_company


def test_filters_by_user_action_entity_record_and_hub(session, actors):
    first = make_company(session, actors.manager01, name="一号の会社")
    make_company(session, actors.manager02, name="二号の会社")
    session.commit()
    mine = browse_audit(session, actors.admin, AuditFilter(username="manager01"))
    assert [(e.action, e.entity, e.hub_code) for e in mine] == [("create", "company", "01")]
    assert mine[0].changes["name"] == [None, "一号の会社"]
    assert "name: （なし） → 一号の会社" in mine[0].changes_text()
    record = browse_audit(
        session, actors.admin, AuditFilter(entity="company", entity_id=str(first.id))
    )
    assert [e.entity_id for e in record] == [str(first.id)]
    assert {
        e.hub_code for e in browse_audit(session, actors.admin, AuditFilter(hub_code="02"))
    } == {"02"}
    assert count_audit(session, actors.admin, AuditFilter(action="create", entity="company")) == 2


def test_period_is_in_japan_time_and_newest_come_first(any_session):
    session, actors = any_session, any_session.info["actors"]
    make_company(session, actors.manager01, name="早朝の会社")
    make_company(session, actors.manager01, name="深夜の会社")
    session.flush()
    early, late = session.exec(
        AuditLog.__table__.select().where(AuditLog.entity == "company").order_by(AuditLog.id)
    ).all()
    # 2025-04-01 00:30 JST is still 31 March in UTC; 23:30 JST is 14:30 UTC the same day.
    for row_id, jst in (
        (early.id, dt.datetime(2025, 4, 1, 0, 30, tzinfo=JST)),
        (late.id, dt.datetime(2025, 4, 1, 23, 30, tzinfo=JST)),
    ):
        session.execute(update(AuditLog).where(AuditLog.id == row_id).values(at=jst))
    day = AuditFilter(entity="company", since=dt.date(2025, 4, 1), until=dt.date(2025, 4, 1))
    entries = browse_audit(session, actors.admin, day)
    assert [e.changes["name"][1] for e in entries] == ["深夜の会社", "早朝の会社"]
    before = AuditFilter(entity="company", until=dt.date(2025, 3, 31))
    assert browse_audit(session, actors.admin, before) == []


@pytest.mark.parametrize("who", ["manager01", "secretariat"])
def test_only_administrators_read_the_trail(session, actors, who):
    with pytest.raises(PermissionDenied):
        browse_audit(session, getattr(actors, who))


def test_nothing_in_the_app_can_change_an_entry():
    names = [name for name, _ in inspect.getmembers(audit, inspect.isfunction)]
    assert not [n for n in names if any(w in n for w in ("update", "delete", "edit", "remove"))]
    root = Path(__file__).resolve().parents[2]
    sources = [
        *root.glob("crm/**/*.py"),
        *root.glob("ui/*.py"),
        *root.glob("pages/*.py"),
        root / "streamlit_app.py",
    ]
    writes = re.compile(
        r"(update|delete)\(\s*AuditLog|AuditLog\.__table__\.(update|delete)"
        r"|(UPDATE|DELETE FROM)\s+audit_log"
    )
    offenders = [
        str(path.relative_to(root))
        for path in sources
        if writes.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
