"""The funnel from seminars and introductions to placements, for a scope (a hub, a block, the
country: ``AnalyticsFilter.scope``) and a period, counted in the database.

The steps, each counted on its own date within the period (inclusive) and the hubs in scope:

- **events** (セミナー等の開催): events held (``Event.held_on``); **attending firms**: distinct
  firms registered as attendees of those events;
- **introductions** (パートナーからの紹介): introductions made (``introduced_on``);
- **outreach firms** (セミナー参加・紹介の企業): distinct firms that attended an event or were
  introduced in the period; **outreach firms consulted** (うち相談に至った企業): those with a
  consultation in the hubs in scope on or after their first event/introduction of the period
  (up to the period's end);
- **firms consulted** (相談企業): distinct firms with a consultation in the period;
- **needs** (人材ニーズ): needs opened in the period;
- **needs referred** (紹介したニーズ): distinct needs with a referral made in the period;
- **placements** (成約): placements made in the period.

Conversion at a step is its count divided by the previous counted step's (outreach firms
consulted ÷ outreach firms; needs ÷ firms consulted; needs referred ÷ needs; placements ÷ needs
referred). They are ratios of the period's counts, not of one cohort: a need referred in the
period may have been opened before it, and a firm may open several needs, so a ratio can exceed
100%.

Median days at each step (a median over a distribution grouped in SQL, as
``crm.analytics.national``): first event/introduction of the period → the firm's first
consultation on or after it; the hub's first consultation with the firm (on or before the
need's date) → need opened; need opened → its first referral; the referral → placement (the
earliest referral of the placed need to the placing partner on or before the placement, or to
any partner when the placement names none). Pairs without a start are not timed.

**Attribution (one rule everywhere).** A firm's source in the period is read from its
consultations in the period: the earliest one (by date, then record) that names an event
(``Consultation.event_id``: the source is that event, of its kind) or an introduction
(``introduction_id``: the source is the introducing partner); when none names one, the channel
(``Channel``) of the firm's earliest consultation in the period. A need, a referred need and a
placement take the source of their firm; a firm without a consultation in the period has no
source (「期間内の相談なし」), so the rows of each breakdown add up to the funnel's counts.

Talent category and form of engagement (the filter's, and the by-category table) are the
need's, for needs, referred needs and placements alike; they leave the events, introductions
and consultations untouched.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import Select, and_, case, distinct, func, or_, select, union_all
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from crm.actor import Actor
from crm.analytics import facts
from crm.analytics.filters import AnalyticsFilter
from crm.analytics.national import median_from_histogram
from crm.analytics.sql import days_between
from crm.models import (
    Consultation,
    Event,
    EventAttendee,
    Introduction,
    Partner,
    Placement,
    Referral,
    TalentCategory,
    TalentNeed,
)
from crm.reference import PREFECTURES, Channel, EventKind

# Step keys, in funnel order, and their Japanese names.
STEP_LABELS: dict[str, str] = {
    "events": "セミナー等の開催",
    "attending_firms": "セミナー参加企業",
    "introductions": "パートナーからの紹介",
    "outreach_firms": "セミナー参加・紹介の企業",
    "outreach_consulted": "うち相談に至った企業",
    "firms_consulted": "相談企業",
    "needs": "人材ニーズ",
    "needs_referred": "紹介したニーズ",
    "placements": "成約",
}
# step -> the step its conversion divides by.
CONVERTS_FROM: dict[str, str] = {
    "outreach_consulted": "outreach_firms",
    "needs": "firms_consulted",
    "needs_referred": "needs",
    "placements": "needs_referred",
}
# step -> what its median days measure.
DAYS_LABELS: dict[str, str] = {
    "outreach_consulted": "セミナー・紹介から最初の相談まで",
    "needs": "最初の相談からニーズ受付まで",
    "needs_referred": "ニーズ受付から最初の紹介まで",
    "placements": "紹介から成約まで",
}

EVENT, INTRODUCTION, CHANNEL, NONE = "event", "introduction", "channel", "none"
SOURCE_KINDS = {
    EVENT: "セミナー等",
    INTRODUCTION: "パートナーの紹介",
    CHANNEL: "相談経路",
    NONE: "期間内の相談なし",
}
NO_PARTNER = "紹介先なし"
UNKNOWN = "不明"


def ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass(frozen=True)
class FunnelStep:
    key: str
    count: int
    conversion: float | None = None  # count ÷ the previous counted step's count
    median_days: float | None = None
    timed: int = 0  # pairs the median is taken over

    @property
    def label(self) -> str:
        return STEP_LABELS[self.key]

    @property
    def days_label(self) -> str:
        return DAYS_LABELS.get(self.key, "")


@dataclass(frozen=True)
class Flow:
    """What one source (or category, or partner) brought along the funnel in the period."""

    firms: int = 0
    needs: int = 0
    needs_referred: int = 0
    placements: int = 0

    def __add__(self, other: "Flow") -> "Flow":
        return Flow(
            self.firms + other.firms,
            self.needs + other.needs,
            self.needs_referred + other.needs_referred,
            self.placements + other.placements,
        )

    @property
    def referral_rate(self) -> float | None:
        return ratio(self.needs_referred, self.needs)

    @property
    def placement_rate(self) -> float | None:
        return ratio(self.placements, self.needs_referred)


@dataclass(frozen=True)
class SourceRow:
    """A row of a by-source table. ``key``: an event's id, an introducing partner's id, a
    channel's code (None for 期間内の相談なし or an unknown id)."""

    kind: str
    key: int | str | None
    label: str
    flow: Flow
    held_on: dt.date | None = None  # events
    event_kind: str | None = None  # events: the EventKind code
    hub_code: str | None = None  # events
    attendees: int = 0  # events: registered attending firms
    events: int = 0  # event kinds: events held in the period
    introductions: int = 0  # introducing partners: introductions in the period


@dataclass(frozen=True)
class CategoryRow:
    category_id: int | None
    label: str
    flow: Flow


@dataclass(frozen=True)
class PartnerStepRow:
    """The referral → placement step for one partner (None: placements naming no partner)."""

    partner_id: int | None
    label: str
    needs_referred: int
    placements: int
    median_days: float | None
    timed: int

    @property
    def conversion(self) -> float | None:
        return ratio(self.placements, self.needs_referred)


@dataclass(frozen=True)
class Funnel:
    filters: AnalyticsFilter
    steps: tuple[FunnelStep, ...]
    events: tuple[SourceRow, ...] = ()
    event_kinds: tuple[SourceRow, ...] = ()
    introducers: tuple[SourceRow, ...] = ()
    channels: tuple[SourceRow, ...] = ()
    unattributed: Flow = field(default_factory=Flow)
    categories: tuple[CategoryRow, ...] = ()
    partners: tuple[PartnerStepRow, ...] = ()

    def step(self, key: str) -> FunnelStep:
        return next(s for s in self.steps if s.key == key)

    def count(self, key: str) -> int:
        return self.step(key).count


# --- the period's facts, in SQL ---------------------------------------------------------------


def _within(statement: Select, column, filters: AnalyticsFilter) -> Select:
    if filters.since is not None:
        statement = statement.where(column >= filters.since)
    if filters.until is not None:
        statement = statement.where(column <= filters.until)
    return statement


def _hubs(statement: Select, column, scope: list[str] | None) -> Select:
    return statement if scope is None else statement.where(col(column).in_(scope))


def _need_filters(statement: Select, filters: AnalyticsFilter) -> Select:
    if filters.category_ids:
        statement = statement.where(col(TalentNeed.category_id).in_(filters.category_ids))
    if filters.engagements:
        statement = statement.where(col(TalentNeed.engagement).in_(filters.engagements))
    return statement


def _events(*columns, filters: AnalyticsFilter, scope: list[str] | None) -> Select:
    statement = _hubs(select(*columns).select_from(Event), Event.hub_code, scope)
    return _within(statement, Event.held_on, filters)


def _introductions(*columns, filters: AnalyticsFilter, scope: list[str] | None) -> Select:
    statement = _hubs(select(*columns).select_from(Introduction), Introduction.hub_code, scope)
    return _within(statement, Introduction.introduced_on, filters)


def _needs(*columns, filters: AnalyticsFilter, scope: list[str] | None) -> Select:
    return facts.needs(*columns, filters=filters, scope=scope)


def _referred_needs(filters: AnalyticsFilter, scope: list[str] | None):
    """Distinct needs with a referral made in the period (their category and engagement
    filtered), as a subquery of ``need_id``."""
    statement: Select = (
        select(col(Referral.need_id).label("need_id")).distinct().select_from(Referral)
    )
    statement = statement.join(TalentNeed, col(TalentNeed.id) == col(Referral.need_id))
    statement = _hubs(statement, Referral.hub_code, scope)
    statement = _within(statement, Referral.referred_on, filters)
    return _need_filters(statement, filters).subquery("referred")


def _placements(*columns, filters: AnalyticsFilter, scope: list[str] | None) -> Select:
    statement = select(*columns).select_from(Placement)
    statement = statement.join(TalentNeed, col(TalentNeed.id) == col(Placement.need_id))
    statement = _hubs(statement, Placement.hub_code, scope)
    statement = _within(statement, Placement.placed_on, filters)
    return _need_filters(statement, filters)


def _scalar(session: Session, statement: Select) -> int:
    return int(session.execute(statement).scalar_one() or 0)


def _histogram(session: Session, days_subquery) -> list[tuple[int, int]]:
    statement = select(days_subquery.c.days, func.count()).group_by(days_subquery.c.days)
    return [(int(d), int(n)) for d, n in session.execute(statement).all() if d is not None]


def _timed(histogram: list[tuple[int, int]]) -> tuple[float | None, int]:
    return median_from_histogram(histogram), sum(n for _, n in histogram)


def _first_touches(filters: AnalyticsFilter, scope: list[str] | None):
    """Per firm that attended an event or was introduced in the period: its first such day."""
    attended = _events(
        col(EventAttendee.company_id).label("company_id"),
        col(Event.held_on).label("touched_on"),
        filters=filters,
        scope=scope,
    ).join(EventAttendee, col(EventAttendee.event_id) == col(Event.id))
    introduced = _introductions(
        col(Introduction.company_id).label("company_id"),
        col(Introduction.introduced_on).label("touched_on"),
        filters=filters,
        scope=scope,
    )
    touches = union_all(attended, introduced).subquery("touches")
    return (
        select(touches.c.company_id, func.min(touches.c.touched_on).label("touched_on"))
        .group_by(touches.c.company_id)
        .subquery("first_touch")
    )


def _outreach(session: Session, filters: AnalyticsFilter, scope: list[str] | None):
    """(outreach firms, their days to the first consultation on or after the first touch)."""
    first = _first_touches(filters, scope)
    firms = _scalar(session, select(func.count()).select_from(first))
    joined = and_(
        col(Consultation.company_id) == first.c.company_id,
        col(Consultation.consulted_on) >= first.c.touched_on,
    )
    statement = select(
        days_between(func.min(Consultation.consulted_on), first.c.touched_on).label("days")
    ).select_from(first.join(Consultation, joined))
    statement = _hubs(statement, Consultation.hub_code, scope)
    if filters.until is not None:
        statement = statement.where(col(Consultation.consulted_on) <= filters.until)
    days = statement.group_by(first.c.company_id, first.c.touched_on).subquery("outreach_days")
    return firms, _histogram(session, days)


def _consultation_to_need(session: Session, filters: AnalyticsFilter, scope: list[str] | None):
    first_on = (
        select(func.min(Consultation.consulted_on))
        .where(
            col(Consultation.company_id) == col(TalentNeed.company_id),
            col(Consultation.hub_code) == col(TalentNeed.hub_code),
            col(Consultation.consulted_on) <= col(TalentNeed.opened_on),
        )
        .correlate(TalentNeed)
        .scalar_subquery()
    )
    days = _needs(
        days_between(TalentNeed.opened_on, first_on).label("days"), filters=filters, scope=scope
    ).subquery("need_days")
    return _histogram(session, days)


def _need_to_referral(session: Session, filters: AnalyticsFilter, scope: list[str] | None):
    referred = _referred_needs(filters, scope)
    earlier = aliased(Referral)
    first_on = (
        select(func.min(col(earlier.referred_on)))
        .where(col(earlier.need_id) == col(TalentNeed.id))
        .correlate(TalentNeed)
        .scalar_subquery()
    )
    days = (
        select(days_between(first_on, TalentNeed.opened_on).label("days"))
        .select_from(referred)
        .join(TalentNeed, col(TalentNeed.id) == referred.c.need_id)
        .subquery("referral_days")
    )
    return _histogram(session, days)


def _referral_on():
    """The placed need's earliest referral to the placing partner on or before the placement
    (to any partner when the placement names none): a scalar correlated to Placement."""
    earlier = aliased(Referral)
    return (
        select(func.min(col(earlier.referred_on)))
        .where(
            col(earlier.need_id) == col(Placement.need_id),
            col(earlier.referred_on) <= col(Placement.placed_on),
            or_(
                col(Placement.partner_id).is_(None),
                col(earlier.partner_id) == col(Placement.partner_id),
            ),
        )
        .correlate(Placement)
        .scalar_subquery()
    )


# --- attribution ------------------------------------------------------------------------------


def firm_sources(filters: AnalyticsFilter, scope: list[str] | None):
    """One row per firm consulted in the period: ``company_id``, ``event_id``,
    ``introduction_id``, ``channel`` of the consultation that gives its source (see the module's
    docstring), as a subquery."""
    named = case(
        (
            or_(
                col(Consultation.event_id).is_not(None),
                col(Consultation.introduction_id).is_not(None),
            ),
            0,
        ),
        else_=1,
    )
    rank = (
        func.row_number()
        .over(
            partition_by=col(Consultation.company_id),
            order_by=(named, col(Consultation.consulted_on), col(Consultation.id)),
        )
        .label("rank")
    )
    ranked = facts.consultations(
        col(Consultation.company_id).label("company_id"),
        col(Consultation.event_id).label("event_id"),
        col(Consultation.introduction_id).label("introduction_id"),
        col(Consultation.channel).label("channel"),
        rank,
        filters=filters,
        scope=scope,
    ).subquery("ranked")
    return (
        select(ranked.c.company_id, ranked.c.event_id, ranked.c.introduction_id, ranked.c.channel)
        .where(ranked.c.rank == 1)
        .subquery("firm_source")
    )


SourceKey = tuple[str, int | str | None]


def _source_key(event_id, introducer, introduction_id, channel) -> SourceKey:
    if event_id is not None:
        return EVENT, int(event_id)
    if introduction_id is not None:
        return INTRODUCTION, None if introducer is None else int(introducer)
    if channel is not None:
        return CHANNEL, str(channel)
    return NONE, None


def _by_source(session: Session, base: Select, company_column, sources) -> dict:
    """How many of ``base``'s rows per source of their firm (``company_column``)."""
    introduction = aliased(Introduction)
    inner = base.add_columns(
        sources.c.event_id.label("s_event"),
        sources.c.introduction_id.label("s_introduction"),
        sources.c.channel.label("s_channel"),
    ).outerjoin(sources, sources.c.company_id == company_column)
    rows = inner.subquery("sourced")
    statement = (
        select(
            rows.c.s_event,
            col(introduction.partner_id),
            rows.c.s_introduction,
            rows.c.s_channel,
            func.count(),
        )
        .select_from(rows)
        .outerjoin(introduction, col(introduction.id) == rows.c.s_introduction)
        .group_by(
            rows.c.s_event, col(introduction.partner_id), rows.c.s_introduction, rows.c.s_channel
        )
    )
    found: dict[SourceKey, int] = defaultdict(int)
    for event_id, introducer, introduction_id, channel, n in session.execute(statement).all():
        found[_source_key(event_id, introducer, introduction_id, channel)] += int(n)
    return found


def _flows_by_source(session: Session, filters: AnalyticsFilter, scope: list[str] | None):
    sources = firm_sources(filters, scope)
    firm = sources.alias("firm")  # each firm consulted, counted under its own source
    firms = _by_source(
        session, select(firm.c.company_id.label("firm_id")), firm.c.company_id, sources
    )
    needs = _by_source(
        session,
        _needs(col(TalentNeed.id).label("need_id"), filters=filters, scope=scope),
        col(TalentNeed.company_id),
        sources,
    )
    referred = _referred_needs(filters, scope)
    referred_base = (
        select(referred.c.need_id.label("referred_id"))
        .select_from(referred)
        .join(TalentNeed, col(TalentNeed.id) == referred.c.need_id)
    )
    needs_referred = _by_source(session, referred_base, col(TalentNeed.company_id), sources)
    placements = _by_source(
        session,
        _placements(col(Placement.id).label("placement_id"), filters=filters, scope=scope),
        col(Placement.company_id),
        sources,
    )
    keys = set(firms) | set(needs) | set(needs_referred) | set(placements)
    return {
        key: Flow(
            firms.get(key, 0), needs.get(key, 0), needs_referred.get(key, 0), placements.get(key, 0)
        )
        for key in keys
    }


def _event_rows(
    session: Session, filters: AnalyticsFilter, scope: list[str] | None, flows: dict
) -> tuple[tuple[SourceRow, ...], tuple[SourceRow, ...]]:
    held = {
        int(i)
        for (i,) in session.execute(_events(col(Event.id), filters=filters, scope=scope)).all()
    }
    ids = held | {key for kind, key in flows if kind == EVENT and isinstance(key, int)}
    if not ids:
        return (), ()
    attendees: dict[int, int] = dict(
        session.execute(
            select(col(EventAttendee.event_id), func.count())
            .where(col(EventAttendee.event_id).in_(sorted(ids)))
            .group_by(col(EventAttendee.event_id))
        ).all()
    )
    found = session.execute(
        select(
            col(Event.id),
            col(Event.title),
            col(Event.held_on),
            col(Event.kind),
            col(Event.hub_code),
        ).where(col(Event.id).in_(sorted(ids)))
    ).all()
    rows = []
    for event_id, title, held_on, kind, hub_code in found:
        rows.append(
            SourceRow(
                EVENT,
                int(event_id),
                str(title),
                flows.get((EVENT, int(event_id)), Flow()),
                held_on=held_on,
                event_kind=kind,
                hub_code=hub_code,
                attendees=int(attendees.get(event_id, 0)) if event_id in held else 0,
                events=1 if event_id in held else 0,
            )
        )
    rows.sort(key=lambda r: (r.held_on or dt.date.min, r.key or 0), reverse=True)
    kinds: dict[str, list[SourceRow]] = defaultdict(list)
    for row in rows:
        kinds[row.event_kind or ""].append(row)
    kind_rows = []
    for code in [*EventKind.labels(), *sorted(set(kinds) - set(EventKind.labels()))]:
        if code not in kinds:
            continue
        members = kinds[code]
        kind_rows.append(
            SourceRow(
                EVENT,
                code,
                EventKind.labels().get(code, UNKNOWN),
                sum((r.flow for r in members), Flow()),
                attendees=sum(r.attendees for r in members),
                events=sum(r.events for r in members),
            )
        )
    return tuple(rows), tuple(kind_rows)


def _introducer_rows(
    session: Session, filters: AnalyticsFilter, scope: list[str] | None, flows: dict
) -> tuple[SourceRow, ...]:
    made = dict(
        session.execute(
            _introductions(
                col(Introduction.partner_id), func.count(), filters=filters, scope=scope
            ).group_by(col(Introduction.partner_id))
        ).all()
    )
    ids = set(made) | {key for kind, key in flows if kind == INTRODUCTION}
    if not ids:
        return ()
    known = {i for i in ids if i is not None}
    names: dict[int, str] = dict(
        session.execute(
            select(col(Partner.id), col(Partner.name)).where(col(Partner.id).in_(sorted(known)))
        ).all()
    )
    rows = [
        SourceRow(
            INTRODUCTION,
            partner_id,
            names.get(partner_id, UNKNOWN) if partner_id is not None else UNKNOWN,
            flows.get((INTRODUCTION, partner_id), Flow()),
            introductions=int(made.get(partner_id, 0)),
        )
        for partner_id in ids
    ]
    rows.sort(key=lambda r: (-r.flow.placements, -r.flow.firms, -r.introductions, r.label))
    return tuple(rows)


def _channel_rows(flows: dict) -> tuple[SourceRow, ...]:
    labels = Channel.labels()
    present = {key for kind, key in flows if kind == CHANNEL}
    order = [*labels, *sorted(str(k) for k in present - set(labels))]
    return tuple(
        SourceRow(CHANNEL, code, labels.get(code, UNKNOWN), flows[(CHANNEL, code)])
        for code in order
        if code in present
    )


def _category_rows(
    session: Session, filters: AnalyticsFilter, scope: list[str] | None
) -> tuple[CategoryRow, ...]:
    needs = dict(
        session.execute(
            _needs(
                col(TalentNeed.category_id), func.count(), filters=filters, scope=scope
            ).group_by(col(TalentNeed.category_id))
        ).all()
    )
    referred = _referred_needs(filters, scope)
    referred_counts: dict[int, int] = dict(
        session.execute(
            select(col(TalentNeed.category_id), func.count())
            .select_from(referred)
            .join(TalentNeed, col(TalentNeed.id) == referred.c.need_id)
            .group_by(col(TalentNeed.category_id))
        ).all()
    )
    placed = dict(
        session.execute(
            _placements(
                col(TalentNeed.category_id), func.count(), filters=filters, scope=scope
            ).group_by(col(TalentNeed.category_id))
        ).all()
    )
    categories = session.execute(
        select(col(TalentCategory.id), col(TalentCategory.name_ja)).order_by(
            col(TalentCategory.sort_order), col(TalentCategory.id)
        )
    ).all()
    present = set(needs) | set(referred_counts) | set(placed)
    rows = [
        CategoryRow(
            int(i),
            str(name),
            Flow(0, int(needs.get(i, 0)), int(referred_counts.get(i, 0)), int(placed.get(i, 0))),
        )
        for i, name in categories
        if i in present
    ]
    return tuple(rows)


def _partner_rows(
    session: Session, filters: AnalyticsFilter, scope: list[str] | None
) -> tuple[PartnerStepRow, ...]:
    statement = select(col(Referral.partner_id), func.count(distinct(col(Referral.need_id))))
    statement = statement.select_from(Referral).join(
        TalentNeed, col(TalentNeed.id) == col(Referral.need_id)
    )
    statement = _need_filters(
        _within(_hubs(statement, Referral.hub_code, scope), Referral.referred_on, filters), filters
    )
    referred = dict(session.execute(statement.group_by(col(Referral.partner_id))).all())
    per_placement = _placements(
        col(Placement.partner_id).label("partner_id"),
        days_between(Placement.placed_on, _referral_on()).label("days"),
        filters=filters,
        scope=scope,
    ).subquery("placed_days")
    placed: dict[int | None, int] = defaultdict(int)
    histograms: dict[int | None, list[tuple[int, int]]] = defaultdict(list)
    for partner_id, days, n in session.execute(
        select(per_placement.c.partner_id, per_placement.c.days, func.count()).group_by(
            per_placement.c.partner_id, per_placement.c.days
        )
    ).all():
        placed[partner_id] += int(n)
        if days is not None:
            histograms[partner_id].append((int(days), int(n)))
    ids = set(referred) | set(placed)
    known = {i for i in ids if i is not None}
    names: dict[int, str] = dict(
        session.execute(
            select(col(Partner.id), col(Partner.name)).where(col(Partner.id).in_(sorted(known)))
        ).all()
    )
    rows = []
    for partner_id in ids:
        median, timed = _timed(histograms.get(partner_id, []))
        label = NO_PARTNER if partner_id is None else names.get(partner_id, UNKNOWN)
        rows.append(
            PartnerStepRow(
                partner_id,
                label,
                int(referred.get(partner_id, 0)),
                placed[partner_id],
                median,
                timed,
            )
        )
    rows.sort(key=lambda r: (r.partner_id is None, -r.placements, -r.needs_referred, r.label))
    return tuple(rows)


# --- the funnel -------------------------------------------------------------------------------


def _steps(
    counts: dict[str, int], days: dict[str, list[tuple[int, int]]]
) -> tuple[FunnelStep, ...]:
    steps = []
    for key in STEP_LABELS:
        median, timed = _timed(days.get(key, []))
        before = CONVERTS_FROM.get(key)
        steps.append(
            FunnelStep(
                key,
                counts[key],
                None if before is None else ratio(counts[key], counts[before]),
                median if key in DAYS_LABELS else None,
                timed,
            )
        )
    return tuple(steps)


def funnel(session: Session, actor: Actor, filters: AnalyticsFilter | None = None) -> Funnel:
    """The funnel for the hubs ``filters`` selects that ``actor`` may read (a hub manager:
    their hub; another hub is refused, PermissionDenied; a partner is refused)."""
    filters = filters or AnalyticsFilter()
    scope = filters.scope(actor)

    outreach_firms, outreach_days = _outreach(session, filters, scope)
    referred = _referred_needs(filters, scope)
    counts = {
        "events": _scalar(session, _events(func.count(), filters=filters, scope=scope)),
        "attending_firms": _scalar(
            session,
            _events(
                func.count(distinct(col(EventAttendee.company_id))), filters=filters, scope=scope
            ).join(EventAttendee, col(EventAttendee.event_id) == col(Event.id)),
        ),
        "introductions": _scalar(
            session, _introductions(func.count(), filters=filters, scope=scope)
        ),
        "outreach_firms": outreach_firms,
        "outreach_consulted": sum(n for _, n in outreach_days),
        "firms_consulted": _scalar(
            session,
            facts.consultations(
                func.count(distinct(col(Consultation.company_id))), filters=filters, scope=scope
            ),
        ),
        "needs": _scalar(session, _needs(func.count(), filters=filters, scope=scope)),
        "needs_referred": _scalar(session, select(func.count()).select_from(referred)),
        "placements": _scalar(session, _placements(func.count(), filters=filters, scope=scope)),
    }
    placement_days = _placements(
        days_between(Placement.placed_on, _referral_on()).label("days"),
        filters=filters,
        scope=scope,
    ).subquery("placement_days")
    days = {
        "outreach_consulted": outreach_days,
        "needs": _consultation_to_need(session, filters, scope),
        "needs_referred": _need_to_referral(session, filters, scope),
        "placements": _histogram(session, placement_days),
    }
    flows = _flows_by_source(session, filters, scope)
    events, event_kinds = _event_rows(session, filters, scope, flows)
    return Funnel(
        filters=filters,
        steps=_steps(counts, days),
        events=events,
        event_kinds=event_kinds,
        introducers=_introducer_rows(session, filters, scope, flows),
        channels=_channel_rows(flows),
        unattributed=flows.get((NONE, None), Flow()),
        categories=_category_rows(session, filters, scope),
        partners=_partner_rows(session, filters, scope),
    )


def source_total(rows: Iterable[SourceRow]) -> Flow:
    return sum((row.flow for row in rows), Flow())


# --- the tables as files and pages read them ---------------------------------------------------

# Column key -> (Japanese header, shown: "code" only with codes, "label" only with labels,
# "both"). Rates are ratios (0–1); medians are days.
COLUMNS: dict[str, tuple[str, str]] = {
    "step": ("段階コード", "code"),
    "step_label": ("段階", "label"),
    "count": ("件数", "both"),
    "conversion": ("前の段階からの率", "both"),
    "median_days": ("日数の中央値", "both"),
    "days_measured": ("日数の区間", "label"),
    "timed": ("日数を数えた件数", "both"),
    "event_id": ("イベントID", "code"),
    "held_on": ("開催日", "both"),
    "event_kind": ("種類コード", "code"),
    "event_kind_label": ("種類", "label"),
    "title": ("名称", "both"),
    "hub_code": ("拠点コード", "code"),
    "hub_name": ("拠点名", "label"),
    "events": ("期間内の開催回数", "both"),
    "attendees": ("参加企業数", "both"),
    "partner_id": ("パートナーID", "code"),
    "partner": ("パートナー", "label"),
    "introductions": ("紹介件数", "both"),
    "channel": ("相談経路コード", "code"),
    "channel_label": ("相談経路", "label"),
    "category_id": ("人材区分ID", "code"),
    "category": ("人材区分", "label"),
    "firms": ("相談企業", "both"),
    "needs": ("人材ニーズ", "both"),
    "needs_referred": ("紹介したニーズ", "both"),
    "placements": ("成約", "both"),
    "referral_rate": ("紹介率", "both"),
    "placement_rate": ("成約率", "both"),
}
FLOW_KEYS = ["firms", "needs", "needs_referred", "placements", "referral_rate", "placement_rate"]
TABLES: dict[str, tuple[str, list[str]]] = {
    "steps": (
        "ファネル",
        ["step", "step_label", "count", "conversion", "median_days", "days_measured", "timed"],
    ),
    "events": (
        "イベント別",
        [
            "event_id",
            "held_on",
            "event_kind",
            "event_kind_label",
            "title",
            "hub_code",
            "hub_name",
            "attendees",
            *FLOW_KEYS,
        ],
    ),
    "event_kinds": (
        "イベントの種類別",
        ["event_kind", "event_kind_label", "events", "attendees", *FLOW_KEYS],
    ),
    "introducers": (
        "紹介元パートナー別",
        ["partner_id", "partner", "introductions", *FLOW_KEYS],
    ),
    "channels": ("相談経路別", ["channel", "channel_label", *FLOW_KEYS]),
    "categories": ("人材区分別", ["category_id", "category", *FLOW_KEYS[1:]]),
    "partners": (
        "紹介先パートナー別（紹介→成約）",
        [
            "partner_id",
            "partner",
            "needs_referred",
            "placements",
            "conversion",
            "median_days",
            "timed",
        ],
    ),
}


def _flow(flow: Flow) -> dict:
    return {
        "firms": flow.firms,
        "needs": flow.needs,
        "needs_referred": flow.needs_referred,
        "placements": flow.placements,
        "referral_rate": flow.referral_rate,
        "placement_rate": flow.placement_rate,
    }


def _hub_name(code: str | None) -> str:
    return "" if code is None else PREFECTURES.get(code, (code,))[0]


def table_rows(found: Funnel, table: str) -> list[dict]:
    """One of ``TABLES`` as rows keyed by ``COLUMNS`` (codes and labels side by side)."""
    kinds = EventKind.labels()
    if table == "steps":
        return [
            {
                "step": s.key,
                "step_label": s.label,
                "count": s.count,
                "conversion": s.conversion,
                "median_days": s.median_days,
                "days_measured": s.days_label,
                "timed": s.timed if s.key in DAYS_LABELS else None,
            }
            for s in found.steps
        ]
    if table == "events":
        return [
            {
                "event_id": r.key,
                "held_on": r.held_on,
                "event_kind": r.event_kind,
                "event_kind_label": kinds.get(r.event_kind or "", UNKNOWN),
                "title": r.label,
                "hub_code": r.hub_code,
                "hub_name": _hub_name(r.hub_code),
                "attendees": r.attendees,
                **_flow(r.flow),
            }
            for r in found.events
        ]
    if table == "event_kinds":
        return [
            {
                "event_kind": r.key,
                "event_kind_label": r.label,
                "events": r.events,
                "attendees": r.attendees,
                **_flow(r.flow),
            }
            for r in found.event_kinds
        ]
    if table == "introducers":
        return [
            {
                "partner_id": r.key,
                "partner": r.label,
                "introductions": r.introductions,
                **_flow(r.flow),
            }
            for r in found.introducers
        ]
    if table == "channels":
        rows = [
            {"channel": r.key, "channel_label": r.label, **_flow(r.flow)} for r in found.channels
        ]
        if found.unattributed != Flow():
            rows.append(
                {"channel": None, "channel_label": SOURCE_KINDS[NONE], **_flow(found.unattributed)}
            )
        return rows
    if table == "categories":
        return [
            {"category_id": r.category_id, "category": r.label, **_flow(r.flow)}
            for r in found.categories
        ]
    if table == "partners":
        return [
            {
                "partner_id": r.partner_id,
                "partner": r.label,
                "needs_referred": r.needs_referred,
                "placements": r.placements,
                "conversion": r.conversion,
                "median_days": r.median_days,
                "timed": r.timed,
            }
            for r in found.partners
        ]
    raise ValueError(f"unknown funnel table: {table}")


def table_columns(table: str, codes: bool) -> list[str]:
    """The keys of ``table``'s columns a file shows: codes for programs, labels for people."""
    hidden = "label" if codes else "code"
    return [key for key in TABLES[table][1] if COLUMNS[key][1] != hidden]
