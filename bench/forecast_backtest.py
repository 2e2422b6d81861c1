"""Backtest of the fiscal-year forecast (crm.analytics.forecast) on the demo history.

For every fiscal year FY2017–FY2025, at the end of each month April–February, the forecast of
the year's total consultations and placements is made for each hub and for the whole country
from the counts up to that day and the past years' seasonal pattern; the backtest counts how
often the year's actual total fell inside the interval and compares it with the interval's
nominal coverage ((n − 1) / (n + 1) for n past years, averaged over the forecasts). The end of
March is left out: on the year's last day every interval is exactly the outcome.

The demo is loaded into a fresh migrated SQLite file (``load_demo``, seed 2016, its clock
pinned to 2026-12-01 09:00 JST so the run is reproducible). Results go to BENCHMARKS.md
(section ``forecast_backtest``).

    .venv/bin/python -m bench.forecast_backtest
"""

import calendar
import datetime as dt
import os
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session

from crm.actor import SYSTEM
from crm.analytics.forecast import (
    FY_MONTHS,
    NATIONAL,
    first_month,
    forecast_series,
    monthly_counts,
    national_series,
)

FIRST_FY, LAST_FY = 2017, 2025
DEMO_NOW = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=9)))
FORECAST_MONTHS = FY_MONTHS[:-1]  # April .. February (March's end is the outcome itself)


@dataclass
class Tally:
    forecasts: int = 0
    inside: int = 0
    nominal: float = 0.0  # sum of nominal coverages
    no_interval: int = 0  # forecasts without any usable past year (counted as outside)

    def add(self, inside: bool, nominal: float, has_interval: bool) -> None:
        self.forecasts += 1
        self.inside += inside
        self.nominal += nominal
        self.no_interval += not has_interval

    @property
    def coverage(self) -> float:
        return self.inside / self.forecasts if self.forecasts else 0.0

    @property
    def nominal_coverage(self) -> float:
        return self.nominal / self.forecasts if self.forecasts else 0.0


@dataclass
class Backtest:
    total: Tally = field(default_factory=Tally)
    by_measure: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    by_year: dict[int, Tally] = field(default_factory=lambda: defaultdict(Tally))
    by_month: dict[int, Tally] = field(default_factory=lambda: defaultdict(Tally))
    national: Tally = field(default_factory=Tally)


def backtest(engine: Engine, first_fy: int = FIRST_FY, last_fy: int = LAST_FY) -> Backtest:
    with Session(engine) as session:
        counts = monthly_counts(session, SYSTEM, dt.date(last_fy + 1, 3, 31))
    result = Backtest()
    for measure in ("consultations", "placements"):
        per_hub = {**counts[measure], NATIONAL: national_series(counts[measure])}
        other = "placements" if measure == "consultations" else "consultations"
        others = {**counts[other], NATIONAL: national_series(counts[other])}
        for hub, series in per_hub.items():
            start = first_month(series, others.get(hub, {}))
            for fy in range(first_fy, last_fy + 1):
                outcome = sum(series.get((fy, m), 0) for m in FY_MONTHS)
                so_far = 0
                for month in FORECAST_MONTHS:
                    so_far += series.get((fy, month), 0)
                    year = fy if month >= 4 else fy + 1
                    as_of = dt.date(year, month, calendar.monthrange(year, month)[1])
                    projection = forecast_series(series, as_of, so_far, start)
                    inside = projection.contains(outcome)
                    has = projection.low is not None
                    nominal = projection.nominal_coverage
                    for tally in (
                        result.total,
                        result.by_measure[measure],
                        result.by_year[fy],
                        result.by_month[month],
                    ):
                        tally.add(inside, nominal, has)
                    if hub == NATIONAL:
                        result.national.add(inside, nominal, has)
    return result


def _row(label: str, tally: Tally) -> list:
    return [
        label,
        tally.forecasts,
        f"{tally.coverage:.1%}",
        f"{tally.nominal_coverage:.1%}",
        f"{(tally.coverage - tally.nominal_coverage) * 100:+.1f}",
    ]


def main() -> None:
    from bench.report import markdown_table, write_section
    from crm.db import make_engine, upgrade
    from crm.demo import load_demo

    began = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{Path(folder) / 'demo.sqlite3'}")
        upgrade(engine)
        os.environ.setdefault("CRM_DEMO_PASSWORD", "benchmark-password")
        load_demo(engine, now=DEMO_NOW)
        loaded = time.perf_counter()
        result = backtest(engine)
        engine.dispose()
    done = time.perf_counter()
    headers = ["forecasts", "n", "inside the interval", "nominal coverage", "difference (points)"]
    rows = [_row("all (hubs and national)", result.total)]
    rows += [_row(f"measure: {m}", t) for m, t in sorted(result.by_measure.items())]
    rows.append(_row("national only", result.national))
    rows += [_row(f"FY{fy}", t) for fy, t in sorted(result.by_year.items())]
    rows += [
        _row(f"end of month {m}", result.by_month[m])
        for m in FORECAST_MONTHS
        if m in result.by_month
    ]
    total = result.total
    within = abs(total.coverage - total.nominal_coverage) <= 0.10
    body = (
        "Interval: from the smallest to the largest projection `so_far / share` over the hub's "
        "past full fiscal years (n years: nominal coverage (n − 1)/(n + 1); 9 past years give "
        "80%). The nominal column averages that over the forecasts (fewer past years early on). "
        "Forecasts at the end of April–February of FY"
        f"{FIRST_FY}–FY{LAST_FY}, each hub and national, consultations and placements; "
        f"forecasts without any usable past year: {total.no_interval} (counted as outside). "
        f"Demo load {loaded - began:.0f} s, backtest {done - loaded:.1f} s.\n\n"
        + markdown_table(headers, rows)
        + f"\n\nOverall coverage {total.coverage:.1%} against nominal "
        f"{total.nominal_coverage:.1%}: "
        + ("within 10 points." if within else "NOT within 10 points.")
    )
    write_section(
        "forecast_backtest",
        "Fiscal-year forecast: backtest on the demo (FY2017–FY2025)",
        "python -m bench.forecast_backtest",
        body,
    )
    if not within:
        sys.exit(1)


if __name__ == "__main__":
    main()
