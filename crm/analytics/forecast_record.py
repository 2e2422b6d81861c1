"""The fiscal-year forecast's own record at this point of the year (a backtest on the data held).

For each of the last ``RECENT_YEARS`` fiscal years before ``as_of``'s, and each hub the actor
may read, the forecast is made again as it would have been on the same day of that year (its
month and day; 29 February: the 28th): the exact counts up to that day, and only the years
before it as past patterns. Set against how that year ended, this gives per measure

- the absolute percentage errors of the expected value (years whose total is zero give none),
  summarised as their median and the bound that 9 in 10 of them stay within;
- for hub-years with an approved target not yet met on that day, what the 遅れ flag (the count
  below the target pro-rated by the elapsed share, crm.analytics.targets) and the forecast's
  outlook said, and whether the target was met by 31 March: which of the two has been the
  better guide, overall and where they disagreed.

Recent years only: the forecast's error shrinks as past years accumulate, so the first years
(one or two past years) would overstate today's error.
"""

import calendar
import datetime as dt
import math
import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from sqlmodel import Session

from crm.actor import Actor
from crm.analytics.filters import AnalyticsFilter
from crm.analytics.forecast import (
    FY_MONTHS,
    HubForecast,
    Outlook,
    first_month,
    forecast_series,
    monthly_counts,
    outlook_for,
)
from crm.analytics.periods import target_year
from crm.analytics.targets import TargetProgress, target_progress

RECENT_YEARS = 5
# Fewer past calls than this say nothing about which guide is better (one hub has about 5).
MIN_CALLS = 10
MEASURES = ("consultations", "placements")


def same_day(as_of: dt.date, fy: int) -> dt.date:
    """``as_of``'s month and day in fiscal year ``fy`` (clamped to the month's length)."""
    year = fy if as_of.month >= 4 else fy + 1
    return dt.date(year, as_of.month, min(as_of.day, calendar.monthrange(year, as_of.month)[1]))


@dataclass(frozen=True)
class ErrorSummary:
    errors: tuple[float, ...]  # absolute percentage errors, ascending (0.05 = 5%)
    years: tuple[int, ...]  # the fiscal years that gave a forecast

    @property
    def forecasts(self) -> int:
        return len(self.errors)

    @property
    def median(self) -> float | None:
        return statistics.median(self.errors) if self.errors else None

    @property
    def nine_in_ten(self) -> float | None:
        """The smallest error that at least 9 in 10 forecasts stay within (nearest rank)."""
        if not self.errors:
            return None
        return self.errors[math.ceil(0.9 * len(self.errors)) - 1]


def disagree(behind: bool, outlook: Outlook) -> bool:
    """The 遅れ flag and the forecast's outlook say different things about a target not yet
    met: flagged while within reach, or on track while out of reach."""
    if outlook not in (Outlook.WITHIN_REACH, Outlook.OUT_OF_REACH):
        return False
    return behind != (outlook is Outlook.OUT_OF_REACH)


@dataclass(frozen=True)
class PastCall:
    """One hub-year's target on the same day of a past fiscal year."""

    hub_code: str
    fiscal_year: int
    behind: bool  # the 遅れ flag on that day
    outlook: Outlook  # WITHIN_REACH or OUT_OF_REACH on that day
    met: bool  # the year's total reached the target

    @property
    def flag_right(self) -> bool:
        return self.behind != self.met

    @property
    def forecast_right(self) -> bool:
        return (self.outlook is Outlook.OUT_OF_REACH) != self.met

    def disagrees(self) -> bool:
        return disagree(self.behind, self.outlook)


class Guide(StrEnum):
    FLAG = "flag"
    FORECAST = "forecast"
    EVEN = "even"
    FEW = "few"  # too few past calls to judge by


@dataclass(frozen=True)
class GuideRecord:
    calls: tuple[PastCall, ...]
    years: tuple[int, ...]  # the fiscal years of the calls

    def like(self, behind: bool) -> tuple[PastCall, ...]:
        """Past disagreements of the same kind: flagged 遅れ while the forecast said within
        reach (``behind``), or on track while it said out of reach."""
        return tuple(c for c in self.calls if c.disagrees() and c.behind == behind)

    @property
    def flag_hits(self) -> int:
        return sum(c.flag_right for c in self.calls)

    @property
    def forecast_hits(self) -> int:
        return sum(c.forecast_right for c in self.calls)

    def better(self, behind: bool) -> Guide:
        """The better guide for a disagreement of this kind: by the past disagreements like it
        (there exactly one of the two is right) when there are ``MIN_CALLS`` of them, else by all
        past calls when there are that many."""
        like = self.like(behind)
        if len(like) >= MIN_CALLS:
            flag = sum(c.flag_right for c in like)
            forecast = len(like) - flag
        elif len(self.calls) >= MIN_CALLS:
            flag, forecast = self.flag_hits, self.forecast_hits
        else:
            return Guide.FEW
        if flag == forecast:
            return Guide.EVEN
        return Guide.FLAG if flag > forecast else Guide.FORECAST


@dataclass(frozen=True)
class MeasureRecord:
    errors: ErrorSummary
    guides: GuideRecord


@dataclass(frozen=True)
class ForecastRecord:
    as_of: dt.date
    consultations: MeasureRecord
    placements: MeasureRecord


def forecast_record(
    session: Session, actor: Actor, as_of: dt.date, hubs: tuple[str, ...] = ()
) -> ForecastRecord:
    """The record of forecasts made on ``as_of``'s day of the last ``RECENT_YEARS`` fiscal years,
    for the hubs the actor may read (narrowed to ``hubs``); ``as_of`` follows the target-year
    rule as in ``fiscal_year_forecast``."""
    rule = target_year(as_of, as_of)
    fy, as_of = rule.fiscal_year, rule.as_of
    counts = monthly_counts(session, actor, as_of, hubs)
    errors: dict[str, list[tuple[int, float]]] = {m: [] for m in MEASURES}
    calls: dict[str, list[PastCall]] = {m: [] for m in MEASURES}
    for year in range(fy - RECENT_YEARS, fy):
        day = same_day(as_of, year)
        for row in target_progress(session, actor, year, day, AnalyticsFilter(hubs=hubs)):
            consulted = counts["consultations"].get(row.hub_code, {})
            placed = counts["placements"].get(row.hub_code, {})
            start = first_month(consulted, placed)
            for measure, series, so_far, target, behind in (
                (
                    "consultations",
                    consulted,
                    row.consultations,
                    row.target_consultations,
                    row.behind_consultations,
                ),
                (
                    "placements",
                    placed,
                    row.placements,
                    row.target_placements,
                    row.behind_placements,
                ),
            ):
                outcome = sum(series.get((year, m), 0) for m in FY_MONTHS)
                projection = forecast_series(series, day, so_far, start)
                if projection.expected is not None and outcome > 0:
                    errors[measure].append((year, abs(projection.expected - outcome) / outcome))
                if not row.approved:
                    continue
                outlook = outlook_for(projection, target)
                if target is not None and outlook in (Outlook.WITHIN_REACH, Outlook.OUT_OF_REACH):
                    calls[measure].append(
                        PastCall(row.hub_code, year, behind, outlook, outcome >= target)
                    )

    def record(measure: str) -> MeasureRecord:
        # The years said in a sentence are those that gave a forecast, not those looked at.
        erred = tuple(sorted({year for year, _ in errors[measure]}))
        called = tuple(sorted({c.fiscal_year for c in calls[measure]}))
        return MeasureRecord(
            ErrorSummary(tuple(sorted(e for _, e in errors[measure])), erred),
            GuideRecord(tuple(calls[measure]), called),
        )

    return ForecastRecord(as_of, record("consultations"), record("placements"))


def disagreements(
    progress: Iterable[TargetProgress], forecasts: Iterable[HubForecast], measure: str
) -> dict[bool, tuple[str, ...]]:
    """Hub codes whose ``measure`` ("consultations" or "placements") target the 遅れ flag and the
    outlook disagree on today, keyed by the flag (True: flagged 遅れ but within reach)."""
    outlooks = {f.hub_code: getattr(f, measure).outlook for f in forecasts}
    found: dict[bool, list[str]] = {True: [], False: []}
    for row in progress:
        behind = getattr(row, f"behind_{measure}")
        outlook = outlooks.get(row.hub_code)
        if row.approved and outlook is not None and disagree(behind, outlook):
            found[behind].append(row.hub_code)
    return {flag: tuple(codes) for flag, codes in found.items()}
