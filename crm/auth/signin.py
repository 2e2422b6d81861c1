"""Password sign-in with lock-out, and the audit entries every attempt leaves.

``authenticate`` never raises for a refused attempt: it returns the refusal, so that the
caller commits the audit entry (a raised error would roll it back).

At most ``lockout_threshold`` wrong passwords are ever checked per account between a success
and a lock, whatever the concurrency: before verifying, an attempt claims a slot with one
conditional UPDATE (``… WHERE failed_attempts < threshold AND not locked RETURNING``) and
commits it at once, so parallel attempts queue on the row and the ones past the threshold are
refused without a verification. The claim that reaches the threshold also sets the lock;
the right password in that last slot lifts it again.

Unknown, wrong, disabled and locked names get the same answer (``REFUSED``) after the same work
(one Argon2 verification with the app's parameters): the page does not tell a stranger which
names exist or are locked. The lock shows to administrators (利用者管理) and in the audit log.
A name that is no account is audited without what was typed (it is sometimes a password).
Nothing here ever stores, logs or repeats the password.
"""

import datetime as dt
import unicodedata
from dataclasses import dataclass

from sqlalchemy import and_, case, or_, update
from sqlmodel import Session, col, select

from crm.actor import Actor, actor_for
from crm.auth.passwords import burn_verification, hash_password, needs_rehash, verify_password
from crm.config import get_settings
from crm.models import AuditLog, UserAccount
from crm.timeutil import utcnow
from crm.validation import normalize_text

# One answer for an unknown name, a wrong password, a disabled and a locked account, so that
# the sign-in page tells a stranger nothing about which user names exist.
REFUSED = (
    "サインインできませんでした。利用者名とパスワードを確認してください。"
    "失敗が続くと、しばらくの間サインインできなくなります（時間をおいて再度お試しいただくか、"
    "管理者に確認を依頼してください）。"
)
# What the audit log records as the user name of a sign-in attempt for no account.
UNKNOWN_NAME = "（登録のない利用者名）"
USERNAME_MAX = 80


@dataclass(frozen=True)
class SignInResult:
    actor: Actor | None
    session_epoch: int | None = None
    message: str | None = None

    @property
    def ok(self) -> bool:
        return self.actor is not None


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
    """Record a sign-in event. Without ``user``, ``username`` is what the record shows (never
    what a person typed into the sign-in form: see ``UNKNOWN_NAME``)."""
    session.add(
        AuditLog(
            user_id=user.id if user else None,
            username=(user.username if user else (username or UNKNOWN_NAME))[:USERNAME_MAX],
            action=action,
            entity="user_account",
            entity_id=str(user.id) if user else None,
            hub_code=user.hub_code if user else None,
            detail=detail,
        )
    )


def plausible_username(username: str | None) -> str | None:
    """The normalised name, or None when it cannot be any account's name (empty, too long,
    control characters such as NUL): such a name is never sent to the database."""
    name = normalize_text(username)
    if not name or len(name) > USERNAME_MAX:
        return None
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Cs") for ch in name):
        return None
    return name


def find_account(session: Session, username: str | None) -> UserAccount | None:
    name = plausible_username(username)
    if name is None:
        return None
    return session.exec(select(UserAccount).where(UserAccount.username == name)).first()


def _claim_attempt(
    session: Session, user_id: int, now: dt.datetime, threshold: int, minutes: int
) -> int | None:
    """Take one of the account's ``threshold`` attempt slots, atomically, and commit it.

    Returns the attempt's number (1 … threshold), or None when the account is disabled or
    locked (or all its slots are taken). A lock that has run out starts the count afresh.
    An unknown name runs the same statement for no row, so that it takes the same time."""
    locked_until = col(UserAccount.locked_until)
    failed = col(UserAccount.failed_attempts)
    expired = and_(locked_until.is_not(None), locked_until <= now)
    number = case((expired, 1), else_=failed + 1)
    claimed = session.execute(
        update(UserAccount)
        .where(
            col(UserAccount.id) == user_id,
            col(UserAccount.active).is_(True),
            or_(and_(locked_until.is_(None), failed < threshold), expired),
        )
        .values(
            failed_attempts=number,
            locked_until=case(
                (number >= threshold, now + dt.timedelta(minutes=minutes)), else_=None
            ),
        )
        .returning(col(UserAccount.failed_attempts))
        .execution_options(synchronize_session=False)
    ).scalar_one_or_none()
    # Committed before the (slow) verification: the next attempt sees this one at once, and
    # the write lock is not held while Argon2 runs.
    session.commit()
    return claimed


def authenticate(
    session: Session, username: str, password: str, now: dt.datetime | None = None
) -> SignInResult:
    """Check a user name and password; lock the account for ``lockout_minutes`` after
    ``lockout_threshold`` wrong passwords in a row.

    Commits the session once, right after claiming the attempt (see the module docstring):
    call it on a session of its own. The caller commits the audit entry it adds."""
    settings = get_settings()
    now = now or utcnow()
    threshold, minutes = settings.lockout_threshold, settings.lockout_minutes
    refused = SignInResult(None, message=REFUSED)
    user = find_account(session, username)
    user_id = user.id if user and user.id is not None else -1
    claimed = _claim_attempt(session, user_id, now, threshold, minutes)
    number = claimed if user else None
    if user is None or number is None:
        burn_verification(password)
        if user is None:
            audit_sign_in_event(session, None, "sign_in_failed", detail="unknown_user")
        else:
            session.refresh(user)
            reason = "disabled" if not user.active else "locked"
            audit_sign_in_event(session, user, "sign_in_failed", detail=reason)
        return refused

    if not user.password_hash:  # single sign-on only: as slow as a wrong password
        burn_verification(password)
    if not user.password_hash or not verify_password(user.password_hash, password):
        session.refresh(user)
        audit_sign_in_event(session, user, "sign_in_failed", detail="wrong_password")
        if number >= threshold:
            audit_sign_in_event(
                session,
                user,
                "account_locked",
                detail=f"{threshold}回連続の失敗で{minutes}分間ロック",
            )
        return refused

    values: dict = {"failed_attempts": 0, "locked_until": None, "last_sign_in_at": now}
    if needs_rehash(user.password_hash or ""):
        values["password_hash"] = hash_password(password)
    _write(session, user, values)
    audit_sign_in_event(session, user, "sign_in", detail="password")
    return SignInResult(actor_for(user), session_epoch=user.session_epoch)


def _write(session: Session, user: UserAccount, values: dict) -> None:
    """Sign-in bookkeeping: not an edit of the account, so its version stays as it is."""
    session.execute(
        update(UserAccount)
        .where(col(UserAccount.id) == user.id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    session.refresh(user)
