"""A record's own change history, read from the audit trail (issue 25, item 5).

Whoever may read a record may read its history: a firm's page shows what was done to the firm
and its contacts, a need's page what was done to the need, its steps, its referrals, its
placements and their follow-ups; a placement's, what was done to it and its follow-ups; each,
the comments written on it. The
audit trail itself stays readable in full by administrators only (``crm.services.audit``); this
reads just the entries of one record, newest first, a page at a time (index
``ix_audit_record``).
"""

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, func, or_
from sqlmodel import Session, col, select

from crm.actor import Actor
from crm.entities import (
    Comment,
    Company,
    Contact,
    FollowUp,
    NeedStatusChange,
    Partner,
    Placement,
    Referral,
    TalentNeed,
)
from crm.models import AuditLog, UserAccount, stored_id
from crm.services.base import get_scoped

# The record kinds with a history.
ROOTS: dict[str, type] = {"company": Company, "talent_need": TalentNeed, "placement": Placement}
MODELS: dict[str, type] = {
    "comment": Comment,
    "company": Company,
    "contact": Contact,
    "talent_need": TalentNeed,
    "need_status_change": NeedStatusChange,
    "referral": Referral,
    "placement": Placement,
    "follow_up": FollowUp,
}
PAGE = 50
# The fields that name another record by its id, and the kind of record they name.
REFERS = {
    "company_id": "companies",
    "partner_id": "partners",
    "need_id": "needs",
    "assignee_id": "accounts",
}


@dataclass(frozen=True)
class HistoryEntry:
    at: dt.datetime
    who: str  # the account's display name (its user name when the account is gone)
    action: str  # create, update, delete, merge, ...
    entity: str  # the record's own kind, or one of its children's
    entity_id: int | None
    changes: dict[str, list[Any]]  # field -> [before, after], as the audit trail keeps them
    detail: str | None


@dataclass(frozen=True)
class RecordHistory:
    kind: str
    record_id: int
    entries: list[HistoryEntry]
    total: int  # entries in all, for "n of total" and the next page
    names: dict[tuple[str, int], str]  # names of the records that changed fields refer to


def record_history(
    session: Session, actor: Actor, kind: str, record_id: int, *, offset: int = 0, limit: int = PAGE
) -> RecordHistory:
    """The history of one firm, need or placement (``kind`` as ``ROOTS``), newest first."""
    if kind not in ROOTS:
        raise ValueError(f"変更履歴のない種類です: {kind}")
    get_scoped(session, actor, ROOTS[kind], record_id)  # the reader's scope, or refused
    belongs = [and_(col(AuditLog.entity) == kind, col(AuditLog.entity_id) == str(record_id))]
    for entity, statement in _children(kind, record_id):
        ids = session.exec(statement).all()
        if ids:
            belongs.append(
                and_(
                    col(AuditLog.entity) == entity,
                    col(AuditLog.entity_id).in_([str(i) for i in ids]),
                )
            )
    where = or_(*belongs)
    total = session.exec(select(func.count()).select_from(AuditLog).where(where)).one()
    rows = session.exec(
        select(AuditLog, UserAccount.display_name)
        .outerjoin(UserAccount, col(UserAccount.id) == AuditLog.user_id)
        .where(where)
        .order_by(col(AuditLog.at).desc(), col(AuditLog.id).desc())
        .offset(max(offset, 0))
        .limit(max(min(limit, 500), 1))
    ).all()
    entries = [
        HistoryEntry(
            at=row.at,
            who=name or row.username or "システム",
            action=row.action,
            entity=row.entity or kind,
            entity_id=int(row.entity_id) if row.entity_id and row.entity_id.isdigit() else None,
            changes=json.loads(row.changes or "{}"),
            detail=row.detail,
        )
        for row, name in rows
    ]
    return RecordHistory(kind, record_id, entries, int(total), _referred_names(session, entries))


def _children(kind: str, record_id: int) -> list[tuple[str, Any]]:
    """The records that belong to a firm (its contacts), a need (its steps, referrals,
    placements and their follow-ups) or a placement (its follow-ups), as (entity, ids query)."""
    said = (
        "comment",
        select(Comment.id).where(Comment.entity == kind, Comment.record_id == record_id),
    )
    if kind == "company":
        return [("contact", select(Contact.id).where(Contact.company_id == record_id)), said]
    if kind == "placement":
        return [("follow_up", select(FollowUp.id).where(FollowUp.placement_id == record_id)), said]
    placements = select(Placement.id).where(Placement.need_id == record_id)
    return [
        said,
        (
            "need_status_change",
            select(NeedStatusChange.id).where(NeedStatusChange.need_id == record_id),
        ),
        ("referral", select(Referral.id).where(Referral.need_id == record_id)),
        ("placement", placements),
        ("follow_up", select(FollowUp.id).where(col(FollowUp.placement_id).in_(placements))),
    ]


def _referred_names(
    session: Session, entries: Sequence[HistoryEntry]
) -> dict[tuple[str, int], str]:
    """Names of the firms, partners and needs that the entries' changed fields name by id, so
    that a history never shows a bare id (a merge moves contacts to another firm)."""
    wanted: dict[str, set[int]] = {
        "companies": set(),
        "partners": set(),
        "needs": set(),
        "accounts": set(),
    }
    for entry in entries:
        for field, values in entry.changes.items():
            if field in REFERS:
                wanted[REFERS[field]] |= {v for v in values if isinstance(v, int)}
    names: dict[tuple[str, int], str] = {}
    for refers, model, label in (
        ("companies", Company, Company.name),
        ("partners", Partner, Partner.name),
        ("needs", TalentNeed, TalentNeed.role_title),
        ("accounts", UserAccount, UserAccount.display_name),
    ):
        if wanted[refers]:
            found = session.exec(
                select(model.id, label).where(col(model.id).in_(sorted(wanted[refers])))
            ).all()
            names |= {(refers, stored_id(i)): str(n) for i, n in found}
    return names
