"""One target-year rule on the national and the prefecture pages: the targets of the fiscal
year the selected period belongs to, stated on screen, and the same number of hubs behind on
both, equal to an independent count from the tables."""

import re

import pytest
from sqlalchemy import text
from sqlmodel import Session

from crm.actor import actor_for
from crm.services.users import get_user
from crm.timeutil import fiscal_year_bounds


@pytest.fixture
def engine(demo_engine):
    return demo_engine


@pytest.fixture
def secretariat(demo_engine):
    with Session(demo_engine) as session:
        return actor_for(get_user(session, "secretariat"))


def _behind_by_count(engine, fy: int, since, until) -> int:
    """Hubs with an approved target of ``fy`` whose counts from ``since`` to ``until`` fall
    below the target pro-rated to ``until`` (a closed year: the whole target)."""
    start, end = fiscal_year_bounds(fy)
    share = ((until - start).days + 1) / ((end - start).days + 1)
    with engine.connect() as connection:
        targets = connection.execute(
            text(
                "select hub_code, consultations, placements from kpi_target "
                "where fiscal_year = :fy and status = 'approved'"
            ),
            {"fy": fy},
        ).all()
        counts = {}
        for table, column in (("consultation", "consulted_on"), ("placement", "placed_on")):
            counts[table] = dict(
                connection.execute(
                    text(
                        f"select hub_code, count(*) from {table} "
                        f"where {column} between :a and :b group by hub_code"
                    ),
                    {"a": max(since, start).isoformat(), "b": until.isoformat()},
                ).all()
            )
    return sum(
        1
        for hub, target_c, target_p in targets
        if counts["consultation"].get(hub, 0) < target_c * share
        or counts["placement"].get(hub, 0) < target_p * share
    )


def _national_behind(at) -> tuple[int, str]:
    for element in (*at.warning, *at.success):
        found = re.search(r"(\d+) 拠点が目標を下回っています", element.value)
        if found:
            return int(found.group(1)), element.value
    raise AssertionError("no target message on the national page")


def _prefectures_behind(at) -> tuple[int, str]:
    metric = next(m for m in at.metric if m.label == "目標を下回る拠点")
    caption = next(c.value for c in at.caption if "目標は" in c.value)
    return int(metric.value), caption


def _open(open_page, actor, page, choose):
    at = open_page(actor, page)
    choose(at)
    assert not at.exception
    return at


def _fiscal_year(year: int):
    def choose(at):
        at.sidebar.radio(key="af_period").set_value("年度").run()
        at.sidebar.selectbox(key="af_fy").set_value(year).run()

    return choose


def _months(first: str, last: str):
    def choose(at):
        at.sidebar.radio(key="af_period").set_value("月の範囲").run()
        at.sidebar.select_slider(key="af_months").set_value((first, last)).run()

    return choose


@pytest.mark.parametrize(
    ("choose", "fy", "since", "until"),
    [
        (_fiscal_year(2020), 2020, "2020-04-01", "2021-03-31"),
        (_fiscal_year(2018), 2018, "2018-04-01", "2019-03-31"),
        # A month range belongs to the fiscal year of its last month (2019-12: FY2019).
        (_months("2019-01", "2019-12"), 2019, "2019-01-01", "2019-12-31"),
    ],
)
def test_both_pages_use_the_targets_of_the_period_s_fiscal_year(
    open_page, secretariat, demo_engine, choose, fy, since, until
):
    import datetime as dt

    since_day, until_day = dt.date.fromisoformat(since), dt.date.fromisoformat(until)
    expected = _behind_by_count(demo_engine, fy, since_day, until_day)
    national, message = _national_behind(_open(open_page, secretariat, "pages/national.py", choose))
    prefectures, caption = _prefectures_behind(
        _open(open_page, secretariat, "pages/prefectures.py", choose)
    )
    assert national == prefectures == expected
    statement = f"目標は{fy}年度（選んだ期間が属する年度）の承認済み目標"
    assert statement in message and statement in caption
    assert f"{until_day:%Y/%m/%d}時点に按分" in message
