"""Headline figures for a period: the numbers at the top of the national dashboard."""

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import case, distinct, func, select
from sqlmodel import Session, col

from crm.actor import Actor
from crm.analytics import counted, facts
from crm.analytics.filters import AnalyticsFilter
from crm.analytics.sql import days_between
from crm.models import Consultation, Placement


@dataclass(frozen=True)
class HeadlineFigures:
    filters: AnalyticsFilter
    consultations: int
    companies_consulted: int
    needs_opened: int
    placements: int
    # Placements whose firm has a recorded consultation (the ones the median is taken over).
    placements_timed: int
    median_days_to_placement: float | None
    companies_placed: int
    companies_placed_repeatedly: int

    @property
    def conversion(self) -> float | None:
        """Placements per consultation in the period."""
        return self.placements / self.consultations if self.consultations else None

    @property
    def repeat_share(self) -> float | None:
        """Share of the firms with a placement in the period that had more than one."""
        if not self.companies_placed:
            return None
        return self.companies_placed_repeatedly / self.companies_placed


def median_from_histogram(histogram: Iterable[tuple[int, int]]) -> float | None:
    """Median of a distribution given as (value, how many) pairs."""
    pairs = sorted((value, count) for value, count in histogram if count)
    total = sum(count for _, count in pairs)
    if not total:
        return None
    # 0-based positions of the middle value(s) in the sorted list of all values.
    wanted = sorted({(total - 1) // 2, total // 2})
    found: list[int] = []
    seen = 0
    for value, count in pairs:
        while wanted and wanted[0] < seen + count:
            found.append(value)
            wanted.pop(0)
        seen += count
    return sum(found) / len(found)


def days_to_placement_histogram(
    session: Session, filters: AnalyticsFilter, scope: list[str] | None
) -> list[tuple[int, int]]:
    """(days from the firm's first consultation to the placement, placements), in SQL."""
    # One seek per placement of the period: the firm's earliest consultation is the first
    # entry of the (firm, date) index. Firms without a consultation have no first one.
    first_on = (
        select(func.min(Consultation.consulted_on))
        .where(col(Consultation.company_id) == col(Placement.company_id))
        .correlate(Placement)
        .scalar_subquery()
    )
    # In a subquery, so that the lookup runs once per placement (not again for GROUP BY).
    per_placement = facts.placements(
        days_between(Placement.placed_on, first_on).label("days"), filters=filters, scope=scope
    ).subquery("per_placement")
    statement = select(per_placement.c.days, func.count()).group_by(per_placement.c.days)
    return [(int(d), int(n)) for d, n in session.execute(statement).all() if d is not None]


def headline_figures(
    session: Session, actor: Actor, filters: AnalyticsFilter | None = None
) -> HeadlineFigures:
    filters = filters or AnalyticsFilter()
    scope = filters.scope(actor)

    # The counts come from the summaries; the firms need the period's rows (indexed by date).
    consultations = counted.total(session, "consultations", filters, scope)
    needs = counted.total(session, "needs", filters, scope)
    placed = counted.total(session, "placements", filters, scope)
    companies = session.execute(
        facts.consultations(
            func.count(distinct(col(Consultation.company_id))), filters=filters, scope=scope
        )
    ).scalar_one()
    per_company = (
        facts.placements(
            Placement.company_id, func.count().label("placed"), filters=filters, scope=scope
        )
        .group_by(col(Placement.company_id))
        .subquery("placed_per_company")
    )
    firms, repeat_firms = session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(case((per_company.c.placed > 1, 1), else_=0)), 0),
        ).select_from(per_company)
    ).one()

    histogram = days_to_placement_histogram(session, filters, scope)
    return HeadlineFigures(
        filters=filters,
        consultations=int(consultations),
        companies_consulted=int(companies),
        needs_opened=int(needs),
        placements=int(placed),
        placements_timed=sum(n for _, n in histogram),
        median_days_to_placement=median_from_histogram(histogram),
        companies_placed=int(firms),
        companies_placed_repeatedly=int(repeat_firms),
    )
