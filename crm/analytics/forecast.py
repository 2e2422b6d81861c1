"""Fiscal-year-end forecast per hub and nationally, from each series' own seasonal pattern.

For a day ``as_of`` of fiscal year ``fy`` and each *past* full fiscal year of the same series,
the share of that year's total reached by the same day of its fiscal year is
``s_i = (months before as_of's month + that month's count × day/days-in-month) / year total``
(inside a month the count is spread evenly). Each past year gives one projection of this
year's total, ``so_far / s_i``. The forecast is their median; the interval runs from the
smallest to the largest projection. If the shares of the ``n`` past years and this year's are
exchangeable, this year's share falls between the smallest and largest past share with
probability ``(n - 1) / (n + 1)`` — the interval's nominal coverage (n = 9 past years: 80%).

A past fiscal year counts only when the hub has records (of either kind) in or before its April
(a hub that began mid-year gives no pattern for that year) and a total above zero. Counts
are aggregated in SQL (per hub and day, folded into months here, as crm.analytics.trend does)
and scoped by the actor. The national forecast uses the national series' own pattern
(intervals do not add).
"""

import calendar
import datetime as dt
import statistics
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from sqlmodel import Session

from crm.actor import Actor
from crm.analytics import counted
from crm.analytics.filters import AnalyticsFilter
from crm.analytics.periods import target_year
from crm.analytics.targets import target_progress
from crm.timeutil import fiscal_year, fiscal_year_bounds

NATIONAL = "全国"
# Months of a fiscal year in order (April first).
FY_MONTHS = (4, 5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3)

# Series: (fiscal year, month 1..12) -> count.
Series = Mapping[tuple[int, int], int]


def _calendar_year(fy: int, month: int) -> int:
    return fy if month >= 4 else fy + 1


def share_reached(series: Series, fy: int, as_of: dt.date) -> float | None:
    """Share of fiscal year ``fy``'s total reached by the same day of its fiscal year as
    ``as_of`` (month and day; inside the month the count is spread evenly). None when the
    year's total is zero."""
    total = sum(series.get((fy, m), 0) for m in FY_MONTHS)
    if total == 0:
        return None
    done = 0.0
    for month in FY_MONTHS:
        count = series.get((fy, month), 0)
        if month == as_of.month:
            days = calendar.monthrange(_calendar_year(fy, month), month)[1]
            done += count * min(as_of.day, days) / days
            break
        done += count
    return done / total


@dataclass(frozen=True)
class Projection:
    so_far: int
    expected: float | None  # None: no usable past year
    low: float | None
    high: float | None  # None with a past share of zero: no upper bound
    past_years: tuple[int, ...]
    shares: tuple[float, ...]

    @property
    def median_years(self) -> tuple[int, ...]:
        """The past years whose projection enters the median: a year with nothing by this day
        projects no finite total, so it only lifts the upper bound. Every count of "years
        used" shown beside the expected value must be this one."""
        return tuple(y for y, s in zip(self.past_years, self.shares, strict=True) if s > 0)

    @property
    def nominal_coverage(self) -> float:
        """(n − 1) / (n + 1) for n past years (exchangeable shares)."""
        n = len(self.shares)
        return 0.0 if n == 0 else (n - 1) / (n + 1)

    def contains(self, value: float) -> bool:
        if self.low is None:
            return False
        return self.low <= value and (self.high is None or value <= self.high)


def project(so_far: int, past: Mapping[int, float]) -> Projection:
    """Projection of the year's total from ``so_far`` and the past years' shares."""
    years = tuple(sorted(past))
    shares = tuple(past[y] for y in years)
    if not shares:
        return Projection(so_far, None, None, None, years, shares)
    if any(s == 0 for s in shares):
        finite = [so_far / s for s in shares if s > 0]
        high = None if so_far > 0 else 0.0
        low = min(finite) if finite else float(so_far)
        expected = statistics.median(finite) if finite else None
        return Projection(so_far, expected, low, high, years, shares)
    projections = [so_far / s for s in shares]
    return Projection(
        so_far, statistics.median(projections), min(projections), max(projections), years, shares
    )


def first_month(*series: Series) -> tuple[int, int] | None:
    """(fiscal year, index of the month in FY_MONTHS) of the first record in any series."""
    keys = [(y, FY_MONTHS.index(m)) for one in series for (y, m), c in one.items() if c > 0]
    return min(keys) if keys else None


def usable_years(series: Series, fy: int, start: tuple[int, int] | None) -> list[int]:
    """Past fiscal years before ``fy`` from the one whose April is not before ``start`` (the
    first record of the hub in any series), with a total above zero."""
    if start is None:
        return []
    first = start[0] if start[1] == 0 else start[0] + 1
    return [y for y in range(first, fy) if sum(series.get((y, m), 0) for m in FY_MONTHS) > 0]


def forecast_series(
    series: Series, as_of: dt.date, so_far: int, start: tuple[int, int] | None
) -> Projection:
    """Projection of fiscal year ``fiscal_year(as_of)`` from ``so_far`` (its count up to
    ``as_of``) and the past years of ``series`` from ``start`` on (see ``first_month``)."""
    fy = fiscal_year(as_of)
    past = {}
    for year in usable_years(series, fy, start):
        share = share_reached(series, year, as_of)
        if share is not None:
            past[year] = share
    return project(so_far, past)


@dataclass(frozen=True)
class PathPoint:
    day: dt.date  # a month's end (the first point: ``as_of``)
    expected: float  # cumulative count of the fiscal year by ``day``
    low: float
    high: float


def forecast_path(
    series: Series, as_of: dt.date, so_far: int, start: tuple[int, int] | None
) -> tuple[PathPoint, ...]:
    """The fiscal year's expected cumulative count at ``as_of`` and each later month's end up
    to 31 March: past year i gives ``so_far / s_i(as_of) × s_i(day)``; the median, smallest and
    largest over the years (at 31 March: the projection's expected value and interval)."""
    fy = fiscal_year(as_of)
    years = []
    for year in usable_years(series, fy, start):
        share = share_reached(series, year, as_of)
        if share:
            years.append((year, share))
    if not years:
        return ()
    days = [as_of]
    for month in FY_MONTHS[FY_MONTHS.index(as_of.month) + 1 :]:
        year = _calendar_year(fy, month)
        days.append(dt.date(year, month, calendar.monthrange(year, month)[1]))
    points = []
    for day in days:
        values = [so_far / share * (share_reached(series, y, day) or 0.0) for y, share in years]
        points.append(PathPoint(day, statistics.median(values), min(values), max(values)))
    return tuple(points)


# --- database -------------------------------------------------------------------------------


def monthly_counts(
    session: Session, actor: Actor, until: dt.date, hubs: tuple[str, ...] = ()
) -> dict[str, dict[str, dict[tuple[int, int], int]]]:
    """{"consultations"|"placements": {hub: {(fy, month): count}}} up to ``until``, from the
    counts kept on write (``crm.analytics.counted``)."""
    filters = AnalyticsFilter(until=until, hubs=hubs)
    scope = filters.scope(actor)
    out: dict[str, dict[str, dict[tuple[int, int], int]]] = {}
    fact: counted.Fact
    for fact in ("consultations", "placements"):
        per_hub: dict[str, dict[tuple[int, int], int]] = defaultdict(dict)
        found = counted.count(session, fact, ("hub_code", "month"), filters, scope, dated=False)
        for (code, month), n in found.items():
            year, number = divmod(month, 100)
            per_hub[code][(fiscal_year(dt.date(year, number, 1)), number)] = n
        out[fact] = dict(per_hub)
    return out


def national_series(per_hub: Mapping[str, Series]) -> dict[tuple[int, int], int]:
    total: dict[tuple[int, int], int] = defaultdict(int)
    for series in per_hub.values():
        for key, count in series.items():
            total[key] += count
    return dict(total)


class Outlook(StrEnum):
    """What the forecast says about the approved target of a measure."""

    MET = "met"  # the count so far has reached the target: no forecast needed
    OUT_OF_REACH = "out_of_reach"  # the interval's upper bound is below the target
    WITHIN_REACH = "within_reach"
    NO_TARGET = "no_target"
    NO_FORECAST = "no_forecast"  # no usable past year

    @property
    def label(self) -> str:
        return OUTLOOK_LABELS[self]


OUTLOOK_LABELS = {
    Outlook.MET: "達成",
    Outlook.OUT_OF_REACH: "届かない見込み",
    Outlook.WITHIN_REACH: "届く可能性あり",
    Outlook.NO_TARGET: "目標なし（未承認）",
    Outlook.NO_FORECAST: "見込みを出せない（過去の年度の記録なし）",
}


def outlook_for(projection: Projection, target: int | None) -> Outlook:
    """The one outlook every page, report and export shows. A target already met is 達成
    before anything else: the interval never lies below the count so far, so it would otherwise
    read "within reach" for a year that is done."""
    if target is None:
        return Outlook.NO_TARGET
    if projection.so_far >= target:
        return Outlook.MET
    if projection.high is not None and projection.high < target:
        return Outlook.OUT_OF_REACH
    if projection.low is None:
        return Outlook.NO_FORECAST
    return Outlook.WITHIN_REACH


@dataclass(frozen=True)
class MeasureForecast:
    projection: Projection
    target: int | None  # the approved target of the fiscal year (None: none approved)
    months_left: float  # months from as_of to 31 March (fractional for a month in progress)
    months_elapsed: float
    path: tuple[PathPoint, ...] = ()  # expected cumulative count to 31 March

    @property
    def so_far(self) -> int:
        return self.projection.so_far

    @property
    def present_pace(self) -> float:
        """Per month so far this fiscal year."""
        return self.so_far / self.months_elapsed if self.months_elapsed else 0.0

    @property
    def needed_pace(self) -> float | None:
        """Per remaining month to reach the target (0 when already reached)."""
        if self.target is None:
            return None
        remaining = max(self.target - self.so_far, 0)
        if remaining == 0:
            return 0.0
        return remaining / self.months_left if self.months_left > 0 else float("inf")

    @property
    def out_of_reach(self) -> bool:
        """The target lies above the interval's upper bound (at the present seasonal pace)."""
        high = self.projection.high
        return self.target is not None and high is not None and high < self.target

    @property
    def outlook(self) -> Outlook:
        return outlook_for(self.projection, self.target)


@dataclass(frozen=True)
class HubForecast:
    hub_code: str  # NATIONAL for the whole country
    fiscal_year: int
    as_of: dt.date
    consultations: MeasureForecast
    placements: MeasureForecast


def _months(fy: int, as_of: dt.date) -> tuple[float, float]:
    """(months elapsed, months left) in fiscal year ``fy`` at the end of ``as_of``."""
    start, end = fiscal_year_bounds(fy)
    day = min(max(as_of, start - dt.timedelta(days=1)), end)
    elapsed = 0.0
    for month in FY_MONTHS:
        year = _calendar_year(fy, month)
        days = calendar.monthrange(year, month)[1]
        if (year, month) < (day.year, day.month):
            elapsed += 1
        elif (year, month) == (day.year, day.month):
            elapsed += day.day / days
            break
    return elapsed, 12 - elapsed


def fiscal_year_forecast(
    session: Session,
    actor: Actor,
    as_of: dt.date,
    hubs: tuple[str, ...] = (),
) -> list[HubForecast]:
    """One forecast per readable active hub (narrowed to ``hubs``) and, when the actor reads
    every hub and no hub is chosen, one for the whole country (``NATIONAL``) last. ``as_of``
    is the last counted day (the target-year rule: crm.analytics.periods.target_year)."""
    rule = target_year(as_of, as_of)
    fy, as_of = rule.fiscal_year, rule.as_of
    counts = monthly_counts(session, actor, as_of, hubs)
    progress = target_progress(session, actor, fy, as_of, AnalyticsFilter(hubs=hubs))
    elapsed, left = _months(fy, as_of)

    def measure(
        series: Series, start: tuple[int, int] | None, so_far: int, target: int | None
    ) -> MeasureForecast:
        projection = forecast_series(series, as_of, so_far, start)
        path = forecast_path(series, as_of, so_far, start)
        return MeasureForecast(projection, target, left, elapsed, path)

    rows = []
    national_targets: dict[str, list[int | None]] = {"consultations": [], "placements": []}
    for row in progress:
        c_target = row.target_consultations if row.approved else None
        p_target = row.target_placements if row.approved else None
        national_targets["consultations"].append(c_target)
        national_targets["placements"].append(p_target)
        consulted = counts["consultations"].get(row.hub_code, {})
        placed = counts["placements"].get(row.hub_code, {})
        start = first_month(consulted, placed)
        rows.append(
            HubForecast(
                row.hub_code,
                fy,
                as_of,
                measure(consulted, start, row.consultations, c_target),
                measure(placed, start, row.placements, p_target),
            )
        )
    if actor.readable_hubs() is None and not hubs and progress:

        def total(values: list[int | None]) -> int | None:
            return None if any(v is None for v in values) else sum(v for v in values if v)

        consulted = national_series(counts["consultations"])
        placed = national_series(counts["placements"])
        start = first_month(consulted, placed)
        rows.append(
            HubForecast(
                NATIONAL,
                fy,
                as_of,
                measure(
                    consulted,
                    start,
                    sum(r.consultations for r in progress),
                    total(national_targets["consultations"]),
                ),
                measure(
                    placed,
                    start,
                    sum(r.placements for r in progress),
                    total(national_targets["placements"]),
                ),
            )
        )
    return rows
