"""拠点担当者 (issue 25, item 1): which of a hub's people is in charge of a firm, a need or a
follow-up. A hub's manager assigns (or unassigns) one record or many at once, to an active
account of the same hub; every change is a version-checked change through the write layer,
audited (拠点担当者: before → after), and the person given a record is notified. A new need takes
its firm's 拠点担当者 and a new follow-up its firm's (``inherited``), unless one is chosen."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from crm.actor import PARTNER_REFUSED, Actor
from crm.auth.sessions import require_live
from crm.entities import Company, FollowUp, Notification, TalentNeed
from crm.errors import PermissionDenied, ValidationError
from crm.models import UserAccount, stored_id
from crm.reference import Role
from crm.services.base import get_scoped
from crm.services.notifications import notice
from crm.writes import Plan, apply

KINDS: dict[str, type] = {"company": Company, "talent_need": TalentNeed, "follow_up": FollowUp}
KIND_LABELS = {"company": "企業", "talent_need": "人材ニーズ", "follow_up": "フォローアップ"}
MAX_AT_ONCE = 500  # records one bulk assignment changes (a list's page is at most 200)


@dataclass(frozen=True)
class Assignee:
    user_id: int
    username: str
    display_name: str


def assignees(session: Session, actor: Actor, hub_code: str) -> list[Assignee]:
    """The accounts a record of ``hub_code`` may be given to: the hub's active managers."""
    require_live(session, actor)
    actor.require_read(hub_code)
    rows = session.exec(
        select(UserAccount)
        .where(
            UserAccount.hub_code == hub_code,
            UserAccount.role == Role.HUB_MANAGER.value,
            col(UserAccount.active).is_(True),
        )
        .order_by(col(UserAccount.username))
    ).all()
    return [Assignee(stored_id(u.id), u.username, u.display_name) for u in rows]


def assignee_names(session: Session, actor: Actor, ids: Sequence[int | None]) -> dict[int, str]:
    """Display names of the accounts ``ids`` (a list's 拠点担当者 column), disabled ones too."""
    require_live(session, actor)
    if actor.is_partner:  # a partner reads no hub's people
        raise PermissionDenied(PARTNER_REFUSED)
    wanted = sorted({i for i in ids if i is not None})
    if not wanted:
        return {}
    statement = select(UserAccount.id, UserAccount.display_name).where(
        col(UserAccount.id).in_(wanted)
    )
    if actor.is_hub_manager:  # a hub's people read only their colleagues' names
        statement = statement.where(UserAccount.hub_code == actor.hub_code)
    rows = session.exec(statement).all()
    return {stored_id(i): name for i, name in rows}


def _title(kind: str, row) -> str:
    if kind == "company":
        return row.name
    if kind == "talent_need":
        return row.role_title
    return f"{row.due_on:%Y/%m/%d}期日"


def assign(
    session: Session,
    actor: Actor,
    kind: str,
    record_ids: Sequence[int],
    assignee_id: int | None,
) -> int:
    """Give the records ``record_ids`` (of one kind, of the actor's hub) to ``assignee_id``
    (None: nobody); returns how many changed. All or nothing."""
    if kind not in KINDS:
        raise ValidationError({"kind": "拠点担当者を決められない種類の記録です"})
    ids = list(dict.fromkeys(record_ids))
    if not ids:
        raise ValidationError({"records": "拠点担当者を変更する記録を選んでください"})
    if len(ids) > MAX_AT_ONCE:
        raise ValidationError({"records": f"一度に変更できるのは{MAX_AT_ONCE:,}件までです"})
    model = KINDS[kind]
    rows: list[Any] = [get_scoped(session, actor, model, record_id) for record_id in ids]
    if actor.role is not Role.HUB_MANAGER:
        raise PermissionDenied("拠点担当者を決められるのは拠点マネージャーだけです。")
    for row in rows:
        actor.require_write(row.hub_code)
    person = None
    if assignee_id is not None:
        person = session.get(UserAccount, assignee_id)
        if (
            person is None
            or not person.active
            or person.role != Role.HUB_MANAGER.value
            or person.hub_code != actor.hub_code
        ):
            raise ValidationError(
                {"assignee_id": "拠点担当者は自拠点の利用中のアカウントから選んでください"}
            )
    plan = Plan()
    changed = []
    for row in rows:
        if row.assignee_id == assignee_id:
            continue
        plan.change(
            model,
            stored_id(row.id),
            row.version,
            {"assignee_id": assignee_id},
            {"assignee_id": row.assignee_id, "hub_code": row.hub_code},
        )
        changed.append(row)
    for row in changed:
        told = notice(
            session,
            actor,
            assignee_id,
            kind="assigned",
            entity=kind if kind != "follow_up" else "company",
            record_id=stored_id(row.id) if kind != "follow_up" else row.company_id,
            hub_code=row.hub_code,
            text=f"{actor.display_name or actor.username}さんが{KIND_LABELS[kind]}"
            f"「{_title(kind, row)[:40]}」の拠点担当者にあなたを指定しました。",
        )
        if told is not None:
            plan.insert(Notification, told)
    apply(session, actor, plan)
    for row in changed:
        session.expire(row)
    return len(changed)


def inherited(session: Session, company_id: int) -> int | None:
    """The 拠点担当者 a new need or follow-up of the firm takes: the firm's."""
    company = session.get(Company, company_id)
    return None if company is None else company.assignee_id
