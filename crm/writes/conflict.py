"""What another writer changed: the one explanation of a refused, version-checked change
(a form saved over someone's edit, a file row whose record moved on since it was exported or
checked), read from the audit trail."""

import json
from typing import Any

from sqlalchemy import select as core_select
from sqlmodel import Session, SQLModel, col, select

from crm.auth.audit_trail import jsonable
from crm.models import AuditLog, table_of


def changed_since(
    session: Session, model: type[SQLModel], row_id: int, version: int
) -> dict[str, tuple[Any, Any]]:
    """Each field another writer changed on the row since ``version``: field -> (the value at
    ``version``, the value now). Empty when the row is gone or the trail says nothing."""
    table = table_of(model)
    current = session.execute(core_select(table).where(table.c.id == row_id)).first()
    if current is None:
        return {}
    now = dict(current._mapping)
    entries = session.exec(
        select(AuditLog.changes)
        .where(
            AuditLog.entity == table.name,
            AuditLog.entity_id == str(row_id),
            AuditLog.action == "update",
        )
        .order_by(col(AuditLog.id).desc())
        .limit(max(int(now.get("version") or 0) - version, 1))
    ).all()
    changed: dict[str, tuple[Any, Any]] = {}
    for changes in reversed(entries):
        for key, (before, _after) in json.loads(changes or "{}").items():
            if key in now:
                changed.setdefault(key, (before, jsonable(now[key])))
    return changed
