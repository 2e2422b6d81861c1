"""A signed-in browser session: when it ends (inactivity, sign-out everywhere, disabled account).

The session remembers the account's ``session_epoch`` at sign-in. "Sign out everywhere", a
password change or reset and disabling the account raise the epoch, so every other session
notices on its next interaction and ends. Checked on every page run: one primary-key read.
"""

import datetime as dt
from dataclasses import dataclass, replace

from sqlmodel import Session

from crm.actor import Actor
from crm.auth.signin import audit_sign_in_event
from crm.config import get_settings
from crm.models import UserAccount
from crm.services.users import actor_for
from crm.timeutil import utcnow

IDLE = "idle"
ELSEWHERE = "elsewhere"
DISABLED = "disabled"

ENDED_MESSAGES = {
    IDLE: "一定時間操作がなかったため、サインアウトしました。もう一度サインインしてください。",
    ELSEWHERE: "全端末からのサインアウト（またはパスワード変更）により、"
    "このセッションは終了しました。もう一度サインインしてください。",
    DISABLED: "この利用者は利用できなくなりました。管理者にお問い合わせください。",
}


@dataclass(frozen=True)
class SessionTicket:
    user_id: int | None
    epoch: int
    last_seen: dt.datetime
    method: str  # password | sso | preset (set by trusted code, e.g. the page-test harness)


class SessionEnded(Exception):
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


def check_session(
    session: Session, ticket: SessionTicket, now: dt.datetime | None = None
) -> tuple[Actor, SessionTicket]:
    """The session's current actor (role or hub changes apply at once) and the ticket with
    this interaction recorded; raises SessionEnded (audited as a sign-out) when it is over."""
    now = now or utcnow()
    user = session.get(UserAccount, ticket.user_id) if ticket.user_id is not None else None
    reason = None
    if now - ticket.last_seen > idle_limit():
        reason = IDLE
    elif user is None or not user.active:
        reason = DISABLED
    elif user.session_epoch != ticket.epoch:
        reason = ELSEWHERE
    if reason is not None:
        if user is not None:
            audit_sign_in_event(session, user, "sign_out", detail=f"session_ended:{reason}")
        raise SessionEnded(reason)
    return actor_for(user), replace(ticket, last_seen=now)


def sign_out(session: Session, actor: Actor) -> None:
    if actor.user_id is None:
        return
    user = session.get(UserAccount, actor.user_id)
    if user is not None:
        audit_sign_in_event(session, user, "sign_out", detail="user")
