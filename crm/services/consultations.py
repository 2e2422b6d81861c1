"""Consultations (相談): what the hub manager logs after each meeting with a firm."""

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import func
from sqlmodel import Session, col, select

from crm import rules
from crm.actor import Actor
from crm.entities import ConsultationInput
from crm.models import Company, Consultation, TalentNeed
from crm.services.base import create_row, get_scoped, scope_filter, update_row
from crm.services.merge import require_not_merged
from crm.validation import parse_input


def log_consultation(session: Session, actor: Actor, data: dict) -> Consultation:
    values = parse_input(ConsultationInput, data)
    company = get_scoped(session, actor, Company, values.company_id)
    actor.require_write(company.hub_code)
    require_not_merged(session, company)
    return create_row(
        session,
        actor,
        Consultation(hub_code=company.hub_code, logged_by=actor.user_id, **values.model_dump()),
    )


def update_consultation(
    session: Session, actor: Actor, consultation_id: int, data: dict, expected_version: int
) -> Consultation:
    consultation = get_scoped(session, actor, Consultation, consultation_id)
    actor.require_write(consultation.hub_code)
    require_not_merged(session, consultation.company_id)
    values = parse_input(ConsultationInput, {"company_id": consultation.company_id, **data})
    if values.company_id != consultation.company_id:
        company = get_scoped(session, actor, Company, values.company_id)
        actor.require_write(company.hub_code)
        require_not_merged(session, company)
    moved = (values.company_id, values.consulted_on) != (
        consultation.company_id,
        consultation.consulted_on,
    )
    opened = (
        []
        if not moved
        else session.exec(
            select(col(TalentNeed.company_id), col(TalentNeed.opened_on)).where(
                col(TalentNeed.consultation_id) == consultation.id
            )
        ).all()
    )
    rules.require(
        rules.consultation_of_needs(
            values.company_id,
            values.consulted_on,
            [company_id for company_id, _ in opened],
            min((day for _, day in opened), default=None),
        )
    )
    return update_row(session, actor, consultation, values.model_dump(), expected_version)


def get_consultation(session: Session, actor: Actor, consultation_id: int) -> Consultation:
    return get_scoped(session, actor, Consultation, consultation_id)


def _consultations(
    actor: Actor,
    statement,
    company_id: int | None,
    since: dt.date | None,
    until: dt.date | None,
    hubs: Sequence[str] = (),
):
    statement = scope_filter(statement, actor, Consultation.hub_code, hubs)
    if company_id is not None:
        statement = statement.where(Consultation.company_id == company_id)
    if since is not None:
        statement = statement.where(Consultation.consulted_on >= since)
    if until is not None:
        statement = statement.where(Consultation.consulted_on <= until)
    return statement


def list_consultations(
    session: Session,
    actor: Actor,
    *,
    company_id: int | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
    hubs: Sequence[str] = (),
    limit: int = 100,
    offset: int = 0,
) -> list[Consultation]:
    statement = _consultations(actor, select(Consultation), company_id, since, until, hubs)
    statement = statement.order_by(
        col(Consultation.consulted_on).desc(), col(Consultation.id).desc()
    )
    return list(session.exec(statement.offset(offset).limit(limit)).all())


def count_consultations(
    session: Session,
    actor: Actor,
    *,
    company_id: int | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
    hubs: Sequence[str] = (),
) -> int:
    """How many ``list_consultations`` would list without a limit (for paging)."""
    counted = select(func.count()).select_from(Consultation)
    return session.exec(_consultations(actor, counted, company_id, since, until, hubs)).one()


def next_actions(
    session: Session, actor: Actor, *, since: dt.date, limit: int = 1000
) -> list[Consultation]:
    """Consultations whose next action (次回予定日) falls on or after ``since``, earliest first
    (the calendar feed)."""
    statement = scope_filter(select(Consultation), actor, Consultation.hub_code).where(
        col(Consultation.next_action_on) >= since
    )
    statement = statement.order_by(col(Consultation.next_action_on), col(Consultation.id))
    return list(session.exec(statement.limit(limit)).all())
