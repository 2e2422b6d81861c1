"""Registering a new firm and its first consultation in one step (one transaction).

A hub manager often meets a firm for the first time and wants to log the meeting at once. Both
parts are checked before anything is written, so the form can show every wrong field of both
parts together; the caller's transaction makes the two inserts all or nothing.
"""

from sqlmodel import Session

from crm.actor import Actor
from crm.entities import CompanyInput, ConsultationInput
from crm.errors import ValidationError
from crm.models import Company, Consultation
from crm.services.companies import create_company
from crm.services.consultations import SOURCE_FIELDS, log_consultation, source_of
from crm.validation import parse_input

# Company fields are reported as "company.<field>" so they don't collide with the
# consultation's own fields on a combined form.
COMPANY_PREFIX = "company."


def _company_errors(error: ValidationError) -> dict[str, str]:
    return {COMPANY_PREFIX + name: reason for name, reason in error.fields.items()}


def register_company_with_consultation(
    session: Session, actor: Actor, company: dict, consultation: dict
) -> tuple[Company, Consultation]:
    """Create the firm under the actor's hub, then log the consultation against it."""
    actor.require_write(actor.hub_code or "")
    errors: dict[str, str] = {}
    try:
        parse_input(CompanyInput, company)
    except ValidationError as error:
        errors.update(_company_errors(error))
    try:
        # The firm has no id yet; any placeholder lets the other fields be checked now.
        parse_input(ConsultationInput, {**consultation, "company_id": 0})
    except ValidationError as error:
        errors.update(error.fields)
    try:
        # A firm registered now attended no event and was introduced by no one yet.
        for field, named in zip(SOURCE_FIELDS, source_of(consultation), strict=True):
            if named is not None:
                errors[field] = (
                    "新しい企業はまだセミナー・イベントの参加企業にも紹介にも登録されていません"
                )
    except ValidationError as error:
        errors.update(error.fields)
    if errors:
        raise ValidationError(errors)
    try:
        firm = create_company(session, actor, company)
    except ValidationError as error:  # e.g. a corporate number already registered
        raise ValidationError(_company_errors(error)) from None
    return firm, log_consultation(session, actor, {**consultation, "company_id": firm.id})
