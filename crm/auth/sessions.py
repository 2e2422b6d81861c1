"""A signed-in browser session: when it ends (inactivity, sign out everywhere, disabled account).

The session remembers the account's ``session_epoch`` at sign-in. "Sign out everywhere", a
password change or reset and disabling the account raise the epoch, so every other session
notices on its next interaction and ends.

It is checked twice: by the entry script on every page run (``check_session``, which also
records the interaction), and by the services inside the transaction of every write and every
read of hub data (``require_live``). The second check is the one that counts: a button's
callback runs before the entry script, so only the service can refuse a click from a tab whose
session ended a moment ago.
"""

import datetime as dt
from dataclasses import replace
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session, select

from crm.actor import Actor, SessionTicket, actor_for
from crm.auth.signin import audit_sign_in_event
from crm.config import get_settings
from crm.errors import CrmError
from crm.models import UserAccount, WebSession
from crm.timeutil import utcnow

# Audit actions after which every existing session of the account is over (single sign-on
# identities issued before the latest of them are refused, see crm.auth.sso).
SESSION_ENDING_ACTIONS = ("sign_out_everywhere", "password_reset", "password_change", "disable")

IDLE = "idle"
ELSEWHERE = "elsewhere"
DISABLED = "disabled"
SIGNED_OUT = "signed_out"

ENDED_MESSAGES = {
    IDLE: "一定時間操作がなかったため、サインアウトしました。もう一度サインインしてください。",
    ELSEWHERE: "全端末からのサインアウト（またはパスワード変更）により、"
    "このセッションは終了しました。もう一度サインインしてください。",
    DISABLED: "この利用者は利用できなくなりました。管理者にお問い合わせください。",
    SIGNED_OUT: "サインアウトしたため、このセッションは終了しました。"
    "もう一度サインインしてください。",
}

# A web session's last activity is written at most this often (not on every click).
TOUCH_EVERY = dt.timedelta(seconds=60)

# Execution option a scoped SELECT carries (see crm.auth.scope.scope_filter): the actor whose
# session is checked before the statement runs.
ACTOR_OPTION = "crm_actor"
_CHECKED = "crm_live_actors"


class SessionEnded(CrmError):
    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(ENDED_MESSAGES[reason])


def new_ticket(
    actor: Actor, epoch: int, method: str, now: dt.datetime | None = None
) -> SessionTicket:
    return SessionTicket(
        user_id=actor.user_id, epoch=epoch, last_seen=now or utcnow(), method=method
    )


def idle_limit() -> dt.timedelta:
    return dt.timedelta(minutes=get_settings().session_idle_minutes)


def _ended_reason(
    user: UserAccount | None,
    ticket: SessionTicket,
    now: dt.datetime,
    web: WebSession | None = None,
) -> str | None:
    if ticket.web_session_id is not None and (web is None or web.user_id != ticket.user_id):
        return SIGNED_OUT
    last_seen = max(ticket.last_seen, web.last_seen) if web is not None else ticket.last_seen
    if now - last_seen > idle_limit():
        return IDLE
    if user is None or not user.active:
        return DISABLED
    if user.session_epoch != ticket.epoch:
        return ELSEWHERE
    return None


def _web_session(session: Session, ticket: SessionTicket, *, lock: bool) -> WebSession | None:
    if ticket.web_session_id is None:
        return None
    statement = select(WebSession).where(WebSession.id == ticket.web_session_id)
    if lock:
        statement = statement.with_for_update(read=True)
    return session.exec(statement.execution_options(populate_existing=True)).first()


def check_session(
    session: Session, ticket: SessionTicket, now: dt.datetime | None = None
) -> tuple[Actor, SessionTicket]:
    """The session's current actor (role or hub changes apply at once) and the ticket with
    this interaction recorded; raises SessionEnded (audited as a sign-out, its server-side
    session deleted) when it is over."""
    now = now or utcnow()
    user = session.get(UserAccount, ticket.user_id) if ticket.user_id is not None else None
    web = _web_session(session, ticket, lock=False)
    reason = _ended_reason(user, ticket, now, web)
    if reason is not None:
        if user is not None and reason != SIGNED_OUT:
            audit_sign_in_event(session, user, "sign_out", detail=f"session_ended:{reason}")
        if web is not None:
            session.delete(web)
        raise SessionEnded(reason)
    assert user is not None  # a live session has its account
    if web is not None and now - web.last_seen >= TOUCH_EVERY:
        web.last_seen = now
        session.add(web)
    fresh = replace(ticket, last_seen=now)
    return actor_for(user, fresh), fresh


def require_live(
    session: Session, actor: Actor, *, for_write: bool = False, now: dt.datetime | None = None
) -> None:
    """Refuse (SessionEnded) when the actor's session has ended; operators pass.

    Checked once per transaction for reads. A write locks the account row (and the
    server-side session) for share on PostgreSQL, so a disable, a sign-out or "sign out
    everywhere" committing at the same moment either waits for this write or is seen by it;
    SQLite's single writer gives the same order."""
    ticket = actor.ticket
    if ticket is None:
        return
    checked: dict[Any, bool] = session.info.setdefault(_CHECKED, {})
    key = (ticket.user_id, ticket.epoch, ticket.last_seen, ticket.web_session_id)
    if checked.get(key) or (key in checked and not for_write):
        return
    statement = select(UserAccount).where(UserAccount.id == ticket.user_id)
    if for_write:
        statement = statement.with_for_update(read=True)
    user = (
        session.exec(statement.execution_options(populate_existing=True)).first()
        if ticket.user_id is not None
        else None
    )
    web = _web_session(session, ticket, lock=for_write)
    reason = _ended_reason(user, ticket, now or utcnow(), web)
    if reason is not None:
        raise SessionEnded(reason)
    checked[key] = for_write


@event.listens_for(OrmSession, "do_orm_execute")
def _check_scoped_reads(state: ORMExecuteState) -> None:
    actor = state.execution_options.get(ACTOR_OPTION)
    if actor is not None:
        require_live(state.session, actor)  # type: ignore[arg-type]  # any ORM session


@event.listens_for(OrmSession, "after_commit")
@event.listens_for(OrmSession, "after_rollback")
def _forget_checks(session: Any) -> None:
    # The next transaction checks again.
    session.info.pop(_CHECKED, None)


def sign_out(session: Session, actor: Actor) -> None:
    """Sign this session out: audited, and its server-side session deleted (its cookie then
    opens nothing, on any app process)."""
    if actor.user_id is None:
        return
    if actor.ticket is not None and actor.ticket.web_session_id is not None:
        web = session.get(WebSession, actor.ticket.web_session_id)
        if web is not None and web.user_id == actor.user_id:
            session.delete(web)
    user = session.get(UserAccount, actor.user_id)
    if user is not None:
        audit_sign_in_event(session, user, "sign_out", detail="user")
