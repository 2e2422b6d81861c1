"""What every service shares: scoped reads, audited and versioned writes, cache versions.

The read scope (``scope_filter``) and the audit trail (``record_audit``) belong to the access
layer below the services (``crm.auth``); the services take them from here.
"""

from collections.abc import Sequence
from typing import Any, TypeVar

from sqlmodel import Session, SQLModel, select

from crm.actor import Actor
from crm.auth.audit_trail import record_audit
from crm.auth.scope import scope_filter as scope_filter
from crm.auth.sessions import require_live
from crm.errors import NotFound, StaleVersion
from crm.models import DataVersion, stored_id, table_of
from crm.writes import Key, Plan, apply, changed_since
from crm.writes import bump_data_version as bump_data_version
from crm.writes.apply import BOOKKEEPING, NATIONAL

T = TypeVar("T", bound=SQLModel)


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
    "outreach_event": "セミナー・イベント",
    "event_cohost": "共催",
    "event_attendee": "参加企業",
    "introduction": "紹介（企業の持ち込み）",
    "referral_report": "パートナーの報告",
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


def data_counters(session: Session) -> dict[str, int]:
    """Every counter by its scope (a hub's code, or the shared one), in one query."""
    table = table_of(DataVersion)
    return {scope: int(n) for scope, n in session.execute(select(table.c.scope, table.c.version))}


def version_of(counters: dict[str, int], scope_key: str, hubs: Sequence[str] | None = None) -> int:
    """``data_version`` from counters read once (``data_counters``): a page's run reads them
    with its session check and keys every cached read of the run by them (``ui.cache``)."""
    if scope_key.startswith("partner:"):
        # A partner's referrals may be in any hub: any hub's write may change what it reads.
        scopes: Sequence[str] | None = None
    elif scope_key != "all":
        scopes = [scope_key.removeprefix("hub:"), NATIONAL]
    elif hubs is not None:
        scopes = [*hubs, NATIONAL]
    else:
        scopes = None
    if scopes is None:
        return sum(counters.values())
    return sum(counters.get(scope, 0) for scope in set(scopes))


def data_version(session: Session, scope_key: str, hubs: Sequence[str] | None = None) -> int:
    """The counter a cached read of ``scope_key`` ('all' or 'hub:01') depends on: for one hub
    its own counter plus the shared one, for national views the sum of every counter, or,
    for a read of some hubs only (``hubs``), of theirs and the shared one, so that a save in
    hub 06 leaves the secretariat's cached view of hub 02 as it is. Each write raises exactly
    one counter, so each sum grows with every write it may affect."""
    return version_of(data_counters(session), scope_key, hubs)


def create_row(session: Session, actor: Actor, row: T) -> T:
    """Insert a row through the write layer (stamped, audited, caches of its hub invalidated);
    returns it as stored."""
    model = type(row)
    plan = Plan()
    key = plan.insert(model, _fields(row))
    return applied(session, actor, plan, model, key)


def applied(session: Session, actor: Actor, plan: Plan, model: type[T], key: Key) -> T:
    """Write ``plan`` (``crm.writes.apply``) and return its row ``key`` as stored."""
    ids = apply(session, actor, plan)
    stored = session.get(model, ids[key])
    if stored is None:  # pragma: no cover - the row was inserted in this transaction
        raise NotFound(f"{entity_name(model)} {ids[key]}")
    return stored


def _fields(row: SQLModel) -> dict[str, Any]:
    """A new row's values, without the bookkeeping the write layer stamps."""
    return {key: value for key, value in row.model_dump().items() if key not in BOOKKEEPING}


def update_row(
    session: Session, actor: Actor, row: T, values: dict[str, Any], expected_version: int
) -> T:
    """Apply the fields that changed, if the row is still at ``expected_version``.

    The UPDATE itself checks the version, so two processes saving at once cannot both win.
    Raises StaleVersion (with what the other person changed) when the row moved on.
    """
    model = type(row)
    row_id = getattr(row, "id", None)
    if row.version != expected_version:  # type: ignore[attr-defined]
        session.refresh(row)
        raise StaleVersion(
            entity_name(model),
            row.version,  # type: ignore[attr-defined]
            changed_since(session, model, stored_id(row_id), expected_version),
            row_id=row_id,
            expected_version=expected_version,
        )
    plan = Plan()
    plan.change(model, stored_id(row_id), expected_version, values, row.model_dump())
    if not plan:
        return row
    try:
        apply(session, actor, plan)
    finally:
        session.expire(row)
    session.refresh(row)
    return row


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
