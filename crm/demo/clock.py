"""When in the day the demo's records were entered, and their stamps as the app stores them.

An office enters its records through the working day: few before 9, a dip at lunch, busy
mornings and afternoons, a few late entries in the evening (``DAY_CURVE``, Japan time). A
record's time is drawn from a hash of what identifies it (a consultation's position, a need's
id and the day), not from a shared stream, so it is the same whatever else the load holds or
whichever day it runs. Nothing is entered before what it belongs to: a record that follows
another the same day (a need opened at its consultation, the status step a referral makes)
comes one to ten minutes after it, and a need's other records of one day take that day's
draws in order, so every kind of record keeps the curve's shape.

Stamps are stored as the services store ``created_at``: in UTC (naive text on SQLite).
"""

import bisect
import datetime as dt
import zlib
from dataclasses import dataclass, field

import numpy as np

from crm.demo.history import BusinessDays, Plan
from crm.reference import NeedStatus

# Entries per half hour (Japan time), from 08:30 to 21:30: the working day 08:30-18:30 and a
# thin evening.
DAY_START = 8 * 3600 + 1800
SLOT = 1800
DAY_CURVE = (
    3, 6, 8, 10, 11, 11, 9, 4, 4, 7, 9, 10, 10, 10, 10, 10, 9, 8, 6, 4,  # 08:30-18:30
    2.0, 1.5, 1.0, 0.6, 0.3, 0.15,  # 18:30-21:30
)  # fmt: skip
LAST_SECOND = 86_399
_JST_OFFSET = 9 * 3600
_MASK = (1 << 64) - 1
_K1, _K2, _K3, _K4 = 0x9E3779B97F4A7C15, 0xBF58476D1CE4E5B9, 0x94D049BB133111EB, 0xD6E8FEB86659FD93
_LEVELS = 1 << 16  # a draw's top 16 bits pick its time of day


def _times_of_day() -> list[int]:
    """For each level of a uniform draw, the time of day at that quantile of the curve."""
    total = sum(DAY_CURVE)
    times: list[int] = []
    slot, below = 0, 0.0  # below: the curve's weight before ``slot``
    for level in range(_LEVELS):
        drawn = (level + 0.5) / _LEVELS * total
        while drawn >= below + DAY_CURVE[slot]:
            below += DAY_CURVE[slot]
            slot += 1
        times.append(DAY_START + slot * SLOT + int((drawn - below) / DAY_CURVE[slot] * SLOT))
    return times


class Clock:
    """Times of day (seconds after midnight, Japan time) for records, and their stamps."""

    _day: list[int] = []
    _curve = np.zeros(0, dtype=np.int64)

    def __init__(self, seed: int | str, dialect: str):
        if not Clock._day:
            Clock._day = _times_of_day()
            Clock._curve = np.array(Clock._day, dtype=np.int64)
        self.salt = (zlib.crc32(str(seed).encode()) * 0xFF51AFD7ED558CCD) & _MASK
        self.sqlite = dialect == "sqlite"
        self._days: dict[int, str] = {}
        self._times: list[str | None] = [None] * 86_400

    def _hash(self, kind: int, key: int, day: int) -> int:
        """64 mixed bits for a record's identity (a multiply-xorshift hash)."""
        value = (self.salt + (kind * _K1 & _MASK) + key * _K2 + day * _K3) & _MASK
        value = ((value ^ (value >> 31)) * _K4) & _MASK
        return value ^ (value >> 32)

    def bits(self, kinds, keys: np.ndarray, days) -> np.ndarray:
        """``_hash`` over arrays (uint64, wrapping as the masked integers do)."""
        with np.errstate(over="ignore"):
            value = (
                np.uint64(self.salt)
                + np.asarray(kinds, dtype=np.uint64) * np.uint64(_K1)
                + keys * np.uint64(_K2)
                + np.asarray(days, dtype=np.uint64) * np.uint64(_K3)
            )
            value = (value ^ (value >> np.uint64(31))) * np.uint64(_K4)
            return value ^ (value >> np.uint64(32))

    def time_of(self, bits: np.ndarray) -> np.ndarray:
        """``time`` over an array of ``bits``."""
        return self._curve[(bits >> np.uint64(48)).astype(np.int64)]

    def time(self, kind: int, key: int, day: int = 0) -> int:
        """A time of day for the record ``(kind, key)`` entered on ``day``, from the curve."""
        return self._day[self._hash(kind, key, day) >> 48]

    def after(self, earlier: int, kind: int, key: int, day: int = 0) -> int:
        """A time after ``earlier`` on the same day: one to ten minutes later."""
        return min(earlier + _gap(self._hash(kind, key, day)), LAST_SECOND)

    def before(self, later: int, kind: int, key: int) -> int:
        """A time one to ten minutes before ``later``, from 08:00 at the earliest."""
        gap = self.after(later, kind, key) - later
        return max(later - gap, min(later, DAY_START - SLOT))

    def on(self, day: int, kind: int, key: int, earlier: int | None = None) -> int:
        """The record's time on ``day``; after ``earlier`` (a time that day) when given."""
        bits = self._hash(kind, key, day)
        drawn = self._day[bits >> 48]
        if earlier is None:
            return drawn
        return max(drawn, min(earlier + _gap(bits), LAST_SECOND))

    def stamp(self, day: int, seconds: int):
        """The stored value of ``seconds`` after midnight (Japan time) on ``day`` (ordinal)."""
        seconds -= _JST_OFFSET
        if seconds < 0:
            day, seconds = day - 1, seconds + 86_400
        if not self.sqlite:
            midnight = dt.datetime.combine(dt.date.fromordinal(day), dt.time(), dt.UTC)
            return midnight + dt.timedelta(seconds=seconds)
        date = self._days.get(day)
        if date is None:
            date = self._days[day] = dt.date.fromordinal(day).isoformat()
        time = self._times[seconds]
        if time is None:
            hours, rest = divmod(seconds, 3600)
            time = self._times[seconds] = f" {hours:02d}:{rest // 60:02d}:{rest % 60:02d}.000000"
        return f"{date}{time}"


def _gap(bits: int) -> int:
    """One to ten minutes, from a draw's middle bits (independent of its time of day)."""
    return 60 + ((bits >> 24) & 0x3FF) * 540 // 0x400


def _gaps(bits: np.ndarray) -> np.ndarray:
    """``_gap`` over an array of ``bits``."""
    return 60 + ((bits >> np.uint64(24)) & np.uint64(0x3FF)).astype(np.int64) * 540 // 0x400


# What a time is drawn for (part of its hash).
COMPANY, CONSULTATION, NEED, EVENT, REFERRAL_UPDATE, VISIT_FOLLOW_UP, FOLLOW_UP_DONE = range(
    0, 70, 10
)
# Within one need's day: its referrals, then the status step they bring, then its
# placements, then the step to 成約 (the order in which the app makes them).
RANK_REFERRAL, RANK_STEP, RANK_PLACEMENT, RANK_PLACED = 1, 2, 3, 4


@dataclass
class PlanTimes:
    """When each planned record up to the last day was entered (seconds after midnight, Japan
    time, on its day)."""

    consultation_day: list[int]  # the day each consultation was entered (ordinal)
    consultation: list[int]
    company: list[int]
    step: dict[int, list[int]] = field(default_factory=dict)  # need index -> each step's
    referral: list[int] = field(default_factory=list)  # by index in plan.referrals
    placement: list[int] = field(default_factory=list)  # by index in plan.placements


def plan_times(plan: Plan, clock: Clock) -> PlanTimes:
    """Entry times for the plan's records up to its last day: a firm just before its first
    consultation, a need after the consultation it came from when entered the same day, and a
    need's referrals, status steps and placements in the order the app makes them, each after
    the one before it that day. A need's first step is its creation. Drawn for all records at
    once (numpy), then put in turn."""
    today = plan.today
    count = bisect.bisect_right(plan.c_day, today)  # consultations are in date order
    index = np.arange(count, dtype=np.uint64)
    day = np.array(plan.c_day[:count], dtype=np.int64)
    last_business = BusinessDays.on_or_before(today)
    for late, entered in plan.c_entered.items():  # logged late (see history.py)
        if late < count:
            day[late] = max(min(entered, last_business), plan.c_day[late])
    firm = np.array(plan.c_company[:count], dtype=np.int64)
    first = np.frombuffer(plan.c_first, dtype=np.uint8)[:count].astype(bool)
    drawn = clock.bits(CONSULTATION, index, 0)
    time, gap = clock.time_of(drawn), _gaps(drawn)
    company = np.zeros(len(plan.co_hub), dtype=np.int64)
    registered = time[first] - _gaps(clock.bits(COMPANY, index[first], 0))
    company[firm[first]] = np.maximum(registered, np.minimum(time[first], DAY_START - SLOT))
    # Another visit of a firm on the day it was registered comes after the registration.
    same_day = ~first & (day == np.array(plan.co_day, dtype=np.int64)[firm])
    time[same_day] = np.maximum(time[same_day], company[firm[same_day]] + gap[same_day])
    consulted_at = np.minimum(time, LAST_SECOND)
    result = PlanTimes(
        consultation_day=day.tolist(),
        consultation=consulted_at.tolist(),
        company=company.tolist(),
    )

    # Each need's records up to the last day, rank 0 its creation (the first status step).
    changes, referrals, placements = plan.status_changes, plan.referrals, plan.placements
    seq = np.array([c[2] for c in changes], dtype=np.int64)
    to_status = [c[4] for c in changes]
    placed = np.array([status == NeedStatus.PLACED.value for status in to_status])
    # Steps the app makes itself with a referral or placement: recorded right after it.
    caused = np.array([status in _CAUSED for status in to_status]) & (seq > 0)
    columns = [
        np.concatenate(
            [
                np.array([r[i] for r in part], dtype=np.int64)
                for part in (changes, referrals, placements)
            ]
        )
        for i in (1, 0)
    ]
    need_at, day_at = columns
    rank_at = np.concatenate(
        [
            np.where(seq == 0, 0, np.where(placed, RANK_PLACED, RANK_STEP)),
            np.full(len(referrals), RANK_REFERRAL),
            np.full(len(placements), RANK_PLACEMENT),
        ]
    )
    ref_at = np.concatenate([seq, np.arange(len(referrals)), np.arange(len(placements))])
    caused_at = np.concatenate([caused, np.zeros(len(referrals) + len(placements), dtype=bool)])
    kept = day_at <= today
    order = np.lexsort((ref_at[kept], rank_at[kept], day_at[kept], need_at[kept]))
    need_at, day_at, rank_at, ref_at, caused_at = (
        column[kept][order] for column in (need_at, day_at, rank_at, ref_at, caused_at)
    )
    ids = np.array([need.id for need in plan.needs], dtype=np.uint64)[need_at]
    drawn = clock.bits(np.where(rank_at == 0, NEED, EVENT + rank_at), ids, day_at)
    time, gap = clock.time_of(drawn), _gaps(drawn)
    starts = np.ones(len(time), dtype=bool)  # the first record of a need's day
    starts[1:] = (need_at[1:] != need_at[:-1]) | (day_at[1:] != day_at[:-1])
    # A need entered the day of its consultation is entered right after it.
    created = np.flatnonzero(rank_at == 0)
    source = np.array([need.consultation for need in plan.needs], dtype=np.int64)[need_at[created]]
    same = day[source] == day_at[created]
    follows, source = created[same], source[same]
    time[follows] = consulted_at[source] + gap[follows]
    after_another = caused_at & ~starts
    time[after_another] = -_SPREAD  # right after the record before
    # The day's other records are entered in turn: the day's draws, in order.
    free = np.ones(len(time), dtype=bool)
    free[follows] = False
    free = np.flatnonzero(free & ~after_another)
    day_of = np.cumsum(starts)[free]
    time[free] = time[free][np.lexsort((time[free], day_of))]
    time = _in_turn(time, gap, starts)
    result.step = _per_need(time[rank_at % 2 == 0], need_at[rank_at % 2 == 0])
    result.referral = _scatter(time, rank_at == RANK_REFERRAL, ref_at, len(referrals))
    result.placement = _scatter(time, rank_at == RANK_PLACEMENT, ref_at, len(placements))
    return result


_CAUSED = (NeedStatus.REFERRED.value, NeedStatus.PLACED.value)
_SPREAD = 1_000_000  # more than a day's seconds


def _in_turn(time: np.ndarray, gap: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Each record of a day (``starts`` its first) at its own time or ``gap`` after the one
    before, whichever is later: t[i] = max(time[i], t[i-1] + gap[i]), solved for all days at
    once (with G the gaps added up within the day, t[i] - G[i] is a running maximum)."""
    group = np.cumsum(starts) - 1
    added = np.where(starts, 0, gap).cumsum()
    within = added - added[np.flatnonzero(starts)][group]
    spread = group * _SPREAD  # keeps each day's running maximum to itself
    running = np.maximum.accumulate(time - within + spread)
    return np.minimum(running - spread + within, LAST_SECOND)


def _per_need(time: np.ndarray, need: np.ndarray) -> dict[int, list[int]]:
    """Times grouped by need (``need`` ascending), in order."""
    bounds = np.flatnonzero(np.diff(need)) + 1
    return {
        int(group[0]): part.tolist()
        for group, part in zip(np.split(need, bounds), np.split(time, bounds), strict=True)
    }


def _scatter(time: np.ndarray, mask: np.ndarray, ref: np.ndarray, size: int) -> list[int]:
    """Times of one kind of record by its index in the plan (-1 for records not written)."""
    placed = np.full(size, -1, dtype=np.int64)
    placed[ref[mask]] = time[mask]
    return placed.tolist()
