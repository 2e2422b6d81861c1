"""Counts of consultations, needs and placements for a filter: the whole months of the period
from the summary tables the triggers keep (``crm.summaries``), the partial months at its ends
from the rows through the date indexes. The cost is that of the months asked for, not of the
data held.

``count`` groups by any of the names in ``KEYS`` (per fact) and returns ``{key tuple: n}`` with
the summary tables' spelling of values: a month as ``YYYYMM``, a value not recorded as ``''``,
a partner as the text of its id.
"""

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import Select, func, literal, select
from sqlmodel import Session, col

from crm.analytics import facts
from crm.analytics.filters import AnalyticsFilter
from crm.models import Company, Consultation, FollowUp, Placement, Referral, TalentNeed
from crm.summaries.tables import (
    ORIGIN_RESIDENCE,
    PLACEMENT_DIMENSIONS,
    TOTAL,
    consultation_count,
    follow_up_done_count,
    need_count,
    placement_count,
    referral_count,
)
from crm.timeutil import add_months, month_start

Fact = Literal["consultations", "needs", "placements"]

KEYS: dict[Fact, tuple[str, ...]] = {
    "consultations": ("hub_code", "month", "channel"),
    "needs": ("hub_code", "month", "category_id", "engagement"),
    "placements": ("hub_code", "month", "category_id", "engagement", *PLACEMENT_DIMENSIONS),
}


def month_number(day: dt.date) -> int:
    return day.year * 100 + day.month


def month_text(number: int) -> str:
    """``YYYY-MM`` of a month number."""
    return f"{number // 100:04d}-{number % 100:02d}"


@dataclass(frozen=True)
class Split:
    """A period as whole months (``first``..``last`` inclusive, None: open; ``whole`` False when
    there are none) and the date ranges of partial months, each within one month."""

    first: int | None
    last: int | None
    whole: bool
    partial: tuple[tuple[dt.date, dt.date], ...]


def split_period(since: dt.date | None, until: dt.date | None) -> Split:
    partial: list[tuple[dt.date, dt.date]] = []
    first_day = since
    if since is not None and since.day != 1:
        month_end = add_months(month_start(since), 1) - dt.timedelta(days=1)
        partial.append((since, month_end if until is None else min(until, month_end)))
        first_day = add_months(month_start(since), 1)
    last_day = until
    if until is not None and (until + dt.timedelta(days=1)).day != 1:
        start = month_start(until)
        if not partial or partial[0][0] < start:
            partial.append((start if since is None else max(since, start), until))
        last_day = start - dt.timedelta(days=1)
    whole = first_day is None or last_day is None or first_day <= last_day
    return Split(
        first=None if first_day is None else month_number(first_day),
        last=None if last_day is None else month_number(last_day),
        whole=whole,
        partial=tuple(partial),
    )


# --- the summary side ------------------------------------------------------------------------


def _in_months(statement: Select, table: Any, scope: list[str] | None, split: Split) -> Select:
    """``statement`` over summary ``table`` narrowed to the hubs and the whole months."""
    if scope is not None:
        statement = statement.where(table.c.hub_code.in_(scope))
    if split.first is not None:
        statement = statement.where(table.c.month >= split.first)
    if split.last is not None:
        statement = statement.where(table.c.month <= split.last)
    return statement


def _summary(fact: Fact, by: Sequence[str], filters: AnalyticsFilter, scope, split: Split):
    if fact == "consultations":
        table = consultation_count
    elif fact == "needs":
        table = need_count
    else:
        table = placement_count
    dimensions = [name for name in by if name in PLACEMENT_DIMENSIONS]
    columns = [table.c.value if name in PLACEMENT_DIMENSIONS else table.c[name] for name in by]
    statement = select(*columns, func.sum(table.c.n)).where(table.c.n != 0)
    if fact == "placements":
        statement = statement.where(table.c.dimension == (dimensions[0] if dimensions else TOTAL))
    statement = _in_months(statement, table, scope, split)
    if fact != "consultations":
        if filters.category_ids:
            statement = statement.where(table.c.category_id.in_(filters.category_ids))
        if filters.engagements:
            statement = statement.where(table.c.engagement.in_(filters.engagements))
    return statement.group_by(*columns) if columns else statement


# --- the row side (partial months) -----------------------------------------------------------


def _row_columns(fact: Fact, name: str) -> Any:
    if fact == "consultations":
        return {"hub_code": Consultation.hub_code, "channel": Consultation.channel}[name]
    if fact == "needs":
        return getattr(TalentNeed, name)
    return {
        "hub_code": Placement.hub_code,
        "category_id": TalentNeed.category_id,
        "engagement": Placement.engagement,
        "age_band": Placement.age_band,
        "residence": Placement.previous_residence,
        "partner": Placement.partner_id,
        "industry": Company.industry,
        "origin": func.coalesce(
            Placement.previous_prefecture,
            literal(ORIGIN_RESIDENCE) + col(Placement.previous_residence),
            literal(""),
        ),
    }[name]


def _rows(
    fact: Fact, by: Sequence[str], filters: AnalyticsFilter, scope, since: dt.date, until: dt.date
) -> Select:
    names = [name for name in by if name != "month"]
    columns = [_row_columns(fact, name) for name in names]
    period = filters.with_period(since, until)
    if fact == "consultations":
        statement = facts.consultations(*columns, func.count(), filters=period, scope=scope)
    elif fact == "needs":
        statement = facts.needs(*columns, func.count(), filters=period, scope=scope)
    else:
        statement = facts.placements(
            *columns, func.count(), filters=period, scope=scope, join_need="category_id" in by
        )
        if "industry" in by:
            statement = statement.join(Company, col(Company.id) == col(Placement.company_id))
    return statement.group_by(*columns) if columns else statement


def _spelled(name: str, value: object) -> object:
    if name in PLACEMENT_DIMENSIONS:
        return "" if value is None else str(value)
    return value


def count(
    session: Session,
    fact: Fact,
    by: Sequence[str],
    filters: AnalyticsFilter,
    scope: list[str] | None,
    dated: bool = True,
) -> dict[tuple, int]:
    """``fact`` in the filter's period (``dated=False``: everything up to its end), grouped by
    ``by`` (names from ``KEYS[fact]``; at most one placement dimension)."""
    unknown = set(by) - set(KEYS[fact])
    if unknown or sum(name in PLACEMENT_DIMENSIONS for name in by) > 1:
        raise ValueError(f"cannot count {fact} by {by}")
    split = split_period(filters.since if dated else None, filters.until)
    counts: Counter[tuple] = Counter()
    if split.whole:
        for row in session.execute(_summary(fact, by, filters, scope, split)).all():
            if row[-1]:
                counts[tuple(row[:-1])] += int(row[-1])
    for since, until in split.partial:
        month = month_number(since)
        for row in session.execute(_rows(fact, by, filters, scope, since, until)).all():
            values = iter(row[:-1])
            counts[
                tuple(month if name == "month" else _spelled(name, next(values)) for name in by)
            ] += int(row[-1])
    return {key: n for key, n in counts.items() if n}


def total(
    session: Session,
    fact: Fact,
    filters: AnalyticsFilter,
    scope: list[str] | None,
    dated: bool = True,
) -> int:
    return sum(count(session, fact, (), filters, scope, dated).values())


# Facts counted per hub and month only: (summary table, the fact's hub and date columns).
_PER_HUB: dict[str, tuple[Any, Any, Any]] = {
    "referrals": (referral_count, Referral.hub_code, Referral.referred_on),
    "follow_ups_done": (follow_up_done_count, FollowUp.hub_code, FollowUp.done_on),
}


def per_hub(
    session: Session,
    fact: str,
    since: dt.date | None,
    until: dt.date | None,
    scope: list[str] | None,
) -> Counter[str]:
    """How many of ``fact`` (a fact of ``KEYS``, ``referrals`` or ``follow_ups_done``) each hub
    has dated from ``since`` to ``until`` (either open)."""
    if fact in KEYS:
        period = AnalyticsFilter(since=since, until=until)
        found = count(session, fact, ("hub_code",), period, scope)
        return Counter({str(hub): n for (hub,), n in found.items()})
    table, hub_column, date_column = _PER_HUB[fact]
    split = split_period(since, until)
    counts: Counter[str] = Counter()
    if split.whole:
        statement = select(table.c.hub_code, func.sum(table.c.n)).where(table.c.n != 0)
        statement = _in_months(statement, table, scope, split)
        for hub, n in session.execute(statement.group_by(table.c.hub_code)).all():
            counts[str(hub)] += int(n or 0)
    for start, end in split.partial:
        rows = select(hub_column, func.count()).where(col(date_column).between(start, end))
        if scope is not None:
            rows = rows.where(col(hub_column).in_(scope))
        for hub, n in session.execute(rows.group_by(hub_column)).all():
            counts[str(hub)] += int(n)
    return +counts
