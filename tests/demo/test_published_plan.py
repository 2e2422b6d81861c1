"""The planner meets a hub's published figures whatever the seed or the load day (the plan
alone, no database), and its parts (``crm.demo.hiring``) meet their counts exactly."""

import datetime as dt
import random
from collections import Counter

import pytest

from crm.demo import hiring
from crm.demo.history import PartnerPool, Planner
from crm.demo.published import INDUSTRY_GROUPS, YAMAGATA, share_rounds_to
from crm.demo.series import demo_series
from crm.reference import PREFECTURES
from crm.timeutil import add_months, fiscal_year

HUBS = [code for code in sorted(PREFECTURES) if code != "13"]


def test_share_rounds_half_up_as_published():
    assert share_rounds_to(79, 153, 52)  # 51.63%
    assert share_rounds_to(1, 8, 13)  # 12.5% -> 13
    assert not share_rounds_to(1, 8, 12)
    assert not share_rounds_to(0, 0, 0)


def test_yamagatas_side_job_windows_cover_the_programme_to_march_2022():
    assert YAMAGATA.side_job_windows() == [
        (dt.date(2015, 4, 1), dt.date(2020, 5, 31), 0),
        (dt.date(2020, 6, 1), dt.date(2021, 3, 31), 15),
        (dt.date(2021, 4, 1), dt.date(2022, 3, 31), 12),
    ]
    assert YAMAGATA.latest_side_job_share() == pytest.approx(0.12)


def groups_of(sizes: list[int], start: int = 737_000) -> list[hiring.Group]:
    return [hiring.Group([start + 10 * i] * size) for i, size in enumerate(sizes)]


@pytest.mark.parametrize("seed", range(5))
def test_firms_once_and_again_exactly(seed):
    rng = random.Random(seed)
    groups = groups_of([1 if rng.random() < 0.86 else rng.choice((2, 3)) for _ in range(370)])
    firms = hiring.assign_firms(groups, 153, 79, rng)
    placed = Counter()
    for group in groups:
        placed[group.firm] += group.size
    assert firms == len(placed) == 153
    assert sum(1 for n in placed.values() if n >= 2) == 79
    # Numbered by their first need, in time order.
    firsts = [g.firm for g in groups if g.firm not in {h.firm for h in groups[: groups.index(g)]}]
    assert firsts == list(range(153))


def test_too_few_single_hires_is_refused():
    with pytest.raises(hiring.PublishedFiguresError):
        hiring.assign_firms(groups_of([2] * 100), 153, 79, random.Random(1))


def test_side_jobs_exact_per_window_and_none_outside():
    groups = groups_of([1, 2, 1, 1, 3, 1, 1, 2, 1, 1], start=1_000)
    windows = [(1_000, 1_040, 3), (1_041, 1_100, 4)]
    hiring.choose_side_jobs(groups, windows, random.Random(3))
    chosen = Counter()
    for group in groups:
        if group.side_job:
            window = next(i for i, (a, b, _) in enumerate(windows) if a <= group.days[0] <= b)
            chosen[window] += group.size
    assert chosen == {0: 3, 1: 4}


@pytest.mark.parametrize("seed", range(20))
def test_industries_meet_the_shares_of_firms_and_of_placements(seed):
    rng = random.Random(seed)
    placed = [1] * 74 + [max(2, int(rng.lognormvariate(0.8, 0.9))) for _ in range(79)]
    labels = hiring.assign_industries(placed, YAMAGATA.industries, rng)
    firms, placements = Counter(labels), Counter()
    for label, n in zip(labels, placed, strict=True):
        placements[label] += n
    for name, percent in YAMAGATA.industries.items():
        assert share_rounds_to(firms[name], len(placed), percent), name
        assert share_rounds_to(placements[name], sum(placed), percent), name


@pytest.mark.parametrize(("seed", "today"), [(7, dt.date(2023, 1, 10)), (42, dt.date(2030, 5, 1))])
def test_the_plan_meets_yamagatas_figures(seed, today):
    pool = PartnerPool(
        agencies=list(range(1, 20)),
        side_job_agency=5,
        banks={i: [100 + i] for i in range(len(HUBS))},
        jhr=50,
        center=51,
        large_firms=[60, 61],
        hub_direct=70,
    )
    months = demo_series(add_months(today, 26), random.Random(seed))
    plan = Planner(HUBS, months, pool, today, seed).run()
    hub, until = HUBS.index("06"), YAMAGATA.until.toordinal()
    consultations = Counter(
        fiscal_year(dt.date.fromordinal(day))
        for h, day in zip(plan.c_hub, plan.c_day, strict=True)
        if h == hub and day <= until
    )
    placements, side_jobs, firms = Counter(), Counter(), Counter()
    for day, need_index, *_ in plan.placements:
        need = plan.needs[need_index]
        if need.hub != hub or day > until:
            continue
        year = fiscal_year(dt.date.fromordinal(day))
        placements[year] += 1
        side_jobs[year] += need.engagement == "side_job"
        firms[need.company] += 1
        # The firm consulted before: its visit, the need and the hire in order.
        consulted = plan.c_day[need.consultation]
        assert plan.c_company[need.consultation] == need.company
        assert plan.co_day[need.company] <= consulted <= need.opened <= day
    for year, (c, p) in YAMAGATA.years.items():
        assert (consultations[year], placements[year]) == (c, p)
    assert (consultations.total(), placements.total()) == YAMAGATA.cumulative
    assert (side_jobs[2020], side_jobs.total()) == (15, 27)
    assert len(firms) == 153 and sum(n >= 2 for n in firms.values()) == 79
    groups = Counter(
        next((g for g, codes in INDUSTRY_GROUPS.items() if plan.co_industry[f] in codes), "")
        for f in firms
    )
    for name, percent in YAMAGATA.industries.items():
        assert share_rounds_to(groups[name], 153, percent), name
    # The national months stay exact.
    per_month = Counter(dt.date.fromordinal(day).replace(day=1) for day in plan.c_day)
    assert all(per_month[m.first_day] == m.consultations for m in months)
