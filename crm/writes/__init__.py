"""The one write layer of hub records: plan the rows and changes (``Plan``), then ``apply``
them, for one row or in chunks for a hundred thousand (``crm.writes.apply`` says how)."""

from crm.writes.apply import apply, bump_data_version, new_ids, savepoint
from crm.writes.conflict import changed_since
from crm.writes.plan import Change, Key, NewRow, Plan

__all__ = [
    "Change",
    "Key",
    "NewRow",
    "Plan",
    "apply",
    "bump_data_version",
    "changed_since",
    "new_ids",
    "savepoint",
]
