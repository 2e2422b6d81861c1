"""Counts per hub for a period: consultations, needs opened, placements, and of the placements
those in side or part-time engagement (うち副業・兼業) and those of people who lived outside the
prefecture before (県外からの人材: 東京圏 or その他の地域; an unrecorded residence is not
counted as outside). Feeds the comparison table, target progress and the monthly report;
national and per-hub headline figures are in crm.analytics.national."""

from dataclasses import dataclass

from sqlalchemy import case, func
from sqlmodel import Session, col

from crm.actor import Actor
from crm.analytics import facts
from crm.analytics.filters import AnalyticsFilter
from crm.models import Consultation, Placement, TalentNeed
from crm.reference import Engagement, Residence

OUTSIDE_PREFECTURE = (Residence.TOKYO_AREA.value, Residence.OTHER_REGION.value)


@dataclass(frozen=True)
class HubCounts:
    consultations: int = 0
    needs_opened: int = 0
    placements: int = 0
    side_job_placements: int = 0  # うち副業・兼業
    outside_placements: int = 0  # 県外からの人材


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
    hub = Placement.hub_code
    side_job = func.sum(case((col(Placement.engagement) == Engagement.SIDE_JOB.value, 1), else_=0))
    outside = func.sum(
        case((col(Placement.previous_residence).in_(OUTSIDE_PREFECTURE), 1), else_=0)
    )
    statement = facts.placements(
        hub, func.count(), side_job, outside, filters=filters, scope=scope, dated=dated
    )
    placements = {
        code: (int(n), int(side or 0), int(out or 0))
        for code, n, side, out in session.execute(statement.group_by(hub)).all()
    }
    return {
        code: HubCounts(
            consultations.get(code, 0), needs.get(code, 0), *placements.get(code, (0, 0, 0))
        )
        for code in sorted(set(consultations) | set(needs) | set(placements))
    }
