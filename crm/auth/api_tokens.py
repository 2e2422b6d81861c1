"""API tokens: another system (the secretariat's tools, a prefecture's sheet, a calendar) reads
the CRM on behalf of one account, with exactly that account's scope.

A token is shown once when made and stored as a hash; it can be given an expiry and revoked.
Every use is checked against the account (disabled accounts' tokens stop working) and
audited. A ``calendar`` token opens only the calendar feed, so a feed URL pasted into a shared
calendar reveals nothing else.
"""

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from sqlmodel import Session, col, select

from crm.actor import SYSTEM, Actor, actor_for
from crm.auth.audit_trail import record_audit
from crm.errors import NotFound, PermissionDenied, ValidationError
from crm.models import ApiToken, AuditLog, UserAccount
from crm.reference import Role
from crm.timeutil import utcnow
from crm.validation import normalize_text, one_line

API = "api"
CALENDAR = "calendar"
KINDS = {API: "API", CALENDAR: "カレンダー"}
PREFIX = "crm_"
MAX_DAYS = 3650


@dataclass(frozen=True)
class TokenSummary:
    id: int
    username: str
    name: str
    kind: str
    created_at: dt.datetime
    expires_at: dt.datetime | None
    revoked_at: dt.datetime | None
    last_used_at: dt.datetime | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > utcnow())


class TokenRefused(PermissionDenied):
    """No valid token: unknown, revoked, expired, or its account is disabled."""


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _may_manage(actor: Actor) -> None:
    if actor is not SYSTEM:
        actor.require_role(Role.ADMIN)


def create_token(
    session: Session,
    actor: Actor,
    username: str,
    *,
    name: str | None = None,
    expires_days: int | None = None,
    kind: str = API,
) -> tuple[TokenSummary, str]:
    """A new token for ``username``: (what was made, the token itself, shown only now)."""
    _may_manage(actor)
    user = session.exec(select(UserAccount).where(UserAccount.username == username)).first()
    errors: dict[str, str] = {}
    if user is None:
        raise NotFound(f"利用者 {username} は登録されていません。")
    if not user.active:
        errors["username"] = "利用停止中の利用者にはトークンを発行できません"
    if kind not in KINDS:
        errors["kind"] = "種類は api または calendar です"
    if expires_days is not None and not 1 <= expires_days <= MAX_DAYS:
        errors["expires"] = f"有効期限は1〜{MAX_DAYS:,}日で指定してください"
    try:
        label = normalize_text(one_line(name) if name else name) or KINDS.get(kind, "API")
    except ValueError as error:  # a line break or control character
        errors["name"], label = str(error), ""
    if len(label) > 80:
        errors["name"] = "名前は80文字以内にしてください"
    if errors:
        raise ValidationError(errors)
    assert user.id is not None
    token = PREFIX + secrets.token_urlsafe(32)
    now = utcnow()
    row = ApiToken(
        user_id=user.id,
        name=label,
        kind=kind,
        token_hash=_digest(token),
        created_at=now,
        expires_at=now + dt.timedelta(days=expires_days) if expires_days else None,
    )
    session.add(row)
    session.flush()
    record_audit(
        session,
        actor,
        "token_create",
        entity="api_token",
        entity_id=row.id,
        hub_code=user.hub_code,
        detail=f"{username}: {label}（{KINDS[kind]}）",
    )
    return _summary(row, user.username), token


def list_tokens(session: Session, actor: Actor) -> list[TokenSummary]:
    _may_manage(actor)
    rows = session.exec(
        select(ApiToken, UserAccount.username)
        .join(UserAccount, col(UserAccount.id) == col(ApiToken.user_id))
        .order_by(col(ApiToken.id))
    ).all()
    return [_summary(row, username) for row, username in rows]


def revoke_token(session: Session, actor: Actor, token_id: int) -> TokenSummary:
    _may_manage(actor)
    row = session.get(ApiToken, token_id)
    if row is None:
        raise NotFound(f"トークン（ID {token_id}）は見つかりません。")
    user = session.get(UserAccount, row.user_id)
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        session.add(row)
        session.flush()
        record_audit(
            session,
            actor,
            "token_revoke",
            entity="api_token",
            entity_id=row.id,
            hub_code=user.hub_code if user else None,
        )
    return _summary(row, user.username if user else "")


def bearer_token(header: str | None) -> str | None:
    """The token of an ``Authorization: Bearer …`` header, or None. The scheme is read
    case-insensitively (``bearer``, ``BEARER``: RFC 9110, 11.1), and spaces around the token
    do not count."""
    parts = (header or "").split(None, 1)
    if len(parts) != 2 or parts[0].lower() != "bearer":
        return None
    return parts[1].strip() or None


def identify(session: Session, token: str | None, *, kind: str = API) -> ApiToken:
    """The stored token ``token`` is, if it is valid for ``kind`` and its account active.
    Raises TokenRefused otherwise (one message whatever the reason). Writes nothing."""
    refused = TokenRefused("APIトークンが無効です（期限切れ・失効・利用停止を含む）。")
    if not isinstance(token, str) or not token.startswith(PREFIX) or len(token) > 100:
        raise refused
    row = session.exec(select(ApiToken).where(ApiToken.token_hash == _digest(token))).first()
    if row is None or row.revoked_at is not None:
        raise refused
    if row.expires_at is not None and row.expires_at <= utcnow():
        raise refused
    if kind == API and row.kind != API:
        raise refused  # a calendar token reads the calendar only
    user = session.get(UserAccount, row.user_id)
    if user is None or not user.active:
        raise refused
    return row


def record_use(session: Session, row: ApiToken, use: str = "") -> Actor:
    """Note the use of a valid token (its last use, an ``api_read`` audit entry) in the
    reading transaction; returns the actor it reads as."""
    user = session.get(UserAccount, row.user_id)
    if user is None:
        raise TokenRefused("APIトークンが無効です（期限切れ・失効・利用停止を含む）。")
    row.last_used_at = utcnow()
    session.add(row)
    actor = actor_for(user)
    record_audit(
        session,
        actor,
        "api_read",
        entity="api_token",
        entity_id=row.id,
        hub_code=user.hub_code,
        detail=use[:200] or None,
    )
    return actor


def authenticate(session: Session, token: str | None, *, kind: str = API, use: str = "") -> Actor:
    """The actor a token reads as, if it is valid for ``kind``; audited as used. Raises
    TokenRefused otherwise (one message whatever the reason)."""
    return record_use(session, identify(session, token, kind=kind), use)


REFUSED = "api_refused"


def record_refusal(session: Session, *, token_id: int | None, use: str, status: int) -> None:
    """Audit a refused API request (``api_refused``: the HTTP status and the path, never a
    query string), in a transaction of its own so that the refusal does not roll it back.
    With a valid token (``token_id``) the entry names its owner and the token's last use is
    kept; without one the entry has no owner and nothing of what was presented is written."""
    row = session.get(ApiToken, token_id) if token_id is not None else None
    user = session.get(UserAccount, row.user_id) if row is not None else None
    if row is not None:
        row.last_used_at = utcnow()
        session.add(row)
    session.add(
        AuditLog(
            user_id=user.id if user else None,
            username=user.username if user else None,
            action=REFUSED,
            entity="api_token",
            entity_id=str(row.id) if row is not None else None,
            hub_code=user.hub_code if user else None,
            detail=f"{status} {use}"[:200],
        )
    )


def _summary(row: ApiToken, username: str) -> TokenSummary:
    assert row.id is not None
    return TokenSummary(
        id=row.id,
        username=username,
        name=row.name,
        kind=row.kind,
        created_at=row.created_at,
        expires_at=row.expires_at,
        revoked_at=row.revoked_at,
        last_used_at=row.last_used_at,
    )
