"""今日やること: what a hub manager has to act on now.

Two kinds of items, each counted and listed in the database:

- **Follow-ups** (フォローアップ) not done whose due date has passed (期限超過) or falls within
  this week (today to Sunday, Japan time).
- **Next actions** (次のアクション) of consultations, by their date (次回予定日), that are not
  marked done, overdue or due this week. Our conventions: a next action whose date passed more
  than ``NEXT_ACTION_LOOKBACK`` ago has lapsed and is no longer listed (the consultation keeps
  it), and a later consultation with the same firm supersedes it (the manager met them again).

Closing an item is one version-checked, audited write: a follow-up is completed, a next action
gets ``next_action_done_on``.
"""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, exists, func, literal, or_, union_all
from sqlalchemy import select as sa_select
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from crm.actor import Actor, allowed_hubs
from crm.errors import PermissionDenied, ValidationError
from crm.models import Comment, Company, Consultation, FollowUp, Referral, TalentNeed
from crm.services.base import get_scoped, update_row
from crm.services.followups import complete_follow_up
from crm.services.merge import require_not_merged
from crm.timeutil import JST, today_jst

NEXT_ACTION_LOOKBACK = dt.timedelta(days=30)

KIND_LABELS: dict[str, str] = {"follow_up": "フォローアップ", "next_action": "次のアクション"}


@dataclass(frozen=True)
class TodayItem:
    kind: str
    record_id: int
    version: int
    hub_code: str
    company_id: int
    company_name: str
    due_on: dt.date
    what: str
    placement_id: int | None

    def days_overdue(self, today: dt.date) -> int:
        return max((today - self.due_on).days, 0)


@dataclass(frozen=True)
class TodayCounts:
    """Open items of one hub (or of every hub the reader may see, with hub_code None)."""

    hub_code: str | None
    overdue_follow_ups: int = 0
    week_follow_ups: int = 0
    overdue_actions: int = 0
    week_actions: int = 0

    @property
    def overdue(self) -> int:
        return self.overdue_follow_ups + self.overdue_actions

    @property
    def total(self) -> int:
        return self.overdue + self.week_follow_ups + self.week_actions


@dataclass(frozen=True)
class TodayList:
    today: dt.date
    week_end: dt.date
    counts: TodayCounts
    items: list[TodayItem]


def week_end(today: dt.date) -> dt.date:
    """This week's Sunday (ISO weeks run Monday to Sunday)."""
    return today + dt.timedelta(days=6 - today.weekday())


def _personal(actor: Actor, person: int | None) -> None:
    """Who has what to do is the hub's own business: only its managers read it by person."""
    if person is not None and not actor.is_hub_manager:
        raise PermissionDenied("拠点担当者ごとの件数は拠点の利用者だけが見られます。")


def _hubs(actor: Actor, hub_code: str | None) -> set[str] | None:
    """The hubs to read: the actor's scope, or ``hub_code`` (another hub's is refused)."""
    chosen = allowed_hubs(actor, None if hub_code is None else [hub_code])
    return None if chosen is None else set(chosen)


def _firm_is_theirs(person: int | None) -> Any:
    """The firm is the person's or nobody's (an item nobody was given stays in everyone's
    list until someone takes it)."""
    return or_(col(Company.assignee_id) == person, col(Company.assignee_id).is_(None))


def _open_follow_ups(hubs: set[str] | None, until: dt.date, person: int | None = None) -> Any:
    condition = and_(col(FollowUp.done_on).is_(None), col(FollowUp.due_on) <= until)
    if person is not None:
        condition = and_(
            condition,
            or_(
                col(FollowUp.assignee_id) == person,
                and_(col(FollowUp.assignee_id).is_(None), _firm_is_theirs(person)),
            ),
        )
    return condition if hubs is None else and_(condition, col(FollowUp.hub_code).in_(hubs))


def _open_actions(
    hubs: set[str] | None, today: dt.date, until: dt.date, person: int | None = None
) -> Any:
    later = aliased(Consultation)
    superseded = exists().where(
        col(later.company_id) == col(Consultation.company_id),
        col(later.consulted_on) > col(Consultation.consulted_on),
    )
    condition = and_(
        col(Consultation.next_action_on).is_not(None),
        col(Consultation.next_action_done_on).is_(None),
        col(Consultation.next_action_on) >= today - NEXT_ACTION_LOOKBACK,
        col(Consultation.next_action_on) <= until,
        ~superseded,
    )
    if person is not None:
        condition = and_(condition, _firm_is_theirs(person))
    return condition if hubs is None else and_(condition, col(Consultation.hub_code).in_(hubs))


def _counts_statement(hubs: set[str] | None, today: dt.date, person: int | None = None) -> Any:
    """(hub, kind, overdue?, how many) of open items, grouped in the database; ``person``:
    only theirs and nobody's."""
    until = week_end(today)
    follow_ups: Any = sa_select(
        col(FollowUp.hub_code).label("hub"),
        literal("follow_up").label("kind"),
        (col(FollowUp.due_on) < today).label("overdue"),
    )
    actions: Any = sa_select(
        col(Consultation.hub_code).label("hub"),
        literal("next_action").label("kind"),
        (col(Consultation.next_action_on) < today).label("overdue"),
    )
    if person is not None:  # the firm's 拠点担当者 decides
        follow_ups = follow_ups.join(Company, col(Company.id) == FollowUp.company_id)
        actions = actions.join(Company, col(Company.id) == Consultation.company_id)
    follow_ups = follow_ups.where(_open_follow_ups(hubs, until, person)).subquery()
    actions = actions.where(_open_actions(hubs, today, until, person)).subquery()
    both = union_all(sa_select(follow_ups), sa_select(actions)).subquery()
    return sa_select(both.c.hub, both.c.kind, both.c.overdue, func.count()).group_by(
        both.c.hub, both.c.kind, both.c.overdue
    )


def _fold(hub_code: str | None, rows: list[Any]) -> TodayCounts:
    fields = {
        "overdue_follow_ups": 0,
        "week_follow_ups": 0,
        "overdue_actions": 0,
        "week_actions": 0,
    }
    for _hub, kind, overdue, count in rows:
        prefix = "overdue" if overdue else "week"
        fields[f"{prefix}_{'follow_ups' if kind == 'follow_up' else 'actions'}"] += count
    return TodayCounts(hub_code=hub_code, **fields)


def todays_counts(
    session: Session,
    actor: Actor,
    *,
    hub_code: str | None = None,
    today: dt.date | None = None,
    person: int | None = None,
) -> TodayCounts:
    """How many items the reader has to act on (for the sidebar and the dashboard); with
    ``person`` (an account of the hub), that person's and nobody's."""
    today = today or today_jst()
    _personal(actor, person)
    rows = list(session.execute(_counts_statement(_hubs(actor, hub_code), today, person)).all())
    return _fold(hub_code, rows)


def todays_counts_by_hub(
    session: Session,
    actor: Actor,
    *,
    today: dt.date | None = None,
    hubs: list[str] | None = None,
) -> list[TodayCounts]:
    """Open items per hub the reader may see (narrowed to ``hubs``, e.g. the blocks and hubs
    the secretariat chose), hubs with items only, by hub code."""
    today = today or today_jst()
    chosen = allowed_hubs(actor, hubs)
    rows = list(
        session.execute(_counts_statement(None if chosen is None else set(chosen), today)).all()
    )
    hubs = sorted({row[0] for row in rows})
    return [_fold(hub, [row for row in rows if row[0] == hub]) for hub in hubs]


def todays_work(
    session: Session,
    actor: Actor,
    *,
    hub_code: str | None = None,
    today: dt.date | None = None,
    limit: int = 100,
    person: int | None = None,
) -> TodayList:
    """The items themselves, earliest due first (overdue ones lead), with the true counts;
    with ``person``, that person's and nobody's (by the follow-up's 拠点担当者, else its firm's)."""
    today = today or today_jst()
    _personal(actor, person)
    hubs = _hubs(actor, hub_code)
    until = week_end(today)
    follow_ups: Any = (
        sa_select(
            literal("follow_up").label("kind"),
            col(FollowUp.id).label("record_id"),
            col(FollowUp.version).label("version"),
            col(FollowUp.hub_code).label("hub_code"),
            col(FollowUp.company_id).label("company_id"),
            col(Company.name).label("company_name"),
            col(FollowUp.due_on).label("due_on"),
            func.coalesce(col(FollowUp.notes), "").label("what"),
            col(FollowUp.placement_id).label("placement_id"),
        )
        .select_from(FollowUp)
        .join(Company, col(Company.id) == FollowUp.company_id)
    )
    actions: Any = (
        sa_select(
            literal("next_action").label("kind"),
            col(Consultation.id).label("record_id"),
            col(Consultation.version).label("version"),
            col(Consultation.hub_code).label("hub_code"),
            col(Consultation.company_id).label("company_id"),
            col(Company.name).label("company_name"),
            col(Consultation.next_action_on).label("due_on"),
            func.coalesce(col(Consultation.next_action), "").label("what"),
            literal(None).label("placement_id"),
        )
        .select_from(Consultation)
        .join(Company, col(Company.id) == Consultation.company_id)
    )
    both = union_all(
        follow_ups.where(_open_follow_ups(hubs, until, person)),
        actions.where(_open_actions(hubs, today, until, person)),
    ).subquery()
    rows = session.execute(
        sa_select(both).order_by(both.c.due_on, both.c.kind, both.c.record_id).limit(limit)
    ).all()
    items = [TodayItem(**row._mapping) for row in rows]
    counts = _fold(hub_code, list(session.execute(_counts_statement(hubs, today, person)).all()))
    return TodayList(today=today, week_end=until, counts=counts, items=items)


def close_next_action(
    session: Session,
    actor: Actor,
    consultation_id: int,
    expected_version: int,
    done_on: dt.date | None = None,
) -> Consultation:
    """Mark a consultation's next action done (version-checked, audited)."""
    consultation = get_scoped(session, actor, Consultation, consultation_id)
    actor.require_write(consultation.hub_code)
    require_not_merged(session, consultation.company_id)
    if consultation.next_action_on is None:
        raise ValidationError({"next_action_on": "この相談には次のアクションがありません"})
    return update_row(
        session,
        actor,
        consultation,
        {"next_action_done_on": done_on or today_jst()},
        expected_version,
    )


def close_item(
    session: Session, actor: Actor, kind: str, record_id: int, expected_version: int
) -> FollowUp | Consultation:
    """One click on a row of 今日やること: complete the follow-up or the next action."""
    if kind == "follow_up":
        return complete_follow_up(session, actor, record_id, expected_version)
    if kind == "next_action":
        return close_next_action(session, actor, record_id, expected_version)
    raise ValidationError({"kind": f"不明な種類です: {kind}"})


def describe(item: TodayItem, today: dt.date) -> str:
    """期限超過3日 / 今日 / あと2日."""
    days = (item.due_on - today).days
    if days < 0:
        return f"{-days}日超過"
    return "今日" if days == 0 else f"あと{days}日"


# A need nobody has touched for this long (no edit, step, referral change or comment) is listed
# under 今日やること as one to look at again.
QUIET_FOR = dt.timedelta(days=30)


@dataclass(frozen=True)
class QuietNeed:
    need_id: int
    role_title: str
    status: str
    hub_code: str
    company_id: int
    company_name: str
    last_change: dt.datetime  # the need's own last change


def quiet_needs(
    session: Session,
    actor: Actor,
    *,
    hub_code: str | None = None,
    today: dt.date | None = None,
    person: int | None = None,
    limit: int = 10,
) -> tuple[int, list[QuietNeed]]:
    """Open or referred needs with no activity for ``QUIET_FOR`` (the person's and nobody's
    with ``person``): how many, and the longest quiet first."""
    today = today or today_jst()
    _personal(actor, person)
    hubs = _hubs(actor, hub_code)
    cutoff = dt.datetime.combine(today - QUIET_FOR, dt.time(), tzinfo=JST)
    need = TalentNeed
    touched_referral = exists().where(
        col(Referral.need_id) == col(need.id), col(Referral.updated_at) >= cutoff
    )
    commented = exists().where(
        col(Comment.entity) == "talent_need",
        col(Comment.record_id) == col(need.id),
        col(Comment.created_at) >= cutoff,
    )
    condition = and_(
        col(need.status).in_(("open", "referred")),
        col(need.updated_at) < cutoff,
        ~touched_referral,
        ~commented,
    )
    if hubs is not None:
        condition = and_(condition, col(need.hub_code).in_(hubs))
    if person is not None:
        condition = and_(
            condition, or_(col(need.assignee_id) == person, col(need.assignee_id).is_(None))
        )
    total = session.execute(sa_select(func.count()).select_from(need).where(condition)).scalar()
    rows = session.execute(
        sa_select(
            col(need.id),
            col(need.role_title),
            col(need.status),
            col(need.hub_code),
            col(need.company_id),
            col(Company.name),
            col(need.updated_at),
        )
        .join(Company, col(Company.id) == col(need.company_id))
        .where(condition)
        .order_by(col(need.updated_at), col(need.id))
        .limit(limit)
    ).all()
    return int(total or 0), [QuietNeed(*row) for row in rows]
