"""National monthly counts the demo history is built to: consultations and placements per month.

The demo reproduces the seed's chart exactly (January to September 2016, see DOMAIN.md), meets
the published cumulative totals at the end of November 2020 exactly, passes near the early-2019
figures, and then carries on at the programme's later pace up to the current month. Scale mode
spreads any number of consultations over the ten years ending this month.
"""

import calendar
import datetime as dt
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass

from crm.timeutil import add_months

PROGRAMME_START = dt.date(2016, 1, 1)
# The seed's chart, aligned at September 2016 (our convention, DOMAIN.md): cumulative counts
# for January..September 2016.
SEED_CUMULATIVE_CONSULTATIONS = (3, 27, 303, 758, 1427, 2186, 3020, 3883, 5044)
SEED_CUMULATIVE_PLACEMENTS = (6, 11, 26, 58, 93, 152, 208, 284, 373)
# Cumulative totals the history passes through: (last month, consultations, placements).
# "About 33,000 and 5,400 by early 2019" (we take February 2019); end of November 2020 is exact.
# Within each stretch, placements follow a linear trend from the first to the second factor:
# strong growth to 2019, then a flat 2020.
ANCHORS = (
    (dt.date(2019, 2, 1), 33_000, 5_400, (1.0, 1.9)),
    (dt.date(2020, 11, 1), 52_144, 10_831, (1.05, 0.95)),
)
# Pace after the published figures: about 10,000 consultations and 2,000-3,000 placements a year.
LATER_CONSULTATIONS_PER_MONTH = 840
LATER_PLACEMENTS_PER_MONTH = (215, 232)  # from December 2020, rising over six years
LATER_RAMP_MONTHS = 72
SYNTHETIC_MONTHS = 120
SYNTHETIC_PLACEMENT_RATE = 0.21  # national placements per consultation (10,831 / 52,144)

# Calendar-month seasonality: seminars in autumn and before the fiscal year end, quiet August
# and New Year; hires start in April and October.
CONSULTATION_SEASON = (0.85, 1.0, 1.05, 0.85, 0.95, 1.05, 1.1, 0.8, 1.0, 1.15, 1.1, 0.9)
PLACEMENT_SEASON = (0.9, 0.9, 1.1, 1.3, 0.9, 0.95, 1.0, 0.85, 1.0, 1.2, 0.95, 0.95)


@dataclass(frozen=True)
class MonthTarget:
    first_day: dt.date
    last_day: dt.date  # the month's last day, or today in the current month
    consultations: int
    placements: int


def apportion(total: int, weights: Sequence[float]) -> list[int]:
    """Split ``total`` into integers proportional to ``weights`` that add up exactly
    (largest remainder)."""
    weight_sum = sum(weights)
    if total == 0 or weight_sum <= 0:
        return [0] * len(weights)
    shares = [total * w / weight_sum for w in weights]
    counts = [math.floor(s) for s in shares]
    order = sorted(range(len(weights)), key=lambda i: shares[i] - counts[i], reverse=True)
    for i in order[: total - sum(counts)]:
        counts[i] += 1
    return counts


def _months(first: dt.date, last: dt.date) -> list[dt.date]:
    months, cursor = [], first.replace(day=1)
    while cursor <= last:
        months.append(cursor)
        cursor = add_months(cursor, 1)
    return months


def _elapsed_share(month: dt.date, today: dt.date) -> float:
    """Share of the month that has passed by ``today`` (1 for past months)."""
    if (month.year, month.month) != (today.year, today.month):
        return 1.0
    return today.day / calendar.monthrange(month.year, month.month)[1]


def _last_day(month: dt.date, today: dt.date) -> dt.date:
    end = month.replace(day=calendar.monthrange(month.year, month.month)[1])
    return min(end, today)


def _noise(rng: random.Random, sigma: float = 0.06) -> float:
    return math.exp(rng.gauss(0, sigma))


def _differences(cumulative: tuple[int, ...]) -> list[int]:
    return [b - a for a, b in zip((0, *cumulative), cumulative, strict=False)]


def demo_series(until: dt.date, rng: random.Random) -> list[MonthTarget]:
    """Whole-month national counts from January 2016 to ``until``'s month.

    Each month's counts depend only on the months before it (one random stream drawn in time
    order, a pace fixed per calendar month), never on how far the series runs: the loader
    plans beyond the load day and keeps what happened by then, so two loads on different days
    share every month before the earlier load's."""
    months = _months(PROGRAMME_START, until)
    consultations = _differences(SEED_CUMULATIVE_CONSULTATIONS)
    placements = _differences(SEED_CUMULATIVE_PLACEMENTS)
    cum_c, cum_p = SEED_CUMULATIVE_CONSULTATIONS[-1], SEED_CUMULATIVE_PLACEMENTS[-1]
    segment_start = dt.date(2016, 10, 1)
    for anchor, total_c, total_p, (start, end) in ANCHORS:
        segment = _months(segment_start, anchor)
        ramp = [start + (end - start) * i / max(len(segment) - 1, 1) for i in range(len(segment))]
        weights_c = [
            CONSULTATION_SEASON[m.month - 1]
            * _noise(rng)
            * (0.6 if m in (dt.date(2020, 4, 1), dt.date(2020, 5, 1)) else 1.0)
            for m in segment
        ]
        weights_p = [
            PLACEMENT_SEASON[m.month - 1] * r * _noise(rng)
            for m, r in zip(segment, ramp, strict=True)
        ]
        consultations += apportion(total_c - cum_c, weights_c)
        placements += apportion(total_p - cum_p, weights_p)
        cum_c, cum_p = total_c, total_p
        segment_start = add_months(anchor, 1)
    low, high = LATER_PLACEMENTS_PER_MONTH
    cursor, i = segment_start, 0
    while cursor <= months[-1]:
        pace_p = low + (high - low) * min(i / LATER_RAMP_MONTHS, 1.0)
        consultations.append(
            round(
                LATER_CONSULTATIONS_PER_MONTH * _noise(rng) * CONSULTATION_SEASON[cursor.month - 1]
            )
        )
        placements.append(round(pace_p * _noise(rng) * PLACEMENT_SEASON[cursor.month - 1]))
        cursor, i = add_months(cursor, 1), i + 1
    return [
        MonthTarget(m, _last_day(m, dt.date.max), c, p)
        for m, c, p in zip(months, consultations, placements, strict=False)
    ]


def synthetic_series(
    today: dt.date, consultations: int, rng: random.Random, months: int = SYNTHETIC_MONTHS
) -> list[MonthTarget]:
    """``consultations`` spread over the ``months`` months ending with ``today``'s month: a
    first-year ramp-up, slow growth, seasonality; placements follow at the national rate."""
    first = add_months(today.replace(day=1), -(months - 1))
    calendar_months = _months(first, today)
    weights_c, weights_p = [], []
    for i, month in enumerate(calendar_months):
        ramp = min(1.0, 0.05 + i / 12)
        growth = 1 + 0.02 * i / 12
        share = _elapsed_share(month, today)
        weights_c.append(ramp * growth * share * CONSULTATION_SEASON[month.month - 1] * _noise(rng))
        # Contracts lag consultations by a few months, and conversion improves with time.
        lag_ramp = min(1.0, max(0.0, (i - 1) / 15))
        weights_p.append(
            lag_ramp
            * (0.7 + 0.6 * i / months)
            * share
            * PLACEMENT_SEASON[month.month - 1]
            * _noise(rng)
        )
    counts_c = apportion(consultations, weights_c)
    # A placement needs an earlier consultation: none in or before the first busy month.
    first_busy = next((i for i, c in enumerate(counts_c) if c), len(counts_c))
    weights_p = [0.0 if i <= first_busy else w for i, w in enumerate(weights_p)]
    counts_p = apportion(round(consultations * SYNTHETIC_PLACEMENT_RATE), weights_p)
    return [
        MonthTarget(m, _last_day(m, today), c, p)
        for m, c, p in zip(calendar_months, counts_c, counts_p, strict=True)
    ]
