"""What hubs published about their results, which the demo history reproduces exactly.

Counted the way the app counts them: a contract (成約) is a placement of any engagement
(mid-career, secondment, side job); a hiring firm is a firm with a placement by the date; a
repeat hirer one with two or more; side jobs are placements whose own engagement is 副業・兼業.
"""

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from crm.reference import JSIC_DIVISIONS

# Industry groups as hubs publish them, in JSIC divisions. 「サービス業」 is every division
# named a service (学術研究・専門・技術サービス, 宿泊・飲食サービス, 生活関連サービス・娯楽,
# 複合サービス, サービス業（他に分類されないもの）).
SERVICE_DIVISIONS = tuple(code for code, name in JSIC_DIVISIONS.items() if "サービス" in name)
INDUSTRY_GROUPS: dict[str, tuple[str, ...]] = {
    "製造業": ("E",),
    "サービス業": SERVICE_DIVISIONS,
    "建設業": ("D",),
    "卸売業，小売業": ("I",),
}
# Divisions a published hiring firm is drawn from within its group (our convention), and for
# the firms outside every published group.
GROUP_DIVISION_MIX: dict[str, list[tuple[str, int]]] = {
    "製造業": [("E", 1)],
    "サービス業": [("L", 30), ("M", 35), ("N", 20), ("R", 15)],
    "建設業": [("D", 1)],
    "卸売業，小売業": [("I", 1)],
}
OTHER_DIVISION_MIX = [("G", 30), ("H", 25), ("P", 20), ("K", 15), ("A", 10)]


@dataclass(frozen=True)
class PublishedHub:
    """One hub's published figures. ``until`` is the day the cumulative figures run to (a
    month's end, 「…月末現在」); every figure about firms and side jobs counts up to it."""

    code: str
    source: str
    years: Mapping[int, tuple[int, int]]  # fiscal year -> (consultations, contracts)
    until: dt.date
    cumulative: tuple[int, int]  # consultations, contracts from the programme's start
    hiring_firms: int
    repeat_hirers: int  # of the hiring firms, those with two or more contracts
    side_jobs_from: dt.date  # the hub's side-job support began: no side job before
    side_jobs_by_year: Mapping[int, int]  # fiscal year -> side-job contracts
    side_jobs_total: int  # from ``side_jobs_from`` to ``until``
    industries: Mapping[str, int]  # INDUSTRY_GROUPS name -> % of hiring firms, rounded

    def side_job_windows(self) -> list[tuple[dt.date, dt.date, int]]:
        """Disjoint (first day, last day, side-job contracts) covering the programme up to
        ``until``: none before ``side_jobs_from``, each published fiscal year, the rest of the
        total in the days left."""
        windows = [(dt.date(2015, 4, 1), self.side_jobs_from - dt.timedelta(days=1), 0)]
        counted, cursor = 0, self.side_jobs_from
        for year in sorted(self.side_jobs_by_year):
            last = min(dt.date(year + 1, 3, 31), self.until)
            windows.append((cursor, last, self.side_jobs_by_year[year]))
            counted += self.side_jobs_by_year[year]
            cursor = last + dt.timedelta(days=1)
        if cursor <= self.until:
            windows.append((cursor, self.until, self.side_jobs_total - counted))
        return windows

    def latest_side_job_share(self) -> float:
        """Side jobs among the contracts of the last published fiscal year."""
        year = max(self.years)
        first, last = dt.date(year, 4, 1), dt.date(year + 1, 3, 31)
        side = sum(n for a, b, n in self.side_job_windows() if first <= a and b <= last)
        return side / self.years[year][1]


def share_rounds_to(count: int, total: int, percent: int) -> bool:
    """Whether ``count`` of ``total`` is ``percent`` % when rounded half up, as published."""
    return total > 0 and (200 * count + total) // (2 * total) == percent


# Yamagata's hub (山形県プロフェッショナル人材戦略拠点), press releases of April 2021 and May 2022
# (DOMAIN.md): FY2020 239 consultations and 112 contracts, 15 of them side jobs; FY2021 219 and
# 100; by March 2022 1,297 consultations and 422 contracts since the start, from 153 firms of
# which 79 hired twice or more (52%); 27 side jobs since side-job support began in June 2020;
# hiring firms by industry: manufacturing 71%, services 9%, construction 8%, wholesale and
# retail 8%.
YAMAGATA = PublishedHub(
    code="06",
    source="山形県プロフェッショナル人材戦略拠点 公表資料（2021年4月・2022年5月）",
    years={2020: (239, 112), 2021: (219, 100)},
    until=dt.date(2022, 3, 31),
    cumulative=(1_297, 422),
    hiring_firms=153,
    repeat_hirers=79,
    side_jobs_from=dt.date(2020, 6, 1),
    side_jobs_by_year={2020: 15},
    side_jobs_total=27,
    industries={"製造業": 71, "サービス業": 9, "建設業": 8, "卸売業，小売業": 8},
)

PUBLISHED_HUBS: dict[str, PublishedHub] = {hub.code: hub for hub in (YAMAGATA,)}
