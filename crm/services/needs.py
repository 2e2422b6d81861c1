"""Talent needs (人材ニーズ), their dated pipeline, and referrals to partners."""

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import func
from sqlmodel import Session, col, select

from crm import rules, workflow
from crm.actor import Actor
from crm.entities import NeedInput, ReferralInput
from crm.errors import ValidationError
from crm.models import (
    Company,
    Consultation,
    NeedStatusChange,
    Notification,
    Partner,
    Placement,
    Referral,
    TalentCategory,
    TalentNeed,
    stored_id,
)
from crm.reference import NeedStatus, ReferralOutcome
from crm.services.base import applied, create_row, get_scoped, scope_filter, update_row
from crm.services.merge import require_not_merged
from crm.services.notifications import notice
from crm.timeutil import today_jst
from crm.validation import not_in_future, parse_input
from crm.writes import Plan, apply


def open_need(session: Session, actor: Actor, data: dict) -> TalentNeed:
    values = parse_input(NeedInput, data)
    company = get_scoped(session, actor, Company, values.company_id)
    actor.require_write(company.hub_code)
    require_not_merged(session, company)
    errors = _category_errors(session, values.category_id)
    if values.consultation_id is not None:
        consultation = get_scoped(session, actor, Consultation, values.consultation_id)
        errors = rules.merge(
            errors,
            rules.need_consultation(
                values.company_id,
                values.opened_on,
                consultation.company_id,
                consultation.consulted_on,
            ),
        )
    rules.require(errors)
    plan = Plan()
    status = NeedStatus.OPEN.value
    need = plan.insert(
        TalentNeed,
        {
            "hub_code": company.hub_code,
            "status": status,
            "assignee_id": company.assignee_id,  # the firm's 担当者, until assigned otherwise
            **values.model_dump(),
        },
    )
    step = workflow.opened(status, values.opened_on)
    plan.insert(NeedStatusChange, step.row(need, company.hub_code))
    return applied(session, actor, plan, TalentNeed, need)


def _category_errors(session: Session, category_id: int) -> rules.Errors:
    found = session.get(TalentCategory, category_id) is not None
    names: list[str] = []
    if not found:
        names = list(
            session.exec(
                select(TalentCategory.name_ja)
                .where(col(TalentCategory.active))
                .order_by(col(TalentCategory.sort_order), col(TalentCategory.id))
            ).all()
        )
    return rules.known_category(category_id, found, names)


def _partner_found(session: Session, partner_id: int | None) -> bool:
    return partner_id is not None and session.get(Partner, partner_id) is not None


def _placements_of(session: Session, need_id: int | None) -> int:
    return session.exec(
        select(func.count()).select_from(Placement).where(col(Placement.need_id) == need_id)
    ).one()


def update_need(
    session: Session, actor: Actor, need_id: int, data: dict, expected_version: int
) -> TalentNeed:
    need = get_scoped(session, actor, TalentNeed, need_id)
    actor.require_write(need.hub_code)
    require_not_merged(session, need.company_id)
    values = parse_input(
        NeedInput, {"company_id": need.company_id, "consultation_id": need.consultation_id, **data}
    )
    changes = values.model_dump(exclude={"company_id", "consultation_id"})
    errors = rules.merge(
        _category_errors(session, values.category_id)
        if values.category_id != need.category_id
        else {},
        _consultation_errors(session, need, values.opened_on),
        {}
        if values.opened_on == need.opened_on
        else rules.need_before_its_records(
            values.opened_on,
            session.exec(
                select(func.min(Referral.referred_on)).where(col(Referral.need_id) == need.id)
            ).one(),
            session.exec(
                select(func.min(Placement.placed_on)).where(col(Placement.need_id) == need.id)
            ).one(),
        ),
    )
    rules.require(errors)
    return update_row(session, actor, need, changes, expected_version)


def _consultation_errors(session: Session, need: TalentNeed, opened_on: dt.date) -> rules.Errors:
    if need.consultation_id is None:
        return {}
    consultation = session.get(Consultation, need.consultation_id)
    if consultation is None:
        return {}
    return rules.need_consultation(
        need.company_id, opened_on, consultation.company_id, consultation.consulted_on
    )


def move_need(
    session: Session,
    actor: Actor,
    need_id: int,
    to_status: str,
    expected_version: int,
    on: dt.date | None = None,
    note: str | None = None,
) -> TalentNeed:
    """Move a need along its pipeline (open → referred → placed / withdrawn), dated.

    The rules decide which moves exist (``crm.rules.need_move``): a need becomes 成約 only
    with a placement recorded for it, which ``record_placement`` does."""
    need = get_scoped(session, actor, TalentNeed, need_id)
    actor.require_write(need.hub_code)
    require_not_merged(session, need.company_id)
    try:
        target = NeedStatus(to_status)
    except ValueError:
        raise ValidationError({"status": rules.not_a_choice(to_status)}) from None
    placements = _placements_of(session, need.id) if target == NeedStatus.PLACED else 0
    day = on or today_jst()
    try:
        not_in_future(day)
    except ValueError as error:
        raise ValidationError({"changed_on": str(error)}) from None
    step = workflow.moved(need.status, target.value, placements, day, note)
    plan = Plan()
    plan.step(
        step,
        stored_id(need.id),
        need.hub_code,
        expected_version=expected_version,
        before=need.model_dump(),
    )
    return _written(session, actor, plan, need, expected_version)


def _written(
    session: Session, actor: Actor, plan: Plan, need: TalentNeed, expected_version: int
) -> TalentNeed:
    """Write a plan that moves ``need`` (refused when it moved on since it was read)."""
    if need.version != expected_version:
        return update_row(session, actor, need, {}, expected_version)  # raises StaleVersion
    apply(session, actor, plan)
    session.refresh(need)
    return need


def get_need(session: Session, actor: Actor, need_id: int) -> TalentNeed:
    return get_scoped(session, actor, TalentNeed, need_id)


def list_needs(
    session: Session,
    actor: Actor,
    *,
    status: str | None = None,
    company_id: int | None = None,
    hubs: Sequence[str] = (),
    limit: int = 200,
    offset: int = 0,
) -> list[TalentNeed]:
    statement = scope_filter(select(TalentNeed), actor, TalentNeed.hub_code, hubs)
    if status:
        statement = statement.where(TalentNeed.status == status)
    if company_id is not None:
        statement = statement.where(TalentNeed.company_id == company_id)
    statement = statement.order_by(col(TalentNeed.opened_on).desc(), col(TalentNeed.id).desc())
    return list(session.exec(statement.offset(offset).limit(limit)).all())


def count_needs_by_status(
    session: Session, actor: Actor, company_id: int | None = None, hubs: Sequence[str] = ()
) -> dict[str, int]:
    """How many needs the actor may read are in each status (of one firm, if given)."""
    statement = scope_filter(
        select(TalentNeed.status, func.count()).group_by(TalentNeed.status),
        actor,
        TalentNeed.hub_code,
        hubs,
    )
    if company_id is not None:
        statement = statement.where(TalentNeed.company_id == company_id)
    counts = dict(session.exec(statement).all())
    return {status.value: counts.get(status.value, 0) for status in NeedStatus}


def need_history(session: Session, actor: Actor, need_id: int) -> list[NeedStatusChange]:
    need = get_scoped(session, actor, TalentNeed, need_id)
    return list(
        session.exec(
            select(NeedStatusChange)
            .where(NeedStatusChange.need_id == need.id)
            .order_by(col(NeedStatusChange.changed_on), col(NeedStatusChange.id))
        ).all()
    )


def refer_need(session: Session, actor: Actor, data: dict) -> Referral:
    """Hand a need to a partner; an open need becomes 'referred' on the referral date."""
    values = parse_input(ReferralInput, data)
    need = get_scoped(session, actor, TalentNeed, values.need_id)
    actor.require_write(need.hub_code)
    require_not_merged(session, need.company_id)
    rules.require(
        rules.referral_to_need(need.status),
        rules.after_need_opened("referred_on", values.referred_on, need.opened_on),
        rules.partner_known(values.partner_id, _partner_found(session, values.partner_id)),
    )
    plan = Plan()
    referral = plan.insert(Referral, {"hub_code": need.hub_code, **values.model_dump()})
    step = workflow.after_referral(need.status, values.referred_on)
    if step is not None:
        plan.step(
            step,
            stored_id(need.id),
            need.hub_code,
            expected_version=need.version,
            before=need.model_dump(),
        )
    return applied(session, actor, plan, Referral, referral)


def update_referral(
    session: Session, actor: Actor, referral_id: int, data: dict, expected_version: int
) -> Referral:
    referral = get_scoped(session, actor, Referral, referral_id)
    actor.require_write(referral.hub_code)
    # What ``data`` leaves out stays as it is (an outcome alone keeps the referral's notes).
    current = {name: getattr(referral, name) for name in ReferralInput.model_fields}
    values = parse_input(ReferralInput, {**current, **data})
    need = session.get(TalentNeed, referral.need_id)
    require_not_merged(session, None if need is None else need.company_id)
    rules.require(
        {}
        if need is None
        else rules.after_need_opened("referred_on", values.referred_on, need.opened_on),
        rules.partner_known(
            values.partner_id,
            values.partner_id == referral.partner_id or _partner_found(session, values.partner_id),
        ),
    )
    outcome_before = referral.outcome
    updated = update_row(
        session, actor, referral, values.model_dump(exclude={"need_id"}), expected_version
    )
    if need is not None and updated.outcome != outcome_before:
        told = notice(
            session,
            actor,
            need.assignee_id,
            kind="outcome",
            entity="talent_need",
            record_id=stored_id(need.id),
            hub_code=need.hub_code,
            text=f"担当の人材ニーズ「{need.role_title}」の紹介の結果が"
            f"「{ReferralOutcome(updated.outcome).label}」になりました。",
        )
        if told is not None:
            create_row(session, actor, Notification(**told))
    return updated


def list_referrals(
    session: Session,
    actor: Actor,
    *,
    need_id: int | None = None,
    company_id: int | None = None,
    outcome: str | None = None,
    limit: int = 200,
) -> list[Referral]:
    statement = scope_filter(select(Referral), actor, Referral.hub_code)
    if need_id is not None:
        statement = statement.where(Referral.need_id == need_id)
    if company_id is not None:
        statement = statement.join(TalentNeed, TalentNeed.id == Referral.need_id).where(
            TalentNeed.company_id == company_id
        )
    if outcome is not None:
        statement = statement.where(Referral.outcome == ReferralOutcome(outcome).value)
    statement = statement.order_by(col(Referral.referred_on).desc(), col(Referral.id).desc())
    return list(session.exec(statement.limit(limit)).all())
