"""The audit entries of a large chunk of new rows, made by the database from the rows just
written, in one ``INSERT … SELECT``: the same entries ``crm.writes.apply`` writes row by row
(action ``create``, the row's id and hub, its fields that hold a value as ``[null, value]``),
without a Python dictionary and a JSON text per row (a tenth of a 100,000-row import).

Used only where the database's JSON says exactly what Python's would: SQLite or PostgreSQL, a
chunk of one shape, and fields that are whole numbers, dates (ISO text in both) or text;
anything else (a stamp, a yes/no) is audited by the caller as before."""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Integer,
    String,
    Text,
    case,
    cast,
    func,
    insert,
    literal,
    literal_column,
    select,
)
from sqlmodel import AutoString, Session, SQLModel

from crm.actor import Actor
from crm.models import AuditLog, table_of
from crm.writes.bulk import DIRECT_ROWS
from crm.writes.plan import Key, NewRow

_NULL: Any = literal_column("NULL")
_PLAIN = (Integer, BigInteger, Date, String)


def _plain(column: Any) -> bool:
    kind = column.type
    if isinstance(kind, AutoString):  # SQLModel's text: stored as it is
        return True
    return isinstance(kind, _PLAIN) and not isinstance(kind, DateTime | Boolean)


def create_entries(
    session: Session,
    actor: Actor,
    model: type[SQLModel],
    entity: str,
    chunk: Sequence[NewRow],
    ids: dict[Key, int],
    at: Any,
    skipped: frozenset[str],
) -> bool:
    """Write the create entries of ``chunk`` (already inserted) in the database; False when
    the chunk is not one it can describe, and the caller writes them itself. ``skipped``:
    the fields an entry leaves out (bookkeeping)."""
    dialect = session.get_bind().dialect.name
    if len(chunk) < DIRECT_ROWS or dialect not in ("sqlite", "postgresql"):
        return False
    shape = chunk[0].values.keys()
    if any(op.values.keys() != shape for op in chunk):
        return False
    table = table_of(model)
    fields = [name for name in shape if name not in skipped]
    if any(name not in table.c or not _plain(table.c[name]) for name in fields):
        return False
    row_ids = [ids[op.key] if op.key is not None else op.id for op in chunk]
    if any(row_id is None for row_id in row_ids):
        return False
    pairs: list[Any] = []
    for name in fields:
        column = table.c[name]
        array = func.json_array if dialect == "sqlite" else func.jsonb_build_array
        pairs += [
            cast(literal(name), Text),
            case((column.is_(None), _NULL), else_=array(_NULL, column)),
        ]
    changes: Any
    if dialect == "sqlite":
        # json_patch onto {} drops the members whose value is null, as Python leaves them out.
        changes = func.json_patch("{}", func.json_object(*pairs))
    else:
        changes = cast(func.jsonb_strip_nulls(func.jsonb_build_object(*pairs)), Text)
    audit = table_of(AuditLog)
    hub = table.c.hub_code if "hub_code" in table.c else cast(_NULL, String)
    rows = (
        select(
            literal(at, audit.c.at.type),  # a CAST would make SQLite keep only the year
            cast(literal(actor.user_id, Integer), Integer),
            cast(literal(actor.username, String), String),
            cast(literal("create"), String),
            cast(literal(entity), String),
            cast(table.c.id, String),
            hub,
            func.nullif(changes, "{}"),
            cast(_NULL, Text),
        )
        .where(table.c.id.in_(row_ids))
        .order_by(table.c.id)
    )
    columns = ["at", "user_id", "username", "action", "entity", "entity_id", "hub_code"]
    session.execute(insert(audit).from_select([*columns, "changes", "detail"], rows))
    return True
