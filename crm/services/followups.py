"""Follow-ups (フォローアップ): reminders after a placement or about a firm."""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import case, func
from sqlmodel import Session, col, select

from crm import rules
from crm.actor import Actor
from crm.entities import FollowUpInput
from crm.errors import ValidationError
from crm.models import Company, FollowUp, Placement
from crm.search import match_companies
from crm.services.base import create_row, get_scoped, scope_filter, update_row
from crm.services.merge import require_not_merged
from crm.timeutil import today_jst
from crm.validation import not_in_future, parse_input


def schedule_follow_up(session: Session, actor: Actor, data: dict) -> FollowUp:
    values = parse_input(FollowUpInput, data)
    placement = None
    if values.placement_id is not None:
        placement = get_scoped(session, actor, Placement, values.placement_id)
    rules.require(
        rules.follow_up_target(
            values.company_id,
            values.placement_id,
            None if placement is None else placement.company_id,
        )
    )
    company_id = placement.company_id if placement is not None else values.company_id
    company = get_scoped(session, actor, Company, company_id)
    actor.require_write(company.hub_code)
    require_not_merged(session, company)
    fields = values.model_dump()
    fields["company_id"] = company.id
    # The firm's 担当者 follows it up, until assigned otherwise.
    return create_row(
        session,
        actor,
        FollowUp(hub_code=company.hub_code, assignee_id=company.assignee_id, **fields),
    )


def complete_follow_up(
    session: Session,
    actor: Actor,
    follow_up_id: int,
    expected_version: int,
    done_on: dt.date | None = None,
    notes: str | None = None,
) -> FollowUp:
    follow_up = get_scoped(session, actor, FollowUp, follow_up_id)
    actor.require_write(follow_up.hub_code)
    require_not_merged(session, follow_up.company_id)
    try:
        done_on = not_in_future(done_on or today_jst())
    except ValueError as error:
        raise ValidationError({"done_on": str(error)}) from None
    changes: dict = {"done_on": done_on}
    if notes:
        changes["notes"] = notes
    return update_row(session, actor, follow_up, changes, expected_version)


def update_follow_up(
    session: Session, actor: Actor, follow_up_id: int, data: dict, expected_version: int
) -> FollowUp:
    follow_up = get_scoped(session, actor, FollowUp, follow_up_id)
    actor.require_write(follow_up.hub_code)
    require_not_merged(session, follow_up.company_id)
    values = parse_input(
        FollowUpInput,
        {"company_id": follow_up.company_id, "placement_id": follow_up.placement_id, **data},
    )
    return update_row(
        session,
        actor,
        follow_up,
        values.model_dump(exclude={"company_id", "placement_id"}),
        expected_version,
    )


OVERDUE, UPCOMING, DONE = "overdue", "upcoming", "done"
STATES = (OVERDUE, UPCOMING, DONE)


def _follow_ups(
    actor: Actor,
    statement,
    include_done: bool,
    company_id: int | None,
    state: str | None = None,
    today: dt.date | None = None,
    hubs: Sequence[str] = (),
):
    statement = scope_filter(statement, actor, FollowUp.hub_code, hubs)
    if not include_done and state != DONE:
        statement = statement.where(col(FollowUp.done_on).is_(None))
    if company_id is not None:
        statement = statement.where(FollowUp.company_id == company_id)
    today = today or today_jst()
    if state == OVERDUE:
        statement = statement.where(col(FollowUp.due_on) < today)
    elif state == UPCOMING:
        statement = statement.where(col(FollowUp.due_on) >= today)
    elif state == DONE:
        statement = statement.where(col(FollowUp.done_on).is_not(None))
    elif state is not None:
        raise ValueError(f"unknown follow-up state {state!r}")
    return statement


def list_follow_ups(
    session: Session,
    actor: Actor,
    *,
    include_done: bool = False,
    company_id: int | None = None,
    state: str | None = None,
    today: dt.date | None = None,
    hubs: Sequence[str] = (),
    limit: int = 200,
    offset: int = 0,
) -> list[FollowUp]:
    """Open follow-ups first, overdue before due, earliest due date first; ``state`` (overdue,
    upcoming or done, as of ``today``) narrows to one section, done ones latest first."""
    statement = _follow_ups(actor, select(FollowUp), include_done, company_id, state, today, hubs)
    if state == DONE:
        statement = statement.order_by(col(FollowUp.done_on).desc(), col(FollowUp.id).desc())
    else:
        done_last = case((col(FollowUp.done_on).is_(None), 0), else_=1)
        statement = statement.order_by(done_last, FollowUp.due_on, FollowUp.id)
    return list(session.exec(statement.offset(offset).limit(limit)).all())


def count_follow_ups(
    session: Session,
    actor: Actor,
    *,
    include_done: bool = False,
    company_id: int | None = None,
    hubs: Sequence[str] = (),
) -> int:
    """How many ``list_follow_ups`` would list without a limit (for paging)."""
    counted = select(func.count()).select_from(FollowUp)
    return session.exec(_follow_ups(actor, counted, include_done, company_id, hubs=hubs)).one()


def count_follow_ups_by_state(
    session: Session,
    actor: Actor,
    *,
    company_id: int | None = None,
    today: dt.date | None = None,
    hubs: Sequence[str] = (),
) -> dict[str, int]:
    """Overdue, upcoming and done follow-ups the actor may read, counted in one query."""
    today = today or today_jst()
    state = case(
        (col(FollowUp.done_on).is_not(None), DONE),
        (col(FollowUp.due_on) < today, OVERDUE),
        else_=UPCOMING,
    )
    statement = _follow_ups(
        actor, select(state, func.count()).select_from(FollowUp), True, company_id, hubs=hubs
    ).group_by(state)
    counts = dict(session.exec(statement).all())
    return {name: int(counts.get(name, 0)) for name in STATES}


def is_overdue(follow_up: FollowUp, today: dt.date | None = None) -> bool:
    return follow_up.done_on is None and follow_up.due_on < (today or today_jst())


@dataclass(frozen=True)
class FollowUpChoice:
    """An open follow-up as a picker offers it."""

    id: int
    version: int
    due_on: dt.date
    company: str
    after_placement: bool
    notes: str | None
    hub_code: str


@dataclass(frozen=True)
class FollowUpChoices:
    choices: tuple[FollowUpChoice, ...]
    total: int  # open follow-ups matching the query, offered or not
    query: str
    matched: int  # of those, how many are offered (the rest beyond ``limit``)


def follow_up_choices(
    session: Session,
    actor: Actor,
    typed: str | None = None,
    keep: Sequence[int] = (),
    *,
    company_id: int | None = None,
    hubs: Sequence[str] = (),
    limit: int = 50,
) -> FollowUpChoices:
    """Open follow-ups a picker offers, from every one the actor may read (not only those a
    list page shows): those whose firm matches ``typed`` (the firm search: name, kana,
    corporate number), earliest due first, at most ``limit``; the ones in ``keep`` (the one
    chosen) are always offered while they are open."""
    query = (typed or "").strip()
    dialect = session.get_bind().dialect.name
    base = select(FollowUp, Company.name).join(Company, col(Company.id) == FollowUp.company_id)
    base = _follow_ups(actor, base, False, company_id, hubs=hubs)
    matching = match_companies(base, query or None, dialect)
    total = session.exec(select(func.count()).select_from(matching.subquery())).one()
    rows = list(session.exec(matching.order_by(FollowUp.due_on, FollowUp.id).limit(limit)).all())
    offered = {follow_up.id for follow_up, _ in rows}
    matched = len(rows)
    missing = sorted({i for i in keep if i is not None} - offered)
    if missing:
        extra = base.where(col(FollowUp.id).in_(missing))
        rows = list(session.exec(extra).all()) + rows
    return FollowUpChoices(
        tuple(
            FollowUpChoice(
                follow_up.id,
                follow_up.version,
                follow_up.due_on,
                name,
                follow_up.placement_id is not None,
                follow_up.notes,
                follow_up.hub_code,
            )
            for follow_up, name in rows
            if follow_up.id is not None
        ),
        int(total),
        query,
        matched,
    )
