"""How the synthetic hubs differ, and the mixes records are drawn from.

Hub size follows population: a hub's share of the national consultations is proportional to
its prefecture's population to the power 0.8 (small prefectures run relatively busy hubs),
with a little noise that never reorders prefectures of very different size. Each hub also gets
its own conversion rate, so dashboards comparing prefectures have something to show.
"""

import math
import random
from bisect import bisect_right
from dataclasses import dataclass
from functools import cache

from crm.areas import METRO_AREAS, OriginArea
from crm.reference import PREFECTURES, block_of

# Population by prefecture, in ten thousands: 2020 Population Census (令和2年国勢調査),
# Statistics Bureau of Japan, rounded.
POPULATION_SOURCE_YEAR = 2020
POPULATION: dict[str, int] = {
    "01": 522,
    "02": 124,
    "03": 121,
    "04": 230,
    "05": 96,
    "06": 107,
    "07": 183,
    "08": 287,
    "09": 193,
    "10": 194,
    "11": 734,
    "12": 628,
    "13": 1405,
    "14": 924,
    "15": 220,
    "16": 103,
    "17": 113,
    "18": 77,
    "19": 81,
    "20": 205,
    "21": 198,
    "22": 363,
    "23": 754,
    "24": 177,
    "25": 141,
    "26": 258,
    "27": 884,
    "28": 547,
    "29": 132,
    "30": 92,
    "31": 55,
    "32": 67,
    "33": 189,
    "34": 280,
    "35": 134,
    "36": 72,
    "37": 95,
    "38": 133,
    "39": 69,
    "40": 514,
    "41": 81,
    "42": 131,
    "43": 174,
    "44": 112,
    "45": 107,
    "46": 159,
    "47": 147,
}

SIZE_EXPONENT = 0.8
SIZE_NOISE = 0.08  # standard deviation of the log-normal noise on a hub's size
CONVERSION_NOISE = 0.35
# Yamagata published 239 consultations and 112 contracts for FY2020 (DOMAIN.md): a busy hub
# for its size that converts well. The demo meets those two figures exactly (history.py);
# these factors make its other years of the same kind.
SIZE_OVERRIDES = {"06": 2.0}
CONVERSION_OVERRIDES = {"06": 2.2}
# Published fiscal-year figures a hub's demo history reproduces exactly:
# hub -> (fiscal year, consultations, placements).
PUBLISHED_HUB_YEARS = {"06": (2020, 239, 112)}


@dataclass(frozen=True)
class HubProfile:
    code: str
    size: float  # share weight of national consultations
    conversion: float  # multiplier on the national placements-per-consultation rate


def hub_profiles(codes: list[str], rng: random.Random) -> list[HubProfile]:
    profiles = []
    for code in codes:
        size = (
            POPULATION.get(code, 100) ** SIZE_EXPONENT
            * math.exp(rng.gauss(0, SIZE_NOISE))
            * SIZE_OVERRIDES.get(code, 1.0)
        )
        conversion = CONVERSION_OVERRIDES.get(code, math.exp(rng.gauss(0, CONVERSION_NOISE)))
        profiles.append(HubProfile(code, size, conversion))
    return profiles


# (value, weight) mixes.
INDUSTRY_MIX = [
    ("E", 35),
    ("D", 10),
    ("I", 15),
    ("G", 6),
    ("H", 6),
    ("M", 6),
    ("L", 5),
    ("P", 4),
    ("K", 3),
    ("N", 3),
    ("A", 2),
    ("B", 2),
    ("R", 3),
]
# Legal form: kabushiki kaisha (name prefix or suffix), yugen kaisha, godo kaisha, sole trader.
# A sole trader is drawn first (1-9 people); a company's form then follows its size: 有限会社
# (none founded since 2006) are small old firms, 合同会社 small young ones; larger firms are
# kabushiki kaisha.
SOLE_TRADER_SHARE = 0.08
LEGAL_FORM_BY_SIZE = (  # (largest headcount, mix)
    (30, [("kk_prefix", 40), ("kk_suffix", 34), ("yk", 18), ("gk", 8)]),
    (50, [("kk_prefix", 45), ("kk_suffix", 40), ("yk", 15)]),
    (10**9, [("kk_prefix", 52), ("kk_suffix", 48)]),
)
LEGAL_FORM_MIX = [("kk_prefix", 40), ("kk_suffix", 35), ("yk", 12), ("gk", 5), ("sole", 8)]
REGISTRY_KIND = {"kk_prefix": "01", "kk_suffix": "01", "yk": "02", "gk": "03"}
CAPITAL_MIX = {
    "kk": [
        (3_000_000, 10),
        (5_000_000, 15),
        (10_000_000, 30),
        (20_000_000, 15),
        (30_000_000, 10),
        (50_000_000, 10),
        (80_000_000, 5),
        (100_000_000, 4),
        (300_000_000, 1),
    ],
    "yk": [(3_000_000, 60), (5_000_000, 40)],
    "gk": [(1_000_000, 50), (3_000_000, 50)],
}
# Smallest plausible capital of a kabushiki kaisha by headcount: (more than N people, yen).
KK_CAPITAL_FLOOR = ((300, 100_000_000), (100, 30_000_000), (50, 10_000_000))
CHANNEL_MIX = [
    ("visit", 45),
    ("seminar", 20),
    ("financial_institution", 18),
    ("inbound", 10),
    ("large_firm", 4),
    ("other", 3),
]
# Stance of a consultation that led to a need, and of one that did not.
STANCE_WITH_NEED = [("ready", 60), ("considering", 40)]
STANCE_WITHOUT_NEED = [("defensive", 30), ("interested", 35), ("considering", 25), ("ready", 10)]
CATEGORY_MIX = [
    ("management", 15),
    ("management_support", 25),
    ("specialist", 35),
    ("sales_channel", 25),
]
HEADCOUNT_MIX = [(1, 86), (2, 11), (3, 3)]

AGE_MIX = {
    "mid_career": [("under_30", 5), ("30s", 22), ("40s", 35), ("50s", 28), ("60_plus", 10)],
    "side_job": [("under_30", 5), ("30s", 30), ("40s", 40), ("50s", 20), ("60_plus", 5)],
    "secondment": [("30s", 5), ("40s", 30), ("50s", 55), ("60_plus", 10)],
}
RESIDENCE_MIX = {
    "mid_career": [("tokyo_area", 42), ("same_prefecture", 35), ("other_region", 23)],
    "side_job": [("tokyo_area", 65), ("same_prefecture", 15), ("other_region", 20)],
    "secondment": [("tokyo_area", 50), ("same_prefecture", 20), ("other_region", 30)],
}
SALARY_MIX = {
    "management": [("6m_8m", 25), ("8m_10m", 40), ("10m_plus", 35)],
    "management_support": [("4m_6m", 25), ("6m_8m", 45), ("8m_10m", 25), ("10m_plus", 5)],
    "specialist": [("4m_6m", 35), ("6m_8m", 45), ("8m_10m", 15), ("10m_plus", 5)],
    "sales_channel": [("4m_6m", 35), ("6m_8m", 40), ("8m_10m", 20), ("10m_plus", 5)],
    "side_job": [("under_4m", 85), ("4m_6m", 15)],
}


def side_job_share(year: int) -> float:
    """副業・兼業 placements were rare before 2018 and grew after."""
    return {2016: 0.0, 2017: 0.01, 2018: 0.05, 2019: 0.12, 2020: 0.22, 2021: 0.30}.get(
        year, 0.0 if year < 2016 else 0.35
    )


SECONDMENT_SHARE = 0.06


def regional_bank_share(year: int) -> float:
    """Regional banks took up recruitment themselves from 2018 (a 2018 deregulation)."""
    return 0.02 if year < 2018 else 0.08 if year == 2018 else 0.18


JHR_SHARE = 0.05  # only while it operated (until mid-2020)
DIRECT_SHARE = 0.08  # placed by the hub itself (拠点による直接紹介), without a partner


def between(rng: random.Random, low: int, high: int) -> int:
    """An integer in [low, high]; cheaper than ``rng.randint`` at millions of draws."""
    return low + int(rng.random() * (high - low + 1))


def one_of(rng: random.Random, values: list | tuple):
    return values[int(rng.random() * len(values))]


class Mix:
    """Draw values by weight; a leaner ``random.choices(k=1)`` for millions of draws."""

    __slots__ = ("values", "cumulative", "total")

    def __init__(self, mix: list[tuple]):
        self.values, self.cumulative, total = [], [], 0.0
        for value, weight in mix:
            total += weight
            self.values.append(value)
            self.cumulative.append(total)
        self.total = total

    def pick(self, rng: random.Random):
        return self.values[bisect_right(self.cumulative, rng.random() * self.total)]


# Where a hire lived before, as a prefecture consistent with the coarse residence drawn above:
# 首都圏 mostly Tokyo; "other region" mostly the hub's own block, then 大阪圏 / 名古屋圏.
TOKYO_AREA_MIX = [("13", 50), ("14", 22), ("11", 16), ("12", 12)]
OTHER_REGION_WEIGHTS = {"own_block": 55, "osaka": 18, "nagoya": 12, "elsewhere": 15}


@cache
def _origin_mixes(hub: str) -> tuple[Mix, dict[str, list[str]], Mix]:
    tokyo = METRO_AREAS[OriginArea.TOKYO]
    outside = [c for c in PREFECTURES if c != hub and c not in tokyo]
    pools = {
        "own_block": [c for c in outside if block_of(c) == block_of(hub)],
        "osaka": [c for c in outside if c in METRO_AREAS[OriginArea.OSAKA]],
        "nagoya": [c for c in outside if c in METRO_AREAS[OriginArea.NAGOYA]],
        "elsewhere": outside,
    }
    pool_mix = Mix([(k, w) for k, w in OTHER_REGION_WEIGHTS.items() if pools[k]])
    tokyo_mix = Mix([(code, weight) for code, weight in TOKYO_AREA_MIX if code != hub])
    return tokyo_mix, pools, pool_mix


def previous_prefecture(residence: str | None, hub: str, rng: random.Random) -> str | None:
    """A previous prefecture for a demo hire into ``hub`` whose area matches ``residence``
    (``crm.areas.residence_of`` of the result is ``residence``)."""
    if residence is None:
        return None
    if residence == "same_prefecture":
        return hub
    tokyo_mix, pools, pool_mix = _origin_mixes(hub)
    if residence == "tokyo_area":
        return tokyo_mix.pick(rng)
    pool = pools[pool_mix.pick(rng)]
    return pool[int(rng.random() * len(pool))]
