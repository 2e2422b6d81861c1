"""What every service shares: scoped reads, audited and versioned writes, cache versions.

The read scope (``scope_filter``) and the audit trail (``record_audit``) belong to the access
layer below the services (``crm.auth``); the services take them from here.
"""

import json
from typing import Any, TypeVar

from sqlalchemy import func, update
from sqlmodel import Session, SQLModel, select

from crm.actor import Actor
from crm.auth.audit_trail import jsonable, record_audit
from crm.auth.scope import scope_filter as scope_filter
from crm.auth.sessions import require_live
from crm.db import affected_rows
from crm.errors import NotFound, StaleVersion
from crm.models import AuditLog, DataVersion, table_of
from crm.timeutil import utcnow

T = TypeVar("T", bound=SQLModel)

# The data-version counter of writes that belong to no hub (partners, categories, accounts).
NATIONAL = "*"

# Japanese names of the entities, for messages.
ENTITY_LABELS = {
    "company": "企業",
    "contact": "担当者",
    "consultation": "相談",
    "talent_need": "人材ニーズ",
    "referral": "紹介",
    "placement": "成約",
    "follow_up": "フォローアップ",
    "partner": "パートナー",
    "kpi_target": "目標",
    "hub": "拠点",
    "talent_category": "人材区分",
    "user_account": "利用者",
}


def entity_name(model: type[SQLModel]) -> str:
    return model.__tablename__  # type: ignore[return-value]


def get_scoped(session: Session, actor: Actor, model: type[T], row_id: Any) -> T:
    """The row with this id, if the actor may read its hub; NotFound / PermissionDenied else."""
    require_live(session, actor)
    row = session.get(model, row_id)
    name = entity_name(model)
    if row is None:
        raise NotFound(f"{ENTITY_LABELS.get(name, name)}（ID {row_id}）は見つかりません。")
    hub_code = getattr(row, "hub_code", None)
    if hub_code is not None:
        actor.require_read(hub_code)
    return row


def bump_data_version(session: Session, hub_code: str | None) -> None:
    """Invalidate cached reads that include this hub, in the writer's transaction.

    Only the hub's own counter moves ('*' for data of no hub, such as partners), so writers of
    different hubs never wait on one shared row; national readers key on the sum of all
    counters (see ``data_version``)."""
    table = table_of(DataVersion)
    session.execute(
        table.update()
        .where(table.c.scope == (hub_code or NATIONAL))
        .values(version=table.c.version + 1)
    )


def data_version(session: Session, scope_key: str) -> int:
    """The counter a cached read of ``scope_key`` ('all' or 'hub:01') depends on: for one hub
    its own counter plus the shared one, for national views the sum of every counter. Each
    write raises exactly one counter, so each sum grows with every write it may affect."""
    table = table_of(DataVersion)
    statement = select(func.coalesce(func.sum(table.c.version), 0))
    if scope_key != "all":
        statement = statement.where(table.c.scope.in_([scope_key.removeprefix("hub:"), NATIONAL]))
    return session.execute(statement).scalar_one()


def create_row(session: Session, actor: Actor, row: T) -> T:
    """Insert a row, stamp who made it, audit it and invalidate caches of its hub."""
    row.created_by = row.updated_by = actor.user_id
    session.add(row)
    session.flush()
    hub_code = getattr(row, "hub_code", None)
    fields = {
        key: (None, value)
        for key, value in row.model_dump().items()
        if value is not None
        and key not in {"created_at", "updated_at", "created_by", "updated_by", "version", "id"}
    }
    record_audit(
        session,
        actor,
        "create",
        entity=entity_name(type(row)),
        entity_id=getattr(row, "id", None),
        hub_code=hub_code,
        changes=fields,
    )
    bump_data_version(session, hub_code)
    return row


def update_row(
    session: Session, actor: Actor, row: T, values: dict[str, Any], expected_version: int
) -> T:
    """Apply the fields that changed, if the row is still at ``expected_version``.

    The UPDATE itself checks the version, so two processes saving at once cannot both win.
    Raises StaleVersion (with what the other person changed) when the row moved on.
    """
    model = type(row)
    changes = {
        key: (getattr(row, key), value)
        for key, value in values.items()
        if getattr(row, key) != value
    }
    if row.version != expected_version:  # type: ignore[attr-defined]
        raise _stale(session, model, row, expected_version)
    if not changes:
        return row
    stamp = (
        {"updated_at": utcnow(), "updated_by": actor.user_id}
        if hasattr(row, "updated_by")
        else {"updated_at": utcnow()}
    )
    result = session.execute(
        update(model)
        .where(model.id == row.id, model.version == expected_version)  # type: ignore[attr-defined]
        .values(**values, **stamp, version=expected_version + 1)
        .execution_options(synchronize_session=False)
    )
    if affected_rows(result) != 1:
        session.expire(row)
        raise _stale(session, model, row, expected_version)
    session.expire(row)
    session.refresh(row)
    hub_code = getattr(row, "hub_code", None)
    record_audit(
        session,
        actor,
        "update",
        entity=entity_name(model),
        entity_id=row.id,  # type: ignore[attr-defined]
        hub_code=hub_code,
        changes=changes,
    )
    bump_data_version(session, hub_code)
    return row


def _stale(session: Session, model, row, expected_version: int) -> StaleVersion:
    session.refresh(row)
    # What the other writer changed since the version this user read, from the audit trail.
    entries = session.exec(
        select(AuditLog.changes, AuditLog.username)
        .where(
            AuditLog.entity == entity_name(model),
            AuditLog.entity_id == str(row.id),
            AuditLog.action == "update",
        )
        .order_by(AuditLog.id.desc())  # type: ignore[union-attr]
        .limit(max(row.version - expected_version, 1))
    ).all()
    changed: dict[str, tuple] = {}
    for changes, _username in reversed(entries):
        for key, (before, _after) in json.loads(changes or "{}").items():
            changed.setdefault(key, (before, jsonable(getattr(row, key))))
    return StaleVersion(entity_name(model), row.version, changed)


def delete_row(session: Session, actor: Actor, row: SQLModel) -> None:
    hub_code = getattr(row, "hub_code", None)
    record_audit(
        session,
        actor,
        "delete",
        entity=entity_name(type(row)),
        entity_id=getattr(row, "id", None),
        hub_code=hub_code,
        changes={
            key: (value, None)
            for key, value in row.model_dump().items()
            if value is not None and key not in {"created_at", "updated_at"}
        },
    )
    session.delete(row)
    bump_data_version(session, hub_code)
