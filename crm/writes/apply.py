"""The one executor of writes to hub records: forms, file imports, the CLI and restores all hand
it a ``Plan`` (a load of generated history, the demo, enters by ``crm.writes.load``; both
insert through ``crm.writes.bulk``).

For a plan it
- checks the writer's session once (``require_live``; a refusal writes nothing);
- raises the data version of every hub it touches first (so on SQLite this transaction holds
  the write lock before it picks ids, and caches of those hubs are invalidated);
- gives new rows their ids (the table's sequence on PostgreSQL, the next ids after the largest
  on SQLite, or, in a restore, the ids they carry, after which each sequence is set past the
  largest id written) and replaces every Key of the plan by its id;
- stamps who wrote and when (created/updated by and at, version 1; who logged a consultation;
  who recorded a step of a need's history) and keeps a firm's search keys in step with its
  name and kana;
- inserts rows and makes changes with multi-row statements, a chunk at a time, each change on
  the condition that its row is still at the version the writer read (else ``StaleVersion``,
  with what the other writer changed);
- writes one audit entry per row created or changed, with its fields before and after.
"""

import datetime as dt
import json
from collections.abc import Callable, Iterable
from itertools import groupby
from typing import Any

from sqlalchemy import (
    Table,
    bindparam,
    false,
    func,
    select,
    text,
)
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import SessionTransaction
from sqlalchemy.orm.util import identity_key
from sqlmodel import Session, SQLModel

from crm.actor import Actor
from crm.auth.audit_trail import jsonable
from crm.auth.sessions import require_live
from crm.entities import Company, Consultation, NeedStatusChange
from crm.errors import CrmError, StaleVersion
from crm.models import AuditLog, DataVersion, table_of
from crm.textnorm import company_keys
from crm.timeutil import utcnow
from crm.writes.audit_rows import create_entries
from crm.writes.bulk import insert_rows, move_sequences
from crm.writes.conflict import changed_since
from crm.writes.plan import Change, Key, NewRow, Plan

CHUNK = 2_000
NATIONAL = "*"  # the data-version counter of writes that belong to no hub
# Bookkeeping a row carries besides its fields: not listed in its audit entry.
BOOKKEEPING = frozenset(
    {"id", "created_at", "updated_at", "created_by", "updated_by", "version", "changed_at"}
)
# Firms' derived keys: searched, compared and sorted by, never typed.
_COMPANY_KEYS = ("search_key", "name_key", "kana_key")

Progress = Callable[[int], None]


def entity_name(model: type[SQLModel]) -> str:
    return table_of(model).name


def apply(
    session: Session,
    actor: Actor,
    plan: Plan,
    *,
    progress: Progress | None = None,
    audit: bool = True,
    pinpoint: bool = False,
) -> dict[Key, int]:
    """Write ``plan`` in the caller's transaction; returns the id each Key was given.

    ``progress`` is called with the number of rows written after each chunk. ``audit=False``
    leaves the per-row audit entries out (a restore, whose rows were audited where they were
    first written). ``pinpoint=True`` (file imports) runs each chunk in a savepoint and, when
    the database refuses it (a constraint), finds the row and raises ``WriteRefused`` naming
    its origin, with the transaction still usable."""
    if not plan.operations:
        return {}
    require_live(session, actor, for_write=True)
    now = utcnow()
    for hub in sorted({_hub(op) for op in plan.operations}):
        bump_data_version(session, hub)
    ids: dict[Key, int] = {}
    entries: list[dict[str, Any]] = []
    for (kind, model), group in groupby(plan.operations, key=lambda op: (type(op), op.model)):
        batch = list(group)
        for start in range(0, len(batch), CHUNK):
            chunk = batch[start : start + CHUNK]
            if kind is NewRow:
                write = _insert
            else:
                write = _change  # type: ignore[assignment]
            if pinpoint:
                _pinpointed(session, write, actor, model, chunk, ids, now, plan.keep_ids)
            else:
                write(session, actor, model, chunk, ids, now, plan.keep_ids)  # type: ignore[arg-type]
            if audit and model is not NeedStatusChange:
                new_rows = [op for op in chunk if isinstance(op, NewRow)]
                audited = False
                if len(new_rows) == len(chunk):
                    _write_entries(session, entries)  # earlier entries first, in order
                    audited = create_entries(
                        session, actor, model, entity_name(model), new_rows, ids, now, BOOKKEEPING
                    )
                if not audited:
                    entries.extend(_entries(actor, model, chunk, ids, now))
            if len(entries) >= CHUNK:
                _write_entries(session, entries)
            if progress is not None:
                progress(len(chunk))
    _write_entries(session, entries)
    if plan.keep_ids:
        written = dict.fromkeys(op.model for op in plan.operations if isinstance(op, NewRow))
        move_sequences(session.connection(), map(table_of, written))
    return ids


def _hub(operation: NewRow | Change) -> str:
    if isinstance(operation, NewRow):
        return operation.values.get("hub_code") or NATIONAL
    return operation.before.get("hub_code") or NATIONAL


def savepoint(session: Session) -> SessionTransaction:
    """A savepoint inside the session's transaction (roll back a part, keep the rest).

    pysqlite opens a transaction only before a statement that changes data, so a SAVEPOINT
    issued first would open one of its own and its RELEASE would commit it: on SQLite an
    UPDATE that changes nothing opens the transaction first."""
    if session.get_bind().dialect.name == "sqlite":
        table = table_of(DataVersion)
        session.execute(table.update().where(false()).values(version=table.c.version))
    return session.begin_nested()


def bump_data_version(session: Session, hub_code: str | None) -> None:
    """Invalidate cached reads that include this hub, in the writer's transaction.

    Only the hub's own counter moves ('*' for data of no hub, such as partners), so writers of
    different hubs never wait on one shared row; national readers key on the sum of all
    counters (``crm.services.base.data_version``)."""
    table = table_of(DataVersion)
    session.execute(
        table.update()
        .where(table.c.scope == (hub_code or NATIONAL))
        .values(version=table.c.version + 1)
    )


# --- inserts ----------------------------------------------------------------------------------


_KEY_TYPE = frozenset({Key})


def _resolved(values: dict[str, Any], ids: dict[Key, int]) -> dict[str, Any]:
    if _KEY_TYPE.isdisjoint(map(type, values.values())):  # no Key (checked at C speed)
        return values
    return {k: ids[v] if isinstance(v, Key) else v for k, v in values.items()}


def _stamps(model: type[SQLModel], actor: Actor, now: dt.datetime) -> dict[str, Any]:
    columns = table_of(model).c
    stamps: dict[str, Any] = {}
    if "created_at" in columns:
        stamps |= {"created_at": now, "updated_at": now, "version": 1}
    if "created_by" in columns:
        stamps |= {"created_by": actor.user_id, "updated_by": actor.user_id}
    if model is Consultation:
        stamps["logged_by"] = actor.user_id
    if model is NeedStatusChange:
        stamps |= {"changed_at": now, "changed_by": actor.user_id}
    return stamps


def _insert(
    session: Session,
    actor: Actor,
    model: type[SQLModel],
    rows: list[NewRow],
    ids: dict[Key, int],
    now: dt.datetime,
    keep_ids: bool,
) -> None:
    table = table_of(model)
    stamps = _stamps(model, actor, now)
    fresh = iter(new_ids(session, table, sum(1 for r in rows if not (keep_ids and r.id))))
    values = []
    for row in rows:
        row_id = row.id if keep_ids and row.id else next(fresh)
        if row.key is not None:
            ids[row.key] = row_id
        row.values = _resolved(row.values, ids)
        # A restore brings its own stamps (its version and times): they win over ours.
        stamped = {**stamps, **row.values, "id": row_id}
        for name in stamps.keys() & row.values.keys():
            if stamped[name] is None:
                stamped[name] = stamps[name]
        values.append(stamped)
    if model is Company:
        for row_values in values:
            row_values.update(_keys_of(row_values))
    insert_rows(session, table, values)


def new_ids(session: Session, table: Table, count: int) -> list[int]:
    """Ids for ``count`` new rows of ``table``, so that plain multi-row inserts can be used
    (RETURNING in parameter order makes SQLite insert row by row). The caller holds the write
    lock (the data version was raised first), so on SQLite no other writer can take these ids
    (the next after the largest, as SQLite itself picks them); on PostgreSQL they come from
    the table's sequence."""
    if count == 0:
        return []
    if session.get_bind().dialect.name == "postgresql":
        return list(
            session.execute(
                text(
                    f"SELECT nextval(pg_get_serial_sequence('{table.name}', 'id')) "
                    "FROM generate_series(1, :n)"
                ),
                {"n": count},
            ).scalars()
        )
    highest = session.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar_one()
    return list(range(highest + 1, highest + 1 + count))


def _keys_of(values: dict[str, Any]) -> dict[str, Any]:
    return company_keys(values.get("name"), values.get("kana"))


# --- changes ----------------------------------------------------------------------------------


def _change(
    session: Session,
    actor: Actor,
    model: type[SQLModel],
    changes: list[Change],
    ids: dict[Key, int],
    now: dt.datetime,
    _keep_ids: bool = False,
) -> None:
    table = table_of(model)
    stamp: dict[str, Any] = {"updated_at": now}
    if "updated_by" in table.c:
        stamp["updated_by"] = actor.user_id
    for change in changes:
        change.values = _resolved(change.values, ids)
        if model is Company and {"name", "kana"} & set(change.values):
            after = {**change.before, **change.values}
            change.values.update(_keys_of(after))
    # One statement per set of fields changed together (executemany needs one shape).
    for fields, group in groupby(
        sorted(changes, key=lambda c: sorted(c.values)), key=lambda c: sorted(c.values)
    ):
        batch = list(group)
        statement = (
            table.update()
            .where(table.c.id == bindparam("_id"), table.c.version == bindparam("_expected"))
            .values({name: bindparam(name) for name in [*fields, *stamp, "version"]})
        )
        result = session.execute(
            statement,
            [
                {
                    **c.values,
                    **stamp,
                    "_id": c.id,
                    "_expected": c.expected_version,
                    "version": c.expected_version + 1,
                }
                for c in batch
            ],
        )
        if result.rowcount != len(batch):  # type: ignore[attr-defined]
            _refuse_stale(session, model, batch, now)
    _refresh_loaded(session, model, [c.id for c in changes])


def _refresh_loaded(session: Session, model: type[SQLModel], row_ids: list[int]) -> None:
    """Rows this session holds as objects are read again: the changes above went past the ORM
    (and an object the caller keeps after the session ends must hold the stored values)."""
    for row_id in row_ids:
        loaded = session.identity_map.get(identity_key(model, row_id))
        if loaded is not None:
            session.refresh(loaded)


def _refuse_stale(
    session: Session, model: type[SQLModel], changes: list[Change], now: dt.datetime
) -> None:
    """Name the first row that another writer moved on (or deleted) since it was read: a row
    this statement changed is at the next version with this write's time."""
    table = table_of(model)
    current = {
        row.id: (row.version, row.updated_at)
        for row in session.execute(
            select(table.c.id, table.c.version, table.c.updated_at).where(
                table.c.id.in_([c.id for c in changes])
            )
        )
    }
    for change in changes:
        version, stamp = current.get(change.id, (None, None))
        if version != change.expected_version + 1 or stamp != now:
            found = changed_since(session, model, change.id, change.expected_version)
            raise StaleVersion(
                entity_name(model),
                version or 0,
                found,
                row_id=change.id,
                origin=change.origin,
                expected_version=change.expected_version,
            )


# --- refusals by the database -------------------------------------------------------------------


class WriteRefused(CrmError):
    """The database refused a row (a constraint no rule checks before): ``origin`` is where
    the row came from, ``reason`` the database's own words."""

    def __init__(self, model: type[SQLModel], origin: Any, reason: str):
        self.entity, self.origin, self.reason = entity_name(model), origin, reason
        super().__init__(f"データベースが書き込みを受け付けませんでした（{reason}）")


def _pinpointed(
    session: Session,
    write: Callable[..., None],
    actor: Actor,
    model: type[SQLModel],
    chunk: list[Any],
    ids: dict[Key, int],
    now: dt.datetime,
    keep_ids: bool,
) -> None:
    """``write`` the chunk in a savepoint; if the database refuses it, write its rows one at a
    time (each in a savepoint) to name the one it refuses."""
    try:
        with savepoint(session):
            write(session, actor, model, chunk, ids, now, keep_ids)
        return
    except DBAPIError as error:
        if len(chunk) == 1:
            raise WriteRefused(model, chunk[0].origin, _reason(error)) from None
    for operation in chunk:
        try:
            with savepoint(session):
                write(session, actor, model, [operation], ids, now, keep_ids)
        except DBAPIError as error:
            raise WriteRefused(model, operation.origin, _reason(error)) from None
    # Every row passed alone: the chunk failed as a whole (rows refusing one another).
    raise WriteRefused(model, chunk[0].origin, "複数の行が互いに衝突しています")


def _reason(error: DBAPIError) -> str:
    """The database's message, first line only (no SQL, no parameters)."""
    return str(error.orig).strip().splitlines()[0][:200] if error.orig else type(error).__name__


# --- the audit trail --------------------------------------------------------------------------


def _entries(
    actor: Actor,
    model: type[SQLModel],
    operations: Iterable[NewRow | Change],
    ids: dict[Key, int],
    now: dt.datetime,
) -> Iterable[dict[str, Any]]:
    entity = entity_name(model)
    for op in operations:
        if isinstance(op, NewRow):
            row_id = ids[op.key] if op.key is not None else op.id
            action, hub = "create", op.values.get("hub_code")
            changes = {
                k: [None, _plain(v)]
                for k, v in op.values.items()
                if v is not None and k not in BOOKKEEPING
            }
        else:
            row_id, action, hub = op.id, "update", op.before.get("hub_code")
            changes = {
                k: [_plain(op.before.get(k)), _plain(v)]
                for k, v in op.values.items()
                if k not in BOOKKEEPING and k not in _COMPANY_KEYS
            }
        yield {
            "at": now,
            "user_id": actor.user_id,
            "username": actor.username,
            "action": action,
            "entity": entity,
            "entity_id": None if row_id is None else str(row_id),
            "hub_code": hub,
            "changes": _json(changes) if changes else None,
            "detail": None,
        }


def _plain(value: Any) -> Any:
    """A date as its ISO text here, not through the encoder's call back for each one."""
    return value.isoformat() if type(value) is dt.date else value


_json = json.JSONEncoder(ensure_ascii=False, default=jsonable).encode  # dates as ISO text


def _write_entries(session: Session, entries: list[dict[str, Any]]) -> None:
    if entries:
        insert_rows(session, table_of(AuditLog), entries)
        entries.clear()
