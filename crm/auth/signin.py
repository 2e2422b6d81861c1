"""Password sign-in with lock-out, and the audit entries every attempt leaves.

``authenticate`` never raises for a refused attempt: it returns the refusal, so that the
caller commits the failure count and the audit entry (a raised error would roll them back).
Nothing here ever stores, logs or repeats the password.
"""

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import update
from sqlmodel import Session, select

from crm.actor import Actor, actor_for
from crm.auth.passwords import burn_verification, hash_password, needs_rehash, verify_password
from crm.config import get_settings
from crm.models import AuditLog, UserAccount
from crm.timeutil import to_jst, utcnow
from crm.validation import normalize_text

# One message for an unknown name, a wrong password and a disabled account, so that the
# sign-in page does not tell a stranger which user names exist.
REFUSED = "利用者名またはパスワードが正しくありません。"


@dataclass(frozen=True)
class SignInResult:
    actor: Actor | None
    session_epoch: int | None = None
    message: str | None = None
    locked_until: dt.datetime | None = None

    @property
    def ok(self) -> bool:
        return self.actor is not None


def locked_message(until: dt.datetime) -> str:
    return (
        f"サインインの失敗が続いたため、このアカウントは {to_jst(until):%H:%M} まで"
        "ロックされています。時間をおいて再度お試しいただくか、管理者に解除を依頼してください。"
    )


def is_locked(user: UserAccount, now: dt.datetime | None = None) -> bool:
    return user.locked_until is not None and user.locked_until > (now or utcnow())


def audit_sign_in_event(
    session: Session,
    user: UserAccount | None,
    action: str,
    *,
    username: str | None = None,
    detail: str | None = None,
) -> None:
    """Record a sign-in event. ``username`` names an unknown account as it was typed."""
    session.add(
        AuditLog(
            user_id=user.id if user else None,
            username=(user.username if user else (username or ""))[:80],
            action=action,
            entity="user_account",
            entity_id=str(user.id) if user else None,
            hub_code=user.hub_code if user else None,
            detail=detail,
        )
    )


def find_account(session: Session, username: str | None) -> UserAccount | None:
    name = normalize_text(username)
    if not name:
        return None
    return session.exec(select(UserAccount).where(UserAccount.username == name)).first()


def authenticate(
    session: Session, username: str, password: str, now: dt.datetime | None = None
) -> SignInResult:
    """Check a user name and password; count failures and lock the account after
    ``lockout_threshold`` of them for ``lockout_minutes``."""
    settings = get_settings()
    now = now or utcnow()
    user = find_account(session, username)
    if user is None:
        burn_verification(password)
        audit_sign_in_event(
            session,
            None,
            "sign_in_failed",
            username=normalize_text(username) or "",
            detail="unknown_user",
        )
        return SignInResult(None, message=REFUSED)
    if not user.active:
        burn_verification(password)
        audit_sign_in_event(session, user, "sign_in_failed", detail="disabled")
        return SignInResult(None, message=REFUSED)
    if is_locked(user, now):
        burn_verification(password)
        audit_sign_in_event(session, user, "sign_in_failed", detail="locked")
        return SignInResult(
            None, message=locked_message(user.locked_until), locked_until=user.locked_until
        )
    if not verify_password(user.password_hash, password):
        return _count_failure(
            session, user, now, settings.lockout_threshold, settings.lockout_minutes
        )

    values: dict = {"failed_attempts": 0, "locked_until": None, "last_sign_in_at": now}
    if needs_rehash(user.password_hash or ""):
        values["password_hash"] = hash_password(password)
    _write(session, user, values)
    audit_sign_in_event(session, user, "sign_in", detail="password")
    return SignInResult(actor_for(user), session_epoch=user.session_epoch)


def _count_failure(
    session: Session, user: UserAccount, now: dt.datetime, threshold: int, minutes: int
) -> SignInResult:
    # Incremented in SQL so that two wrong attempts at the same moment both count.
    session.execute(
        update(UserAccount)
        .where(UserAccount.id == user.id)
        .values(failed_attempts=UserAccount.failed_attempts + 1)
        .execution_options(synchronize_session=False)
    )
    session.refresh(user)
    audit_sign_in_event(session, user, "sign_in_failed", detail="wrong_password")
    if user.failed_attempts < threshold:
        return SignInResult(None, message=REFUSED)
    until = now + dt.timedelta(minutes=minutes)
    _write(session, user, {"failed_attempts": 0, "locked_until": until})
    audit_sign_in_event(
        session, user, "account_locked", detail=f"{threshold}回連続の失敗で{minutes}分間ロック"
    )
    return SignInResult(None, message=locked_message(until), locked_until=until)


def _write(session: Session, user: UserAccount, values: dict) -> None:
    """Sign-in bookkeeping: not an edit of the account, so its version stays as it is."""
    session.execute(
        update(UserAccount)
        .where(UserAccount.id == user.id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    session.refresh(user)
