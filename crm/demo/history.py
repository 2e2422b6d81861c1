"""Plan a synthetic history: who consulted when, which needs and hires followed, and when.

The plan holds only links, dates and codes, compactly (a million consultations fit easily);
``rows.py`` turns it into table rows with texts. Dates are day ordinals (``date.toordinal``).

How the chain is kept sensible: a month's consultations are spread over the hubs by size; its
placements go to hubs that consulted before (so a hub's first hires follow its first visits).
Each hire is traced back to an earlier consultation of the same hub, a few months before, and
that consultation's firm is the firm that hires. So consultation <= need opened <= referral <=
placement, always within one hub and one firm.
"""

import bisect
import datetime as dt
import math
import random
from dataclasses import dataclass, field

from crm.demo import profiles
from crm.demo.profiles import Mix, between, one_of
from crm.demo.series import MonthTarget
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
    today: int
    # consultations, in id order (chronological)
    c_hub: list[int] = field(default_factory=list)
    c_day: list[int] = field(default_factory=list)
    c_company: list[int] = field(default_factory=list)
    c_has_need: bytearray = field(default_factory=bytearray)
    # companies, in id order (by first consultation)
    co_hub: list[int] = field(default_factory=list)
    co_day: list[int] = field(default_factory=list)
    needs: list[Need] = field(default_factory=list)
    # (day, need index, step, from, to, note)
    status_changes: list[tuple] = field(default_factory=list)
    # (day, need index, partner id, outcome)
    referrals: list[tuple] = field(default_factory=list)
    # (day, need index, partner id or None, age band, residence, salary band)
    placements: list[tuple] = field(default_factory=list)
    # (hub, fiscal year) -> [consultations, placements]
    actuals: dict[tuple[int, int], list[int]] = field(default_factory=dict)


def _weekday(ordinal: int, rng: random.Random) -> int:
    """Most meetings fall on working days: move a weekend day to the nearest weekday."""
    weekday = ordinal % 7  # date.fromordinal(1) is a Monday -> ordinal % 7 == 1 means Monday
    if weekday == 6 and rng.random() < 0.9:  # Saturday
        return ordinal - 1
    if weekday == 0 and rng.random() < 0.9:  # Sunday
        return ordinal + 1
    return ordinal


def _allocate(
    total: int, hubs: list[int], weights: list[float], rng: random.Random
) -> dict[int, int]:
    counts: dict[int, int] = {}
    if total and hubs:
        for hub in rng.choices(hubs, weights=weights, k=total):
            counts[hub] = counts.get(hub, 0) + 1
    return counts


class Planner:
    def __init__(
        self,
        hubs: list[str],
        months: list[MonthTarget],
        partners: PartnerPool,
        today: dt.date,
        rng: random.Random,
    ):
        self.rng = rng
        self.months = months
        self.partners = partners
        self.today = today.toordinal()
        self.plan = Plan(hubs=hubs, today=self.today)
        self.profiles = profiles.hub_profiles(hubs, rng)
        self.hub_days: list[list[int]] = [[] for _ in hubs]  # consultation days per hub
        self.hub_consultations: list[list[int]] = [[] for _ in hubs]
        self.hub_companies: list[list[int]] = [[] for _ in hubs]
        self.hub_placement_days: list[list[int]] = [[] for _ in hubs]
        self.fiscal_years: dict[int, int] = {}

    def run(self, progress=None) -> Plan:
        total = len(self.months)
        for i, month in enumerate(self.months):
            self._month(month)
            if progress and i % 12 == 0:
                progress(i / total)
        self._placed_needs()
        self._other_needs()
        return self.plan

    # --- consultations and placements per month ------------------------------------------

    def _month(self, month: MonthTarget) -> None:
        rng, plan = self.rng, self.plan
        first, last = month.first_day.toordinal(), month.last_day.toordinal()
        hubs = list(range(len(self.profiles)))
        sizes = [p.size for p in self.profiles]
        counts = _allocate(month.consultations, hubs, sizes, rng)
        entries = []
        # The programme's very first visits fell early in its first month.
        span_end = min(last, first + 11) if not plan.c_day else last
        for hub, count in counts.items():
            for _ in range(count):
                day = min(max(_weekday(between(rng, first, span_end), rng), first), last)
                entries.append((day, hub))
        entries.sort()
        for day, hub in entries:
            self._consultation(day, hub)
        # Hires go to hubs that had consulted before this month; in the very first month,
        # to those consulting in it (dated after their first visit).
        started = [h for h in hubs if self.hub_days[h] and self.hub_days[h][0] < first] or [
            h for h in hubs if self.hub_days[h]
        ]
        # A hub hires in proportion to its recent consultations: new hubs hire little at first.
        weights = []
        for h in started:
            days = self.hub_days[h]
            recent = bisect.bisect_left(days, first) - bisect.bisect_left(days, first - 365)
            weights.append(self.profiles[h].conversion * max(recent, 1))
        for hub, count in _allocate(month.placements, started, weights, rng).items():
            earliest = self.hub_days[hub][0]
            for _ in range(count):
                day = min(max(_weekday(between(rng, first, last), rng), first), last)
                if day < earliest:
                    day = between(rng, earliest, last)
                self.hub_placement_days[hub].append(day)
                self._count(hub, day, 1)

    def _consultation(self, day: int, hub: int) -> None:
        plan, rng = self.plan, self.rng
        companies = self.hub_companies[hub]
        if not companies or rng.random() < NEW_COMPANY_SHARE:
            company = len(plan.co_hub)
            plan.co_hub.append(hub)
            plan.co_day.append(day)
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
        self.hub_days[hub].append(day)
        self.hub_consultations[hub].append(index)
        self._count(hub, day, 0)

    def _count(self, hub: int, day: int, column: int) -> None:
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
        rng = self.rng
        for hub, days in enumerate(self.hub_placement_days):
            days.sort()
            i = 0
            while i < len(days):
                wanted = _HEADCOUNTS.pick(rng)
                group = [days[i]]
                j = i + 1
                while len(group) < wanted and j < len(days) and days[j] - days[i] <= 120:
                    group.append(days[j])
                    j += 1
                i = j
                self._placed_need(hub, group)

    def _source(self, hub: int, placed: int) -> int:
        """An earlier consultation of the hub, typically a few months before the hire."""
        rng, days = self.rng, self.hub_days[hub]
        lag = min(int(rng.lognormvariate(math.log(80), 0.6)) + 7, 720)
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

    def _engagement(self, day: int) -> str:
        year = dt.date.fromordinal(day).year
        draw = self.rng.random()
        if draw < profiles.side_job_share(year):
            return "side_job"
        if draw > 1 - profiles.SECONDMENT_SHARE:
            return "secondment"
        return "mid_career"

    def _placing_partner(self, hub: int, day: int, engagement: str) -> int | None:
        rng, pool = self.rng, self.partners
        if engagement == "secondment":
            return pool.center if rng.random() < 0.5 else rng.choice(pool.large_firms)
        draw = rng.random()
        if draw < profiles.DIRECT_SHARE:
            return None
        draw -= profiles.DIRECT_SHARE
        if day <= JHR_LAST_DAY and draw < profiles.JHR_SHARE:
            return pool.jhr
        if rng.random() < profiles.regional_bank_share(dt.date.fromordinal(day).year):
            return rng.choice(pool.banks[hub])
        if engagement == "side_job" and rng.random() < 0.4:
            return pool.side_job_agency
        return rng.choice(pool.agencies)

    def _new_need(
        self, hub: int, consultation: int, opened: int, engagement: str, headcount: int, status: str
    ) -> int:
        rng, plan = self.rng, self.plan
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
        plan.c_has_need[consultation] = 1
        return len(plan.needs) - 1

    def _placed_need(self, hub: int, group: list[int]) -> None:
        rng, plan = self.rng, self.plan
        first, last = group[0], group[-1]
        consultation = self._source(hub, first)
        consulted = plan.c_day[consultation]
        opened = consulted + int((first - consulted) * rng.random() * 0.3)
        engagement = self._engagement(first)
        partner = self._placing_partner(hub, first, engagement)
        need = self._new_need(hub, consultation, opened, engagement, len(group), "placed")
        referral_days = []
        if partner is not None:
            day = opened + int((first - opened) * rng.random() * 0.5)
            plan.referrals.append((day, need, partner, "placed"))
            referral_days.append(day)
        for _ in range(_EXTRA_REFERRALS.pick(rng)):
            other = one_of(rng, self.partners.agencies)
            if other != partner:
                day = between(rng, opened, first)
                plan.referrals.append((day, need, other, rng.choice(("no_match", "candidates"))))
                referral_days.append(day)
        changes = plan.status_changes
        changes.append((opened, need, 0, None, "open", None))
        before = "open"
        if referral_days:
            changes.append((min(referral_days), need, 1, "open", "referred", "パートナーへ紹介"))
            before = "referred"
        changes.append((last, need, 2, before, "placed", "成約登録"))
        ages, residences = _AGES[engagement], _RESIDENCES[engagement]
        salary = plan.needs[need].salary_band
        for day in group:
            plan.placements.append(
                (
                    day,
                    need,
                    partner,
                    ages.pick(rng),
                    residences.pick(rng),
                    salary,
                )
            )

    # --- needs still open, being matched, or withdrawn -------------------------------------

    def _other_needs(self) -> None:
        rng, plan, today = self.rng, self.plan, self.today
        agencies = self.partners.agencies
        changes, referrals = plan.status_changes, plan.referrals
        for consultation, consulted in enumerate(plan.c_day):
            age = today - consulted
            draw = rng.random()
            if age <= 120:
                status = (
                    "open"
                    if draw < 0.10
                    else "referred"
                    if draw < 0.24
                    else "withdrawn"
                    if draw < 0.25
                    else None
                )
            elif age <= 365:
                status = (
                    "open"
                    if draw < 0.02
                    else "referred"
                    if draw < 0.07
                    else "withdrawn"
                    if draw < 0.12
                    else None
                )
            elif age <= 730:
                status = "referred" if draw < 0.005 else "withdrawn" if draw < 0.085 else None
            else:
                status = "withdrawn" if draw < 0.08 else None
            if status is None:
                continue
            hub = plan.c_hub[consultation]
            opened = consulted + between(rng, 0, min(14, age))
            need = self._new_need(
                hub,
                consultation,
                opened,
                self._engagement(opened),
                1 if rng.random() < 0.9 else 2,
                status,
            )
            changes.append((opened, need, 0, None, "open", None))
            if status == "open":
                if today - opened > 45 and rng.random() < 0.3:
                    referred = between(rng, opened, opened + (today - opened) // 2)
                    back = between(rng, referred, today)
                    referrals.append((referred, need, one_of(rng, agencies), "no_match"))
                    changes.append((referred, need, 1, "open", "referred", "パートナーへ紹介"))
                    changes.append((back, need, 2, "referred", "open", "候補者なしのため再募集"))
            elif status == "referred":
                referred = between(rng, opened, min(opened + 30, today))
                outcome = "pending" if today - referred < 45 else "candidates"
                referrals.append((referred, need, one_of(rng, agencies), outcome))
                changes.append((referred, need, 1, "open", "referred", "パートナーへ紹介"))
            else:
                before, since = "open", opened
                if rng.random() < 0.6:
                    since = between(rng, opened, min(opened + 30, today))
                    referrals.append(
                        (
                            since,
                            need,
                            one_of(rng, agencies),
                            "no_match" if rng.random() < 0.7 else "withdrawn",
                        )
                    )
                    changes.append((since, need, 1, "open", "referred", "パートナーへ紹介"))
                    before = "referred"
                withdrawn = min(since + between(rng, 14, 200), today)
                changes.append(
                    (withdrawn, need, 2, before, "withdrawn", "企業側の事情により取り下げ")
                )


_HEADCOUNTS = Mix(profiles.HEADCOUNT_MIX)
_EXTRA_REFERRALS = Mix([(0, 62), (1, 28), (2, 10)])
_CATEGORIES = Mix(profiles.CATEGORY_MIX)
_SALARY = {key: Mix(mix) for key, mix in profiles.SALARY_MIX.items()}
_AGES = {key: Mix(mix) for key, mix in profiles.AGE_MIX.items()}
_RESIDENCES = {key: Mix(mix) for key, mix in profiles.RESIDENCE_MIX.items()}


def number_needs(plan: Plan, first_id: int) -> None:
    """Give needs ids in order of their opening date (as a hub would have entered them)."""
    order = sorted(range(len(plan.needs)), key=lambda i: (plan.needs[i].opened, i))
    for offset, index in enumerate(order):
        plan.needs[index].id = first_id + offset
