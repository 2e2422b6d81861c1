"""人材還流マップ page: runs for both roles, shows names (not codes) with separators, and its
table's 全国計 row equals the placements of the period counted in plain SQL."""

import pytest
from sqlalchemy import text
from sqlmodel import Session

from crm.actor import actor_for
from crm.services.users import get_user

PAGE = "pages/flows.py"


@pytest.fixture
def engine(demo_engine):
    return demo_engine


def _actor(engine, username):
    with Session(engine) as session:
        return actor_for(get_user(session, username))


def _table(at, index=0):
    return at.dataframe[index].value


def _period_count(engine, hub=None) -> int:
    with Session(engine) as session:
        sql = "select count(*) from placement where placed_on between :since and :until"
        params = {"since": "2024-04-01", "until": "2025-03-31"}
        if hub:
            sql += " and hub_code = :hub"
            params["hub"] = hub
        return int(session.execute(text(sql), params).scalar_one())


def _fiscal_2024(at):
    at.sidebar.selectbox(key="af_fy").select(2024)
    at.run()
    return at


def test_the_secretariat_sees_every_hub_and_the_national_total(open_page, engine):
    at = _fiscal_2024(open_page(_actor(engine, "secretariat"), PAGE))
    assert not at.exception and at.title[0].value == "人材還流マップ"
    frame = _table(at)
    national = frame[frame["拠点"] == "全国計"].iloc[0]
    assert national["計"] == f"{_period_count(engine):,}"
    assert "山形県" in set(frame["拠点"]) and "06" not in set(frame["拠点"])
    assert "首都圏" in frame.columns and "," in national["計"]
    assert len(at.get("vega_lite_chart")) == 2


def test_drill_down_to_one_hub_by_query(open_page, engine):
    at = _fiscal_2024(open_page(_actor(engine, "secretariat"), PAGE, query={"hub": "06"}))
    assert not at.exception
    frame = _table(at)
    assert list(frame["拠点"]) == ["山形県", "全国計"]
    assert frame.iloc[0]["計"] == f"{_period_count(engine, '06'):,}"


def test_a_hub_manager_sees_only_their_hub(open_page, engine):
    at = _fiscal_2024(open_page(_actor(engine, "hub06"), PAGE))
    assert not at.exception and not at.error
    frame = _table(at)
    assert list(frame["拠点"]) == ["山形県", "全国計"]
    assert frame.iloc[1]["計"] == f"{_period_count(engine, '06'):,}"
    # By prefecture: the origins are names, never codes.
    at.radio(key="flows_level").set_value("prefecture")
    at.run()
    origins = set(_table(at)["前居住地"])
    assert "東京都" in origins and not any(o.isdigit() for o in origins)
