"""Consultations (相談): what the hub manager logs after each meeting with a firm."""

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import func
from sqlmodel import Session, col, select

from crm import rules
from crm.actor import Actor
from crm.entities import ConsultationInput
from crm.entities.outreach import Event, EventAttendee, Introduction
from crm.errors import ValidationError
from crm.models import Company, Consultation, TalentNeed
from crm.services.base import create_row, get_scoped, scope_filter, update_row
from crm.services.merge import require_not_merged
from crm.validation import parse_input

# A consultation's source (issue 28): the event or introduction its firm came from. Not fields
# of ConsultationInput (the table has them as plain integers): every write path passes them in
# its data under these names and this service checks them (``rules.consultation_source``).
SOURCE_FIELDS = ("event_id", "introduction_id")


def _source_id(data: dict, field: str) -> int | None:
    raw = data.get(field)
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    try:
        if isinstance(raw, bool):
            raise ValueError
        value = int(raw)
    except (TypeError, ValueError):
        raise ValidationError({field: rules.not_a_choice(raw)}) from None
    if not 1 <= value <= rules.MAX_ID:
        raise ValidationError({field: rules.not_a_choice(raw)})
    return value


def source_of(data: dict) -> tuple[int | None, int | None]:
    """(event_id, introduction_id) as ``data`` gives them (None when blank)."""
    event_id, introduction_id = (_source_id(data, field) for field in SOURCE_FIELDS)
    return event_id, introduction_id


def _source_errors(
    session: Session,
    company_id: int,
    hub_code: str,
    event_id: int | None,
    introduction_id: int | None,
) -> rules.Errors:
    """``rules.consultation_source`` over the stored event and introduction."""
    event: tuple[str, bool] | None = None
    if event_id is not None:
        row = session.get(Event, event_id)
        if row is not None:
            attended = (
                session.exec(
                    select(EventAttendee.id).where(
                        col(EventAttendee.event_id) == event_id,
                        col(EventAttendee.company_id) == company_id,
                    )
                ).first()
                is not None
            )
            event = (row.hub_code, attended)
    introduced: int | None = None
    if introduction_id is not None:
        introduction = session.get(Introduction, introduction_id)
        introduced = introduction.company_id if introduction is not None else None
    return rules.consultation_source(
        company_id, hub_code, event_id, introduction_id, event, introduced
    )


def log_consultation(session: Session, actor: Actor, data: dict) -> Consultation:
    values = parse_input(ConsultationInput, data)
    company = get_scoped(session, actor, Company, values.company_id)
    actor.require_write(company.hub_code)
    require_not_merged(session, company)
    event_id, introduction_id = source_of(data)
    rules.require(
        _source_errors(session, values.company_id, company.hub_code, event_id, introduction_id)
    )
    return create_row(
        session,
        actor,
        Consultation(
            hub_code=company.hub_code,
            logged_by=actor.user_id,
            event_id=event_id,
            introduction_id=introduction_id,
            **values.model_dump(),
        ),
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
    # The source stays as it is unless ``data`` names it; it is checked again when it or the
    # firm changes.
    given = source_of(data)
    source = tuple(
        given[index] if field in data else getattr(consultation, field)
        for index, field in enumerate(SOURCE_FIELDS)
    )
    event_id, introduction_id = source
    checked = (
        source != (consultation.event_id, consultation.introduction_id)
        or values.company_id != consultation.company_id
    )
    rules.require(
        rules.consultation_of_needs(
            values.company_id,
            values.consulted_on,
            [company_id for company_id, _ in opened],
            min((day for _, day in opened), default=None),
        ),
        _source_errors(session, values.company_id, consultation.hub_code, event_id, introduction_id)
        if checked
        else {},
    )
    changes = {**values.model_dump(), "event_id": event_id, "introduction_id": introduction_id}
    return update_row(session, actor, consultation, changes, expected_version)


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
