"""Comments on a firm, a need or a placement, with @mentions (issue 25, item 3).

A comment is plain text, shown as text (never Markdown or HTML). Whoever may act on a record
comments on it: its hub's managers, and the secretariat when a hub asks it something. A
comment mentions people by ``@username`` in its text (or by choosing them beside it): only the
active accounts of the record's hub and the secretariat's can be mentioned; anyone else is
refused with a message naming them, and nothing is written. Each mention becomes a
notification in the same unit of work. The author may edit or delete a comment for
``rules.COMMENT_EDIT_MINUTES`` minutes; every post, edit and delete goes through the write layer
and is audited. Editing does not notify again.
"""

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, col, select

from crm import rules
from crm.actor import Actor
from crm.auth.sessions import require_live
from crm.entities import Comment, CommentInput, Company, Notification, Placement, TalentNeed
from crm.errors import NotFound, PermissionDenied, ValidationError
from crm.models import UserAccount, stored_id
from crm.reference import Role
from crm.services.base import applied, delete_row, get_scoped, update_row
from crm.timeutil import utcnow
from crm.validation import parse_input
from crm.writes import Plan

RECORDS: dict[str, type] = {"company": Company, "talent_need": TalentNeed, "placement": Placement}
RECORD_LABELS = {"company": "企業", "talent_need": "人材ニーズ", "placement": "成約"}
EDIT_WINDOW = dt.timedelta(minutes=rules.COMMENT_EDIT_MINUTES)
MENTION = re.compile(r"(?<![\w.@])@([A-Za-z0-9_.\-]{1,80})")
PAGE = 100


@dataclass(frozen=True)
class Person:
    """Someone a comment may mention."""

    user_id: int
    username: str
    display_name: str
    is_secretariat: bool


@dataclass(frozen=True)
class CommentView:
    id: int
    author: str  # display name
    author_id: int | None
    body: str
    created_at: dt.datetime
    edited: bool
    version: int
    editable: bool  # by the reader, now


def _record(session: Session, actor: Actor, kind: str, record_id: int):
    if kind not in RECORDS:
        raise ValidationError({"entity": "コメントできない種類の記録です"})
    return get_scoped(session, actor, RECORDS[kind], record_id)


def _require_commenter(actor: Actor, hub_code: str) -> None:
    """The record's hub's managers, or the secretariat; an administrator writes no hub record."""
    if actor.role is Role.SECRETARIAT:
        return
    if actor.role is not Role.HUB_MANAGER:
        raise PermissionDenied("コメントは拠点マネージャーと全国事務局だけが書けます。")
    actor.require_write(hub_code)


def mentionable(session: Session, actor: Actor, hub_code: str) -> list[Person]:
    """The people a comment on a record of ``hub_code`` may mention: the hub's active
    accounts and the secretariat's, the hub's first."""
    require_live(session, actor)
    actor.require_read(hub_code)
    rows = session.exec(
        select(UserAccount)
        .where(col(UserAccount.active).is_(True))
        .where(
            ((UserAccount.role == Role.HUB_MANAGER.value) & (UserAccount.hub_code == hub_code))
            | (UserAccount.role == Role.SECRETARIAT.value)
        )
        .order_by(col(UserAccount.role).desc(), col(UserAccount.username))
    ).all()
    return [
        Person(stored_id(u.id), u.username, u.display_name, u.role == Role.SECRETARIAT.value)
        for u in rows
    ]


def mentioned_names(body: str) -> list[str]:
    """The ``@username`` mentions in a comment's text, each once, in order."""
    return list(dict.fromkeys(MENTION.findall(body or "")))


def _mentioned(session: Session, actor: Actor, hub_code: str, names: Iterable[str]) -> list[Person]:
    wanted = list(dict.fromkeys(n for n in names if n))
    if not wanted:
        return []
    people = {p.username: p for p in mentionable(session, actor, hub_code)}
    refused = [name for name in wanted if name not in people]
    if refused:
        raise ValidationError(
            {
                "mentions": "、".join(f"@{name}" for name in refused)
                + " はこの記録の拠点の利用者・全国事務局ではない（または利用停止中の）ため、"
                "メンションできません"
            }
        )
    return [people[name] for name in wanted]


def _one_line(text: str, longest: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= longest else text[: longest - 1] + "…"


def post_comment(
    session: Session,
    actor: Actor,
    kind: str,
    record_id: int,
    body: str,
    mentions: Sequence[str] = (),
) -> Comment:
    """Post a comment on a record; ``mentions`` (usernames) add to the ``@`` names in the text.
    The comment and its notifications are written together, or nothing is."""
    record = _record(session, actor, kind, record_id)
    _require_commenter(actor, record.hub_code)
    values = parse_input(CommentInput, {"body": body})
    people = _mentioned(session, actor, record.hub_code, [*mentioned_names(values.body), *mentions])
    plan = Plan()
    key = plan.insert(
        Comment,
        {
            "body": values.body,
            "hub_code": record.hub_code,
            "entity": kind,
            "record_id": record_id,
        },
    )
    text = _one_line(
        f"{actor.display_name or actor.username}さんが{RECORD_LABELS[kind]}"
        f"「{_title(session, kind, record)}」のコメントであなたをメンションしました: {values.body}",
        300,
    )
    # A placement is read on its need's page: its mentions open the need.
    opens, opens_id = ("talent_need", record.need_id) if kind == "placement" else (kind, record_id)
    for person in people:
        if person.user_id == actor.user_id:
            continue  # nobody is told what they wrote themselves
        plan.insert(
            Notification,
            {
                "user_id": person.user_id,
                "hub_code": record.hub_code,
                "kind": "mention",
                "entity": opens,
                "record_id": opens_id,
                "comment_id": key,
                "text": text,
            },
        )
    return applied(session, actor, plan, Comment, key)


def _title(session: Session, kind: str, record) -> str:
    if kind == "company":
        return _one_line(record.name, 40)
    if kind == "talent_need":
        return _one_line(record.role_title, 40)
    need = session.get(TalentNeed, record.need_id)
    return _one_line(need.role_title if need else "成約", 40)


def list_comments(
    session: Session, actor: Actor, kind: str, record_id: int, *, limit: int = PAGE
) -> list[CommentView]:
    """A record's latest comments (at most ``limit``), oldest first as a conversation reads."""
    _record(session, actor, kind, record_id)
    rows = session.exec(
        select(Comment, UserAccount.display_name)
        .outerjoin(UserAccount, col(UserAccount.id) == Comment.created_by)
        .where(Comment.entity == kind, Comment.record_id == record_id)
        .order_by(col(Comment.created_at).desc(), col(Comment.id).desc())
        .limit(max(1, min(limit, 500)))
    ).all()
    now = utcnow()
    return [
        CommentView(
            id=stored_id(c.id),
            author=name or "（削除された利用者）",
            author_id=c.created_by,
            body=c.body,
            created_at=c.created_at,
            edited=c.version > 1,
            version=c.version,
            editable=_may_change(actor, c, now),
        )
        for c, name in reversed(rows)
    ]


def count_comments(session: Session, actor: Actor, kind: str, record_id: int) -> int:
    _record(session, actor, kind, record_id)
    return int(
        session.exec(
            select(func.count())
            .select_from(Comment)
            .where(Comment.entity == kind, Comment.record_id == record_id)
        ).one()
    )


def _may_change(actor: Actor, comment: Comment, now: dt.datetime) -> bool:
    return (
        actor.user_id is not None
        and comment.created_by == actor.user_id
        and now - comment.created_at <= EDIT_WINDOW
    )


def _own_recent(session: Session, actor: Actor, comment_id: int) -> Comment:
    comment = session.get(Comment, comment_id)
    if comment is None:
        raise NotFound("コメントが見つかりません（削除された可能性があります）。")
    actor.require_read(comment.hub_code)
    require_live(session, actor, for_write=True)
    if comment.created_by != actor.user_id:
        raise PermissionDenied("コメントを編集・削除できるのは書いた本人だけです。")
    if utcnow() - comment.created_at > EDIT_WINDOW:
        raise PermissionDenied(
            f"投稿から{rules.COMMENT_EDIT_MINUTES}分を過ぎたコメントは編集・削除できません。"
        )
    return comment


def edit_comment(
    session: Session, actor: Actor, comment_id: int, body: str, expected_version: int
) -> Comment:
    """Change one's own comment's text, within the edit window (audited: before → after)."""
    comment = _own_recent(session, actor, comment_id)
    values = parse_input(CommentInput, {"body": body})
    return update_row(session, actor, comment, {"body": values.body}, expected_version)


def delete_comment(session: Session, actor: Actor, comment_id: int) -> None:
    """Delete one's own comment within the edit window, with the notifications it caused
    (audited, its text kept in the audit entry)."""
    comment = _own_recent(session, actor, comment_id)
    # A notification is its person's bookkeeping, not a hub record: it goes with its comment.
    for notification in session.exec(
        select(Notification).where(Notification.comment_id == comment_id)
    ).all():
        session.delete(notification)
    delete_row(session, actor, comment)
