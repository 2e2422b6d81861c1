"""Each submit of a create form writes once.

A create form is drawn with a one-time token (``new_token``). ``once`` claims the token in the
transaction of the write and records what the write created; a second submit with the same
token (a double click, a second Enter, a resubmitted request) finds the claim and is refused
with ``AlreadySaved``, naming the record the first submit saved. A refused or failed write
rolls back with its claim, so the user can correct the input and submit the same form again.
"""

import datetime as dt
import secrets
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel, col

from crm.actor import Actor
from crm.auth.sessions import require_live
from crm.errors import CrmError
from crm.models import FormSubmission, table_of
from crm.timeutil import utcnow

R = TypeVar("R")

# Claims older than this are deleted by later claims: a form left open longer than this and
# then submitted twice would save twice, which no one does with a week-old form.
KEEP = dt.timedelta(days=7)


class AlreadySaved(CrmError):
    """This form was already saved; ``entity`` / ``entity_id`` name what it saved."""

    def __init__(self, entity: str | None, entity_id: int | None):
        self.entity = entity
        self.entity_id = entity_id
        super().__init__(
            "この入力はすでに保存されています（二重送信のため、もう一度は保存していません）。"
        )


def new_token() -> str:
    return secrets.token_urlsafe(32)


def _saved_record(result: Any) -> SQLModel | None:
    """The record a create returned (the first one when it returned several)."""
    if isinstance(result, tuple | list):
        result = next((item for item in result if isinstance(item, SQLModel)), None)
    return result if isinstance(result, SQLModel) else None


def once(session: Session, actor: Actor, token: str, action: Callable[[Session], R]) -> R:
    """Run ``action`` (a create) unless this token was already used; claim it in the same
    transaction. Raises AlreadySaved for a repeated token."""
    if not token or len(token) > 64:
        raise CrmError("フォームの情報が正しくありません。ページを開き直してください。")
    require_live(session, actor, for_write=True)
    now = utcnow()
    session.execute(
        delete(table_of(FormSubmission)).where(col(FormSubmission.submitted_at) < now - KEEP)
    )
    earlier = session.get(FormSubmission, token)
    if earlier is not None:
        raise AlreadySaved(earlier.entity, earlier.entity_id)
    claim = FormSubmission(token=token, user_id=actor.user_id, submitted_at=now)
    try:
        # A savepoint: on PostgreSQL a second submit racing the first waits for it here and
        # then collides with its committed claim.
        with session.begin_nested():
            session.add(claim)
    except IntegrityError:
        earlier = session.get(FormSubmission, token, populate_existing=True)
        raise AlreadySaved(
            earlier.entity if earlier else None, earlier.entity_id if earlier else None
        ) from None
    result = action(session)
    record = _saved_record(result)
    if record is not None:
        claim.entity = getattr(record, "__tablename__", None)
        claim.entity_id = getattr(record, "id", None)
        session.add(claim)
        session.flush()
    return result
