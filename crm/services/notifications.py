"""Each person's お知らせ (issue 25, item 4): the notifications written for them by the services
(a mention in a comment; more kinds as they are added), newest first, with an unread count for
the sidebar. A person reads and marks only their own; a disabled account reads nothing (its
session is refused like every other read).

Marking read is the person's own bookkeeping, like a saved view: it is not a hub record, so it
neither goes through the write layer nor invalidates the hub's cached figures.
"""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from crm.actor import Actor
from crm.auth.sessions import require_live
from crm.entities import Notification, NotificationMail
from crm.errors import NotFound, PermissionDenied, ValidationError
from crm.models import UserAccount, stored_id
from crm.services.base import record_audit
from crm.timeutil import utcnow

KIND_LABELS = {
    "mention": "メンション",
    "assigned": "担当の割り当て",
    "outcome": "紹介の結果",
    "placement": "成約",
    "target": "目標",
    "partner": "パートナー連携",
}
PAGE = 30
# How a kind of notification also goes by e-mail (``crm.notify_mail`` sends them).
DELIVERIES = {"app": "アプリ内のみ", "now": "すぐにメール", "digest": "朝のまとめメールに含める"}


@dataclass(frozen=True)
class NotificationView:
    id: int
    kind: str
    entity: str
    record_id: int
    text: str
    created_at: dt.datetime
    read: bool

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, "お知らせ")


def notice(
    session: Session,
    actor: Actor,
    user_id: int | None,
    *,
    kind: str,
    entity: str,
    record_id: int,
    hub_code: str | None,
    text: str,
) -> dict[str, Any] | None:
    """The notification row to write with a change (in the change's own plan), or None when
    there is nobody to tell: no person, the actor themselves, or an account not active."""
    if user_id is None or user_id == actor.user_id:
        return None
    person = session.get(UserAccount, user_id)
    if person is None or not person.active:
        return None
    return {
        "user_id": user_id,
        "hub_code": hub_code,
        "kind": kind,
        "entity": entity,
        "record_id": record_id,
        "text": text[:300],
    }


def _me(session: Session, actor: Actor, *, for_write: bool = False) -> int:
    require_live(session, actor, for_write=for_write)
    if actor.user_id is None:
        raise PermissionDenied("お知らせはサインインした利用者だけが読めます。")
    return actor.user_id


def unread_count(session: Session, actor: Actor) -> int:
    """How many of the person's notifications are unread (from index ix_notification_inbox)."""
    me = _me(session, actor)
    return int(
        session.exec(
            select(func.count())
            .select_from(Notification)
            .where(Notification.user_id == me, col(Notification.read_at).is_(None))
        ).one()
    )


def list_notifications(
    session: Session, actor: Actor, *, unread_only: bool = False, offset: int = 0, limit: int = PAGE
) -> list[NotificationView]:
    me = _me(session, actor)
    statement = select(Notification).where(Notification.user_id == me)
    if unread_only:
        statement = statement.where(col(Notification.read_at).is_(None))
    rows = session.exec(
        statement.order_by(col(Notification.created_at).desc(), col(Notification.id).desc())
        .offset(max(offset, 0))
        .limit(max(1, min(limit, 200)))
    ).all()
    return [
        NotificationView(
            stored_id(n.id),
            n.kind,
            n.entity,
            n.record_id,
            n.text,
            n.created_at,
            n.read_at is not None,
        )
        for n in rows
    ]


def mark_read(session: Session, actor: Actor, notification_id: int) -> NotificationView:
    """Mark one of the person's own notifications read (another's is not found)."""
    me = _me(session, actor, for_write=True)
    row = session.get(Notification, notification_id)
    if row is None or row.user_id != me:
        raise NotFound("お知らせが見つかりません。")
    if row.read_at is None:
        row.read_at = utcnow()
        session.add(row)
        session.flush()
    return NotificationView(
        stored_id(row.id), row.kind, row.entity, row.record_id, row.text, row.created_at, True
    )


def mark_all_read(session: Session, actor: Actor) -> int:
    """Mark every unread notification of the person read; returns how many."""
    me = _me(session, actor, for_write=True)
    result = session.execute(
        update(Notification)
        .where(col(Notification.user_id) == me, col(Notification.read_at).is_(None))
        .values(read_at=utcnow())
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def mail_preferences(session: Session, actor: Actor) -> dict[str, str]:
    """The person's choice for each kind of notification (``app`` when they chose none)."""
    me = _me(session, actor)
    chosen = dict(
        session.exec(
            select(NotificationMail.kind, NotificationMail.delivery).where(
                NotificationMail.user_id == me
            )
        ).all()
    )
    return {kind: chosen.get(kind, "app") for kind in KIND_LABELS}


def set_mail_preference(session: Session, actor: Actor, kind: str, delivery: str) -> None:
    """Choose how the person's own notifications of ``kind`` also go by e-mail (audited)."""
    me = _me(session, actor, for_write=True)
    if kind not in KIND_LABELS:
        raise ValidationError({"kind": "お知らせの種類が正しくありません"})
    if delivery not in DELIVERIES:
        raise ValidationError(
            {"delivery": "「アプリ内のみ」「すぐにメール」「朝のまとめメール」から選んでください"}
        )
    row = session.exec(
        select(NotificationMail).where(
            NotificationMail.user_id == me, NotificationMail.kind == kind
        )
    ).first()
    before = row.delivery if row is not None else "app"
    if before == delivery:
        return
    if delivery == "app":
        session.delete(row)
    elif row is None:
        session.add(NotificationMail(user_id=me, kind=kind, delivery=delivery))
    else:
        row.delivery, row.updated_at = delivery, utcnow()
        session.add(row)
    record_audit(
        session,
        actor,
        "update",
        entity="user_account",
        entity_id=me,
        changes={f"notification_mail.{kind}": (before, delivery)},
    )
    session.flush()
