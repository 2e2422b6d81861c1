"""Single sign-on: an OpenID Connect identity (Streamlit's st.login / st.user) is matched to an
account by e-mail. An unknown or disabled e-mail gets no access; the provider proves who the
person is, the account decides what they may do.
"""

import datetime as dt

from sqlalchemy import func
from sqlmodel import Session, col, select

from crm.actor import actor_for
from crm.auth.sessions import SESSION_ENDING_ACTIONS
from crm.auth.signin import SignInResult, audit_sign_in_event
from crm.models import AuditLog, UserAccount
from crm.timeutil import utcnow

UNKNOWN = (
    "このメールアドレス（{email}）に対応する利用者が登録されていないため、"
    "サインインできません。管理者に利用者登録を依頼してください。"
)
UNVERIFIED = "認証基盤でメールアドレスが確認されていないため、サインインできません。"
DISABLED = "この利用者は利用停止中のため、サインインできません。"
STALE = (
    "全端末からのサインアウトより前のサインイン情報です。"
    "もう一度シングルサインオンでサインインしてください。"
)


def _normalise(email: str | None) -> str:
    return (email or "").strip().casefold()


def _sessions_ended_at(session: Session, user: UserAccount) -> dt.datetime | None:
    """When this account last ended all its sessions (sign out everywhere, password reset)."""
    return session.exec(
        select(func.max(AuditLog.at)).where(
            AuditLog.entity == "user_account",
            AuditLog.entity_id == str(user.id),
            col(AuditLog.action).in_(SESSION_ENDING_ACTIONS),
        )
    ).first()


def _verified(claim: object) -> bool:
    """Whether the identity token's ``email_verified`` claim says true (a JSON boolean; some
    providers send the string "true"). Missing or anything else is not verified."""
    return claim is True or (isinstance(claim, str) and claim.strip().lower() == "true")


def sign_in_with_identity(
    session: Session,
    email: str | None,
    issued_at: dt.datetime | None = None,
    email_verified: object = None,
    now: dt.datetime | None = None,
) -> SignInResult:
    """Match a verified OIDC e-mail to an active account. ``email_verified`` is the token's
    claim: only true lets the e-mail be matched (missing or false is refused).

    ``issued_at`` is the identity token's ``iat``: an identity cookie issued before the account's
    last "sign out everywhere" is refused, so that sign-out reaches SSO browsers too."""
    wanted = _normalise(email)
    user = None
    if not _verified(email_verified):
        # The provider has not said it checked the address (the claim is false or missing):
        # then the address proves nothing about the person.
        audit_sign_in_event(
            session, None, "sign_in_failed", username=wanted, detail="sso_unverified_email"
        )
        return SignInResult(None, message=UNVERIFIED)
    if wanted:
        user = session.exec(
            select(UserAccount).where(func.lower(UserAccount.email) == wanted)
        ).first()
    if user is None:
        audit_sign_in_event(
            session, None, "sign_in_failed", username=wanted, detail="sso_unknown_email"
        )
        return SignInResult(None, message=UNKNOWN.format(email=email or "（なし）"))
    if not user.active:
        audit_sign_in_event(session, user, "sign_in_failed", detail="sso_disabled")
        return SignInResult(None, message=DISABLED)
    ended = _sessions_ended_at(session, user)
    # iat has whole seconds: an identity issued in the same second as the sign-out passes.
    if issued_at is not None and ended is not None and issued_at < ended.replace(microsecond=0):
        audit_sign_in_event(session, user, "sign_in_failed", detail="sso_stale_identity")
        return SignInResult(None, message=STALE)
    user.last_sign_in_at = now or utcnow()
    session.add(user)
    session.flush()
    audit_sign_in_event(session, user, "sign_in", detail="sso")
    return SignInResult(actor_for(user), session_epoch=user.session_epoch)
