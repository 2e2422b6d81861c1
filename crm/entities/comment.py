"""コメント and お知らせ: a hub's people leave notes for one another on a record, mention a
colleague (or the secretariat) with @, and each person reads what concerns them in an inbox."""

import datetime as dt
from typing import Annotated

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from crm import rules
from crm.entities.declare import InputShape, Spec
from crm.entities.tracked import Tracked
from crm.timeutil import utcnow


# Shared fields: what a person writes under a record.
class CommentFields(InputShape):
    body: Annotated[str, Spec("コメント", typed=True, lines=True)] = Field(
        min_length=1, max_length=rules.MAX_COMMENT
    )


# Input shape: writing or editing a comment.
class CommentInput(CommentFields):
    pass


# Table model.
class Comment(CommentFields, Tracked, table=True):
    """A comment on a firm, a need or a placement (``entity``, ``record_id``), in its hub."""

    __table_args__ = (Index("ix_comment_record", "entity", "record_id", "created_at"),)
    id: int | None = Field(default=None, primary_key=True)
    hub_code: str = Field(foreign_key="hub.code", max_length=2)
    entity: str = Field(max_length=40)  # company | talent_need | placement
    record_id: int


class Notification(Tracked, table=True):
    """One thing one person should know: a mention, a record assigned, an outcome on their need,
    a target approved or sent back. Written with what caused it, read (``read_at``) by its
    person only."""

    __table_args__ = (
        Index("ix_notification_inbox", "user_id", "read_at", "created_at"),
        Index("ix_notification_unmailed", "mailed_at", "user_id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id")
    hub_code: str | None = Field(default=None, foreign_key="hub.code", max_length=2)
    kind: str = Field(max_length=20)  # mention | assigned | outcome | placement | target
    entity: str = Field(max_length=40)
    record_id: int
    comment_id: int | None = Field(default=None, foreign_key="comment.id")
    text: str = Field(max_length=300)  # one line: who did what, on which record
    read_at: dt.datetime | None = None
    mailed_at: dt.datetime | None = None  # claimed for its e-mail (crm.notify_mail), once


class NotificationMail(SQLModel, table=True):
    """How a person wants one kind of notification by e-mail: ``now`` (within a minute of it),
    ``digest`` (in the morning mail of ``crm remind``); no row: in the app only."""

    __tablename__ = "notification_mail"
    __table_args__ = (Index("ux_notification_mail", "user_id", "kind", unique=True),)
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id")
    kind: str = Field(max_length=20)
    delivery: str = Field(max_length=10)  # now | digest
    updated_at: dt.datetime = Field(default_factory=utcnow)
