"""The demo looks like the real programme: published anchors exact (counted here with plain
SQL, not the analytics module), business days only, nothing stamped after the load, ordered
status histories, hub sizes by population, firms' legal forms by size, varied partner names,
the hub's own placements shown as such, and a history before the load month that does not
depend on the load day."""

import datetime as dt
import shutil
from collections import Counter

import pytest
from sqlalchemy import text

from crm.actor import SYSTEM
from crm.analytics.breakdowns import Dimension, breakdown
from crm.calendar_jp import is_business_day
from crm.db import make_engine
from crm.demo import load_demo
from crm.demo.profiles import POPULATION
from crm.timeutil import JST, add_months, to_jst
from tests.conftest import DEMO_TEST_PASSWORD


def rows(engine, sql: str, **params) -> list:
    with engine.connect() as connection:
        return connection.execute(text(sql), params).all()


def one(engine, sql: str, **params):
    return rows(engine, sql, **params)[0][0]


@pytest.fixture(scope="module")
def demo(demo_template):
    engine = make_engine(f"sqlite:///{demo_template}")
    yield engine
    engine.dispose()


def test_the_three_published_anchors_are_exact(demo):
    def cumulative(table: str, column: str, until: str, hub: str | None = None) -> int:
        where = f"{column} <= :until" + (" and hub_code = :hub" if hub else "")
        return one(demo, f"select count(*) from {table} where {where}", until=until, hub=hub)

    assert cumulative("consultation", "consulted_on", "2016-09-30") == 5_044
    assert cumulative("placement", "placed_on", "2016-09-30") == 373
    assert cumulative("consultation", "consulted_on", "2020-11-30") == 52_144
    assert cumulative("placement", "placed_on", "2020-11-30") == 10_831
    fy2020 = "between '2020-04-01' and '2021-03-31'"
    assert (
        one(
            demo,
            f"select count(*) from consultation where hub_code = '06' and consulted_on {fy2020}",
        )
        == 239
    )
    assert (
        one(demo, f"select count(*) from placement where hub_code = '06' and placed_on {fy2020}")
        == 112
    )


def _dates(engine) -> Counter:
    found: Counter = Counter()
    for table, column in [
        ("consultation", "consulted_on"),
        ("talent_need", "opened_on"),
        ("need_status_change", "changed_on"),
        ("referral", "referred_on"),
        ("placement", "placed_on"),
        ("follow_up", "done_on"),
        ("follow_up", "due_on"),
        ("consultation", "next_action_on"),
    ]:
        for day, count in rows(
            engine, f"select {column}, count(*) from {table} where {column} is not null group by 1"
        ):
            found[dt.date.fromisoformat(day)] += count
    return found


def test_records_fall_on_business_days_only(demo):
    dates = _dates(demo)
    off = {day: n for day, n in dates.items() if not is_business_day(day)}
    assert off == {}
    assert not any(d.month == 1 and d.day <= 3 for d in dates)
    assert not any(d.month == 12 and d.day >= 29 for d in dates)
    assert not any(d.weekday() >= 5 for d in dates)
    # Stamps too: entered on business days, from 08:30 to the evening (Japan time).
    for (stamp,) in rows(demo, "select distinct created_at from consultation"):
        local = to_jst(dt.datetime.fromisoformat(stamp))
        assert is_business_day(local.date()) and 8 <= local.hour <= 21


def test_weekday_shares_are_even(demo):
    per_weekday = Counter()
    for day, count in rows(demo, "select consulted_on, count(*) from consultation group by 1"):
        per_weekday[dt.date.fromisoformat(day).weekday()] += count
    assert set(per_weekday) == {0, 1, 2, 3, 4}
    # Mondays lose a few days to public holidays; no day carries another's records.
    assert max(per_weekday.values()) <= 1.15 * min(per_weekday.values())
    placements = Counter()
    for day, count in rows(demo, "select placed_on, count(*) from placement group by 1"):
        placements[dt.date.fromisoformat(day).weekday()] += count
    assert max(placements.values()) <= 1.15 * min(placements.values())


def test_nothing_is_dated_or_stamped_after_the_load(demo, demo_summary):
    loaded = demo_summary.loaded_at
    assert loaded is not None
    for table, column in [
        ("company", "created_at"),
        ("company", "updated_at"),
        ("contact", "updated_at"),
        ("consultation", "created_at"),
        ("consultation", "updated_at"),
        ("talent_need", "updated_at"),
        ("need_status_change", "changed_at"),
        ("referral", "updated_at"),
        ("placement", "updated_at"),
        ("follow_up", "updated_at"),
        ("kpi_target", "updated_at"),
        ("kpi_target", "approved_at"),
    ]:
        latest = one(demo, f"select max({column}) from {table}")
        assert dt.datetime.fromisoformat(latest).replace(tzinfo=dt.UTC) <= loaded, (table, column)
    today = loaded.astimezone(JST).date().isoformat()
    for table, column in [
        ("consultation", "consulted_on"),
        ("need_status_change", "changed_on"),
        ("placement", "placed_on"),
        ("follow_up", "done_on"),
    ]:
        assert one(demo, f"select max({column}) from {table}") < today, table
    # A record is entered on or after its date, never before.
    assert (
        one(
            demo,
            "select count(*) from consultation where date(created_at, '+9 hours') < consulted_on",
        )
        == 0
    )
    assert one(demo, "select count(*) from talent_need where created_at > updated_at") == 0


def test_every_status_history_is_in_time_order(demo):
    disordered = one(
        demo,
        """select count(*) from need_status_change a join need_status_change b
           on a.need_id = b.need_id and a.id < b.id
           where b.changed_at <= a.changed_at or b.changed_on < a.changed_on""",
    )
    assert disordered == 0
    # Each step starts where the one before ended.
    broken = one(
        demo,
        """select count(*) from need_status_change b where b.from_status is not null
           and b.from_status <> (select a.to_status from need_status_change a
             where a.need_id = b.need_id and a.id < b.id order by a.id desc limit 1)""",
    )
    assert broken == 0
    # A need is created with its first step and last changed at its last one.
    assert (
        one(
            demo,
            """select count(*) from talent_need n where n.updated_at <> (
               select max(s.changed_at) from need_status_change s where s.need_id = n.id)""",
        )
        == 0
    )


def test_hub_sizes_follow_population_with_varied_conversion(demo):
    counts = dict(rows(demo, "select hub_code, count(*) from consultation group by hub_code"))
    placements = dict(rows(demo, "select hub_code, count(*) from placement group by hub_code"))
    assert counts["20"] > counts["31"]  # Nagano (2.05M people) above Tottori (0.55M)
    codes = sorted(counts)
    by_population = sorted(codes, key=lambda c: POPULATION[c])
    by_size = sorted(codes, key=lambda c: counts[c])
    rank_p = {c: i for i, c in enumerate(by_population)}
    rank_s = {c: i for i, c in enumerate(by_size)}
    n = len(codes)
    spearman = 1 - 6 * sum((rank_p[c] - rank_s[c]) ** 2 for c in codes) / (n * (n * n - 1))
    assert spearman > 0.9
    rates = [placements[c] / counts[c] for c in codes]
    assert max(rates) > 2 * min(rates)
    # Yamagata is busy for its size, not one of the largest hubs.
    assert sorted(codes, key=counts.get, reverse=True).index("06") > 5


def test_company_type_follows_size(demo):
    assert (
        one(demo, "select count(*) from company where name like '有限会社%' and employees > 50")
        == 0
    )
    assert (
        one(demo, "select count(*) from company where name like '%合同会社' and employees > 30")
        == 0
    )
    assert (
        one(demo, "select count(*) from company where corporate_number is null and employees > 9")
        == 0
    )
    large = one(demo, "select min(capital_jpy) from company where employees > 300")
    assert large is None or large >= 100_000_000
    assert one(demo, "select count(*) from company where name like '有限会社%'") > 1_000


def test_partner_names_are_varied_per_prefecture(demo):
    banks = rows(demo, "select prefecture_code, name from partner where kind = 'regional_bank'")
    names = [name for _, name in banks]
    assert len(names) == len(set(names)) == 2 * 46
    endings = Counter(name[-4:] for name in names)
    assert len(endings) > 10  # not one template with the prefecture's name in front
    assert all(name.endswith(("銀行", "信用金庫", "信用組合")) for name in names)


def test_the_hub_s_own_placements_show_as_direct_introductions(demo):
    assert one(demo, "select count(*) from placement where partner_id is null") == 0
    direct = one(
        demo,
        """select count(*) from placement p join partner r on r.id = p.partner_id
           where r.kind = 'hub' and r.name = '拠点による直接紹介'""",
    )
    total = one(demo, "select count(*) from placement")
    assert 0.05 < direct / total < 0.11
    from sqlmodel import Session

    with Session(demo) as session:
        labels = {
            row.label: row.count for row in breakdown(session, SYSTEM, Dimension.PARTNER).rows
        }
    assert labels["拠点による直接紹介"] == direct and "未記録" not in labels


def _history_before(engine, cutoff: str) -> dict[str, list]:
    queries = {
        "companies": "select * from company where created_at < :cutoff order by id",
        "contacts": "select * from contact where created_at < :cutoff order by id",
        "consultations": "select * from consultation where consulted_on < :day order by id",
        "needs": """select id, hub_code, company_id, consultation_id, category_id, engagement,
            role_title, headcount, salary_band, opened_on, created_at from talent_need
            where opened_on < :day order by id""",
        "steps": "select * from need_status_change where changed_on < :day order by id",
        "referrals": """select id, hub_code, need_id, partner_id, referred_on, created_at
            from referral where referred_on < :day order by id""",
        "placements": "select * from placement where placed_on < :day order by id",
        "follow_ups": """select id, hub_code, company_id, placement_id, due_on, notes, created_at
            from follow_up where created_at < :cutoff order by id""",
        "targets": """select hub_code, fiscal_year, consultations, placements, approved_at
            from kpi_target where approved_at < :cutoff order by hub_code, fiscal_year""",
    }
    day = cutoff[:10]
    return {name: rows(engine, sql, cutoff=cutoff, day=day) for name, sql in queries.items()}


def test_two_loads_on_different_days_agree_on_the_history_before(
    sqlite_template, tmp_path, monkeypatch
):
    monkeypatch.setenv("CRM_DEMO_PASSWORD", DEMO_TEST_PASSWORD)
    moments = [
        dt.datetime(2026, 10, 14, 11, 30, tzinfo=JST),  # a Wednesday in October
        dt.datetime(2026, 12, 2, 8, 0, tzinfo=JST),  # early on 2 December
    ]
    engines = []
    try:
        for i, moment in enumerate(moments):
            path = tmp_path / f"load{i}.sqlite3"
            shutil.copy(sqlite_template, path)
            engine = make_engine(f"sqlite:///{path}")
            engines.append(engine)
            summary = load_demo(engine, now=moment)
            assert summary.last_day == moment.date() - dt.timedelta(days=1)
        # Everything before the earlier load's month (October 2026) is the same.
        month = moments[0].date().replace(day=1)
        cutoff = dt.datetime.combine(month, dt.time(), JST).astimezone(dt.UTC)
        cutoff_text = cutoff.replace(tzinfo=None).isoformat(sep=" ")
        first, second = (_history_before(e, cutoff_text) for e in engines)
        for name in first:
            assert len(first[name]) > 0, name
            assert first[name] == second[name], name
        # ...and the later load carries on past it.
        later = add_months(month, 1).isoformat()
        assert (
            one(engines[1], "select count(*) from consultation where consulted_on >= :d", d=later)
            > 0
        )
        assert (
            one(engines[0], "select count(*) from consultation where consulted_on >= :d", d=later)
            == 0
        )
    finally:
        for engine in engines:
            engine.dispose()
