"""Loads of generated history (the demo, scale-mode sets): the write layer's entry point for
rows that arrive by the million with their ids assigned and their values ready for storage.

A load is not a ``Plan``: nobody typed its rows, so, like a restore's ``apply(audit=False)``,
it writes no audit entry per row, only one for the load itself. Otherwise it is written as
``apply`` writes:

- the writer's session is checked first (``require_live``; a refusal writes nothing);
- the rows go through the write layer's one raw inserter (``crm.writes.bulk.BulkWriter``:
  SQLite's driver, PostgreSQL's COPY), with indexes deferred where the caller asks;
- when the load ends, the data version of every hub it wrote rows of is raised (``'*'`` for
  rows of no hub), each PostgreSQL id sequence is moved past the ids written, and the one
  audit entry is written: all in the caller's transaction.

The caller picks the ids (the next after each table's largest), so it holds the database's
write lock before it reads them (the demo does, in its check that the database is empty).

    with load(session, SYSTEM, "demo_load", at=moment) as rows:
        rows.insert(table, columns, generated)
        rows.detail = "…"  # the audit entry's words
"""

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import insert
from sqlmodel import Session

from crm.actor import Actor
from crm.auth.sessions import require_live
from crm.models import AuditLog, table_of
from crm.timeutil import utcnow
from crm.writes.apply import NATIONAL, bump_data_version
from crm.writes.bulk import BulkWriter, move_sequences


class Load(BulkWriter):
    """The rows of one load (``BulkWriter``'s inserts and value encoding) and the words of its
    audit entry (``detail``), set by the caller before the load ends."""

    detail: str | None = None


@contextmanager
def load(
    session: Session, actor: Actor, action: str, *, at: dt.datetime | None = None
) -> Iterator[Load]:
    """Write a load of generated history in the session's transaction: yields the ``Load`` to
    insert with; when the block ends, raises the data versions, moves the sequences and writes
    one audit entry (``action``, ``at``: default now). An error leaves all of it to the
    caller's rollback."""
    require_live(session, actor, for_write=True)
    rows = Load(session.connection())
    yield rows
    for scope in sorted({hub or NATIONAL for hub in rows.hubs}):
        bump_data_version(session, scope)
    move_sequences(rows.connection, rows.tables.values())
    session.execute(
        insert(table_of(AuditLog)).values(
            at=at or utcnow(),
            user_id=actor.user_id,
            username=actor.username,
            action=action,
            detail=rows.detail,
        )
    )
