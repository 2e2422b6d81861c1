"""Small scoped look-ups the pages need: choices for pickers and names for ids.

Each returns plain tuples or dicts (cheap to cache and to pickle), limited to the hubs the actor
may read, so a picker never offers another hub's record.
"""

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, or_
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from crm.actor import Actor
from crm.calendar_jp import day_with_weekday
from crm.models import Company, Consultation, Placement, TalentNeed
from crm.reference import Engagement, NeedStatus
from crm.search import gojuon_order, match_companies
from crm.services import companies
from crm.services.base import scope_filter


def _short(text: str | None, width: int = 30) -> str:
    text = (text or "").replace("\n", " ")
    return text if len(text) <= width else text[: width - 1] + "…"


def company_choices(
    session: Session, actor: Actor, hub_code: str | None = None
) -> list[tuple[int, str]]:
    """(id, "name（kana）") of every firm the actor may read (merged firms left out), in
    五十音 order of their kana."""
    statement = scope_filter(
        select(Company.id, Company.name, Company.kana), actor, Company.hub_code
    ).where(col(Company.merged_into).is_(None))
    if hub_code:
        statement = statement.where(Company.hub_code == hub_code)
    rows = session.exec(statement.order_by(*gojuon_order(session))).all()
    return [(row_id, _firm_label(name, kana)) for row_id, name, kana in rows]


def _firm_label(name: str, kana: str | None) -> str:
    return f"{name}（{kana}）" if kana else name


@dataclass(frozen=True)
class FirmChoices:
    """What a firm picker offers for one query: at most ``limit`` firms (id, label) and how
    many match in all. ``matched``: how many of the choices the search found; the others are
    the firms kept because they are chosen (or in the address) without matching or fitting."""

    choices: tuple[tuple[int, str], ...]
    total: int
    query: str
    matched: int

    @property
    def shortened(self) -> bool:
        return self.total > self.matched

    @property
    def kept_beyond(self) -> int:
        return len(self.choices) - self.matched


def firm_choices(
    session: Session,
    actor: Actor,
    typed: str | None = None,
    keep: Sequence[int] = (),
    limit: int = 100,
) -> FirmChoices:
    """Firms a picker offers while the user types: those matching ``typed`` through the indexed
    firm search, in 五十音 order, at most ``limit``; with no query every firm when there
    are no more than ``limit``, else the ones changed most recently. The firms in ``keep``
    (the one chosen, the one in the address) are always offered when the actor may read them."""
    query = (typed or "").strip()
    statement = select(Company.id, Company.name, Company.kana)
    total = companies.count_search_results(session, actor, query or None)
    if query or total <= limit:
        found = companies.search_companies(session, actor, query or None, limit=limit)
        rows = [(c.id, c.name, c.kana) for c in found if c.id is not None]
    else:
        recent = scope_filter(statement, actor, Company.hub_code).where(
            col(Company.merged_into).is_(None)
        )
        recent = recent.order_by(col(Company.updated_at).desc(), col(Company.id).desc())
        rows = [(r[0], r[1], r[2]) for r in session.exec(recent.limit(limit)).all()]
    offered = {row_id for row_id, _, _ in rows}
    matched = len(rows)
    missing = sorted({i for i in keep if i is not None} - offered)
    if missing:
        extra = scope_filter(statement, actor, Company.hub_code).where(
            col(Company.id).in_(missing), col(Company.merged_into).is_(None)
        )
        rows = [(r[0], r[1], r[2]) for r in session.exec(extra).all()] + rows
    return FirmChoices(
        tuple((row_id, _firm_label(name, kana)) for row_id, name, kana in rows),
        total,
        query,
        matched,
    )


def company_names(session: Session, actor: Actor, ids: Iterable[int]) -> dict[int, str]:
    """Names of the given firms; ids the actor may not read are left out."""
    wanted = sorted({i for i in ids if i is not None})
    if not wanted:
        return {}
    statement = scope_filter(select(Company.id, Company.name), actor, Company.hub_code)
    rows = session.exec(statement.where(col(Company.id).in_(wanted))).all()
    return dict(rows)


def _offered(
    session: Session,
    statement: Any,
    record: Any,
    typed: str | None,
    keep: Sequence[int],
    limit: int,
) -> list[tuple]:
    """A picker's rows of ``record`` (a model with ``company_id``, newest first by
    ``_DAY[record]``): those whose firm matches what is typed (name, kana or 法人番号), at most
    ``limit``, and those in ``keep`` (the one chosen, the one in the address) whatever is typed
    or beyond the limit."""
    ident, day = col(record.id), col(getattr(record, _DAY[record]))
    wanted = [i for i in keep if i is not None]
    query = (typed or "").strip()
    if query:
        matching = match_companies(select(Company.id), query, session.get_bind().dialect.name)
        firm = col(record.company_id).in_(matching.scalar_subquery())
        statement = statement.where(or_(firm, ident.in_(wanted)) if wanted else firm)
    statement = statement.order_by(day.desc(), ident.desc())
    rows = list(session.execute(statement.limit(limit)).tuples().all())
    missing = sorted(set(wanted) - {r[0] for r in rows})
    if missing:
        rows += list(session.execute(statement.where(ident.in_(missing))).tuples().all())
    return rows


_DAY = {TalentNeed: "opened_on", Consultation: "consulted_on", Placement: "placed_on"}


def need_choices(
    session: Session,
    actor: Actor,
    statuses: Iterable[str] | None = None,
    typed: str | None = None,
    keep: Sequence[int] = (),
    limit: int = 100,
) -> list[tuple[int, str]]:
    """(id, "会社 / 職種（状態・受付日）") of needs, newest first, optionally by status and by
    what is typed (the firm's name, kana or 法人番号), at most ``limit`` (a picker asks again
    as the user types)."""
    statement = scope_filter(
        sa_select(  # five columns: more than sqlmodel's select is typed for
            col(TalentNeed.id),
            col(Company.name),
            col(TalentNeed.role_title),
            col(TalentNeed.status),
            col(TalentNeed.opened_on),
        ).join(Company, col(Company.id) == col(TalentNeed.company_id)),
        actor,
        TalentNeed.hub_code,
    )
    if statuses is not None:
        statement = statement.where(col(TalentNeed.status).in_(list(statuses)))
    rows = _offered(session, statement, TalentNeed, typed, keep, limit)
    return [
        (need_id, f"{name} / {title}（{NeedStatus(status).label}・受付日 {opened:%Y/%m/%d}）")
        for need_id, name, title, status, opened in rows
    ]


def consultation_choices(
    session: Session,
    actor: Actor,
    company_id: int | None = None,
    typed: str | None = None,
    keep: Sequence[int] = (),
    limit: int = 100,
) -> list[tuple[int, str]]:
    """(id, "2026/12/07（月） 会社 – 要旨") of the latest consultations (of one firm, if given;
    of the firms matching what is typed), at most ``limit``."""
    statement = scope_filter(
        select(
            col(Consultation.id),
            col(Consultation.consulted_on),
            col(Company.name),
            col(Consultation.summary),
        ).join(Company, col(Company.id) == col(Consultation.company_id)),
        actor,
        Consultation.hub_code,
    )
    if company_id is not None:
        statement = statement.where(Consultation.company_id == company_id)
    rows = _offered(session, statement, Consultation, typed, keep, limit)
    return [
        (cid, f"{day_with_weekday(on)} {name} – {_short(summary)}")
        for cid, on, name, summary in rows
    ]


def consultation_company(session: Session, actor: Actor, consultation_id: int) -> int | None:
    """The firm a consultation belongs to, if the actor may read it."""
    statement = scope_filter(select(Consultation.company_id), actor, Consultation.hub_code)
    return session.exec(statement.where(Consultation.id == consultation_id)).first()


def placement_choices(
    session: Session,
    actor: Actor,
    since: dt.date | None = None,
    typed: str | None = None,
    keep: Sequence[int] = (),
    limit: int = 100,
) -> list[tuple[int, str]]:
    """(id, "2026/12/07（月） 会社 / 職種") of the latest placements (of the firms matching what
    is typed), at most ``limit``; the ones in ``keep`` whatever is typed."""
    statement = scope_filter(
        select(
            col(Placement.id),
            col(Placement.placed_on),
            col(Company.name),
            col(TalentNeed.role_title),
        )
        .join(Company, col(Company.id) == col(Placement.company_id))
        .join(TalentNeed, col(TalentNeed.id) == col(Placement.need_id)),
        actor,
        Placement.hub_code,
    )
    if since is not None:
        statement = statement.where(Placement.placed_on >= since)
    rows = _offered(session, statement, Placement, typed, keep, limit)
    return [(pid, f"{day_with_weekday(on)} {name} / {title}") for pid, on, name, title in rows]


def find_companies(
    session: Session,
    actor: Actor,
    text: str | None = None,
    hub_code: str | None = None,
    limit: int = 20,
    offset: int = 0,
    hubs: Sequence[str] = (),
) -> tuple[int, list[Company]]:
    """One page of a firm search and how many firms match in all (for paging)."""
    total = companies.count_search_results(session, actor, text, hub_code, hubs=hubs)
    return total, [] if limit == 0 else companies.search_companies(
        session, actor, text, hub_code, limit, offset, hubs=hubs
    )


def need_titles(session: Session, actor: Actor, ids: Iterable[int]) -> dict[int, str]:
    """Role titles of the given needs; ids the actor may not read are left out."""
    wanted = sorted({i for i in ids if i is not None})
    if not wanted:
        return {}
    statement = scope_filter(
        select(TalentNeed.id, TalentNeed.role_title), actor, TalentNeed.hub_code
    )
    return dict(session.exec(statement.where(col(TalentNeed.id).in_(wanted))).all())


def placements_by_engagement(
    session: Session,
    actor: Actor,
    since: dt.date | None = None,
    until: dt.date | None = None,
    hubs: Sequence[str] = (),
) -> dict[str, int]:
    """Placements in the period per engagement code (every code present, zero when none)."""
    statement = scope_filter(
        select(Placement.engagement, func.count()).group_by(Placement.engagement),
        actor,
        Placement.hub_code,
        hubs,
    )
    if since is not None:
        statement = statement.where(Placement.placed_on >= since)
    if until is not None:
        statement = statement.where(Placement.placed_on <= until)
    counts = dict(session.exec(statement).all())
    return {code.value: counts.get(code.value, 0) for code in Engagement}


def placement_needs(session: Session, actor: Actor, ids: Iterable[int]) -> dict[int, int]:
    """The need each given placement filled; ids the actor may not read are left out."""
    wanted = sorted({i for i in ids if i is not None})
    if not wanted:
        return {}
    statement = scope_filter(select(Placement.id, Placement.need_id), actor, Placement.hub_code)
    return dict(session.exec(statement.where(col(Placement.id).in_(wanted))).all())
