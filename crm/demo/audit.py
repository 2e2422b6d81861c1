"""The audit entries of the demo's later changes: what the app writes when a user moves a need
along its pipeline, records a referral's outcome, completes a follow-up or approves a target.

The demo inserts each record as it stands on the load day, so without these entries every
row it shows as changed after its creation is a change the trail cannot itemise, and the
weekly export's 区分 falls back to 訂正 for it. Each entry has the shape
``crm.writes.apply`` gives an update (action ``update``, the row's id and hub, the fields
changed as ``[before, after]``), by the user and at the time the row records for the change.

Most of them are made by the database from the rows just loaded (``INSERT … SELECT``, as
``crm.writes.audit_rows`` makes create entries): a Python dictionary and JSON text for each of
150,000 changes would cost seconds. A target's approval carries a timestamp, which the
database's JSON would spell otherwise than Python's: those few hundred are encoded here.
"""

import datetime as dt
import json
from typing import Any

from sqlalchemy import (
    Connection,
    String,
    Text,
    cast,
    func,
    insert,
    literal,
    literal_column,
    select,
    union_all,
)

from crm.auth.audit_trail import jsonable
from crm.models import (
    AuditLog,
    FollowUp,
    KpiTarget,
    NeedStatusChange,
    Referral,
    UserAccount,
    table_of,
)
from crm.reference import ReferralOutcome, TargetStatus

_AUDIT = table_of(AuditLog)
_NULL: Any = literal_column("NULL")
_PENDING = ReferralOutcome.PENDING.value
_COLUMNS = ["at", "user_id", "username", "action", "entity", "entity_id", "hub_code", "changes"]


def write_later_changes(connection: Connection, first_ids: dict[str, int]) -> int:
    """Write the update entries of the rows loaded from ``first_ids`` (table -> first id of
    the load) on; returns how many were written."""
    rows = connection.execute(
        insert(_AUDIT).from_select(_COLUMNS, _changed_in_sql(connection, first_ids))
    ).rowcount
    return rows + _approvals(connection, first_ids["kpi_target"])


def _changed_in_sql(connection: Connection, first_ids: dict[str, int]) -> Any:
    postgres = connection.dialect.name == "postgresql"
    array = func.jsonb_build_array if postgres else func.json_array

    def changes(field: str, before: Any, after: Any) -> Any:
        built = (func.jsonb_build_object if postgres else func.json_object)(
            cast(literal(field), Text), array(before, after)
        )
        return cast(built, Text) if postgres else built

    users = table_of(UserAccount)
    steps, referrals = table_of(NeedStatusChange), table_of(Referral)
    follow_ups = table_of(FollowUp)

    def entries(table: Any, at: Any, by: Any, entity: str, row_id: Any, change: Any, *where):
        return (
            select(
                at,
                by,
                users.c.username,
                cast(literal("update"), String),
                cast(literal(entity), String),
                cast(row_id, String),
                table.c.hub_code,
                change,
            )
            .select_from(table.outerjoin(users, users.c.id == by))
            .where(*where)
        )

    return union_all(
        # A step of a need's pipeline changes the need's status (its opening is its creation).
        entries(
            steps,
            steps.c.changed_at,
            steps.c.changed_by,
            "talent_need",
            steps.c.need_id,
            changes("status", steps.c.from_status, steps.c.to_status),
            steps.c.id >= first_ids["need_status_change"],
            steps.c.from_status.is_not(None),
        ),
        # A referral is made waiting for candidates; any other outcome was recorded later.
        entries(
            referrals,
            referrals.c.updated_at,
            referrals.c.updated_by,
            "referral",
            referrals.c.id,
            changes("outcome", cast(literal(_PENDING), Text), referrals.c.outcome),
            referrals.c.id >= first_ids["referral"],
            referrals.c.outcome != _PENDING,
        ),
        # A follow-up is scheduled open and completed on its day.
        entries(
            follow_ups,
            follow_ups.c.updated_at,
            follow_ups.c.updated_by,
            "follow_up",
            follow_ups.c.id,
            changes("done_on", _NULL, follow_ups.c.done_on),
            follow_ups.c.id >= first_ids["follow_up"],
            follow_ups.c.done_on.is_not(None),
        ),
    )


def _approvals(connection: Connection, first_id: int) -> int:
    """A hub manager's proposal approved by the secretariat later (``approve_target``); a
    target the secretariat set itself was created approved and has no such entry."""
    targets, users = table_of(KpiTarget), table_of(UserAccount)
    approved = connection.execute(
        select(
            targets.c.id,
            targets.c.hub_code,
            targets.c.updated_at,
            targets.c.approved_by,
            targets.c.approved_at,
            users.c.username,
        )
        .select_from(targets.outerjoin(users, users.c.id == targets.c.approved_by))
        .where(
            targets.c.id >= first_id,
            targets.c.status == TargetStatus.APPROVED.value,
            targets.c.approved_by.is_not(None),
            targets.c.created_by != targets.c.approved_by,
        )
    ).all()
    entries = [
        {
            "at": row.updated_at,
            "user_id": row.approved_by,
            "username": row.username,
            "action": "update",
            "entity": "kpi_target",
            "entity_id": str(row.id),
            "hub_code": row.hub_code,
            "changes": _json(
                {
                    "status": [TargetStatus.PROPOSED.value, TargetStatus.APPROVED.value],
                    "approved_by": [None, row.approved_by],
                    "approved_at": [None, _aware(row.approved_at)],
                }
            ),
        }
        for row in approved
    ]
    if entries:
        connection.execute(insert(_AUDIT), entries)
    return len(entries)


def _aware(stamp: dt.datetime) -> dt.datetime:
    """The stored stamp as the app's clock gives it (aware UTC; SQLite's is naive UTC)."""
    return stamp.replace(tzinfo=dt.UTC) if stamp.tzinfo is None else stamp.astimezone(dt.UTC)


def _json(changes: dict[str, list[Any]]) -> str:
    return json.dumps(
        {key: [jsonable(before), jsonable(after)] for key, (before, after) in changes.items()},
        ensure_ascii=False,
    )
