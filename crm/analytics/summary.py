"""Counts per hub for a period: consultations, needs opened, placements, and of the placements
those in side or part-time engagement (うち副業・兼業) and those of people who lived outside the
prefecture before (県外からの人材: 首都圏 or その他の地域; an unrecorded residence is not
counted as outside). Feeds the comparison table, target progress and the monthly report;
national and per-hub headline figures are in crm.analytics.national."""

from dataclasses import dataclass

from sqlmodel import Session

from crm.actor import Actor
from crm.analytics import counted
from crm.analytics.filters import AnalyticsFilter
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
    """Consultations, needs opened and placements per hub, from the counts kept on write
    (``crm.analytics.counted``).

    ``dated=False`` counts everything up to the filter's end (cumulative). Hubs without any
    record are absent from the result."""
    scope = filters.scope(actor)

    def per_hub(fact: counted.Fact) -> dict[str, int]:
        found = counted.count(session, fact, ("hub_code",), filters, scope, dated)
        return {hub: n for (hub,), n in found.items()}

    consultations, needs = per_hub("consultations"), per_hub("needs")
    placements: dict[str, list[int]] = {}
    by = ("hub_code", "engagement", "residence")
    for (hub, engagement, residence), n in counted.count(
        session, "placements", by, filters, scope, dated
    ).items():
        figures = placements.setdefault(hub, [0, 0, 0])
        figures[0] += n
        figures[1] += n if engagement == Engagement.SIDE_JOB.value else 0
        figures[2] += n if residence in OUTSIDE_PREFECTURE else 0
    return {
        code: HubCounts(
            consultations.get(code, 0), needs.get(code, 0), *placements.get(code, (0, 0, 0))
        )
        for code in sorted(set(consultations) | set(needs) | set(placements))
    }
