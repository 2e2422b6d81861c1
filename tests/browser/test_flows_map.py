"""人材還流マップ in the browser: the secretariat sees the flows into every hub and the Japan
map of net inflow; the 成約件数 shown is counted independently in the database."""

import datetime as dt

from playwright.sync_api import expect
from sqlalchemy import text
from sqlmodel import Session

from crm.actor import actor_for
from crm.db import session_scope
from crm.services import users
from crm.timeutil import fiscal_year, fiscal_year_bounds, today_jst
from tests.browser.helpers import go_to, metric_int, screenshot, settle, sign_in
from tests.utils.factories import make_company, make_consultation, make_need, make_placement

# Where this fiscal year's hires lived before, per hub (None: not recorded).
ORIGINS = {
    "manager": ["13", "13", "14", "11", "06", "27", "04", None],
    "other_manager": ["13", "12", "04", "23"],
}


def _record_flows(db_engine, seed) -> None:
    today = today_jst()
    day = max(fiscal_year_bounds(fiscal_year(today))[0], today - dt.timedelta(days=20))
    with session_scope(db_engine) as s:
        for who, origins in ORIGINS.items():
            manager = actor_for(users.get_user(s, getattr(seed, who).username))
            firm = make_company(s, manager, name=f"還流マップ確認{manager.hub_code}株式会社")
            consultation = make_consultation(s, manager, firm, on=day)
            need = make_need(s, manager, consultation, headcount=len(origins))
            for origin in origins:
                make_placement(
                    s, manager, need, on=day, previous_prefecture=origin, previous_residence=None
                )


def test_secretariat_sees_the_flow_map(page, app_server, seed, db_engine):
    _record_flows(db_engine, seed)
    today = today_jst()
    since, _ = fiscal_year_bounds(fiscal_year(today))
    with Session(db_engine) as s:
        expected = s.execute(
            text("select count(*) from placement where placed_on between :since and :until"),
            {"since": since.isoformat(), "until": today.isoformat()},
        ).scalar_one()
    sign_in(page, app_server, seed.secretariat)
    go_to(page, "人材還流マップ")
    settle(page)
    expect(page.get_by_role("heading", name="人材還流マップ")).to_be_visible()
    assert metric_int(page, "成約件数") == expected
    charts = page.get_by_test_id("stVegaLiteChart")
    expect(charts).to_have_count(2)
    expect(charts.nth(1).locator("svg.marks")).to_be_visible()
    expect(page.get_by_text("純流入の地図")).to_be_visible()
    screenshot(page, "flows-01-secretariat-flows")
    charts.nth(1).scroll_into_view_if_needed()
    screenshot(page, "flows-02-secretariat-net-inflow-map")

    # Drill-down to Yamagata by the query parameter.
    page.goto(f"{app_server}/flows?hub=06")
    settle(page)
    expect(page.get_by_role("heading", name="人材還流マップ")).to_be_visible()
    with Session(db_engine) as s:
        own = s.execute(
            text(
                "select count(*) from placement where hub_code = '06'"
                " and placed_on between :since and :until"
            ),
            {"since": since.isoformat(), "until": today.isoformat()},
        ).scalar_one()
    assert metric_int(page, "成約件数") == own
    screenshot(page, "flows-03-yamagata-drill-down")
