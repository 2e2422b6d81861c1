"""Seminars (events) and introductions: where firms come from before they consult the hub
(issue 28, part 2).

A hub manager registers the hub's events (a seminar, a briefing…) with their co-hosts among the
active partners (a regional bank, a chamber of commerce) and the hub's firms that attended, one
by one from the firm picker or many at once from a list (``crm.csvio.attendee_file`` reads the
file and hands its rows to ``plan_attendees`` / ``register_attendees`` here). An introduction
records that a partner brought a firm to the hub. A consultation then names the event or the
introduction it came from (``crm.services.consultations``, rule ``rules.consultation_source``).

Every write goes through the write layer (versioned, audited, the hub's data version raised);
only the hub's own managers write, the secretariat and administrators read any hub, a partner
reads nothing here (``crm.actor.allowed_hubs`` refuses it).
"""

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, func, or_
from sqlmodel import Session, col, select

from crm import rules
from crm.actor import Actor
from crm.auth.sessions import require_live
from crm.entities import EventInput, IntroductionInput
from crm.entities.outreach import Event, EventAttendee, EventCohost, Introduction
from crm.errors import NotFound, PermissionDenied, ValidationError
from crm.models import Company, Consultation, Partner, stored_id
from crm.reference import EventKind
from crm.services.base import applied, delete_row, scope_filter, update_row
from crm.services.merge import require_not_merged
from crm.textnorm import firm_name_key
from crm.validation import normalize_corporate_number, parse_input
from crm.writes import Plan, apply

EVENT_TERM = "セミナー・イベント"
INTRODUCTION_TERM = "紹介"
# Statuses of a row of an attendee list (``plan_attendees``).
EXISTING = "既存の企業"
MISSING = "見つからない"
# The most rows an attendee list may hold (a seminar's list is tens, a large fair hundreds).
MAX_ATTENDEE_ROWS = 5_000
# Rows named in a refusal's message; beyond them it counts.
MAX_ROWS_NAMED = 20


# --- values the pages show ----------------------------------------------------------------------


@dataclass(frozen=True)
class EventRow:
    """An event as the lists show it."""

    id: int
    hub_code: str
    held_on: dt.date
    kind: str
    title: str
    venue: str | None
    cohosts: tuple[str, ...]  # partner names
    attendees: int  # firms attending
    consultations: int  # consultations that came from it
    version: int

    @property
    def kind_label(self) -> str:
        return EventKind.labels().get(self.kind, self.kind)


@dataclass(frozen=True)
class IntroductionRow:
    id: int
    hub_code: str
    introduced_on: dt.date
    partner_id: int
    partner: str
    company_id: int
    company: str
    notes: str | None
    version: int


@dataclass(frozen=True)
class Attendee:
    company_id: int
    name: str
    corporate_number: str | None


@dataclass(frozen=True)
class AddedAttendees:
    """What ``add_attendees`` did: the firms added, and those it left out because they already
    attend (or were named twice)."""

    added: tuple[int, ...]
    duplicates: tuple[int, ...]


@dataclass(frozen=True)
class AttendeeLine:
    """One row of an attendee list as read from a file: its row number and the values found."""

    row: int
    corporate_number: str | None
    name: str | None


@dataclass(frozen=True)
class AttendeeMatch:
    """One row of an attendee list against the hub's firms."""

    row: int
    corporate_number: str | None
    name: str | None
    status: str  # EXISTING or MISSING
    company_id: int | None
    company_name: str | None
    reason: str


@dataclass(frozen=True)
class AttendeePlan:
    event_id: int
    rows: tuple[AttendeeMatch, ...]

    @property
    def missing(self) -> tuple[AttendeeMatch, ...]:
        return tuple(r for r in self.rows if r.status == MISSING)

    @property
    def company_ids(self) -> tuple[int, ...]:
        return tuple(
            dict.fromkeys(r.company_id for r in self.rows if r.company_id is not None).keys()
        )


@dataclass(frozen=True)
class SourceChoice:
    """An event or introduction a consultation of a firm may name as its source."""

    kind: str  # "event" or "introduction"
    id: int
    label: str
    on: dt.date


# --- reading one record -------------------------------------------------------------------------


def _row(session: Session, actor: Actor, model, row_id: int, term: str):
    require_live(session, actor)
    row = session.get(model, row_id) if isinstance(row_id, int) else None
    if row is None:
        raise NotFound(f"{term}（ID {row_id}）は見つかりません。")
    actor.require_read(row.hub_code)
    return row


def _writer(actor: Actor) -> str:
    """The actor's hub if it is a hub manager's (every outreach record is written into it)."""
    actor.require_write(actor.hub_code or "")
    return actor.own_hub


def get_event(session: Session, actor: Actor, event_id: int) -> Event:
    return _row(session, actor, Event, event_id, EVENT_TERM)


def get_introduction(session: Session, actor: Actor, introduction_id: int) -> Introduction:
    return _row(session, actor, Introduction, introduction_id, INTRODUCTION_TERM)


# --- events ------------------------------------------------------------------------------------


def _ids(raw: object, field: str) -> list[int]:
    """A list of record ids from a form or a call (each once, in order)."""
    return list(dict.fromkeys(_id_list(raw, field)))


def _id_list(raw: object, field: str) -> list[int]:
    """A list of record ids from a form or a call, as given (repeats kept)."""
    if raw is None:
        return []
    items: Iterable[Any] = [raw] if isinstance(raw, int | str) else raw  # type: ignore[assignment]
    found: list[int] = []
    try:
        for item in items:
            if isinstance(item, bool):
                raise ValueError
            value = int(item)
            if not 1 <= value <= rules.MAX_ID:
                raise ValueError
            found.append(value)
    except (TypeError, ValueError):
        raise ValidationError({field: "IDの一覧として読めません"}) from None
    return found


def _cohosts(session: Session, raw: object) -> list[int]:
    """Co-hosts: registered, active partners (refused by name or id otherwise)."""
    ids = _ids(raw, "cohost_ids")
    if not ids:
        return []
    partners = {
        stored_id(p.id): p for p in session.exec(select(Partner).where(col(Partner.id).in_(ids)))
    }
    unknown = [str(i) for i in ids if i not in partners]
    inactive = [partners[i].name for i in ids if i in partners and not partners[i].active]
    if unknown:
        raise ValidationError(
            {"cohost_ids": f"パートナー（ID {'、'.join(unknown)}）は登録されていません"}
        )
    if inactive:
        raise ValidationError(
            {"cohost_ids": f"無効のパートナーは共催にできません: {'、'.join(inactive)}"}
        )
    return ids


def create_event(session: Session, actor: Actor, data: dict) -> Event:
    """Register an event of the actor's hub with its co-hosts (``data["cohost_ids"]``)."""
    hub = _writer(actor)
    values = parse_input(EventInput, data)
    cohosts = _cohosts(session, data.get("cohost_ids"))
    plan = Plan()
    event = plan.insert(Event, {"hub_code": hub, **values.model_dump()})
    for partner_id in cohosts:
        plan.insert(EventCohost, {"event_id": event, "partner_id": partner_id, "hub_code": hub})
    return applied(session, actor, plan, Event, event)


def _cohost_rows(session: Session, event_id: int) -> list[EventCohost]:
    return list(
        session.exec(
            select(EventCohost)
            .where(col(EventCohost.event_id) == event_id)
            .order_by(col(EventCohost.id))
        ).all()
    )


def update_event(
    session: Session, actor: Actor, event_id: int, data: dict, expected_version: int
) -> Event:
    """Edit an event (and, when ``data`` names them, its co-hosts), if it is still at
    ``expected_version``."""
    event = get_event(session, actor, event_id)
    actor.require_write(event.hub_code)
    values = parse_input(EventInput, data)
    current = _cohost_rows(session, stored_id(event.id))
    wanted = (
        _cohosts(session, data.get("cohost_ids"))
        if "cohost_ids" in data
        else [c.partner_id for c in current]
    )
    if event.version != expected_version:
        return update_row(session, actor, event, {}, expected_version)  # raises StaleVersion
    before = event.model_dump()
    plan = Plan()
    plan.change(Event, stored_id(event.id), expected_version, values.model_dump(), before)
    had = {c.partner_id for c in current}
    for partner_id in wanted:
        if partner_id not in had:
            plan.insert(
                EventCohost,
                {"event_id": event.id, "partner_id": partner_id, "hub_code": event.hub_code},
            )
    try:
        apply(session, actor, plan)
    finally:
        session.expire(event)
    for cohost in current:
        if cohost.partner_id not in wanted:
            delete_row(session, actor, cohost)
    session.flush()
    session.refresh(event)
    return event


def _event_filter(
    statement,
    actor: Actor,
    hubs: Sequence[str] | None,
    date_from: dt.date | None,
    date_to: dt.date | None,
):
    statement = scope_filter(statement, actor, Event.hub_code, tuple(hubs or ()))
    if date_from is not None:
        statement = statement.where(col(Event.held_on) >= date_from)
    if date_to is not None:
        statement = statement.where(col(Event.held_on) <= date_to)
    return statement


def list_events(
    session: Session,
    actor: Actor,
    *,
    hubs: Sequence[str] | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[EventRow]:
    """The events of the hubs the actor may read (or of ``hubs``), latest first, with their
    co-hosts, how many firms attended and how many consultations came from each."""
    attendees = (
        select(func.count())
        .select_from(EventAttendee)
        .where(col(EventAttendee.event_id) == Event.id)
        .scalar_subquery()
    )
    consulted = (
        select(func.count())
        .select_from(Consultation)
        .where(col(Consultation.event_id) == Event.id)
        .scalar_subquery()
    )
    statement = _event_filter(
        select(Event, attendees.label("attendees"), consulted.label("consultations")),
        actor,
        hubs,
        date_from,
        date_to,
    ).order_by(col(Event.held_on).desc(), col(Event.id).desc())
    found = session.exec(statement.offset(offset).limit(limit)).all()
    ids = [stored_id(event.id) for event, _, _ in found]
    names: dict[int, list[str]] = {}
    if ids:
        for event_id, name in session.exec(
            select(EventCohost.event_id, Partner.name)
            .join(Partner, col(Partner.id) == EventCohost.partner_id)
            .where(col(EventCohost.event_id).in_(ids))
            .order_by(col(EventCohost.id))
        ):
            names.setdefault(event_id, []).append(name)
    return [
        EventRow(
            id=stored_id(event.id),
            hub_code=event.hub_code,
            held_on=event.held_on,
            kind=event.kind,
            title=event.title,
            venue=event.venue,
            cohosts=tuple(names.get(stored_id(event.id), ())),
            attendees=int(attending),
            consultations=int(consultations),
            version=event.version,
        )
        for event, attending, consultations in found
    ]


def count_events(
    session: Session,
    actor: Actor,
    *,
    hubs: Sequence[str] | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> int:
    """How many ``list_events`` would list without a limit."""
    counted = select(func.count()).select_from(Event)
    return session.exec(_event_filter(counted, actor, hubs, date_from, date_to)).one()


def event_cohosts(session: Session, actor: Actor, event_id: int) -> list[int]:
    """The partner ids of an event's co-hosts (for its edit form)."""
    event = get_event(session, actor, event_id)
    return [c.partner_id for c in _cohost_rows(session, stored_id(event.id))]


def event_attendees(session: Session, actor: Actor, event_id: int) -> list[Attendee]:
    """The firms that attended an event, by name."""
    event = get_event(session, actor, event_id)
    rows = session.exec(
        select(Company.id, Company.name, Company.corporate_number)
        .join(EventAttendee, col(EventAttendee.company_id) == Company.id)
        .where(col(EventAttendee.event_id) == event.id)
        .order_by(col(Company.name_key), col(Company.id))
    ).all()
    return [Attendee(stored_id(i), name, number) for i, name, number in rows]


def add_attendees(
    session: Session, actor: Actor, event_id: int, company_ids: Iterable[int]
) -> AddedAttendees:
    """Register firms of the event's hub as attending it; firms already attending (or named
    twice) are left out and reported back in ``duplicates``."""
    event = get_event(session, actor, event_id)
    actor.require_write(event.hub_code)
    raw = _id_list(list(company_ids or ()), "company_ids")
    requested = list(dict.fromkeys(raw))
    if not requested:
        raise ValidationError({"company_ids": "参加企業を選んでください"})
    firms = {
        stored_id(c.id): c
        for c in session.exec(select(Company).where(col(Company.id).in_(requested)))
    }
    unknown = [str(i) for i in requested if i not in firms]
    if unknown:
        raise ValidationError({"company_ids": f"企業（ID {'、'.join(unknown)}）は見つかりません"})
    for company_id in requested:
        firm = firms[company_id]
        if firm.hub_code != event.hub_code:
            raise PermissionDenied(
                f"企業「{firm.name}」はこのセミナー・イベントの拠点の企業ではありません。"
                "参加企業には自拠点の企業だけを登録できます。"
            )
        require_not_merged(session, firm, "company_ids")
    attending = set(
        session.exec(
            select(EventAttendee.company_id).where(
                col(EventAttendee.event_id) == event.id,
                col(EventAttendee.company_id).in_(requested),
            )
        ).all()
    )
    fresh = [i for i in requested if i not in attending]
    duplicates = [i for i in requested if i in attending or raw.count(i) > 1]
    if fresh:
        plan = Plan()
        for company_id in fresh:
            plan.insert(
                EventAttendee,
                {"event_id": event.id, "company_id": company_id, "hub_code": event.hub_code},
            )
        apply(session, actor, plan)
    return AddedAttendees(tuple(fresh), tuple(duplicates))


def remove_attendee(session: Session, actor: Actor, event_id: int, company_id: int) -> None:
    """Take a firm off an event's attendees (refused while a consultation of the firm names the
    event as its source)."""
    event = get_event(session, actor, event_id)
    actor.require_write(event.hub_code)
    row = session.exec(
        select(EventAttendee).where(
            col(EventAttendee.event_id) == event.id, col(EventAttendee.company_id) == company_id
        )
    ).first()
    if row is None:
        raise NotFound(f"企業（ID {company_id}）はこのセミナー・イベントの参加企業ではありません。")
    named = session.exec(
        select(func.count())
        .select_from(Consultation)
        .where(col(Consultation.event_id) == event.id, col(Consultation.company_id) == company_id)
    ).one()
    if named:
        raise ValidationError(
            {
                "company_id": (
                    f"この企業の相談 {named:,} 件がこのセミナー・イベントをきっかけとして"
                    "記録されているため、参加企業から外せません"
                )
            }
        )
    delete_row(session, actor, row)
    session.flush()


# --- attendee lists (from a file: crm.csvio.attendee_file) --------------------------------------


def _number(text: str | None) -> tuple[str | None, str | None]:
    """(a valid 法人番号, None) or (None, the reason it is not one)."""
    if not text:
        return None, None
    try:
        return normalize_corporate_number(text), None
    except ValueError as error:
        return None, f"法人番号が正しくありません（{error}）"


def plan_attendees(
    session: Session, actor: Actor, event_id: int, lines: Sequence[AttendeeLine]
) -> AttendeePlan:
    """Each row of an attendee list against the event's hub's firms: by 法人番号, else by the
    firm's name as ``crm.textnorm.firm_name_key`` folds it (株式会社山形ビル = (株)山形ビル).
    Nothing is written."""
    event = get_event(session, actor, event_id)
    actor.require_write(event.hub_code)
    if len(lines) > MAX_ATTENDEE_ROWS:
        raise ValidationError(
            {
                "file": f"参加企業の一覧は {MAX_ATTENDEE_ROWS:,} 行までです"
                f"（{len(lines):,} 行あります）。分けて登録してください"
            }
        )
    numbers = {n for n, _ in (_number(line.corporate_number) for line in lines) if n}
    keys = {firm_name_key(line.name) for line in lines if line.name} - {""}
    firms: list[tuple[int, str, str | None, str | None]] = []
    if numbers or keys:
        conditions = []
        if numbers:
            conditions.append(col(Company.corporate_number).in_(sorted(numbers)))
        if keys:
            conditions.append(col(Company.name_key).in_(sorted(keys)))
        firms = [
            (stored_id(i), name, number, key)
            for i, name, number, key in session.exec(
                select(Company.id, Company.name, Company.corporate_number, Company.name_key)
                .where(
                    and_(
                        col(Company.hub_code) == event.hub_code,
                        col(Company.merged_into).is_(None),
                        or_(*conditions),
                    )
                )
                .order_by(col(Company.id))
            ).all()
        ]
    by_number = {number: (i, name) for i, name, number, _ in firms if number}
    by_key: dict[str, list[tuple[int, str, str | None]]] = {}
    for i, name, number, key in firms:
        if key:
            by_key.setdefault(key, []).append((i, name, number))
    attending = set(
        session.exec(
            select(EventAttendee.company_id).where(col(EventAttendee.event_id) == event.id)
        ).all()
    )
    seen: dict[int, int] = {}
    matched: list[AttendeeMatch] = []
    for line in lines:
        found, reason = _match(line, by_number, by_key)
        if found is None:
            matched.append(
                AttendeeMatch(line.row, line.corporate_number, line.name, MISSING, None, None,
                              reason)
            )  # fmt: skip
            continue
        company_id, company_name, how = found
        if company_id in attending:
            how += "（登録済みの参加企業です）"
        elif company_id in seen:
            how += f"（{seen[company_id]}行目と同じ企業です）"
        seen.setdefault(company_id, line.row)
        matched.append(
            AttendeeMatch(
                line.row, line.corporate_number, line.name, EXISTING, company_id, company_name, how
            )
        )
    return AttendeePlan(stored_id(event.id), tuple(matched))


def _match(
    line: AttendeeLine,
    by_number: dict[str, tuple[int, str]],
    by_key: dict[str, list[tuple[int, str, str | None]]],
) -> tuple[tuple[int, str, str] | None, str]:
    number, refused = _number(line.corporate_number)
    if refused:
        return None, refused
    if number is not None and number in by_number:
        company_id, name = by_number[number]
        return (company_id, name, "法人番号で照合"), ""
    if not line.name and number is None:
        return None, "法人番号も企業名も空です"
    candidates = by_key.get(firm_name_key(line.name), []) if line.name else []
    if number is not None:
        # A number no firm of the hub holds: a firm of that name holding another number is
        # another firm; one without a number may be it.
        candidates = [c for c in candidates if c[2] in (None, number)]
    if len(candidates) == 1:
        company_id, name, _ = candidates[0]
        return (company_id, name, "企業名で照合"), ""
    if len(candidates) > 1:
        ids = "、".join(str(c[0]) for c in candidates[:5])
        return None, f"同じ名前の企業が複数あります（企業ID {ids}）。法人番号で指定してください"
    if number is not None:
        return None, "この法人番号の企業は拠点に登録されていません"
    return None, "この名前の企業は拠点に登録されていません"


def register_attendees(
    session: Session, actor: Actor, event_id: int, lines: Sequence[AttendeeLine]
) -> AddedAttendees:
    """Register every firm of an attendee list, or none: any row not found refuses the whole
    list, naming the rows."""
    plan = plan_attendees(session, actor, event_id, lines)
    missing = plan.missing
    if missing:
        listed = "、".join(f"{m.row}行目（{m.reason}）" for m in missing[:MAX_ROWS_NAMED])
        more = f"ほか {len(missing) - MAX_ROWS_NAMED:,} 行" if len(missing) > MAX_ROWS_NAMED else ""
        raise ValidationError(
            {
                "file": f"企業が見つからない行が {len(missing):,} 行あるため、登録しませんでした: "
                + listed
                + (f"、{more}" if more else "")
                + "。企業を登録してから、もう一度読み込んでください"
            }
        )
    named = [m.company_id for m in plan.rows if m.company_id is not None]
    if not named:
        raise ValidationError({"file": "参加企業の行がありません"})
    return add_attendees(session, actor, event_id, named)


# --- introductions ------------------------------------------------------------------------------


def _partner_active(session: Session, partner_id: int) -> rules.Errors:
    partner = session.get(Partner, partner_id)
    if partner is None:
        return rules.partner_known(partner_id, False)
    if not partner.active:
        return {"partner_id": f"パートナー「{partner.name}」は無効です"}
    return {}


def record_introduction(session: Session, actor: Actor, data: dict) -> Introduction:
    """A partner brought a firm of the actor's hub to the hub."""
    hub = _writer(actor)
    values = parse_input(IntroductionInput, data)
    firm = session.get(Company, values.company_id)
    if firm is None:
        raise ValidationError({"company_id": f"企業（ID {values.company_id}）は見つかりません"})
    actor.require_write(firm.hub_code)
    require_not_merged(session, firm)
    rules.require(_partner_active(session, values.partner_id))
    plan = Plan()
    key = plan.insert(Introduction, {"hub_code": hub, **values.model_dump()})
    return applied(session, actor, plan, Introduction, key)


def update_introduction(
    session: Session, actor: Actor, introduction_id: int, data: dict, expected_version: int
) -> Introduction:
    """Edit an introduction (its firm stays; the partner must be active when changed)."""
    introduction = get_introduction(session, actor, introduction_id)
    actor.require_write(introduction.hub_code)
    require_not_merged(session, introduction.company_id)
    values = parse_input(IntroductionInput, {**data, "company_id": introduction.company_id})
    if values.partner_id != introduction.partner_id:
        rules.require(_partner_active(session, values.partner_id))
    return update_row(
        session,
        actor,
        introduction,
        values.model_dump(exclude={"company_id"}),
        expected_version,
    )


def _introduction_filter(
    statement,
    actor: Actor,
    hubs: Sequence[str] | None,
    date_from: dt.date | None,
    date_to: dt.date | None,
):
    statement = scope_filter(statement, actor, Introduction.hub_code, tuple(hubs or ()))
    if date_from is not None:
        statement = statement.where(col(Introduction.introduced_on) >= date_from)
    if date_to is not None:
        statement = statement.where(col(Introduction.introduced_on) <= date_to)
    return statement


def _introduction_rows(session: Session, statement) -> list[IntroductionRow]:
    return [
        IntroductionRow(
            id=stored_id(i.id),
            hub_code=i.hub_code,
            introduced_on=i.introduced_on,
            partner_id=i.partner_id,
            partner=partner,
            company_id=i.company_id,
            company=company,
            notes=i.notes,
            version=i.version,
        )
        for i, partner, company in session.exec(statement).all()
    ]


def _introductions_joined():
    return (
        select(Introduction, Partner.name, Company.name)
        .join(Partner, col(Partner.id) == Introduction.partner_id)
        .join(Company, col(Company.id) == Introduction.company_id)
    )


def list_introductions(
    session: Session,
    actor: Actor,
    *,
    hubs: Sequence[str] | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[IntroductionRow]:
    statement = _introduction_filter(_introductions_joined(), actor, hubs, date_from, date_to)
    statement = statement.order_by(
        col(Introduction.introduced_on).desc(), col(Introduction.id).desc()
    )
    return _introduction_rows(session, statement.offset(offset).limit(limit))


def count_introductions(
    session: Session,
    actor: Actor,
    *,
    hubs: Sequence[str] | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> int:
    counted = select(func.count()).select_from(Introduction)
    return session.exec(_introduction_filter(counted, actor, hubs, date_from, date_to)).one()


def introductions_of_company(
    session: Session, actor: Actor, company_id: int
) -> list[IntroductionRow]:
    """A firm's introductions, latest first (the firm must be readable)."""
    firm = _row(session, actor, Company, company_id, "企業")
    statement = scope_filter(_introductions_joined(), actor, Introduction.hub_code).where(
        col(Introduction.company_id) == firm.id
    )
    statement = statement.order_by(
        col(Introduction.introduced_on).desc(), col(Introduction.id).desc()
    )
    return _introduction_rows(session, statement)


def events_of_company(session: Session, actor: Actor, company_id: int) -> list[EventRow]:
    """The events a firm attended, latest first (the firm must be readable)."""
    firm = _row(session, actor, Company, company_id, "企業")
    ids = select(EventAttendee.event_id).where(col(EventAttendee.company_id) == firm.id)
    rows = session.exec(
        scope_filter(select(Event), actor, Event.hub_code)
        .where(col(Event.id).in_(ids))
        .order_by(col(Event.held_on).desc(), col(Event.id).desc())
    ).all()
    return [
        EventRow(
            id=stored_id(e.id),
            hub_code=e.hub_code,
            held_on=e.held_on,
            kind=e.kind,
            title=e.title,
            venue=e.venue,
            cohosts=(),
            attendees=0,
            consultations=0,
            version=e.version,
        )
        for e in rows
    ]


def source_choices(session: Session, actor: Actor, company_id: int) -> list[SourceChoice]:
    """What a consultation of a firm may name as its source: the events it attended and its
    introductions, latest first (for the consultation form's 「きっかけ」)."""
    events = events_of_company(session, actor, company_id)
    introductions = introductions_of_company(session, actor, company_id)
    choices = [
        SourceChoice("event", e.id, f"{e.kind_label}「{e.title}」", e.held_on) for e in events
    ] + [
        SourceChoice("introduction", i.id, f"{i.partner}からの紹介", i.introduced_on)
        for i in introductions
    ]
    return sorted(choices, key=lambda c: (c.on, c.kind, c.id), reverse=True)
