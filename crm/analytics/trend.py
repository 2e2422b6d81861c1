"""The programme's headline series: monthly cumulative consultations against contracts."""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, replace

from sqlmodel import Session

from crm.actor import Actor
from crm.analytics import counted
from crm.analytics.filters import AnalyticsFilter
from crm.rules import EARLIEST_DATE, latest_date
from crm.timeutil import month_range, today_jst


@dataclass(frozen=True)
class TrendPoint:
    month: str  # YYYY-MM
    consultations: int  # in that month
    contracts: int
    cumulative_consultations: int
    cumulative_contracts: int


def month_key(day: dt.date | str) -> str:
    """``YYYY-MM`` of a stored date, four-digit year whatever the year (``strftime("%Y")``
    writes year 1 as ``1`` on Linux, and SQLite may hand back the text it holds)."""
    if isinstance(day, dt.date):
        return f"{day.year:04d}-{day.month:02d}"
    return str(day)[:7]


# The first month a chart shows: records dated earlier (only ever written straight into the
# database; every boundary refuses them) count in the cumulative totals from that month on.
FIRST_MONTH = month_key(EARLIEST_DATE)


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

    def monthly(fact: counted.Fact) -> dict[str, int]:
        found = counted.count(session, fact, ("month",), cumulative, scope, dated=False)
        return {counted.month_text(month): n for (month,), n in found.items()}

    consultations, contracts = monthly("consultations"), monthly("placements")

    months = sorted(set(consultations) | set(contracts))
    if not months:
        return []
    first_shown = max(month_key(filters.since) if filters.since else months[0], FIRST_MONTH)
    # Everything before the first month shown is carried into its cumulative totals.
    total_c = sum(count for month, count in consultations.items() if month < first_shown)
    total_p = sum(count for month, count in contracts.items() if month < first_shown)
    last = min(until, latest_date())
    points = []
    for month in month_range(dt.date.fromisoformat(first_shown + "-01"), last):
        c, p = consultations.get(month, 0), contracts.get(month, 0)
        total_c, total_p = total_c + c, total_p + p
        points.append(TrendPoint(month, c, p, total_c, total_p))
    return points
