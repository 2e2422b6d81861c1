"""人材還流: the flow table against independent counts in plain SQL.

The demo database (every placement with a previous prefecture) gives the large counts; a small
hand-made database gives the rows without a prefecture (不明, or the older coarse residence)."""

import datetime as dt

import pytest
from sqlalchemy import text
from sqlmodel import Session

from crm.actor import SYSTEM, actor_for
from crm.analytics.filters import AnalyticsFilter
from crm.analytics.flows import AREA, PREFECTURE, flow_table, net_inflow
from crm.areas import OriginArea, area_of, residence_of
from crm.errors import PermissionDenied
from crm.models import Placement
from crm.reference import PREFECTURES
from crm.services.users import get_user
from tests.utils.factories import (
    make_actors,
    make_company,
    make_consultation,
    make_need,
    make_placement,
)

FY2024 = AnalyticsFilter.for_fiscal_year(2024)
PERIOD = {"since": "2024-04-01", "until": "2025-03-31"}

# The area of a placement written out independently of crm.areas, in plain SQL.
AREA_SQL = """
    case
      when previous_prefecture = hub_code then '県内'
      when previous_prefecture in ('11','12','13','14') then '首都圏'
      when previous_prefecture in ('26','27','28','29') then '大阪圏'
      when previous_prefecture in ('21','23','24') then '名古屋圏'
      when previous_prefecture is not null then 'その他の地域'
      when previous_residence = 'same_prefecture' then '県内'
      when previous_residence = 'tokyo_area' then '首都圏'
      when previous_residence = 'other_region' then 'その他の地域'
      else '不明'
    end"""


@pytest.fixture
def demo_session(demo_engine):
    with Session(demo_engine) as session:
        yield session


def _sql(session, sql: str, **params) -> list:
    return list(session.execute(text(sql), params).all())


def test_area_of_each_block():
    assert area_of("06", "06") is OriginArea.SAME_PREFECTURE
    assert [area_of(c, "06") for c in ("11", "12", "13", "14")] == [OriginArea.TOKYO] * 4
    assert [area_of(c, "06") for c in ("26", "27", "28", "29")] == [OriginArea.OSAKA] * 4
    assert [area_of(c, "06") for c in ("21", "23", "24")] == [OriginArea.NAGOYA] * 3
    assert area_of("22", "06") is OriginArea.OTHER  # 静岡 is not 名古屋圏
    assert area_of("13", "13") is OriginArea.SAME_PREFECTURE  # 県内 comes first
    assert area_of(None, "06") is OriginArea.UNKNOWN
    assert area_of(None, "06", "tokyo_area") is OriginArea.TOKYO  # rows before the prefecture


def test_demo_cells_sum_to_the_period_and_national_is_the_sum_of_hubs(demo_session):
    counted = _sql(
        demo_session,
        "select hub_code, count(*) from placement"
        " where placed_on between :since and :until group by hub_code",
        **PERIOD,
    )
    per_hub = dict(counted)
    assert sum(per_hub.values()) > 500
    for by in (AREA, PREFECTURE):
        table = flow_table(demo_session, SYSTEM, FY2024, by=by)
        assert table.total == sum(per_hub.values())
        assert {hub: table.hub_total(hub) for hub in table.hubs} == per_hub
        assert sum(table.origin_total(o) for o in table.origins) == table.total


def test_demo_area_cells_match_plain_sql(demo_session):
    expected = {
        (area, hub): n
        for area, hub, n in _sql(
            demo_session,
            f"select {AREA_SQL} as area, hub_code, count(*) from placement"
            " where placed_on between :since and :until group by area, hub_code",
            **PERIOD,
        )
    }
    assert flow_table(demo_session, SYSTEM, FY2024).cells == expected


def test_demo_prefecture_cells_and_net_inflow_match_plain_sql(demo_session):
    table = flow_table(demo_session, SYSTEM, FY2024, by=PREFECTURE)
    expected = {
        (origin, hub): n
        for origin, hub, n in _sql(
            demo_session,
            "select previous_prefecture, hub_code, count(*) from placement"
            " where placed_on between :since and :until group by 1, 2",
            **PERIOD,
        )
    }
    assert table.cells == expected
    net = net_inflow(table)
    assert sum(net.values()) == 0  # every move leaves one prefecture and enters another
    (tokyo_out,) = _sql(
        demo_session,
        "select count(*) from placement where previous_prefecture = '13'"
        " and hub_code <> '13' and placed_on between :since and :until",
        **PERIOD,
    )[0]
    assert net["13"] == -tokyo_out  # Tokyo has no hub: only outflow
    inflow, outflow = _sql(
        demo_session,
        "select sum(case when hub_code = '06' and previous_prefecture <> '06' then 1 else 0 end),"
        " sum(case when previous_prefecture = '06' and hub_code <> '06' then 1 else 0 end)"
        " from placement where placed_on between :since and :until",
        **PERIOD,
    )[0]
    assert net["06"] == inflow - outflow


def test_demo_prefectures_agree_with_the_coarse_residence_and_tokyo_leads(demo_session):
    rows = _sql(
        demo_session, "select previous_prefecture, hub_code, previous_residence from placement"
    )
    assert rows and all(pref in PREFECTURES for pref, _, _ in rows)
    assert all(residence_of(pref, hub) == residence for pref, hub, residence in rows)
    table = flow_table(demo_session, SYSTEM, AnalyticsFilter())
    totals = {origin: table.origin_total(origin) for origin in table.origins}
    outside = {k: v for k, v in totals.items() if k != OriginArea.SAME_PREFECTURE.value}
    assert max(outside, key=outside.__getitem__) == OriginArea.TOKYO.value
    assert OriginArea.UNKNOWN.value not in totals


def test_a_hub_manager_sees_only_flows_into_their_hub(demo_session):
    manager = actor_for(get_user(demo_session, "hub06"))
    table = flow_table(demo_session, manager, FY2024, by=PREFECTURE)
    assert table.hubs == ["06"]
    ((own,),) = _sql(
        demo_session,
        "select count(*) from placement where hub_code = '06'"
        " and placed_on between :since and :until",
        **PERIOD,
    )
    assert table.total == own
    net = net_inflow(table)
    assert all(v <= 0 for code, v in net.items() if code != "06")
    with pytest.raises(PermissionDenied):
        flow_table(demo_session, manager, AnalyticsFilter(hubs=("01",)))


def test_a_placement_without_a_prefecture_is_counted_as_unknown(any_engine):
    """On SQLite and PostgreSQL: the area and prefecture cells are computed in SQL."""
    with Session(any_engine) as session:
        _unknown_and_coarse_residences(session, make_actors(session))


def _unknown_and_coarse_residences(session, actors):
    manager = actors.manager01
    company = make_company(session, manager)
    consultation = make_consultation(session, manager, company, on=dt.date(2024, 5, 1))
    need = make_need(session, manager, consultation, headcount=4)
    on = dt.date(2024, 6, 3)
    make_placement(session, manager, need, on=on, previous_residence=None)
    make_placement(session, manager, need, on=on, previous_residence="tokyo_area")
    make_placement(session, manager, need, on=on, previous_prefecture="27")
    # The prefecture is the primary input: the coarse residence follows from it.
    same = make_placement(
        session, manager, need, on=on, previous_prefecture="北海道", previous_residence="tokyo_area"
    )
    session.commit()
    assert (same.previous_prefecture, same.previous_residence) == ("01", "same_prefecture")
    assert session.get(Placement, same.id).previous_residence == "same_prefecture"
    area = flow_table(session, actors.secretariat, FY2024)
    assert area.cells == {
        ("不明", "01"): 1,
        ("首都圏", "01"): 1,
        ("大阪圏", "01"): 1,
        ("県内", "01"): 1,
    }
    by_prefecture = flow_table(session, actors.secretariat, FY2024, by=PREFECTURE)
    assert by_prefecture.cells == {("不明", "01"): 2, ("27", "01"): 1, ("01", "01"): 1}
    assert by_prefecture.origin_label("27") == "大阪府"
    assert net_inflow(by_prefecture)["27"] == -1 and net_inflow(by_prefecture)["01"] == 1
    assert flow_table(session, actors.manager02, FY2024).total == 0
