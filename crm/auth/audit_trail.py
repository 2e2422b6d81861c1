"""Writing the audit trail: one entry per write, in the writer's own transaction.

Reading the trail is ``crm.services.audit``; nothing anywhere updates or deletes an entry.
"""

import datetime as dt
import enum
import json
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session

from crm.actor import Actor
from crm.auth.sessions import require_live
from crm.models import AuditLog, table_of
from crm.timeutil import utcnow


def jsonable(value: Any) -> Any:
    """A field's value as the audit entry's JSON holds it (dates as ISO text, enums by value)."""
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    return value


def record_audit(
    session: Session,
    actor: Actor,
    action: str,
    *,
    entity: str | None = None,
    entity_id: Any = None,
    hub_code: str | None = None,
    changes: dict[str, tuple[Any, Any]] | None = None,
    detail: str | None = None,
) -> None:
    """Every write is audited, so this is where the writer's session is checked: a refusal
    here rolls back the whole transaction, the write included."""
    require_live(session, actor, for_write=True)
    # A Core insert: the audit row is never read back in the transaction, and skipping the
    # ORM object and its unit of work saves about 7% of a save (1.38 → 1.28 ms alone;
    # BENCHMARKS.md, "Targets").
    session.execute(
        insert(table_of(AuditLog)).values(
            at=utcnow(),
            user_id=actor.user_id,
            username=actor.username,
            action=action,
            entity=entity,
            entity_id=None if entity_id is None else str(entity_id),
            hub_code=hub_code,
            changes=None
            if not changes
            else json.dumps(
                {
                    key: [jsonable(before), jsonable(after)]
                    for key, (before, after) in changes.items()
                },
                ensure_ascii=False,
            ),
            detail=detail,
        )
    )
