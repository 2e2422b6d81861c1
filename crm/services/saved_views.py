"""Saved views of record lists: a person names the view they are looking at (its filters,
order, columns and page size, held as the list's address parameters) and opens it again with
one click, on any device; one of them may be their default for that list. Without one, the
list opens in its role's default view (``ROLE_DEFAULTS``).

A saved view belongs to its owner only: nobody else lists, opens, changes or deletes it. Its
address is shareable all the same, because the address carries the parameters; whoever opens
it sees those filters over the records *they* may read."""

import re
from urllib.parse import parse_qsl, urlencode

from sqlalchemy import update
from sqlmodel import Session, col, select

from crm.actor import Actor
from crm.auth.sessions import require_live
from crm.errors import NotFound, PermissionDenied, ValidationError
from crm.models import SavedView, stored_id
from crm.reference import Role
from crm.services.record_views import SPECS
from crm.timeutil import utcnow
from crm.validation import normalize_text, one_line

NAME_MAX = 40
PER_LIST = 30  # a person's views of one list; beyond that the list of views stops being a menu
_PARAM_NAME = re.compile(r"[a-z_]{1,20}")
PARAMS_MAX = 2000

# The view a role's list opens in when the person has no default of their own. A hub records
# its consultations by the day they took place; the secretariat follows what the hubs entered
# lately, so its consultation list opens newest entry first. ("fy=this" would name the
# fiscal year of the day the list is opened.)
ROLE_DEFAULTS: dict[str, dict[str, str]] = {
    "consultations": {Role.SECRETARIAT.value: "sort=created_at"},
}


def _owner(session: Session, actor: Actor, *, for_write: bool = False) -> int:
    require_live(session, actor, for_write=for_write)
    if actor.user_id is None:
        raise PermissionDenied("表示の保存はサインインした利用者だけが使えます。")
    return actor.user_id


def _checked_list(list_name: str) -> str:
    if list_name not in SPECS:
        raise ValidationError({"list_name": "この一覧には表示を保存できません"})
    return list_name


def clean_params(params: str) -> str:
    """The view's address parameters as stored: only well-formed names, each once, in a fixed
    order (the list itself ignores names and values it does not know)."""
    pairs = dict(parse_qsl(params or "", keep_blank_values=False))
    kept = sorted((k, v) for k, v in pairs.items() if _PARAM_NAME.fullmatch(k) and k != "view")
    text = urlencode(kept)
    if len(text) > PARAMS_MAX:
        raise ValidationError({"params": "絞り込みの条件が長すぎるため保存できません"})
    return text


def _checked_name(name: str) -> str:
    try:
        text = one_line(normalize_text(name) or "")
    except ValueError as problem:
        raise ValidationError({"name": str(problem)}) from None
    if not text:
        raise ValidationError({"name": "表示の名前を入力してください"})
    if len(text) > NAME_MAX:
        raise ValidationError({"name": f"表示の名前は{NAME_MAX}文字以内で入力してください"})
    return text


def list_saved_views(session: Session, actor: Actor, list_name: str) -> list[SavedView]:
    """The person's saved views of the list, by name."""
    owner = _owner(session, actor)
    statement = (
        select(SavedView)
        .where(col(SavedView.user_id) == owner, col(SavedView.list_name) == list_name)
        .order_by(col(SavedView.name))
        .execution_options(populate_existing=True)  # a default just moved by an UPDATE
    )
    return list(session.exec(statement).all())


def save_view(
    session: Session,
    actor: Actor,
    list_name: str,
    name: str,
    params: str,
    *,
    make_default: bool = False,
) -> SavedView:
    """Save the view under ``name`` (a view of that name is replaced: 上書き保存)."""
    owner = _owner(session, actor, for_write=True)
    list_name = _checked_list(list_name)
    name = _checked_name(name)
    params = clean_params(params)
    existing = session.exec(
        select(SavedView).where(
            col(SavedView.user_id) == owner,
            col(SavedView.list_name) == list_name,
            col(SavedView.name) == name,
        )
    ).first()
    if existing is None:
        count = len(list_saved_views(session, actor, list_name))
        if count >= PER_LIST:
            full = f"保存できる表示は一覧ごとに{PER_LIST}件までです。不要な表示を削除してください"
            raise ValidationError({"name": full})
        existing = SavedView(user_id=owner, list_name=list_name, name=name, params=params)
        session.add(existing)
    else:
        existing.params = params
        existing.updated_at = utcnow()
    session.flush()
    if make_default:
        _set_default(session, owner, list_name, stored_id(existing.id))
    session.refresh(existing)
    return existing


def _own_view(session: Session, owner: int, view_id: int) -> SavedView:
    view = session.get(SavedView, view_id)
    if view is None or view.user_id != owner:
        # Someone else's view is answered like a missing one: its existence is not theirs to know.
        raise NotFound("この保存した表示は見つかりません。")
    return view


def delete_view(session: Session, actor: Actor, view_id: int) -> None:
    owner = _owner(session, actor, for_write=True)
    session.delete(_own_view(session, owner, view_id))
    session.flush()


def _set_default(session: Session, owner: int, list_name: str, view_id: int | None) -> None:
    session.execute(
        update(SavedView)
        .where(col(SavedView.user_id) == owner, col(SavedView.list_name) == list_name)
        .values(is_default=col(SavedView.id) == view_id if view_id is not None else False)
        .execution_options(synchronize_session=False)
    )


def set_default_view(session: Session, actor: Actor, list_name: str, view_id: int | None) -> None:
    """Make the view the person's default for the list (``None``: back to the role's)."""
    owner = _owner(session, actor, for_write=True)
    list_name = _checked_list(list_name)
    if view_id is not None and _own_view(session, owner, view_id).list_name != list_name:
        raise NotFound("この保存した表示は見つかりません。")
    _set_default(session, owner, list_name, view_id)
    session.flush()


def default_params(session: Session, actor: Actor, list_name: str) -> str:
    """The parameters the list opens with when its address has none: the person's default
    view, else their role's, else none."""
    owner = _owner(session, actor)
    mine = session.exec(
        select(SavedView.params).where(
            col(SavedView.user_id) == owner,
            col(SavedView.list_name) == list_name,
            col(SavedView.is_default),
        )
    ).first()
    if mine is not None:
        return mine
    return ROLE_DEFAULTS.get(list_name, {}).get(actor.role.value, "")
