"""User accounts (administrators manage them; sign-in lives in ``crm.auth``)."""

from sqlmodel import Session, select

from crm.actor import Actor
from crm.auth.passwords import MIN_LENGTH, hash_password
from crm.errors import NotFound, ValidationError
from crm.models import Hub, UserAccount
from crm.reference import Role
from crm.services.base import record_audit
from crm.validation import normalize_text


def actor_for(user: UserAccount) -> Actor:
    return Actor(user_id=user.id, username=user.username, role=Role(user.role),
                 hub_code=user.hub_code, display_name=user.display_name)


def create_user(session: Session, actor: Actor, *, username: str, role: str,
                hub_code: str | None = None, display_name: str | None = None,
                email: str | None = None, password: str | None = None) -> UserAccount:
    actor.require_role(Role.ADMIN)
    username = normalize_text(username) or ""
    errors: dict[str, str] = {}
    if not username:
        errors["username"] = "必須項目です"
    elif session.exec(select(UserAccount.id).where(UserAccount.username == username)).first():
        errors["username"] = f"利用者名 {username} は既に使われています"
    try:
        role_value = Role(role)
    except ValueError:
        errors["role"] = "役割は hub_manager / secretariat / admin のいずれかです"
        role_value = None
    if role_value == Role.HUB_MANAGER:
        if not hub_code or session.get(Hub, hub_code) is None:
            errors["hub_code"] = "拠点マネージャーには存在する拠点コードが必要です"
    elif hub_code:
        errors["hub_code"] = "拠点を持つのは拠点マネージャーだけです"
    email = normalize_text(email)
    if email and session.exec(select(UserAccount.id).where(UserAccount.email == email)).first():
        errors["email"] = "このメールアドレスは既に登録されています"
    if password is not None and len(password) < MIN_LENGTH:
        errors["password"] = f"パスワードは{MIN_LENGTH}文字以上にしてください"
    if errors:
        raise ValidationError(errors)
    user = UserAccount(username=username, role=role_value.value, hub_code=hub_code or None,
                       display_name=normalize_text(display_name) or username, email=email,
                       password_hash=hash_password(password) if password else None)
    session.add(user)
    session.flush()
    record_audit(session, actor, "create", entity="user_account", entity_id=user.id,
                 changes={"username": (None, username), "role": (None, role_value.value),
                          "hub_code": (None, hub_code)})
    return user


def get_user(session: Session, username: str) -> UserAccount:
    user = session.exec(select(UserAccount).where(UserAccount.username == username)).first()
    if user is None:
        raise NotFound(f"利用者 {username} は存在しません。")
    return user


def list_users(session: Session, actor: Actor) -> list[UserAccount]:
    actor.require_role(Role.ADMIN)
    return list(session.exec(select(UserAccount).order_by(UserAccount.username)).all())
