"""Hubs, talent categories and partners: shared reference data, edited by administrators."""

from sqlalchemy import update
from sqlmodel import Session, col, select

from crm.actor import Actor
from crm.db import affected_rows
from crm.entities import PartnerInput
from crm.errors import NotFound, StaleVersion, ValidationError
from crm.models import Hub, Partner, TalentCategory
from crm.reference import Role
from crm.services.base import bump_data_version, create_row, record_audit, update_row
from crm.timeutil import utcnow
from crm.validation import normalize_text, one_line, parse_input


def list_hubs(session: Session, active_only: bool = True) -> list[Hub]:
    statement = select(Hub).order_by(Hub.code)
    if active_only:
        statement = statement.where(Hub.active)
    return list(session.exec(statement).all())


def get_hub(session: Session, code: str) -> Hub:
    hub = session.get(Hub, code)
    if hub is None:
        raise NotFound(f"拠点コード {code} は存在しません。")
    return hub


def set_hub_active(
    session: Session, actor: Actor, code: str, active: bool, expected_version: int
) -> Hub:
    """Switch a prefecture's hub on or off (hubs are keyed by code, so not via update_row)."""
    actor.require_role(Role.ADMIN)
    hub = get_hub(session, code)
    if hub.version == expected_version and hub.active == active:
        return hub
    result = session.execute(
        update(Hub)
        .where(col(Hub.code) == code, col(Hub.version) == expected_version)
        .values(active=active, updated_at=utcnow(), version=expected_version + 1)
        .execution_options(synchronize_session=False)
    )
    session.refresh(hub)
    if affected_rows(result) != 1:
        raise StaleVersion("hub", hub.version, {"active": (not hub.active, hub.active)})
    record_audit(
        session,
        actor,
        "update",
        entity="hub",
        entity_id=code,
        hub_code=code,
        changes={"active": (not active, active)},
    )
    bump_data_version(session, code)
    return hub


def list_categories(session: Session, active_only: bool = True) -> list[TalentCategory]:
    statement = select(TalentCategory).order_by(
        col(TalentCategory.sort_order), col(TalentCategory.id)
    )
    if active_only:
        statement = statement.where(TalentCategory.active)
    return list(session.exec(statement).all())


def _one_line(field: str, value: str | None) -> str | None:
    """A category's code or name: one line (``crm.validation.one_line``), NFKC, trimmed."""
    try:
        return normalize_text(one_line(value)) if value is not None else None
    except ValueError as error:
        raise ValidationError({field: str(error)}) from None


def create_category(session: Session, actor: Actor, code: str, name_ja: str) -> TalentCategory:
    actor.require_role(Role.ADMIN)
    clean_code, clean_name = _one_line("code", code), _one_line("name_ja", name_ja)
    if not clean_code or not clean_name:
        raise ValidationError({"code" if not clean_code else "name_ja": "必須項目です"})
    if session.exec(select(TalentCategory).where(TalentCategory.code == clean_code)).first():
        raise ValidationError({"code": f"区分コード {clean_code} は既にあります"})
    order = len(list_categories(session, active_only=False)) + 1
    category = TalentCategory(code=clean_code, name_ja=clean_name, sort_order=order)
    return create_row(session, actor, category)


def update_category(
    session: Session, actor: Actor, category_id: int, data: dict, expected_version: int
) -> TalentCategory:
    actor.require_role(Role.ADMIN)
    category = session.get(TalentCategory, category_id)
    if category is None:
        raise NotFound(f"人材区分（ID {category_id}）は見つかりません。")
    allowed = {key: data[key] for key in ("name_ja", "active", "sort_order") if key in data}
    if "name_ja" in allowed:
        allowed["name_ja"] = _one_line("name_ja", allowed["name_ja"])
        if not allowed["name_ja"]:
            raise ValidationError({"name_ja": "必須項目です"})
    return update_row(session, actor, category, allowed, expected_version)


def list_partners(session: Session, active_only: bool = True) -> list[Partner]:
    statement = select(Partner).order_by(Partner.kind, Partner.name)
    if active_only:
        statement = statement.where(Partner.active)
    return list(session.exec(statement).all())


def get_partner(session: Session, partner_id: int) -> Partner:
    partner = session.get(Partner, partner_id)
    if partner is None:
        raise NotFound(f"パートナー（ID {partner_id}）は見つかりません。")
    return partner


def create_partner(session: Session, actor: Actor, data: dict) -> Partner:
    actor.require_role(Role.ADMIN)
    values = parse_input(PartnerInput, data)
    return create_row(session, actor, Partner(**values.model_dump()))


def update_partner(
    session: Session, actor: Actor, partner_id: int, data: dict, expected_version: int
) -> Partner:
    actor.require_role(Role.ADMIN)
    values = parse_input(PartnerInput, data)
    return update_row(
        session, actor, get_partner(session, partner_id), values.model_dump(), expected_version
    )
