"""Counts for a period: consultations, firms consulted, needs opened, placements."""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import distinct, func, select
from sqlmodel import Session

from crm.actor import Actor
from crm.analytics import facts
from crm.analytics.filters import AnalyticsFilter
from crm.analytics.scope import allowed_hubs
from crm.models import Consultation, Placement, TalentNeed


@dataclass(frozen=True)
class PeriodCounts:
    since: dt.date
    until: dt.date
    consultations: int
    companies_consulted: int
    needs_opened: int
    placements: int

    @property
    def conversion(self) -> float | None:
        """Placements per consultation in the period."""
        return self.placements / self.consultations if self.consultations else None


def period_counts(session: Session, actor: Actor, since: dt.date, until: dt.date,
                  hubs: Iterable[str] | None = None) -> PeriodCounts:
    scope = allowed_hubs(actor, hubs)

    def count(model, date_column, what=None):
        statement = select(what if what is not None else func.count()).select_from(model).where(
            date_column >= since, date_column <= until)
        if scope is not None:
            statement = statement.where(model.hub_code.in_(scope))
        return session.execute(statement).scalar_one()

    return PeriodCounts(
        since=since, until=until,
        consultations=count(Consultation, Consultation.consulted_on),
        companies_consulted=count(Consultation, Consultation.consulted_on,
                                  func.count(distinct(Consultation.company_id))),
        needs_opened=count(TalentNeed, TalentNeed.opened_on),
        placements=count(Placement, Placement.placed_on),
    )


@dataclass(frozen=True)
class HubCounts:
    consultations: int = 0
    needs_opened: int = 0
    placements: int = 0


def counts_by_hub(session: Session, actor: Actor, filters: AnalyticsFilter,
                  dated: bool = True) -> dict[str, HubCounts]:
    """Consultations, needs opened and placements per hub (GROUP BY hub_code in SQL).

    ``dated=False`` counts everything up to the filter's end (cumulative). Hubs without any
    record are absent from the result."""
    scope = filters.scope(actor)

    def grouped(builder, hub_column) -> dict[str, int]:
        statement = builder(hub_column, func.count(), filters=filters, scope=scope, dated=dated)
        return dict(session.execute(statement.group_by(hub_column)).all())

    consultations = grouped(facts.consultations, Consultation.hub_code)
    needs = grouped(facts.needs, TalentNeed.hub_code)
    placements = grouped(facts.placements, Placement.hub_code)
    return {
        hub: HubCounts(consultations.get(hub, 0), needs.get(hub, 0), placements.get(hub, 0))
        for hub in sorted(set(consultations) | set(needs) | set(placements))
    }
