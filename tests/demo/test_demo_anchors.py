"""Every published figure the demo reproduces, as README.md's table 「デモデータが再現する公表値」
states it (between ``<!-- demo-anchors -->`` and ``<!-- /demo-anchors -->``).

Each row is counted here with plain SQL on the loaded demo database, independently of the code
that plans the history (``crm.demo``) and of the app's analytics; then the app's own readings
(the functions behind 全国ダッシュボード, 都道府県比較 and 内訳) are checked to show the same
numbers where the table says they show. Published shares are whole percentages, rounded half up.
"""

import datetime as dt
import re
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import Session

from crm.actor import SYSTEM
from crm.analytics.breakdowns import Dimension, breakdown
from crm.analytics.comparison import hub_comparison
from crm.analytics.filters import AnalyticsFilter
from crm.analytics.national import headline_figures
from crm.analytics.trend import monthly_trend
from crm.db import make_engine
from crm.timeutil import fiscal_year

README = Path(__file__).resolve().parents[2] / "README.md"
BEGIN, END = "<!-- demo-anchors -->", "<!-- /demo-anchors -->"

YAMAGATA = "06"
# Yamagata's cumulative figures are "as of the end of March 2022".
YAMAGATA_UNTIL = "2022-03-31"
# JSIC divisions as Yamagata's published groups: サービス業 is every division named a service.
INDUSTRY_GROUPS = {
    "製造業": ("E",),
    "サービス業": ("L", "M", "N", "Q", "R"),
    "建設業": ("D",),
    "卸売業，小売業": ("I",),
}

# The table's first two columns: figure -> value, exactly as README.md states them.
ANCHORS: dict[str, str] = {
    "全国 累計相談件数（2016年1月〜9月の各月末）": (
        "3、27、303、758、1,427、2,186、3,020、3,883、5,044"
    ),
    "全国 累計成約件数（2016年1月〜9月の各月末）": "6、11、26、58、93、152、208、284、373",
    "全国 累計相談件数／成約件数（2019年初め）": "約33,000／約5,400",
    "全国 累計相談件数／成約件数（2020年11月末）": "52,144／10,831",
    "全国 年度ごとの相談件数／成約件数（2021年度以降）": "約10,000／2,000〜3,000",
    "拠点のある都道府県": "46（東京都を除く）",
    "山形 2020年度 相談件数／成約件数": "239／112",
    "山形 2020年度 成約のうち副業・兼業": "15",
    "山形 2021年度 相談件数／成約件数": "219／100",
    "山形 累計相談件数／成約件数（2022年3月末）": "1,297／422",
    "山形 成約のあった企業／うち2件以上成約（2022年3月末）": "153／79（52%）",
    "山形 副業・兼業の成約（2020年6月〜2022年3月）": "27",
    "山形 成約のあった企業の業種（2022年3月末）": (
        "製造業 71%、サービス業 9%、建設業 8%、卸売業，小売業 8%"
    ),
}


def rows(engine, sql: str, **params) -> list:
    with engine.connect() as connection:
        return connection.execute(text(sql), params).all()


def one(engine, sql: str, **params):
    return rows(engine, sql, **params)[0][0]


def percent(count: int, total: int) -> int:
    """A share in whole percent, rounded half up (as the hub publishes it)."""
    return (200 * count + total) // (2 * total)


def count(engine, table: str, column: str, since: str | None, until: str, hub=None) -> int:
    where = [f"{column} <= :until"]
    if since:
        where.append(f"{column} >= :since")
    if hub:
        where.append("hub_code = :hub")
    sql = f"select count(*) from {table} where {' and '.join(where)}"
    return one(engine, sql, since=since, until=until, hub=hub)


def month_ends(year: int, months: range) -> list[str]:
    ends = []
    for month in months:
        following = dt.date(year + month // 12, month % 12 + 1, 1)
        ends.append((following - dt.timedelta(days=1)).isoformat())
    return ends


def pair(consultations: int, placements: int) -> str:
    return f"{consultations:,}／{placements:,}"


def about(value: int, rounded_to: int, within: float) -> str:
    """``約N`` when ``value`` is within ``within`` of the published round figure N."""
    if abs(value - rounded_to) <= within * rounded_to:
        return f"約{rounded_to:,}"
    return f"{value:,}"


# --- each row, counted with SQL ----------------------------------------------------------------


def national_consultations_2016(engine, summary) -> str:
    ends = month_ends(2016, range(1, 10))
    return "、".join(f"{count(engine, 'consultation', 'consulted_on', None, d):,}" for d in ends)


def national_placements_2016(engine, summary) -> str:
    ends = month_ends(2016, range(1, 10))
    return "、".join(f"{count(engine, 'placement', 'placed_on', None, d):,}" for d in ends)


def national_early_2019(engine, summary) -> str:
    # "About 33,000 and 5,400 by early 2019": the demo passes them at the end of February.
    consultations = count(engine, "consultation", "consulted_on", None, "2019-02-28")
    placements = count(engine, "placement", "placed_on", None, "2019-02-28")
    return f"{about(consultations, 33_000, 0.02)}／{about(placements, 5_400, 0.02)}"


def national_november_2020(engine, summary) -> str:
    return pair(
        count(engine, "consultation", "consulted_on", None, "2020-11-30"),
        count(engine, "placement", "placed_on", None, "2020-11-30"),
    )


def national_pace(engine, summary) -> str:
    """Every whole fiscal year from FY2021 to the load: about 10,000 consultations (±10%) and
    2,000 to 3,000 contracts."""
    year = fiscal_year(summary.last_day)
    last_whole = year if summary.last_day == dt.date(year + 1, 3, 31) else year - 1
    assert last_whole >= 2021, "the demo must hold a whole fiscal year from FY2021"
    found = []
    for year in range(2021, last_whole + 1):
        since, until = f"{year}-04-01", f"{year + 1}-03-31"
        consultations = count(engine, "consultation", "consulted_on", since, until)
        placements = count(engine, "placement", "placed_on", since, until)
        if not 9_000 <= consultations <= 11_000 or not 2_000 <= placements <= 3_000:
            found.append(f"{year}年度 {pair(consultations, placements)}")
    return "約10,000／2,000〜3,000" if not found else "、".join(found)


def hubs_with_history(engine, summary) -> str:
    hubs = {code for (code,) in rows(engine, "select distinct hub_code from consultation")}
    return f"{len(hubs)}（東京都を除く）" if "13" not in hubs else f"{len(hubs)}（東京都を含む）"


def yamagata_year(year: int):
    def measure(engine, summary) -> str:
        since, until = f"{year}-04-01", f"{year + 1}-03-31"
        return pair(
            count(engine, "consultation", "consulted_on", since, until, YAMAGATA),
            count(engine, "placement", "placed_on", since, until, YAMAGATA),
        )

    return measure


def side_jobs(since: str, until: str):
    def measure(engine, summary) -> str:
        n = one(
            engine,
            "select count(*) from placement where hub_code = :hub and engagement = 'side_job'"
            " and placed_on between :since and :until",
            hub=YAMAGATA,
            since=since,
            until=until,
        )
        return f"{n:,}"

    return measure


def yamagata_cumulative(engine, summary) -> str:
    return pair(
        count(engine, "consultation", "consulted_on", None, YAMAGATA_UNTIL, YAMAGATA),
        count(engine, "placement", "placed_on", None, YAMAGATA_UNTIL, YAMAGATA),
    )


def placements_per_firm(engine) -> dict[int, int]:
    return dict(
        rows(
            engine,
            "select company_id, count(*) from placement"
            " where hub_code = :hub and placed_on <= :until group by company_id",
            hub=YAMAGATA,
            until=YAMAGATA_UNTIL,
        )
    )


def yamagata_hiring_firms(engine, summary) -> str:
    firms = placements_per_firm(engine)
    repeat = sum(1 for n in firms.values() if n >= 2)
    return f"{len(firms):,}／{repeat:,}（{percent(repeat, len(firms))}%）"


def group_of(code: str) -> str | None:
    return next((name for name, codes in INDUSTRY_GROUPS.items() if code in codes), None)


def yamagata_industries(engine, summary) -> str:
    industry = dict(
        rows(
            engine,
            "select id, industry from company where id in (select company_id from placement"
            " where hub_code = :hub and placed_on <= :until)",
            hub=YAMAGATA,
            until=YAMAGATA_UNTIL,
        )
    )
    groups = Counter(group_of(code) for code in industry.values())
    return "、".join(f"{name} {percent(groups[name], len(industry))}%" for name in INDUSTRY_GROUPS)


MEASURES = {
    "全国 累計相談件数（2016年1月〜9月の各月末）": national_consultations_2016,
    "全国 累計成約件数（2016年1月〜9月の各月末）": national_placements_2016,
    "全国 累計相談件数／成約件数（2019年初め）": national_early_2019,
    "全国 累計相談件数／成約件数（2020年11月末）": national_november_2020,
    "全国 年度ごとの相談件数／成約件数（2021年度以降）": national_pace,
    "拠点のある都道府県": hubs_with_history,
    "山形 2020年度 相談件数／成約件数": yamagata_year(2020),
    "山形 2020年度 成約のうち副業・兼業": side_jobs("2020-04-01", "2021-03-31"),
    "山形 2021年度 相談件数／成約件数": yamagata_year(2021),
    "山形 累計相談件数／成約件数（2022年3月末）": yamagata_cumulative,
    "山形 成約のあった企業／うち2件以上成約（2022年3月末）": yamagata_hiring_firms,
    "山形 副業・兼業の成約（2020年6月〜2022年3月）": side_jobs("2020-06-01", YAMAGATA_UNTIL),
    "山形 成約のあった企業の業種（2022年3月末）": yamagata_industries,
}


@pytest.fixture(scope="module")
def demo(demo_template):
    engine = make_engine(f"sqlite:///{demo_template}")
    yield engine
    engine.dispose()


def test_every_anchor_is_measured():
    assert set(MEASURES) == set(ANCHORS)


@pytest.mark.parametrize("figure", ANCHORS)
def test_the_demo_reproduces_the_published_figure(demo, demo_summary, figure):
    assert MEASURES[figure](demo, demo_summary) == ANCHORS[figure]


def test_yamagata_has_no_side_job_before_its_support_began(demo):
    """Side-job support began in June 2020: 27 since then is 27 in all by March 2022."""
    assert side_jobs("2015-04-01", "2020-05-31")(demo, None) == "0"


def readme_table() -> dict[str, str]:
    """The README table's figure -> value (its first two columns)."""
    content = README.read_text(encoding="utf-8")
    if BEGIN not in content or END not in content:
        pytest.fail(
            f"README.md has no table between {BEGIN} and {END}: paste the table of "
            "「デモデータが再現する公表値」 there (this test then keeps it true)."
        )
    block = content.split(BEGIN, 1)[1].split(END, 1)[0]
    table = {}
    for line in block.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) < 2 or not line.lstrip().startswith("|"):
            continue
        if cells[0] in ("公表値", "") or re.fullmatch(r":?-+:?", cells[0]):
            continue  # header and separator rows
        table[cells[0]] = cells[1]
    return table


def test_readme_table_states_exactly_what_is_checked():
    assert readme_table() == ANCHORS


# --- the app shows them where the table says -------------------------------------------------


@pytest.fixture(scope="module")
def session(demo):
    with Session(demo) as session:
        yield session


def test_national_dashboard_chart_reads_the_national_points(session):
    points = {p.month: p for p in monthly_trend(session, SYSTEM)}
    assert [points[f"2016-{m:02d}"].cumulative_consultations for m in range(1, 10)] == [
        3, 27, 303, 758, 1427, 2186, 3020, 3883, 5044,
    ]  # fmt: skip
    assert [points[f"2016-{m:02d}"].cumulative_contracts for m in range(1, 10)] == [
        6, 11, 26, 58, 93, 152, 208, 284, 373,
    ]  # fmt: skip
    assert (points["2019-02"].cumulative_consultations, points["2019-02"].cumulative_contracts) == (
        33_000,
        5_400,
    )
    assert (points["2020-11"].cumulative_consultations, points["2020-11"].cumulative_contracts) == (
        52_144,
        10_831,
    )


def test_yamagata_chart_reads_its_cumulative_figures(session):
    points = {p.month: p for p in monthly_trend(session, SYSTEM, hubs=[YAMAGATA])}
    march = points["2022-03"]
    assert (march.cumulative_consultations, march.cumulative_contracts) == (1_297, 422)


@pytest.mark.parametrize(
    ("year", "consultations", "placements", "side_jobs", "cumulative"),
    [(2020, 239, 112, 15, None), (2021, 219, 100, 12, (1_297, 422, 27))],
)
def test_prefecture_comparison_reads_yamagata_years(
    session, year, consultations, placements, side_jobs, cumulative
):
    comparison = hub_comparison(
        session,
        SYSTEM,
        AnalyticsFilter.for_fiscal_year(year, hubs=(YAMAGATA,)),
        today=dt.date(2026, 12, 1),
    )
    (row,) = comparison.rows
    assert (row.consultations, row.placements, row.side_job_placements) == (
        consultations,
        placements,
        side_jobs,
    )
    if cumulative:
        assert (
            row.cumulative_consultations,
            row.cumulative_placements,
            row.cumulative_side_job_placements,
        ) == cumulative


def yamagata_to_march_2022() -> AnalyticsFilter:
    return AnalyticsFilter(since=dt.date(2016, 1, 1), until=dt.date(2022, 3, 31), hubs=(YAMAGATA,))


def test_national_dashboard_reads_yamagatas_hiring_firms(session):
    figures = headline_figures(session, SYSTEM, yamagata_to_march_2022())
    assert (figures.companies_placed, figures.companies_placed_repeatedly) == (153, 79)
    assert f"{figures.repeat_share:.1%}" == "51.6%"  # published rounded: 52%


def test_breakdown_by_industry_reads_the_published_shares(session):
    """内訳 counts placements by their firm's industry; the demo keeps those at the published
    shares of hiring firms too (rounded to whole percent)."""
    result = breakdown(session, SYSTEM, Dimension.INDUSTRY, yamagata_to_march_2022())
    groups: Counter = Counter()
    for row in result.rows:
        groups[group_of(row.key or "")] += row.count
    assert result.total == 422
    assert {name: percent(groups[name], result.total) for name in INDUSTRY_GROUPS} == {
        "製造業": 71,
        "サービス業": 9,
        "建設業": 8,
        "卸売業，小売業": 8,
    }
