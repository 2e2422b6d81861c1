"""The one write layer of hub records: plan the rows and changes (``Plan``), then ``apply``
them, for one row or in chunks for a hundred thousand (``crm.writes.apply`` says how); load
generated history, a million rows with their ids assigned, with ``load`` (``crm.writes.load``).
Both insert through one raw inserter (``crm.writes.bulk``: SQLite's driver, PostgreSQL's COPY)."""

from crm.writes.apply import apply, bump_data_version, new_ids, savepoint
from crm.writes.bulk import BulkWriter, insert_rows, move_sequences
from crm.writes.conflict import changed_since
from crm.writes.load import Load, load
from crm.writes.plan import Change, Key, NewRow, Plan

__all__ = [
    "BulkWriter",
    "Change",
    "Key",
    "Load",
    "NewRow",
    "Plan",
    "apply",
    "bump_data_version",
    "changed_since",
    "insert_rows",
    "load",
    "move_sequences",
    "new_ids",
    "savepoint",
]
