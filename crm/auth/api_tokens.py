"""API tokens: another system (the secretariat's tools, a prefecture's sheet, a calendar) reads
the CRM on behalf of one account, with exactly that account's scope.

A token is shown once when made and stored as a hash; it can be given an expiry and revoked.
Every use is checked against the account (disabled accounts' tokens stop working) and
audited. A ``calendar`` token opens only the calendar feed, so a feed URL pasted into a shared
calendar reveals nothing else.

Who manages which tokens is decided here, not by the page: administrators (and the operator's
CLI) every token, a hub manager the tokens of their own hub's accounts; nobody else any.

A token belongs to its account, not to a sign-in: it survives the owner's password change and
"sign out everywhere" (another system keeps reading with it). Disabling the account or an
administrator's password reset, the two acts on an account that may be compromised or gone,
revoke all its tokens (``revoke_account_tokens``); re-enabling the account does not revive them.
"""

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from sqlmodel import Session, col, select

from crm.actor import Actor, actor_for
from crm.auth.audit_trail import record_audit
from crm.auth.sessions import require_live
from crm.errors import NotFound, PermissionDenied, ValidationError
from crm.models import ApiToken, AuditLog, UserAccount
from crm.reference import Role
from crm.timeutil import JST, today_jst, utcnow
from crm.validation import normalize_text, one_line

API = "api"
CALENDAR = "calendar"
KINDS = {API: "API", CALENDAR: "カレンダー"}
PREFIX = "crm_"
MAX_DAYS = 3650
# What the page proposes: long enough for a quarter's reporting, short enough that a
# forgotten token does not work for years.
DEFAULT_DAYS = 90

ACTIVE = "有効"
EXPIRED = "期限切れ"
REVOKED = "失効"

# Why an account's tokens were revoked with it (the audit entry's detail).
ON_DISABLE = "利用停止に伴い失効"
ON_PASSWORD_RESET = "管理者によるパスワード再設定に伴い失効"


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
    display_name: str = ""
    hub_code: str | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > utcnow())

    @property
    def state(self) -> str:
        """有効, 期限切れ or 失効 (a revoked token reads 失効 even after its expiry)."""
        if self.revoked_at is not None:
            return REVOKED
        return ACTIVE if self.active else EXPIRED


@dataclass(frozen=True)
class TokenOwner:
    """An account a token may be made for."""

    username: str
    display_name: str
    role: str
    hub_code: str | None


class TokenRefused(PermissionDenied):
    """No valid token: unknown, revoked, expired, or its account is disabled."""


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _may_manage(actor: Actor) -> None:
    """Administrators (the operator's CLI acts as one) and hub managers manage tokens; a hub
    manager only their own hub's (``_may_manage_account``)."""
    actor.require_role(Role.ADMIN, Role.HUB_MANAGER)


def _in_scope(actor: Actor, user: UserAccount | None) -> bool:
    if actor.role == Role.ADMIN:
        return True
    return (
        user is not None
        and user.role == Role.HUB_MANAGER.value
        and user.hub_code is not None
        and user.hub_code == actor.hub_code
    )


def _may_manage_account(actor: Actor, user: UserAccount | None) -> None:
    if not _in_scope(actor, user):
        raise PermissionDenied(
            "自拠点の利用者のトークンだけを管理できます（他の拠点・全国事務局・管理者の"
            "トークンは管理者が扱います）。"
        )


def _scoped(statement, actor: Actor):
    """Narrow a query over accounts (or tokens joined with them) to what ``actor`` manages;
    the same rule as ``_in_scope``, in SQL."""
    if actor.role == Role.ADMIN:
        return statement
    return statement.where(
        UserAccount.role == Role.HUB_MANAGER.value, UserAccount.hub_code == actor.own_hub
    )


def expiry_of(day: dt.date) -> dt.datetime:
    """The moment a token valid through ``day`` (Japan time) stops working: the next midnight
    in Japan, stored in UTC."""
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=JST).astimezone(dt.UTC)


def token_owners(session: Session, actor: Actor) -> list[TokenOwner]:
    """The active accounts ``actor`` may make a token for, by user name."""
    _may_manage(actor)
    require_live(session, actor)
    statement = _scoped(
        select(UserAccount).where(UserAccount.active).order_by(col(UserAccount.username)), actor
    )
    return [
        TokenOwner(user.username, user.display_name, user.role, user.hub_code)
        for user in session.exec(statement).all()
    ]


def create_token(
    session: Session,
    actor: Actor,
    username: str,
    *,
    name: str | None = None,
    expires_days: int | None = None,
    expires_on: dt.date | None = None,
    kind: str = API,
) -> tuple[TokenSummary, str]:
    """A new token for ``username``: (what was made, the token itself, shown only now).

    It expires after ``expires_days`` days, or at the end of ``expires_on`` (Japan time), or
    never when neither is given."""
    _may_manage(actor)
    require_live(session, actor, for_write=True)
    user = session.exec(select(UserAccount).where(UserAccount.username == username)).first()
    errors: dict[str, str] = {}
    if user is None:
        raise NotFound(f"利用者 {username} は登録されていません。")
    _may_manage_account(actor, user)
    if not user.active:
        errors["username"] = "利用停止中の利用者にはトークンを発行できません"
    if kind not in KINDS:
        errors["kind"] = "種類は api または calendar です"
    if expires_days is not None and expires_on is not None:
        raise ValueError("give expires_days or expires_on, not both")
    if expires_days is not None and not 1 <= expires_days <= MAX_DAYS:
        errors["expires"] = f"有効期限は1〜{MAX_DAYS:,}日で指定してください"
    today = today_jst()
    if expires_on is not None and not (today < expires_on <= today + dt.timedelta(days=MAX_DAYS)):
        errors["expires"] = (
            f"有効期限は明日から{MAX_DAYS:,}日後（{today + dt.timedelta(days=MAX_DAYS):%Y/%m/%d}）"
            "までの日付で指定してください"
        )
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
    expires_at = None
    if expires_days:
        expires_at = now + dt.timedelta(days=expires_days)
    elif expires_on is not None:
        expires_at = expiry_of(expires_on)
    row = ApiToken(
        user_id=user.id,
        name=label,
        kind=kind,
        token_hash=_digest(token),
        created_at=now,
        expires_at=expires_at,
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
    return _summary(row, user), token


def list_tokens(session: Session, actor: Actor) -> list[TokenSummary]:
    """Every token ``actor`` manages (administrators: all; a hub manager: their hub's
    accounts'), oldest first; never the token itself."""
    _may_manage(actor)
    require_live(session, actor)
    rows = session.exec(
        _scoped(
            select(ApiToken, UserAccount)
            .join(UserAccount, col(UserAccount.id) == col(ApiToken.user_id))
            .order_by(col(ApiToken.id)),
            actor,
        )
    ).all()
    return [_summary(row, user) for row, user in rows]


def revoke_token(session: Session, actor: Actor, token_id: int) -> TokenSummary:
    """Stop a token at once (audited); revoking a revoked token changes nothing."""
    _may_manage(actor)
    require_live(session, actor, for_write=True)
    row = session.get(ApiToken, token_id)
    if row is None:
        raise NotFound(f"トークン（ID {token_id}）は見つかりません。")
    user = session.get(UserAccount, row.user_id)
    _may_manage_account(actor, user)
    if row.revoked_at is None:
        _revoke(session, actor, row, user)
    return _summary(row, user)


def revoke_account_tokens(session: Session, actor: Actor, user: UserAccount, why: str) -> int:
    """Revoke every token of ``user`` not yet revoked, each audited with ``why``; how many.
    Called by the account changes that end trust in the account (``crm.services.users``:
    disabling it, an administrator's password reset), in their transaction."""
    _may_manage(actor)
    _may_manage_account(actor, user)
    rows = session.exec(
        select(ApiToken)
        .where(ApiToken.user_id == user.id, col(ApiToken.revoked_at).is_(None))
        .order_by(col(ApiToken.id))
    ).all()
    for row in rows:
        _revoke(session, actor, row, user, why)
    return len(rows)


def _revoke(
    session: Session, actor: Actor, row: ApiToken, user: UserAccount | None, why: str | None = None
) -> None:
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
        detail=f"{user.username if user else '?'}: {row.name}" + (f"（{why}）" if why else ""),
    )


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


def _summary(row: ApiToken, user: UserAccount | None) -> TokenSummary:
    assert row.id is not None
    return TokenSummary(
        id=row.id,
        username=user.username if user else "",
        name=row.name,
        kind=row.kind,
        created_at=row.created_at,
        expires_at=row.expires_at,
        revoked_at=row.revoked_at,
        last_used_at=row.last_used_at,
        display_name=user.display_name if user else "",
        hub_code=user.hub_code if user else None,
    )
