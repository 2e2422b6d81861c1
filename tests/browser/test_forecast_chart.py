"""The fiscal-year forecast on a hub dashboard in the browser: a hub (31, Tottori) with three
past fiscal years of a steady seasonal pattern and this year so far, a placement target it
cannot reach; the outlook, the out-of-reach flag and the chart's forecast band are shown."""

import calendar
import datetime as dt

from playwright.sync_api import expect

from crm.actor import SYSTEM, actor_for
from crm.db import session_scope
from crm.services import targets, users
from crm.timeutil import fiscal_year, today_jst
from tests.browser.conftest import Account
from tests.browser.helpers import screenshot, settle, sign_in
from tests.utils.factories import make_company, make_consultation, make_need, make_placement

HUB = "31"
MANAGER = Account("tottori.forecast", "browser-test-31!", HUB)
# Per fiscal-year month (April first): consultations and placements.
CONSULTATIONS = [2, 3, 3, 2, 3, 4, 3, 3, 2, 5, 4, 6]
PLACEMENTS = [0, 1, 1, 0, 1, 1, 1, 0, 1, 1, 1, 2]


def _record(db_engine, seed) -> int:
    today = today_jst()
    fy = fiscal_year(today)
    with session_scope(db_engine) as s:
        users.create_user(
            s,
            SYSTEM,
            username=MANAGER.username,
            role="hub_manager",
            hub_code=HUB,
            password=MANAGER.password,
            display_name=MANAGER.username,
        )
        manager = actor_for(users.get_user(s, MANAGER.username))
        firm = make_company(s, manager, name="見通し確認工業株式会社")
        for year in range(fy - 3, fy + 1):
            for index, month in enumerate((4, 5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3)):
                calendar_year = year if month >= 4 else year + 1
                last = calendar.monthrange(calendar_year, month)[1]
                day = dt.date(calendar_year, month, min(15, last))
                if day > today:
                    day = dt.date(calendar_year, month, 1)
                if day > today:
                    break
                # January–March vary from year to year: the band has a width.
                extra = (year % 3) * 3 if index >= 9 else 0
                consultation = None
                for _ in range(CONSULTATIONS[index] + extra):
                    consultation = make_consultation(s, manager, firm, on=day)
                for _ in range(PLACEMENTS[index] + extra // 3):
                    need = make_need(s, manager, consultation)
                    make_placement(s, manager, need, on=day)
        targets.set_target(
            s,
            actor_for(users.get_user(s, seed.secretariat.username)),
            {"hub_code": HUB, "fiscal_year": fy, "consultations": 40, "placements": 30},
        )
    return fy


def test_hub_dashboard_shows_the_forecast_band(page, app_server, seed, db_engine):
    fy = _record(db_engine, seed)
    sign_in(page, app_server, seed.secretariat, f"hub_dashboard?hub={HUB}")
    settle(page)
    expect(
        page.get_by_role("heading", name=f"{fy}年度末（{fy + 1}/03/31）の見通し")
    ).to_be_visible()
    expect(page.get_by_text(f"{fy}年度末の見込み")).to_be_visible()
    # The pattern totals 10–16 placements a year: a target of 30 is out of reach.
    expect(page.get_by_text("成約目標 30 件は今のペースでは届かない見込みです")).to_be_visible()
    chart = page.get_by_test_id("stVegaLiteChart").first
    expect(chart.locator("svg.marks")).to_be_visible()
    chart.scroll_into_view_if_needed()
    screenshot(page, "forecast-01-hub-dashboard")
