"""Placements (成約): one hire per row, never identifying the person."""

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import func
from sqlmodel import Session, col, select

from crm import rules, workflow
from crm.actor import Actor
from crm.areas import residence_of
from crm.entities import PlacementInput
from crm.models import FollowUp, Notification, Partner, Placement, TalentNeed, stored_id
from crm.services.assignments import inherited
from crm.services.base import applied, get_scoped, scope_filter, update_row
from crm.services.merge import require_not_merged
from crm.services.notifications import notice
from crm.validation import parse_input
from crm.writes import Plan

# The note of the follow-up a placement schedules (forms and imports alike).
FOLLOW_UP_NOTE = workflow.FOLLOW_UP_NOTE


def record_placement(session: Session, actor: Actor, data: dict) -> Placement:
    """Record a hire against a need; the need becomes 'placed' once its headcount is filled,
    and a follow-up is scheduled."""
    values = parse_input(PlacementInput, data)
    need = get_scoped(session, actor, TalentNeed, values.need_id)
    actor.require_write(need.hub_code)
    require_not_merged(session, need.company_id)
    rules.require(
        rules.placement_for_need(need.status),
        rules.after_need_opened("placed_on", values.placed_on, need.opened_on),
        rules.partner_known(values.partner_id, _partner_found(session, values.partner_id)),
    )
    fields = values.model_dump()
    fields["engagement"] = fields["engagement"] or need.engagement
    _derive_residence(fields, need.hub_code)
    plan = Plan()
    placement = plan.insert(
        Placement, {"hub_code": need.hub_code, "company_id": need.company_id, **fields}
    )
    filled = (
        1
        + session.exec(
            select(func.count()).select_from(Placement).where(Placement.need_id == need.id)
        ).one()
    )
    step = workflow.after_placement(need.status, need.headcount, filled, values.placed_on)
    if step is not None:
        plan.step(
            step,
            stored_id(need.id),
            need.hub_code,
            expected_version=need.version,
            before=need.model_dump(),
        )
    plan.insert(
        FollowUp,
        {
            "hub_code": need.hub_code,
            "company_id": need.company_id,
            "placement_id": placement,
            "assignee_id": inherited(session, need.company_id),
            **workflow.follow_up_after(values.placed_on),
        },
    )
    told = notice(
        session,
        actor,
        need.assignee_id,
        kind="placement",
        entity="talent_need",
        record_id=stored_id(need.id),
        hub_code=need.hub_code,
        text=f"担当の人材ニーズ「{need.role_title}」に成約が記録されました"
        f"（{values.placed_on:%Y/%m/%d}）。",
    )
    if told is not None:
        plan.insert(Notification, told)
    return applied(session, actor, plan, Placement, placement)


def _derive_residence(fields: dict, hub_code: str) -> None:
    """The prefecture is the primary input: when given, the coarse residence follows from it."""
    if fields.get("previous_prefecture"):
        fields["previous_residence"] = residence_of(fields["previous_prefecture"], hub_code)


def _partner_found(session: Session, partner_id: int | None) -> bool:
    return partner_id is not None and session.get(Partner, partner_id) is not None


def update_placement(
    session: Session, actor: Actor, placement_id: int, data: dict, expected_version: int
) -> Placement:
    placement = get_scoped(session, actor, Placement, placement_id)
    actor.require_write(placement.hub_code)
    require_not_merged(session, placement.company_id)
    values = parse_input(PlacementInput, {"need_id": placement.need_id, **data})
    need = session.get(TalentNeed, placement.need_id)
    rules.require(
        {}
        if need is None
        else rules.after_need_opened("placed_on", values.placed_on, need.opened_on),
        rules.partner_known(
            values.partner_id,
            values.partner_id == placement.partner_id or _partner_found(session, values.partner_id),
        ),
    )
    fields = values.model_dump(exclude={"need_id"})
    fields["engagement"] = fields["engagement"] or placement.engagement
    _derive_residence(fields, placement.hub_code)
    return update_row(session, actor, placement, fields, expected_version)


def get_placement(session: Session, actor: Actor, placement_id: int) -> Placement:
    return get_scoped(session, actor, Placement, placement_id)


def _placements(
    actor: Actor,
    statement,
    company_id: int | None,
    need_id: int | None,
    since: dt.date | None,
    until: dt.date | None,
    hubs: Sequence[str] = (),
):
    statement = scope_filter(statement, actor, Placement.hub_code, hubs)
    if company_id is not None:
        statement = statement.where(Placement.company_id == company_id)
    if need_id is not None:
        statement = statement.where(Placement.need_id == need_id)
    if since is not None:
        statement = statement.where(Placement.placed_on >= since)
    if until is not None:
        statement = statement.where(Placement.placed_on <= until)
    return statement


def list_placements(
    session: Session,
    actor: Actor,
    *,
    company_id: int | None = None,
    need_id: int | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
    hubs: Sequence[str] = (),
    limit: int = 200,
    offset: int = 0,
) -> list[Placement]:
    statement = _placements(actor, select(Placement), company_id, need_id, since, until, hubs)
    statement = statement.order_by(col(Placement.placed_on).desc(), col(Placement.id).desc())
    return list(session.exec(statement.offset(offset).limit(limit)).all())


def count_placements(
    session: Session,
    actor: Actor,
    *,
    company_id: int | None = None,
    need_id: int | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
    hubs: Sequence[str] = (),
) -> int:
    """How many ``list_placements`` would list without a limit (for paging)."""
    counted = select(func.count()).select_from(Placement)
    statement = _placements(actor, counted, company_id, need_id, since, until, hubs)
    return session.exec(statement).one()
