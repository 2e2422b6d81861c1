"""Plan a synthetic history: who consulted when, which needs and hires followed, and when.

The plan holds only links, dates and codes, compactly (a million consultations fit easily);
``rows.py`` turns it into table rows with texts. Dates are day ordinals (``date.toordinal``).

How the chain is kept sensible: a month's consultations are spread over the hubs by size; its
placements go to hubs that consulted before (so a hub's first hires follow its first visits).
Each hire is traced back to an earlier consultation of the same hub, a few months before, and
that consultation's firm is the firm that hires. So consultation <= need opened <= referral <=
placement, always within one hub and one firm.

A hub whose figures are published (``published.py``) gets its consultations and placements
fixed month by month up to the figures' date, and who hired up to then is planned to the
published numbers of hiring firms, repeat hirers, side jobs and industries (``hiring.py``).

Every record falls on a Japanese business day (no weekends, public holidays or 12/29-1/3):
days are drawn among a month's business days, and a date derived from another lies a number of
business days after it (``BusinessDays.after``), so every weekday keeps its share.

The plan runs past the load day (``Plan.last_day``) and is cut there: a record dated later is
not written, and a need's status, a referral's result or a follow-up's completion is what it
was by then. Each part draws from its own random stream in time order (the months, each hub's
hires, the other needs), so nothing before the load month depends on the load day.
"""

import bisect
import datetime as dt
import math
import random
from dataclasses import dataclass, field

import jpholiday

from crm import workflow
from crm.calendar_jp import is_year_end_break
from crm.demo import hiring, profiles
from crm.demo.profiles import Mix, between, one_of
from crm.demo.published import PUBLISHED_HUBS, PublishedHub
from crm.demo.series import MonthTarget, apportion
from crm.timeutil import fiscal_year

# Partner kinds the planner chooses from, resolved to ids by the loader.
AGENCY, BANK, JHR, CENTER, LARGE_FIRM = "agency", "bank", "jhr", "center", "large_firm"
JHR_LAST_DAY = dt.date(2020, 6, 30).toordinal()  # 日本人材機構 wound up in 2020
NEW_COMPANY_SHARE = 0.38  # share of consultations that are a firm's first


@dataclass
class PartnerPool:
    """Partner ids by kind; banks by hub index."""

    agencies: list[int]
    side_job_agency: int
    banks: dict[int, list[int]]
    jhr: int
    center: int
    large_firms: list[int]
    hub_direct: int  # 拠点による直接紹介: the hub placed the professional itself


@dataclass
class Need:
    hub: int
    company: int
    consultation: int
    opened: int
    category: str
    engagement: str
    headcount: int
    status: str
    salary_band: str | None
    # Filled once needs are sorted by opening date.
    id: int = 0


@dataclass
class Plan:
    hubs: list[str]
    today: int  # the last day with records (the day before the load), as an ordinal
    # consultations, in id order (chronological)
    c_hub: list[int] = field(default_factory=list)
    c_day: list[int] = field(default_factory=list)
    c_company: list[int] = field(default_factory=list)
    c_has_need: bytearray = field(default_factory=bytearray)
    c_first: bytearray = field(default_factory=bytearray)  # the firm's first consultation
    c_entered: dict[int, int] = field(default_factory=dict)  # entered later than dated
    # companies, in id order (by first consultation)
    co_hub: list[int] = field(default_factory=list)
    co_day: list[int] = field(default_factory=list)
    co_first_consultation: list[int] = field(default_factory=list)
    needs: list[Need] = field(default_factory=list)
    # (day, need index, step, from, to, note)
    status_changes: list[tuple] = field(default_factory=list)
    # (day, need index, partner id, outcome)
    referrals: list[tuple] = field(default_factory=list)
    # (day, need index, partner id or None, age band, residence, salary band)
    placements: list[tuple] = field(default_factory=list)
    # (hub, fiscal year) -> [consultations, placements], counting records up to ``today``
    actuals: dict[tuple[int, int], list[int]] = field(default_factory=dict)
    # need index -> sort key of its id (opening day first); see number_needs
    need_keys: list[tuple] = field(default_factory=list)
    # company index -> JSIC division, for firms whose industry the plan decides (the hiring
    # firms of a hub with published figures); the others' are drawn with their rows
    co_industry: dict[int, str] = field(default_factory=dict)


class BusinessDays:
    """Business days (as ordinals, crm.calendar_jp's definition), answered from per-year
    tables built once per process: the planner asks hundreds of thousands of times, and
    ``jpholiday`` is asked once per year in use (its per-day answer costs about 0.2 ms)."""

    _years: dict[int, tuple[int, bytearray]] = {}

    @classmethod
    def _year(cls, year: int) -> tuple[int, bytearray]:
        table = cls._years.get(year)
        if table is None:
            first = dt.date(year, 1, 1).toordinal()
            flags = bytearray(dt.date(year, 12, 31).toordinal() - first + 1)
            holidays = {day for day, _name in jpholiday.year_holidays(year)}
            for offset in range(len(flags)):
                day = dt.date.fromordinal(first + offset)
                if day.weekday() < 5 and not is_year_end_break(day):
                    flags[offset] = 0 if day in holidays else 1
            table = cls._years[year] = (first, flags)
        return table

    @classmethod
    def is_business(cls, ordinal: int) -> bool:
        first, flags = cls._year(dt.date.fromordinal(ordinal).year)
        return bool(flags[ordinal - first])

    @classmethod
    def on_or_after(cls, ordinal: int) -> int:
        return cls.after(ordinal, 0)

    @classmethod
    def on_or_before(cls, ordinal: int) -> int:
        while not cls.is_business(ordinal):
            ordinal -= 1
        return ordinal

    # Business-day arithmetic by position: every business day of the years covered, ascending,
    # and for each calendar day of those years the position of its first business day.
    _ordinals: list[int] = []
    _positions: list[int] = []
    _base = 0  # 1 January of the first year covered, as an ordinal
    _span = (0, -1)  # the years covered

    @classmethod
    def _cover(cls, low: int, high: int) -> None:
        if cls._span[0] <= cls._span[1]:
            low, high = min(low, cls._span[0]), max(high, cls._span[1])
        ordinals: list[int] = []
        positions: list[int] = []
        for year in range(low, high + 1):
            first, flags = cls._year(year)
            for offset, flag in enumerate(flags):
                positions.append(len(ordinals))
                if flag:
                    ordinals.append(first + offset)
        cls._ordinals, cls._positions = ordinals, positions
        cls._base, cls._span = dt.date(low, 1, 1).toordinal(), (low, high)

    @classmethod
    def after(cls, ordinal: int, calendar_days: int) -> int:
        """About ``calendar_days`` after ``ordinal`` (or before, when negative), counted in
        business days from its first business day (two for every three calendar days).

        Moving a date by calendar days and then onto the next business day would pile weekend
        dates onto Mondays; counting business days keeps every weekday as likely as the next."""
        shift = int(calendar_days * 2 / 3)
        while True:
            offset = ordinal - cls._base
            if offset >= 0:
                try:
                    position = cls._positions[offset] + shift
                    if position >= 0:
                        return cls._ordinals[position]
                except IndexError:
                    pass
            # Not covered yet: the years from the day to well past the one sought.
            years = [
                dt.date.fromordinal(day).year
                for day in (ordinal, ordinal + 2 * calendar_days + (10 if shift >= 0 else -10))
            ]
            cls._cover(min(years), max(years))

    @classmethod
    def _position(cls, ordinal: int) -> int:
        cls.after(ordinal, 0)
        return cls._positions[ordinal - cls._base]

    @classmethod
    def any_between(cls, rng: random.Random, first: int, last: int) -> int:
        """A business day from ``first`` to ``last`` (business days), uniformly."""
        start, end = cls._position(first), cls._position(last)
        return cls._ordinals[between(rng, start, end)]

    @classmethod
    def part_way(cls, first: int, last: int, share: float) -> int:
        """The business day ``share`` of the way from ``first`` to ``last`` (business days),
        counted in business days."""
        start, end = cls._position(first), cls._position(last)
        return cls._ordinals[start + int((end - start) * share)]

    def __init__(self) -> None:
        self._months: dict[tuple[int, int], list[int]] = {}

    def of_month(self, first: int, last: int) -> list[int]:
        key = (first, last)
        days = self._months.get(key)
        if days is None:
            days = [d for d in range(first, last + 1) if self.is_business(d)]
            self._months[key] = days
        return days


def _pick_day(rng: random.Random, days: list[int], earliest: int = 0) -> int:
    """A business day of ``days`` (ascending) on or after ``earliest``, uniformly."""
    start = bisect.bisect_left(days, earliest)
    if start >= len(days):
        return days[-1]
    return days[start + int(rng.random() * (len(days) - start))]


def _allocate(
    total: int, hubs: list[int], weights: list[float], rng: random.Random
) -> dict[int, int]:
    counts: dict[int, int] = {}
    if total and hubs:
        for hub in rng.choices(hubs, weights=weights, k=total):
            counts[hub] = counts.get(hub, 0) + 1
    return counts


OTHER_NEED_SHARE = 0.13  # consultations that open a need that will not be filled
LATE_ENTRY_SHARE = 0.04  # consultations entered a few business days after the visit


class Planner:
    def __init__(
        self,
        hubs: list[str],
        months: list[MonthTarget],
        partners: PartnerPool,
        today: dt.date,
        seed: int | str,
        published: bool = True,
    ):
        """``today``: the last day with records (the day before the load). ``published``:
        meet the hubs' published fiscal-year figures (the demo; not scale mode)."""
        self.seed = seed
        self.rng = random.Random(f"{seed}:months")
        self.months = months
        self.partners = partners
        self.today = today.toordinal()
        self.plan = Plan(hubs=hubs, today=self.today)
        self.profiles = profiles.hub_profiles(hubs, random.Random(f"{seed}:profiles"))
        self.days = BusinessDays()
        self.hub_days: list[list[int]] = [[] for _ in hubs]  # consultation days per hub
        self.hub_consultations: list[list[int]] = [[] for _ in hubs]
        self.hub_companies: list[list[int]] = [[] for _ in hubs]
        self.hub_placement_days: list[list[int]] = [[] for _ in hubs]
        self.fiscal_years: dict[int, int] = {}
        # Hubs whose published figures the history meets (hub index -> figures).
        self.published: dict[int, PublishedHub] = {}
        if published:
            self.published = {
                hubs.index(code): figures
                for code, figures in PUBLISHED_HUBS.items()
                if code in hubs and self._covers(figures)
            }
        self.forced = self._published_months()
        # After its figures, a published hub keeps its own share of side jobs, growing as the
        # programme's does.
        self.side_job_scale = {
            hub: figures.latest_side_job_share() / profiles.side_job_share(figures.until.year)
            for hub, figures in self.published.items()
        }

    def _covers(self, figures: PublishedHub) -> bool:
        """Whether the series runs from the programme's start through the figures' date and
        holds each published fiscal year whole."""
        firsts = {m.first_day for m in self.months}
        return (
            bool(self.months)
            and self.months[0].first_day <= dt.date(2016, 1, 1)
            and figures.until.replace(day=1) in firsts
            and all(
                dt.date(year + (month < 4), month, 1) in firsts
                for year in figures.years
                for month in range(1, 13)
            )
        )

    def _published_months(self) -> dict[tuple[int, dt.date], tuple[int, int]]:
        """(hub index, month) -> the hub's consultations and placements that month, for every
        month up to its published figures' date: each published fiscal year's totals exactly,
        the rest of the cumulative totals over the other months, spread like the national
        counts (hires from the month after the hub's first visits)."""
        forced: dict[tuple[int, dt.date], tuple[int, int]] = {}
        for hub, figures in self.published.items():
            months = [m for m in self.months if m.first_day <= figures.until]
            periods = [
                [m for m in months if fiscal_year(m.first_day) == year] for year in figures.years
            ]
            totals = list(figures.years.values())
            periods.append([m for m in months if fiscal_year(m.first_day) not in figures.years])
            totals.append(
                (
                    figures.cumulative[0] - sum(c for c, _ in totals),
                    figures.cumulative[1] - sum(p for _, p in totals),
                )
            )
            visits: dict[dt.date, int] = {}
            for period, (consultations, _) in zip(periods, totals, strict=True):
                counts = apportion(consultations, [m.consultations for m in period])
                visits.update((m.first_day, n) for m, n in zip(period, counts, strict=True))
            opening = min((day for day, n in visits.items() if n), default=dt.date.max)
            for period, (_, placements) in zip(periods, totals, strict=True):
                weights = [m.placements if m.first_day > opening else 0 for m in period]
                counts = apportion(placements, weights)
                for month, n in zip(period, counts, strict=True):
                    c = visits[month.first_day]
                    if c > month.consultations or n > month.placements:
                        raise hiring.PublishedFiguresError(
                            f"{self.plan.hubs[hub]} {month.first_day:%Y-%m}: more than the nation"
                        )
                    forced[(hub, month.first_day)] = (c, n)
        return forced

    def run(self, progress=None) -> Plan:
        total = len(self.months)
        for i, month in enumerate(self.months):
            self._month(month)
            if progress and i % 12 == 0:
                progress(i / total)
        self._placed_needs()
        self._other_needs()
        self._late_entries()
        return self.plan

    # --- consultations and placements per month ------------------------------------------

    def _month(self, month: MonthTarget) -> None:
        rng, plan = self.rng, self.plan
        first, last = month.first_day.toordinal(), month.last_day.toordinal()
        days = self.days.of_month(first, last)
        if not days:
            return
        hubs = list(range(len(self.profiles)))
        forced = {h: n for (h, m), n in self.forced.items() if m == month.first_day}
        free = [h for h in hubs if h not in forced]
        counts = _allocate(
            max(month.consultations - sum(c for c, _ in forced.values()), 0),
            free,
            [self.profiles[h].size for h in free],
            rng,
        )
        for hub, (c, _) in forced.items():
            counts[hub] = c
        entries = []
        # The programme's very first visits fell early in its first month.
        span = [d for d in days if d <= first + 11] if not plan.c_day else days
        for hub, count in counts.items():
            for _ in range(count):
                entries.append((_pick_day(rng, span), hub))
        entries.sort()
        for day, hub in entries:
            self._consultation(day, hub)
        # Hires go to hubs that had consulted before this month; in the very first month,
        # to those consulting in it (dated after their first visit).
        started = [h for h in hubs if self.hub_days[h] and self.hub_days[h][0] < first] or [
            h for h in hubs if self.hub_days[h]
        ]
        forced_started = {h: p for h, (_, p) in forced.items() if h in started}
        others = [h for h in started if h not in forced_started]
        # A hub hires in proportion to its recent consultations: new hubs hire little at first.
        weights = []
        for h in others:
            hub_days = self.hub_days[h]
            recent = bisect.bisect_left(hub_days, first) - bisect.bisect_left(hub_days, first - 365)
            weights.append(self.profiles[h].conversion * max(recent, 1))
        remaining = max(month.placements - sum(forced_started.values()), 0)
        allocated = _allocate(remaining, others, weights, rng)
        allocated.update(forced_started)
        for hub, count in allocated.items():
            earliest = self.hub_days[hub][0]
            for _ in range(count):
                day = _pick_day(rng, days, earliest)
                self.hub_placement_days[hub].append(day)
                self._count(hub, day, 1)

    def _consultation(self, day: int, hub: int) -> None:
        plan, rng = self.plan, self.rng
        companies = self.hub_companies[hub]
        first = not companies or rng.random() < NEW_COMPANY_SHARE
        if first:
            company = len(plan.co_hub)
            plan.co_hub.append(hub)
            plan.co_day.append(day)
            plan.co_first_consultation.append(len(plan.c_day))
            companies.append(company)
        elif rng.random() < 0.5:
            company = companies[-1 - min(int(rng.expovariate(1 / 40)), len(companies) - 1)]
        else:
            company = companies[rng.randrange(len(companies))]
        index = len(plan.c_day)
        plan.c_hub.append(hub)
        plan.c_day.append(day)
        plan.c_company.append(company)
        plan.c_has_need.append(0)
        plan.c_first.append(1 if first else 0)
        self.hub_days[hub].append(day)
        self.hub_consultations[hub].append(index)
        self._count(hub, day, 0)

    def _count(self, hub: int, day: int, column: int) -> None:
        if day > self.today:
            return
        year = self.fiscal_years.get(day)
        if year is None:
            year = self.fiscal_years[day] = fiscal_year(dt.date.fromordinal(day))
        key = (hub, year)
        counts = self.plan.actuals.get(key)
        if counts is None:
            counts = self.plan.actuals[key] = [0, 0]
        counts[column] += 1

    # --- needs that led to hires ---------------------------------------------------------

    def _placed_needs(self) -> None:
        for hub, days in enumerate(self.hub_placement_days):
            # Each hub's hires draw from their own stream, in time order.
            rng = random.Random(f"{self.seed}:placed:{self.plan.hubs[hub]}")
            days.sort()
            i = sequence = 0
            figures = self.published.get(hub)
            if figures is not None:
                # Up to the published date the plan decides who hired; later, as any hub.
                split = bisect.bisect_right(days, figures.until.toordinal())
                sequence = self._published_hires(hub, days[:split], figures, rng)
                i = split
            while i < len(days):
                wanted = _HEADCOUNTS.pick(rng)
                group = [days[i]]
                j = i + 1
                while len(group) < wanted and j < len(days) and days[j] - days[i] <= 120:
                    group.append(days[j])
                    j += 1
                i = j
                self._placed_need(hub, group, rng, sequence)
                sequence += 1

    def _published_hires(
        self, hub: int, days: list[int], figures: PublishedHub, rng: random.Random
    ) -> int:
        """Plan a published hub's hires up to its figures' date (``days``): as many hiring
        firms and repeat hirers as published, their industries in the published shares, side
        jobs exactly as published. Returns the number of needs planned."""
        plan = self.plan
        groups = hiring.group_days(days, _HEADCOUNTS, rng)
        windows = [(a.toordinal(), b.toordinal(), n) for a, b, n in figures.side_job_windows()]
        hiring.choose_side_jobs(groups, windows, rng)
        firms = hiring.assign_firms(groups, figures.hiring_firms, figures.repeat_hirers, rng)
        placed = [0] * firms
        for group in groups:
            placed[group.firm] += group.size
        industries = hiring.assign_industries(placed, figures.industries, rng)
        visits: dict[int, list[int]] = {}  # the hub's firms -> their consultations, in order
        for consultation in self.hub_consultations[hub]:
            visits.setdefault(plan.c_company[consultation], []).append(consultation)
        companies: list[int] = []  # the plan's firm of each hiring firm
        for sequence, group in enumerate(groups):
            first = group.days[0]
            if group.firm == len(companies):  # the firm's first hire
                consultation = self._first_hire_source(hub, first, set(companies), rng)
                company = plan.c_company[consultation]
                companies.append(company)
                plan.co_industry[company] = hiring.division_of(industries[group.firm], rng)
            else:
                company = companies[group.firm]
                consultation = self._again_source(hub, company, first, visits, companies, rng)
            engagement = "side_job" if group.side_job else _not_side_job(rng)
            self._placed_need(hub, group.days, rng, sequence, consultation, engagement)
        return len(groups)

    def _first_hire_source(self, hub: int, placed: int, taken: set[int], rng: random.Random) -> int:
        """A consultation a few months before a firm's first hire, of a firm of the hub that
        has not hired yet."""
        plan, days = self.plan, self.hub_days[hub]
        consultations = self.hub_consultations[hub]
        latest = bisect.bisect_right(days, placed) - 1
        index = bisect.bisect_right(days, placed - _lag(rng)) - 1
        if index < 0:
            index = between(rng, 0, max(latest, 0))
        for step in range(latest + 1):
            for candidate in (index - step, index + step):
                if 0 <= candidate <= latest:
                    consultation = consultations[candidate]
                    if plan.c_company[consultation] not in taken:
                        return consultation
        raise hiring.PublishedFiguresError(f"{plan.hubs[hub]}: no firm left to hire")

    def _again_source(
        self,
        hub: int,
        company: int,
        placed: int,
        visits: dict[int, list[int]],
        hiring_firms: list[int],
        rng: random.Random,
    ) -> int:
        """The consultation a hiring firm's next need came from: one of its own visits a few
        months before that has led to no need yet; else another visit of the hub near then
        (not a firm's first, nor one with a need) becomes the firm's, as a firm that keeps
        hiring keeps consulting; else its latest visit."""
        plan, days = self.plan, self.hub_days[hub]
        target = placed - _lag(rng)
        own = [
            c
            for c in visits[company]
            if placed - 720 <= plan.c_day[c] <= placed and not plan.c_has_need[c]
        ]
        if own:
            return min(own, key=lambda c: abs(plan.c_day[c] - target))
        consultations = self.hub_consultations[hub]
        low = bisect.bisect_right(days, plan.co_day[company])
        latest = bisect.bisect_right(days, placed) - 1
        index = min(max(bisect.bisect_right(days, target) - 1, low), latest)
        taken = set(hiring_firms)
        for step in range(latest - low + 1):
            for candidate in (index - step, index + step):
                if not low <= candidate <= latest:
                    continue
                consultation = consultations[candidate]
                other = plan.c_company[consultation]
                if plan.c_first[consultation] or plan.c_has_need[consultation] or other in taken:
                    continue
                visits[other].remove(consultation)
                plan.c_company[consultation] = company
                bisect.insort(visits[company], consultation)
                return consultation
        return max(c for c in visits[company] if plan.c_day[c] <= placed)

    def _source(self, hub: int, placed: int, rng: random.Random) -> int:
        """An earlier consultation of the hub, typically a few months before the hire."""
        days = self.hub_days[hub]
        lag = _lag(rng)
        latest = bisect.bisect_right(days, placed) - 1
        index = bisect.bisect_right(days, placed - lag) - 1
        if index < 0:  # the hub is new: any visit up to the hire will do
            index = between(rng, 0, latest)
        consultations = self.hub_consultations[hub]
        # Prefer a visit that has not led to a need yet (a few firms hire many, most once).
        for _ in range(6):
            candidate = consultations[min(latest, max(0, index + between(rng, -8, 8)))]
            if not self.plan.c_has_need[candidate]:
                return candidate
        return candidate

    def _engagement(self, day: int, rng: random.Random, hub: int = -1) -> str:
        year = dt.date.fromordinal(day).year
        draw = rng.random()
        if draw < profiles.side_job_share(year) * self.side_job_scale.get(hub, 1.0):
            return "side_job"
        if draw > 1 - profiles.SECONDMENT_SHARE:
            return "secondment"
        return "mid_career"

    def _placing_partner(self, hub: int, day: int, engagement: str, rng: random.Random) -> int:
        pool = self.partners
        if engagement == "secondment":
            return pool.center if rng.random() < 0.5 else one_of(rng, pool.large_firms)
        draw = rng.random()
        if draw < profiles.DIRECT_SHARE:
            return pool.hub_direct
        draw -= profiles.DIRECT_SHARE
        if day <= JHR_LAST_DAY and draw < profiles.JHR_SHARE:
            return pool.jhr
        if rng.random() < profiles.regional_bank_share(dt.date.fromordinal(day).year):
            return one_of(rng, pool.banks[hub])
        if engagement == "side_job" and rng.random() < 0.4:
            return pool.side_job_agency
        return one_of(rng, pool.agencies)

    def _new_need(
        self,
        hub: int,
        consultation: int,
        opened: int,
        engagement: str,
        headcount: int,
        status: str,
        rng: random.Random,
        key: tuple,
    ) -> int:
        plan = self.plan
        category = _CATEGORIES.pick(rng)
        bands = _SALARY["side_job" if engagement == "side_job" else category]
        salary = bands.pick(rng) if rng.random() < 0.9 else None
        plan.needs.append(
            Need(
                hub=hub,
                company=plan.c_company[consultation],
                consultation=consultation,
                opened=opened,
                category=category,
                engagement=engagement,
                headcount=headcount,
                status=status,
                salary_band=salary,
            )
        )
        plan.need_keys.append((opened, *key))
        plan.c_has_need[consultation] = 1
        return len(plan.needs) - 1

    def _placed_need(
        self,
        hub: int,
        group: list[int],
        rng: random.Random,
        sequence: int,
        consultation: int | None = None,
        engagement: str | None = None,
    ) -> None:
        """A need filled by the placements ``group`` (days); from ``consultation`` with
        ``engagement`` when the plan has chosen them."""
        plan, days = self.plan, self.days
        first, last = group[0], group[-1]
        if consultation is None:
            consultation = self._source(hub, first, rng)
        consulted = plan.c_day[consultation]
        opened = days.part_way(consulted, first, rng.random() * 0.3)
        if engagement is None:
            engagement = self._engagement(first, rng, hub)
        partner = self._placing_partner(hub, first, engagement, rng)
        need = self._new_need(
            hub, consultation, opened, engagement, len(group), "placed", rng, (0, hub, sequence)
        )
        referral_days = []
        if partner != self.partners.hub_direct:
            day = days.part_way(opened, first, rng.random() * 0.5)
            plan.referrals.append((day, need, partner, "placed", first))
            referral_days.append(day)
        for _ in range(_EXTRA_REFERRALS.pick(rng)):
            other = one_of(rng, self.partners.agencies)
            outcome = "no_match" if rng.random() < 0.5 else "candidates"
            day = days.any_between(rng, opened, first)
            if other != partner:
                plan.referrals.append((day, need, other, outcome, first))
                referral_days.append(day)
        changes = plan.status_changes
        # The pipeline's steps as the workflow makes them on every path (crm.workflow).
        changes.append(_change(need, 0, workflow.opened("open", _day(opened))))
        before, step = "open", 1
        if referral_days:
            referred = workflow.after_referral(before, _day(min(referral_days)))
            if referred is not None:
                changes.append(_change(need, step, referred))
                before, step = referred.to_status, step + 1
        placed = workflow.after_placement(before, len(group), len(group), _day(last))
        if placed is not None:
            changes.append(_change(need, step, placed))
        ages, residences = _AGES[engagement], _RESIDENCES[engagement]
        salary = plan.needs[need].salary_band
        for day in group:
            plan.placements.append(
                (day, need, partner, ages.pick(rng), residences.pick(rng), salary)
            )

    # --- needs never filled: withdrawn in the end, some after a second search ----------------

    def _other_needs(self) -> None:
        rng, plan, later = random.Random(f"{self.seed}:other"), self.plan, self.days.after
        agencies = self.partners.agencies
        # Half to the employment stability centre, half to the large firms, as placements go.
        large = self.partners.large_firms
        seconders = [self.partners.center] * len(large) + list(large)
        changes, referrals = plan.status_changes, plan.referrals
        for consultation, consulted in enumerate(plan.c_day):
            # The same draws for every consultation, whatever happens next (see the module).
            draws = [rng.random() for _ in range(8)]
            if draws[0] >= OTHER_NEED_SHARE:
                continue
            hub = plan.c_hub[consultation]
            opened = later(consulted, int(draws[1] * 15))
            engagement = self._engagement(opened, rng, hub)
            figures = self.published.get(hub)
            if (
                engagement == "side_job"
                and figures is not None
                and opened < figures.side_jobs_from.toordinal()
            ):
                engagement = "mid_career"  # the hub offered no side jobs yet
            need = self._new_need(
                hub,
                consultation,
                opened,
                engagement,
                1 if draws[2] < 0.9 else 2,
                "withdrawn",
                rng,
                (1, consultation, 0),
            )
            changes.append(_change(need, 0, workflow.opened("open", _day(opened))))
            before, since, step = "open", opened, 1
            if draws[3] < 0.6:
                referred = later(opened, int(draws[4] * 31))
                moved = workflow.after_referral(before, _day(referred))
                assert moved is not None  # an open need is referred
                changes.append(_change(need, step, moved))
                before, since, step = moved.to_status, referred, step + 1
                settled = None
                if draws[5] < 0.25:  # no candidate: searched again
                    back = later(referred, 30 + int(draws[6] * 61))
                    again = workflow.moved(before, "open", 0, _day(back), "候補者なしのため再募集")
                    changes.append(_change(need, step, again))
                    before, since, step, settled = again.to_status, back, step + 1, back
                outcome = "no_match" if draws[6] < 0.7 else "withdrawn"
                # A secondment is sought where secondments are made (one draw either way:
                # the stream of draws stays the same).
                searched = seconders if engagement == "secondment" else agencies
                referrals.append((referred, need, one_of(rng, searched), outcome, settled))
            wait = 14 + int(draws[7] * 187) if draws[7] < 0.85 else 200 + int(draws[7] * 300)
            withdrawn = later(since, wait)
            end = workflow.moved(
                before, "withdrawn", 0, _day(withdrawn), "企業側の事情により取り下げ"
            )
            changes.append(_change(need, step, end))
            if referrals and referrals[-1][1] == need and referrals[-1][4] is None:
                referrals[-1] = (*referrals[-1][:4], withdrawn)

    def _late_entries(self) -> None:
        """A few visits are logged some business days later, within the same month (never
        the firm's first visit, nor one that led to a need, which was entered with it)."""
        rng, plan = random.Random(f"{self.seed}:late"), self.plan
        for index, day in enumerate(plan.c_day):
            draw, delay = rng.random(), 1 + int(rng.random() * 5)
            if draw >= LATE_ENTRY_SHARE or plan.c_first[index] or plan.c_has_need[index]:
                continue
            entered = day
            for _ in range(delay):
                candidate = self.days.on_or_after(entered + 1)
                if dt.date.fromordinal(candidate).month != dt.date.fromordinal(day).month:
                    break
                entered = candidate
            if entered != day:
                plan.c_entered[index] = entered


_HEADCOUNTS = Mix(profiles.HEADCOUNT_MIX)
_EXTRA_REFERRALS = Mix([(0, 62), (1, 28), (2, 10)])
_CATEGORIES = Mix(profiles.CATEGORY_MIX)
_SALARY = {key: Mix(mix) for key, mix in profiles.SALARY_MIX.items()}
_AGES = {key: Mix(mix) for key, mix in profiles.AGE_MIX.items()}
_RESIDENCES = {key: Mix(mix) for key, mix in profiles.RESIDENCE_MIX.items()}


def _lag(rng: random.Random) -> int:
    """Days from the consultation a need came from to its first hire: a few months."""
    return min(int(rng.lognormvariate(math.log(80), 0.6)) + 7, 720)


def _not_side_job(rng: random.Random) -> str:
    """The engagement of a hire the plan has not made a side job."""
    return "secondment" if rng.random() < profiles.SECONDMENT_SHARE else "mid_career"


def _day(ordinal: int) -> dt.date:
    return dt.date.fromordinal(ordinal)


def _change(need: int, sequence: int, step: workflow.Step) -> tuple:
    """A step of a need's history in the plan's form (day, need, sequence, from, to, note)."""
    return (step.on.toordinal(), need, sequence, step.from_status, step.to_status, step.note)


def number_needs(plan: Plan, first_id: int) -> None:
    """Give needs ids in order of their opening date (as a hub would have entered them); ties
    by hub and sequence, so the order of earlier needs never depends on later ones."""
    order = sorted(range(len(plan.needs)), key=plan.need_keys.__getitem__)
    for offset, index in enumerate(order):
        plan.needs[index].id = first_id + offset
