"""Companies (企業) and their contact people."""

from collections.abc import Sequence

from sqlalchemy import func
from sqlmodel import Session, col, select

from crm import rules
from crm.actor import Actor, allowed_hubs
from crm.entities import CompanyInput, ContactInput
from crm.models import Company, Contact, stored_id
from crm.search import gojuon_order, match_companies
from crm.services.base import create_row, get_scoped, scope_filter, update_row
from crm.services.merge import require_no_duplicates, require_not_merged
from crm.textnorm import company_keys
from crm.validation import parse_input


def _check_corporate_number_free(
    session: Session, number: str | None, hub_code: str | None, company_id: int | None = None
) -> None:
    owner = None
    if number is not None:
        row = session.exec(
            select(Company.id, Company.hub_code).where(Company.corporate_number == number)
        ).first()
        owner = None if row is None or row[0] is None else (row[0], row[1])
    rules.require(rules.corporate_number_free(number, owner, hub_code, company_id))


def create_company(
    session: Session, actor: Actor, data: dict, hub_code: str | None = None
) -> Company:
    """Register a firm under the actor's hub (or ``hub_code``, which must be the actor's).

    A firm that looks like one of the hub's firms (crm.services.merge) is refused with the
    candidates unless ``data["allow_duplicate"]`` confirms it is another firm."""
    hub_code = hub_code or actor.hub_code or ""  # no hub: require_write refuses
    actor.require_write(hub_code)
    values = parse_input(CompanyInput, data)
    _check_corporate_number_free(session, values.corporate_number, hub_code)
    if not data.get("allow_duplicate"):
        require_no_duplicates(
            session,
            hub_code=hub_code,
            name=values.name,
            corporate_number=values.corporate_number,
        )
    return create_row(session, actor, Company(hub_code=hub_code, **values.model_dump()))


def update_company(
    session: Session, actor: Actor, company_id: int, data: dict, expected_version: int
) -> Company:
    company = get_scoped(session, actor, Company, company_id)
    actor.require_write(company.hub_code)
    require_not_merged(session, company)
    values = parse_input(CompanyInput, data)
    _check_corporate_number_free(session, values.corporate_number, company.hub_code, company_id)
    fields = {**values.model_dump(), **company_keys(values.name, values.kana)}
    return update_row(session, actor, company, fields, expected_version)


def get_company(session: Session, actor: Actor, company_id: int) -> Company:
    return get_scoped(session, actor, Company, company_id)


def search_companies(
    session: Session,
    actor: Actor,
    query: str | None = None,
    hub_code: str | None = None,
    limit: int = 50,
    offset: int = 0,
    *,
    hubs: Sequence[str] = (),
) -> list[Company]:
    """Firms whose name, kana or corporate number contains ``query`` (NFKC-normalised)."""
    statement = scope_filter(select(Company), actor, Company.hub_code, hubs)
    if hub_code:
        allowed_hubs(actor, [hub_code])  # another hub's firms: refused, as every scoped read
        statement = statement.where(Company.hub_code == hub_code)
    statement = _matching(session, statement, query)
    statement = statement.order_by(*gojuon_order(session)).offset(offset).limit(limit)
    return list(session.exec(statement).all())


def _matching(session: Session, statement, query: str | None):
    """Restrict to firms (not merged away) whose name or kana, folded (hiragana = katakana,
    half- = full-width, ㈱ = 株式会社), or corporate number contains ``query``."""
    return match_companies(statement, query, session.get_bind().dialect.name)


def count_search_results(
    session: Session,
    actor: Actor,
    query: str | None = None,
    hub_code: str | None = None,
    *,
    hubs: Sequence[str] = (),
) -> int:
    """How many firms ``search_companies`` would find without a limit (for paging)."""
    statement = scope_filter(
        select(func.count()).select_from(Company), actor, Company.hub_code, hubs
    )
    if hub_code:
        allowed_hubs(actor, [hub_code])
        statement = statement.where(Company.hub_code == hub_code)
    return session.exec(_matching(session, statement, query)).one()


def count_companies(session: Session, actor: Actor) -> int:
    statement = scope_filter(select(func.count()).select_from(Company), actor, Company.hub_code)
    return session.exec(statement).one()


def add_contact(session: Session, actor: Actor, company_id: int, data: dict) -> Contact:
    company = get_scoped(session, actor, Company, company_id)
    actor.require_write(company.hub_code)
    require_not_merged(session, company)
    values = parse_input(ContactInput, data)
    return create_row(
        session,
        actor,
        Contact(hub_code=company.hub_code, company_id=stored_id(company.id), **values.model_dump()),
    )


def update_contact(
    session: Session, actor: Actor, contact_id: int, data: dict, expected_version: int
) -> Contact:
    contact = get_scoped(session, actor, Contact, contact_id)
    actor.require_write(contact.hub_code)
    require_not_merged(session, contact.company_id)
    values = parse_input(ContactInput, data)
    return update_row(session, actor, contact, values.model_dump(), expected_version)


def list_contacts(session: Session, actor: Actor, company_id: int) -> list[Contact]:
    company = get_scoped(session, actor, Company, company_id)
    return list(
        session.exec(
            select(Contact).where(Contact.company_id == company.id).order_by(col(Contact.id))
        ).all()
    )
