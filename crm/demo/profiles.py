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
# Yamagata published its figures up to March 2022 (about 220 consultations and 100 contracts a
# year lately; ``published.py``): a busy hub for its size that converts well. The demo meets
# them exactly up to then (history.py); these factors keep its later years of the same kind.
SIZE_OVERRIDES = {"06": 1.7}
CONVERSION_OVERRIDES = {"06": 1.9}


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


# --- industries by prefecture --------------------------------------------------------------------
# Share of private-sector employees by JSIC major division, in percent: 2021 Economic Census for
# Business Activity (令和3年経済センサス‐活動調査, 産業横断的集計, 産業大分類別従業者数),
# Statistics Bureau / METI, rounded to the point (approximate: good for a demo's proportions,
# not a figure to quote; e-Stat has the exact table). Employees, not establishments: a hub's
# clients are firms with staff to manage, not the one-person shops that dominate that count.
# Only the divisions the demo's firms come from; the others (mining, utilities, finance,
# education, compound services) are left out and the rest scaled up to 100%.
NATIONAL_INDUSTRY_SHARES: dict[str, float] = {
    "A": 0.8,
    "B": 0.2,
    "D": 6.4,
    "E": 15.5,
    "G": 3.4,
    "H": 5.6,
    "I": 20.0,
    "K": 2.7,
    "L": 3.3,
    "M": 8.2,
    "N": 3.8,
    "P": 14.6,
    "R": 8.0,
}
# The divisions whose share differs most between prefectures, per prefecture (the rest take
# the national share): manufacturing, construction, accommodation and food, medical and
# welfare, information and communications, agriculture and forestry, fisheries.
_VARYING = ("E", "D", "M", "P", "G", "A", "B")
PREFECTURE_INDUSTRY_SHARES: dict[str, tuple[float, ...]] = {
    #      E   D   M   P    G    A    B
    "01": (9, 9, 9, 17, 2.0, 2.0, 0.8),  # 北海道
    "02": (12, 9, 7, 19, 1.0, 2.0, 0.6),  # 青森
    "03": (18, 9, 7, 17, 1.0, 1.6, 0.5),  # 岩手
    "04": (13, 9, 8, 14, 2.5, 0.7, 0.4),  # 宮城
    "05": (17, 9, 6, 19, 1.0, 1.4, 0.1),  # 秋田
    "06": (25, 8, 7, 16, 1.0, 1.4, 0.1),  # 山形
    "07": (22, 10, 7, 14, 1.0, 1.0, 0.1),  # 福島
    "08": (24, 7, 7, 13, 1.5, 1.0, 0.1),  # 茨城
    "09": (25, 7, 8, 13, 1.0, 0.9, 0.0),  # 栃木
    "10": (25, 7, 7, 14, 1.0, 0.8, 0.0),  # 群馬
    "11": (17, 7, 9, 15, 1.5, 0.3, 0.0),  # 埼玉
    "12": (11, 7, 10, 15, 2.0, 0.5, 0.1),  # 千葉
    "13": (6, 5, 8, 9, 10.0, 0.1, 0.0),  # 東京
    "14": (14, 6, 10, 15, 4.0, 0.2, 0.0),  # 神奈川
    "15": (20, 9, 7, 15, 1.5, 1.0, 0.1),  # 新潟
    "16": (27, 7, 6, 14, 1.5, 0.5, 0.1),  # 富山
    "17": (21, 7, 9, 15, 2.0, 0.5, 0.2),  # 石川
    "18": (25, 8, 7, 14, 1.5, 0.5, 0.2),  # 福井
    "19": (22, 7, 10, 14, 1.0, 1.0, 0.0),  # 山梨
    "20": (23, 7, 9, 14, 1.5, 1.4, 0.0),  # 長野
    "21": (26, 7, 8, 14, 1.0, 0.5, 0.0),  # 岐阜
    "22": (25, 6, 8, 13, 1.0, 0.8, 0.2),  # 静岡
    "23": (25, 6, 8, 11, 2.0, 0.3, 0.0),  # 愛知
    "24": (26, 6, 8, 13, 1.0, 0.7, 0.3),  # 三重
    "25": (30, 6, 8, 14, 1.0, 0.6, 0.0),  # 滋賀
    "26": (16, 5, 10, 16, 2.0, 0.3, 0.0),  # 京都
    "27": (14, 6, 9, 14, 3.0, 0.1, 0.0),  # 大阪
    "28": (19, 6, 9, 16, 1.5, 0.3, 0.1),  # 兵庫
    "29": (18, 6, 9, 19, 1.0, 0.5, 0.0),  # 奈良
    "30": (17, 7, 8, 19, 1.0, 1.3, 0.2),  # 和歌山
    "31": (16, 8, 8, 18, 1.5, 1.2, 0.3),  # 鳥取
    "32": (17, 9, 7, 19, 1.5, 1.2, 0.3),  # 島根
    "33": (20, 7, 7, 16, 1.5, 0.6, 0.0),  # 岡山
    "34": (19, 7, 8, 14, 2.0, 0.5, 0.1),  # 広島
    "35": (20, 8, 7, 17, 1.0, 0.6, 0.2),  # 山口
    "36": (19, 8, 7, 19, 1.0, 1.0, 0.1),  # 徳島
    "37": (18, 7, 8, 15, 1.5, 0.7, 0.1),  # 香川
    "38": (18, 7, 7, 17, 1.0, 1.0, 0.6),  # 愛媛
    "39": (10, 9, 8, 22, 1.0, 1.8, 0.6),  # 高知
    "40": (11, 7, 9, 16, 3.0, 0.3, 0.1),  # 福岡
    "41": (20, 8, 7, 18, 1.0, 1.2, 0.3),  # 佐賀
    "42": (12, 8, 8, 20, 1.0, 1.0, 1.2),  # 長崎
    "43": (15, 8, 8, 19, 1.0, 1.4, 0.1),  # 熊本
    "44": (16, 8, 8, 18, 1.0, 1.0, 0.2),  # 大分
    "45": (14, 9, 8, 19, 1.0, 2.5, 0.3),  # 宮崎
    "46": (13, 9, 8, 20, 1.0, 2.2, 0.3),  # 鹿児島
    "47": (5, 10, 12, 19, 3.0, 0.8, 0.2),  # 沖縄
}
# The programme's clients are not the economy's average: hubs visit firms that can grow by
# hiring a manager or specialist (makers, IT and building firms above all), and few hospitals,
# care homes, restaurants or staffing firms. A division's census share is weighted by this.
CLIENTELE_TILT: dict[str, float] = {
    "A": 1.2,
    "B": 1.2,
    "D": 1.0,
    "E": 1.25,
    "G": 1.3,
    "H": 1.0,
    "I": 1.0,
    "K": 0.8,
    "L": 1.0,
    "M": 0.7,
    "N": 0.7,
    "P": 0.6,
    "R": 0.7,
}


@cache
def industry_shares(prefecture: str) -> dict[str, float]:
    """Expected share (percent, summing to 100) of each JSIC division among a prefecture's
    demo firms: the census employee shares weighted by the hubs' clientele."""
    shares = dict(NATIONAL_INDUSTRY_SHARES)
    shares.update(zip(_VARYING, PREFECTURE_INDUSTRY_SHARES.get(prefecture, ()), strict=False))
    weighted = {code: share * CLIENTELE_TILT[code] for code, share in shares.items() if share}
    total = sum(weighted.values())
    return {code: 100 * share / total for code, share in weighted.items()}


@cache
def industry_mix(prefecture: str) -> "Mix":
    """The industries a prefecture's demo firms are drawn from (``industry_shares``)."""
    return Mix(list(industry_shares(prefecture).items()))


# (value, weight) mixes.
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
# A hire's salary band: the need's category sets the level, the hire's age moves it (a hire in
# their twenties earns what the role's juniors earn, one in their fifties brings a senior's
# pay; past 60 many take a re-employment wage). Weights by band, from under ¥4M up.
SALARY_BANDS = ("under_4m", "4m_6m", "6m_8m", "8m_10m", "10m_plus")
SALARY_BY_CATEGORY = {
    "management": (1, 6, 25, 38, 30),
    "management_support": (4, 26, 42, 23, 5),
    "specialist": (9, 36, 38, 13, 4),
    "sales_channel": (6, 36, 38, 16, 4),
}
SALARY_AGE_TILT = {
    "under_30": (7.0, 3.0, 0.5, 0.1, 0.03),
    "30s": (1.8, 1.9, 1.0, 0.5, 0.25),
    "40s": (0.8, 0.9, 1.0, 1.1, 1.0),
    "50s": (0.4, 0.45, 0.8, 1.5, 2.0),
    "60_plus": (1.8, 1.5, 1.1, 0.8, 0.7),
}
# 副業・兼業 is paid by the month for a few days' work: mostly under ¥4M a year, whatever the age.
SIDE_JOB_SALARY = [("under_4m", 85), ("4m_6m", 15)]
SALARY_MIX = {  # a band for a need before anyone is hired: its category's level, any age
    **{
        category: list(zip(SALARY_BANDS, weights, strict=True))
        for category, weights in SALARY_BY_CATEGORY.items()
    },
    "side_job": SIDE_JOB_SALARY,
}


@cache
def salary_mix(category: str, engagement: str, age: str | None) -> "Mix":
    """The bands a hire's salary is drawn from, by the need's category and the hire's age."""
    if engagement == "side_job":
        return Mix(SIDE_JOB_SALARY)
    base = SALARY_BY_CATEGORY.get(category, SALARY_BY_CATEGORY["specialist"])
    tilt = SALARY_AGE_TILT.get(age or "40s", SALARY_AGE_TILT["40s"])
    return Mix([(band, b * t) for band, b, t in zip(SALARY_BANDS, base, tilt, strict=True)])


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

    def at(self, draw: float):
        """The value at quantile ``draw`` (in [0, 1)): a pick from a draw made elsewhere."""
        return self.values[bisect_right(self.cumulative, draw * self.total)]


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
