"""Prefecture comparison: one row per hub with the period's counts, cumulative counts and
progress against the fiscal year's targets. Feeds the 都道府県比較 page and
``crm report hubs``."""

import datetime as dt
from dataclasses import dataclass

from sqlmodel import Session, select

from crm.actor import Actor
from crm.analytics.filters import AnalyticsFilter
from crm.analytics.periods import TargetYear, target_year
from crm.analytics.summary import HubCounts, counts_by_hub
from crm.analytics.targets import TargetProgress, target_progress
from crm.models import Hub
from crm.timeutil import fiscal_year, fiscal_year_bounds, today_jst


@dataclass(frozen=True)
class HubComparisonRow:
    hub_code: str
    hub_name: str
    block: str
    active: bool
    consultations: int  # in the period
    needs_opened: int
    placements: int
    cumulative_consultations: int  # from the first record to the period's end
    cumulative_placements: int
    progress: TargetProgress | None  # None for a hub that is no longer active
    side_job_placements: int = 0  # of the period's placements: 副業・兼業
    outside_placements: int = 0  # of the period's placements: people from outside (県外)
    cumulative_side_job_placements: int = 0
    cumulative_outside_placements: int = 0

    @property
    def conversion(self) -> float | None:
        return self.placements / self.consultations if self.consultations else None


@dataclass(frozen=True)
class HubComparison:
    filters: AnalyticsFilter
    fiscal_year: int  # whose targets the progress columns use
    as_of: dt.date
    rows: tuple[HubComparisonRow, ...]

    @property
    def target_year(self) -> TargetYear:
        return TargetYear(self.fiscal_year, self.as_of)

    def total(self, attribute: str) -> int:
        return sum(getattr(row, attribute) for row in self.rows)

    @property
    def behind(self) -> list[HubComparisonRow]:
        return [row for row in self.rows if row.progress is not None and row.progress.behind]


def default_period(today: dt.date | None = None, **kwargs) -> AnalyticsFilter:
    """This fiscal year up to today (JST); ``kwargs`` are further AnalyticsFilter fields."""
    today = today or today_jst()
    return AnalyticsFilter(since=fiscal_year_bounds(fiscal_year(today))[0], until=today, **kwargs)


def hub_comparison(
    session: Session,
    actor: Actor,
    filters: AnalyticsFilter | None = None,
    today: dt.date | None = None,
) -> HubComparison:
    """Every active hub the actor may read (within the filter's blocks/hubs), plus any hub no
    longer active that still has records up to the period's end, so the rows always add up to the
    national total. Targets follow ``target_year``: the fiscal year the period belongs to."""
    today = today or today_jst()
    filters = filters or default_period(today)
    rule = target_year(filters.until, today)
    fy, as_of = rule.fiscal_year, rule.as_of
    scope = filters.scope(actor)

    period = counts_by_hub(session, actor, filters)
    cumulative = counts_by_hub(
        session, actor, filters.with_period(None, filters.until), dated=False
    )
    progress = {row.hub_code: row for row in target_progress(session, actor, fy, as_of, filters)}
    hubs = session.exec(select(Hub).order_by(Hub.code)).all()
    rows = []
    for hub in hubs:
        if scope is not None and hub.code not in scope:
            continue
        counts = period.get(hub.code, HubCounts())
        total = cumulative.get(hub.code, HubCounts())
        if not hub.active and counts == total == HubCounts():
            continue
        rows.append(
            HubComparisonRow(
                hub_code=hub.code,
                hub_name=hub.name_ja,
                block=hub.block,
                active=hub.active,
                consultations=counts.consultations,
                needs_opened=counts.needs_opened,
                placements=counts.placements,
                cumulative_consultations=total.consultations,
                cumulative_placements=total.placements,
                progress=progress.get(hub.code),
                side_job_placements=counts.side_job_placements,
                outside_placements=counts.outside_placements,
                cumulative_side_job_placements=total.side_job_placements,
                cumulative_outside_placements=total.outside_placements,
            )
        )
    return HubComparison(filters=filters, fiscal_year=fy, as_of=as_of, rows=tuple(rows))
