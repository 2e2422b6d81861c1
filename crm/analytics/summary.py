"""Counts per hub for a period: consultations, needs opened, placements (the comparison table
and target progress; national and per-hub headline figures are in crm.analytics.national)."""

from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session

from crm.actor import Actor
from crm.analytics import facts
from crm.analytics.filters import AnalyticsFilter
from crm.models import Consultation, Placement, TalentNeed


@dataclass(frozen=True)
class HubCounts:
    consultations: int = 0
    needs_opened: int = 0
    placements: int = 0


def counts_by_hub(
    session: Session, actor: Actor, filters: AnalyticsFilter, dated: bool = True
) -> dict[str, HubCounts]:
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
