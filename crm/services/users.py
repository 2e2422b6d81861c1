"""User accounts (administrators manage them; sign-in lives in ``crm.auth``).

Every change is audited, and the audit never holds a password or a password hash: password
events are recorded by name only ("password_reset", "password_change").
"""

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from crm.actor import Actor
from crm.auth import api_tokens
from crm.auth.passwords import hash_password, password_problem, verify_password
from crm.auth.sessions import require_live
from crm.errors import NotFound, PermissionDenied, ValidationError
from crm.models import Hub, Partner, UserAccount, WebSession, stored_id
from crm.reference import Role
from crm.services.base import record_audit, update_row
from crm.timeutil import utcnow
from crm.validation import hub_code as read_hub_code
from crm.validation import normalize_email, normalize_text, one_line


@dataclass(frozen=True)
class AccountSummary:
    """What an administrator sees of an account (never the password hash)."""

    id: int
    username: str
    display_name: str
    role: str
    hub_code: str | None
    email: str | None
    active: bool
    has_password: bool
    failed_attempts: int
    locked_until: dt.datetime | None
    last_sign_in_at: dt.datetime | None
    created_at: dt.datetime
    version: int
    partner_id: int | None = None  # a partner's account: its organisation
    partner_name: str | None = None

    @property
    def locked(self) -> bool:
        return self.locked_until is not None and self.locked_until > utcnow()

    @classmethod
    def of(cls, user: UserAccount, partner_name: str | None = None) -> "AccountSummary":
        return cls(
            id=stored_id(user.id),
            username=user.username,
            display_name=user.display_name,
            role=user.role,
            hub_code=user.hub_code,
            email=user.email,
            active=user.active,
            has_password=bool(user.password_hash),
            failed_attempts=user.failed_attempts,
            locked_until=user.locked_until,
            last_sign_in_at=user.last_sign_in_at,
            created_at=user.created_at,
            version=user.version,
            partner_id=user.partner_id,
            partner_name=partner_name,
        )


def _summary(user: UserAccount, session: Session | None = None) -> AccountSummary:
    partner = (
        session.get(Partner, user.partner_id)
        if session is not None and user.partner_id is not None
        else None
    )
    return AccountSummary.of(user, None if partner is None else partner.name)


def _checked_text(name: str, value: str | None, errors: dict[str, str]) -> str | None:
    """A one-line account field (user name, display name), NFKC and trimmed."""
    try:
        return normalize_text(one_line(value)) if value is not None else None
    except ValueError as error:
        errors[name] = str(error)
        return None


def _checked_hub(value: str | None, errors: dict[str, str]) -> str | None:
    """The hub code as ``crm.validation.hub_code`` reads it (``6`` is 06), None when blank."""
    if normalize_text(value) is None:
        return None
    try:
        return read_hub_code(value)
    except ValueError as error:
        errors["hub_code"] = str(error)
        return None


def _check_role_and_hub(
    session: Session,
    role: str | None,
    hub_code: str | None,
    errors: dict[str, str],
    partner_id: int | None = None,
    kept_partner: int | None = None,
) -> Role | None:
    try:
        role_value = Role(role or "")
    except ValueError:
        errors["role"] = "役割は hub_manager / secretariat / admin / partner のいずれかです"
        return None
    _check_partner(session, role_value, partner_id, errors, kept_partner)
    if "hub_code" in errors:  # not a hub code at all (reason given)
        return role_value
    if role_value == Role.HUB_MANAGER:
        if not hub_code or session.get(Hub, hub_code) is None:
            errors["hub_code"] = "拠点マネージャーには存在する拠点コードが必要です"
    elif hub_code:
        errors["hub_code"] = "拠点を持つのは拠点マネージャーだけです"
    return role_value


def _check_partner(
    session: Session,
    role: Role,
    partner_id: int | None,
    errors: dict[str, str],
    kept: int | None = None,
) -> None:
    """A partner's account belongs to one existing, active partner (an account kept at its
    partner stays so when the partner is disabled later); no other account does."""
    if role != Role.PARTNER:
        if partner_id is not None:
            errors["partner_id"] = "パートナー（所属先）を持つのはパートナーの利用者だけです"
        return
    if partner_id is None:
        errors["partner_id"] = "パートナーの利用者には所属するパートナーを選んでください"
        return
    partner = (
        session.get(Partner, partner_id)
        if isinstance(partner_id, int) and not isinstance(partner_id, bool)
        else None
    )
    if partner is None:
        errors["partner_id"] = f"パートナー（ID {partner_id}）は登録されていません"
    elif not partner.active and partner_id != kept:
        errors["partner_id"] = f"パートナー「{partner.name}」は利用停止中です"


def _checked_email(
    session: Session, value: str | None, errors: dict[str, str], user_id: int | None = None
) -> str | None:
    """The address as ``crm remind`` sends to it (``normalize_email``: the sending code's
    parser), unused by another account; None when blank or refused (reason in ``errors``)."""
    try:
        email = normalize_email(value)
    except ValueError as error:
        errors["email"] = str(error)
        return None
    if email is None:
        return None
    other = session.exec(
        select(UserAccount.id).where(func.lower(UserAccount.email) == email.casefold())
    ).first()
    if other is not None and other != user_id:
        errors["email"] = "このメールアドレスは既に登録されています"
    return email


def create_user(
    session: Session,
    actor: Actor,
    *,
    username: str,
    role: str,
    hub_code: str | None = None,
    display_name: str | None = None,
    email: str | None = None,
    password: str | None = None,
    partner_id: int | None = None,
) -> UserAccount:
    """A new account. Without a password it can sign in only through single sign-on. A
    partner's account names its partner organisation (``partner_id``)."""
    require_live(session, actor, for_write=True)
    actor.require_role(Role.ADMIN)
    errors: dict[str, str] = {}
    username = _checked_text("username", username, errors) or ""
    hub_code = _checked_hub(hub_code, errors)
    display_name = _checked_text("display_name", display_name, errors)
    if not username:
        errors.setdefault("username", "必須項目です")  # or the reason it was refused
    elif len(username) > 80:
        errors["username"] = "80文字以内にしてください"
    elif session.exec(select(UserAccount.id).where(UserAccount.username == username)).first():
        errors["username"] = f"利用者名 {username} は既に使われています"
    role_value = _check_role_and_hub(session, role, hub_code, errors, partner_id)
    email = _checked_email(session, email, errors)
    if password is not None:
        problem = password_problem(password, username, [display_name or "", email or ""])
        if problem:
            errors["password"] = problem
    if errors or role_value is None:  # no role only with errors["role"] set
        raise ValidationError(errors)
    user = UserAccount(
        username=username,
        role=role_value.value,
        hub_code=hub_code or None,
        partner_id=partner_id,
        display_name=display_name or username,
        email=email,
        password_hash=hash_password(password) if password else None,
    )
    session.add(user)
    session.flush()
    record_audit(
        session,
        actor,
        "create",
        entity="user_account",
        entity_id=user.id,
        hub_code=user.hub_code,
        changes={
            key: (None, value)
            for key, value in (
                ("username", username),
                ("role", role_value.value),
                ("hub_code", hub_code),
                ("partner_id", partner_id),
                ("display_name", user.display_name),
                ("email", email),
                ("password", "（設定済み）" if password else None),
            )
            if value is not None
        },
    )
    return user


def get_user(session: Session, username: str) -> UserAccount:
    """The account with this user name (for trusted callers: sign-in and the operator's CLI)."""
    user = session.exec(select(UserAccount).where(UserAccount.username == username)).first()
    if user is None:
        raise NotFound(f"利用者 {username} は存在しません。")
    return user


def list_users(session: Session, actor: Actor) -> list[UserAccount]:
    actor.require_role(Role.ADMIN)
    return list(session.exec(select(UserAccount).order_by(UserAccount.username)).all())


def list_accounts(session: Session, actor: Actor) -> list[AccountSummary]:
    """Every account with its lock state, for the administrator's list."""
    return [_summary(user, session) for user in list_users(session, actor)]


def get_account(session: Session, actor: Actor, username: str) -> AccountSummary:
    actor.require_role(Role.ADMIN)
    return _summary(get_user(session, username), session)


def my_account(session: Session, actor: Actor) -> AccountSummary:
    """The signed-in user's own account (any role)."""
    user = session.get(UserAccount, actor.user_id) if actor.user_id is not None else None
    if user is None:
        raise NotFound("利用者が見つかりません。")
    return _summary(user, session)


def _active_admins(session: Session) -> int:
    return session.exec(
        select(func.count())
        .select_from(UserAccount)
        .where(UserAccount.active, UserAccount.role == Role.ADMIN.value)
    ).one()


def _keeps_an_admin(session: Session, user: UserAccount) -> None:
    if user.role == Role.ADMIN.value and user.active and _active_admins(session) <= 1:
        raise ValidationError({"username": "有効な管理者がいなくなるため、この変更はできません"})


def update_user(
    session: Session, actor: Actor, username: str, data: dict, expected_version: int
) -> UserAccount:
    """Change an account's display name, e-mail, role, hub or partner (not its password)."""
    require_live(session, actor, for_write=True)
    actor.require_role(Role.ADMIN)
    user = get_user(session, username)
    errors: dict[str, str] = {}
    values = {
        "display_name": (
            _checked_text("display_name", data.get("display_name", user.display_name), errors)
            or user.username
        ),
        "email": _checked_email(session, data.get("email", user.email), errors, user.id),
        "role": data.get("role", user.role),
        "hub_code": _checked_hub(data.get("hub_code", user.hub_code), errors),
        "partner_id": data.get("partner_id", user.partner_id),
    }
    _check_role_and_hub(
        session, values["role"], values["hub_code"], errors, values["partner_id"], user.partner_id
    )
    if errors:
        raise ValidationError(errors)
    if values["role"] != user.role:
        _keeps_an_admin(session, user)
    return update_row(session, actor, user, values, expected_version)


def _end_sessions(session: Session, user: UserAccount) -> int:
    session.execute(
        update(UserAccount)
        .where(col(UserAccount.id) == user.id)
        .values(session_epoch=UserAccount.session_epoch + 1, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    session.refresh(user)
    return user.session_epoch


def set_active(session: Session, actor: Actor, username: str, active: bool) -> AccountSummary:
    """Disable (ends all the account's sessions at once and revokes its API tokens) or
    re-enable an account."""
    require_live(session, actor, for_write=True)
    actor.require_role(Role.ADMIN)
    user = get_user(session, username)
    if user.active == active:
        return _summary(user)
    if not active:
        if user.id == actor.user_id:
            raise ValidationError({"username": "自分自身を利用停止にはできません"})
        _keeps_an_admin(session, user)
    session.execute(
        update(UserAccount)
        .where(col(UserAccount.id) == user.id)
        .values(active=active, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    session.refresh(user)
    if not active:
        _end_sessions(session, user)
    record_audit(
        session,
        actor,
        "enable" if active else "disable",
        entity="user_account",
        entity_id=user.id,
        hub_code=user.hub_code,
        changes={"active": (not active, active)},
    )
    if not active:  # re-enabling does not revive them: new tokens are made deliberately
        api_tokens.revoke_account_tokens(session, actor, user, api_tokens.ON_DISABLE)
    return _summary(user)


def _set_password(session: Session, user: UserAccount, password: str) -> int:
    session.execute(
        update(UserAccount)
        .where(col(UserAccount.id) == user.id)
        .values(
            password_hash=hash_password(password),
            failed_attempts=0,
            locked_until=None,
            updated_at=utcnow(),
        )
        .execution_options(synchronize_session=False)
    )
    return _end_sessions(session, user)


def reset_password(session: Session, actor: Actor, username: str, new_password: str) -> None:
    """An administrator sets a new password: the lock is lifted, every session ends and the
    account's API tokens are revoked."""
    require_live(session, actor, for_write=True)
    actor.require_role(Role.ADMIN)
    user = get_user(session, username)
    problem = password_problem(new_password, user.username, [user.display_name, user.email or ""])
    if problem:
        raise ValidationError({"password": problem})
    _set_password(session, user, new_password)
    record_audit(
        session,
        actor,
        "password_reset",
        entity="user_account",
        entity_id=user.id,
        hub_code=user.hub_code,
        detail="管理者がパスワードを再設定",
    )
    # A reset by someone else is what a forgotten or compromised password gets: a token made
    # under the old one (perhaps by whoever had it) must not outlive it. The owner's own
    # change keeps them (change_own_password).
    api_tokens.revoke_account_tokens(session, actor, user, api_tokens.ON_PASSWORD_RESET)


def change_own_password(
    session: Session, actor: Actor, current_password: str, new_password: str
) -> int:
    """The signed-in user changes their password; their other sessions end.

    Returns the account's new session epoch, so the current session can stay signed in."""
    require_live(session, actor, for_write=True)
    if actor.user_id is None:
        raise PermissionDenied("この操作はサインインした利用者だけが行えます。")
    user = session.get(UserAccount, actor.user_id)
    if user is None or not user.active:
        raise PermissionDenied("この利用者は利用できません。")
    if user.password_hash and not verify_password(user.password_hash, current_password or ""):
        raise ValidationError({"current_password": "現在のパスワードが正しくありません"})
    problem = password_problem(new_password, user.username, [user.display_name, user.email or ""])
    if problem:
        raise ValidationError({"new_password": problem})
    if user.password_hash and verify_password(user.password_hash, new_password):
        raise ValidationError({"new_password": "現在と同じパスワードです"})
    epoch = _set_password(session, user, new_password)
    web_id = actor.ticket.web_session_id if actor.ticket is not None else None
    if web_id is not None:
        # This browser's server-side session stays signed in under the new epoch.
        session.execute(
            update(WebSession)
            .where(col(WebSession.id) == web_id, col(WebSession.user_id) == user.id)
            .values(epoch=epoch)
            .execution_options(synchronize_session=False)
        )
    record_audit(
        session,
        actor,
        "password_change",
        entity="user_account",
        entity_id=user.id,
        hub_code=user.hub_code,
        detail="本人がパスワードを変更",
    )
    return epoch


def unlock(session: Session, actor: Actor, username: str) -> AccountSummary:
    """Lift a lock-out before it runs out (and forget the failures counted so far)."""
    require_live(session, actor, for_write=True)
    actor.require_role(Role.ADMIN)
    user = get_user(session, username)
    before = (user.failed_attempts, user.locked_until)
    session.execute(
        update(UserAccount)
        .where(col(UserAccount.id) == user.id)
        .values(failed_attempts=0, locked_until=None)
        .execution_options(synchronize_session=False)
    )
    session.refresh(user)
    record_audit(
        session,
        actor,
        "unlock",
        entity="user_account",
        entity_id=user.id,
        hub_code=user.hub_code,
        changes={"failed_attempts": (before[0], 0), "locked_until": (before[1], None)},
    )
    return _summary(user)


def sign_out_everywhere(session: Session, actor: Actor, username: str | None = None) -> int:
    """End every session of an account: your own, or (administrators) anyone's.

    Returns the new session epoch."""
    require_live(session, actor, for_write=True)
    if username is None or username == actor.username:
        if actor.user_id is None:
            raise PermissionDenied("この操作はサインインした利用者だけが行えます。")
        user = session.get(UserAccount, actor.user_id)
        if user is None:
            raise NotFound("利用者が見つかりません。")
    else:
        actor.require_role(Role.ADMIN)
        user = get_user(session, username)
    epoch = _end_sessions(session, user)
    record_audit(
        session,
        actor,
        "sign_out_everywhere",
        entity="user_account",
        entity_id=user.id,
        hub_code=user.hub_code,
    )
    return epoch
