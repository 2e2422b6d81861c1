"""The programme's headline series: monthly cumulative consultations against contracts."""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, replace

from sqlalchemy import func
from sqlmodel import Session

from crm.actor import Actor
from crm.analytics import facts
from crm.analytics.filters import AnalyticsFilter
from crm.models import Consultation, Placement
from crm.timeutil import month_range, today_jst


@dataclass(frozen=True)
class TrendPoint:
    month: str  # YYYY-MM
    consultations: int  # in that month
    contracts: int
    cumulative_consultations: int
    cumulative_contracts: int


def _monthly(session: Session, statement, day_column) -> dict[str, int]:
    """Counts per month from counts per day: grouping by the indexed date column and folding
    the days (at most 366 rows a year) into months here is about twice as fast on SQLite as
    formatting every row's date in SQL."""
    months: dict[str, int] = {}
    for day, count in session.execute(statement.group_by(day_column)).all():
        key = day.strftime("%Y-%m") if isinstance(day, dt.date) else str(day)[:7]
        months[key] = months.get(key, 0) + count
    return months


def monthly_trend(
    session: Session,
    actor: Actor,
    hubs: Iterable[str] | None = None,
    until: dt.date | None = None,
    filters: AnalyticsFilter | None = None,
) -> list[TrendPoint]:
    """One point per month up to ``until`` (default: the filter's end, else today, JST).

    Cumulative totals always count from the first record, so a month's value reads like the
    published "as of month end" figures; the filter's start date only decides the first month
    shown (default: the first recorded month). Category and engagement narrow the contracts.
    """
    filters = filters or AnalyticsFilter()
    if hubs is not None:
        hubs = list(hubs)
        if not hubs:
            return []
        filters = replace(filters, hubs=tuple(hubs))
    until = until or filters.until or today_jst()
    cumulative = replace(filters, since=None, until=until)
    scope = cumulative.scope(actor)

    consulted = Consultation.consulted_on
    consultations = _monthly(
        session,
        facts.consultations(consulted, func.count(), filters=cumulative, scope=scope),
        consulted,
    )
    placed = Placement.placed_on
    contracts = _monthly(
        session, facts.placements(placed, func.count(), filters=cumulative, scope=scope), placed
    )

    months = sorted(set(consultations) | set(contracts))
    if not months:
        return []
    points, total_c, total_p = [], 0, 0
    first_shown = filters.since.strftime("%Y-%m") if filters.since else months[0]
    for month in month_range(dt.date.fromisoformat(min(months[0], first_shown) + "-01"), until):
        c, p = consultations.get(month, 0), contracts.get(month, 0)
        total_c, total_p = total_c + c, total_p + p
        if month >= first_shown:
            points.append(TrendPoint(month, c, p, total_c, total_p))
    return points
