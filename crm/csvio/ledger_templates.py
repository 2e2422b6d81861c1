"""A hub's saved ledger mappings (import templates): named, reused for the next file of the same
ledger on the 取込 page and with ``crm import … --template NAME``.

A template belongs to its hub, not to a person: every manager of the hub lists, uses, replaces
and deletes it, nobody else sees it (it describes the hub's own ledger). Who may use templates
is who may import: a hub manager for their own hub; the secretariat and administrators import
nothing, so they have no templates either. Saving and deleting are audited.
"""

import json

from sqlmodel import Session, col, select

from crm.actor import Actor
from crm.auth.sessions import require_live
from crm.csvio.ledger_fields import LEDGER_ENTITIES
from crm.csvio.ledger_mapping import LedgerMapping
from crm.errors import NotFound, PermissionDenied, ValidationError
from crm.models import ImportTemplate
from crm.reference import Role
from crm.services.base import record_audit
from crm.timeutil import utcnow
from crm.validation import normalize_text, one_line

NAME_MAX = 40
PER_HUB = 50
MAPPING_MAX = 20_000


def _hub(session: Session, actor: Actor, hub: str | None = None, *, for_write: bool = False) -> str:
    """The hub whose templates the actor may use (their own hub's, as for the import)."""
    require_live(session, actor, for_write=for_write)
    if actor.role == Role.SECRETARIAT:
        raise PermissionDenied(
            "全国事務局は取込のテンプレートを使えません（取込は拠点が行います）。"
        )
    if actor.role != Role.HUB_MANAGER:
        raise PermissionDenied("取込のテンプレートは拠点マネージャーが自拠点の分だけ使えます。")
    code = hub or actor.own_hub
    actor.require_write(code)
    return code


def _checked_name(name: str) -> str:
    try:
        text = one_line(normalize_text(name) or "")
    except ValueError as problem:
        raise ValidationError({"name": str(problem)}) from None
    if not text:
        raise ValidationError({"name": "テンプレートの名前を入力してください"})
    if len(text) > NAME_MAX:
        raise ValidationError({"name": f"テンプレートの名前は{NAME_MAX}文字以内で入力してください"})
    return text


def list_templates(session: Session, actor: Actor, hub: str | None = None) -> list[ImportTemplate]:
    """The hub's templates, by name."""
    code = _hub(session, actor, hub)
    statement = (
        select(ImportTemplate)
        .where(col(ImportTemplate.hub_code) == code)
        .order_by(col(ImportTemplate.name))
    )
    return list(session.exec(statement).all())


def get_template(
    session: Session, actor: Actor, name: str, hub: str | None = None
) -> LedgerMapping:
    """The mapping saved as ``name`` by the actor's hub (NotFound, naming it, otherwise)."""
    code = _hub(session, actor, hub)
    found = session.exec(
        select(ImportTemplate).where(
            col(ImportTemplate.hub_code) == code, col(ImportTemplate.name) == _checked_name(name)
        )
    ).first()
    if found is None:
        raise NotFound(f"取込のテンプレート「{name}」はありません。")
    return LedgerMapping.from_dict(json.loads(found.mapping))


def save_template(
    session: Session, actor: Actor, name: str, mapping: LedgerMapping, hub: str | None = None
) -> ImportTemplate:
    """Save ``mapping`` as the hub's template ``name`` (one of that name is replaced)."""
    code = _hub(session, actor, hub, for_write=True)
    name = _checked_name(name)
    if mapping.entity not in LEDGER_ENTITIES:
        raise ValidationError({"entity": f"台帳の種類が正しくありません: {mapping.entity}"})
    text = mapping.to_json()
    if len(text) > MAPPING_MAX:
        raise ValidationError({"mapping": "対応づけが大きすぎるため保存できません"})
    existing = session.exec(
        select(ImportTemplate).where(
            col(ImportTemplate.hub_code) == code, col(ImportTemplate.name) == name
        )
    ).first()
    if existing is None:
        count = len(list_templates(session, actor, code))
        if count >= PER_HUB:
            full = f"テンプレートは拠点ごとに{PER_HUB}件までです。不要なものを削除してください"
            raise ValidationError({"name": full})
        existing = ImportTemplate(
            hub_code=code, name=name, entity=mapping.entity, mapping=text, created_by=actor.user_id
        )
        session.add(existing)
        action = "create"
    else:
        existing.entity, existing.mapping, existing.updated_at = mapping.entity, text, utcnow()
        action = "update"
    session.flush()
    record_audit(
        session,
        actor,
        action,
        entity="import_template",
        entity_id=existing.id,
        hub_code=code,
        detail=json.dumps({"name": name, "entity": mapping.entity}, ensure_ascii=False),
    )
    return existing


def delete_template(session: Session, actor: Actor, name: str, hub: str | None = None) -> None:
    code = _hub(session, actor, hub, for_write=True)
    found = session.exec(
        select(ImportTemplate).where(
            col(ImportTemplate.hub_code) == code, col(ImportTemplate.name) == _checked_name(name)
        )
    ).first()
    if found is None:
        raise NotFound(f"取込のテンプレート「{name}」はありません。")
    record_audit(
        session,
        actor,
        "delete",
        entity="import_template",
        entity_id=found.id,
        hub_code=code,
        detail=json.dumps({"name": found.name}, ensure_ascii=False),
    )
    session.delete(found)
    session.flush()
