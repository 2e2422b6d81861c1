"""A plan of writes: the rows to insert and the version-checked changes to make, in order.

Every path that writes hub records builds one (a form's save: a row or two; a file import: a
hundred thousand) and hands it to ``crm.writes.apply``. A new row that other rows of the plan
refer to gets a ``Key``; the executor replaces each Key by the id the database gives the row.
"""

from dataclasses import dataclass, field
from typing import Any

from sqlmodel import SQLModel

from crm.entities import NeedStatusChange, TalentNeed
from crm.workflow import Step


@dataclass(frozen=True)
class Key:
    """A row of the plan that has no id yet (``local``: whatever names it to the planner, e.g.
    the id a file gave a new row)."""

    kind: str
    local: object


@dataclass
class NewRow:
    """A row to insert. ``values`` may hold Keys of earlier rows for their ids; ``id`` is kept
    only in a restore (``Plan.keep_ids``), else the database gives one. ``origin`` says where
    the row came from (a file's row), for messages."""

    model: type[SQLModel]
    values: dict[str, Any]
    key: Key | None = None
    id: int | None = None
    origin: Any = None


@dataclass
class Change:
    """Fields to change on a stored row that must still be at ``expected_version``. ``before``
    holds the row as the writer read it (for the audit entry's before and after)."""

    model: type[SQLModel]
    id: int
    expected_version: int
    values: dict[str, Any]
    before: dict[str, Any]
    origin: Any = None


@dataclass
class Plan:
    """What one unit of work writes, in dependency order."""

    operations: list[NewRow | Change] = field(default_factory=list)
    # A restore into an empty database: rows keep the ids they carry.
    keep_ids: bool = False

    def insert(
        self,
        model: type[SQLModel],
        values: dict[str, Any],
        *,
        key: Key | None = None,
        id: int | None = None,
        origin: Any = None,
    ) -> Key:
        """Plan a new row; returns the Key other rows of the plan refer to it by."""
        key = key or Key(model.__name__, len(self.operations))
        self.operations.append(NewRow(model, values, key, id, origin))
        return key

    def change(
        self,
        model: type[SQLModel],
        row_id: int,
        expected_version: int,
        values: dict[str, Any],
        before: dict[str, Any],
        *,
        origin: Any = None,
    ) -> None:
        """Plan a change of a stored row, if any field differs from ``before``."""
        changed = {k: v for k, v in values.items() if before.get(k) != v}
        if changed:
            self.operations.append(Change(model, row_id, expected_version, changed, before, origin))

    def step(
        self,
        step: Step,
        need_id: int | Key,
        hub_code: str,
        *,
        expected_version: int | None = None,
        before: dict[str, Any] | None = None,
    ) -> None:
        """Plan a step of a need's pipeline: its history row and, for a stored need (read at
        ``expected_version`` as ``before``), its new status."""
        if expected_version is not None and isinstance(need_id, int):
            self.change(
                TalentNeed, need_id, expected_version, {"status": step.to_status}, before or {}
            )
        self.insert(NeedStatusChange, step.row(need_id, hub_code))

    def __len__(self) -> int:
        return len(self.operations)
