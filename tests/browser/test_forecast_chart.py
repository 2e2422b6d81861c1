"""The fiscal-year forecast on a hub dashboard in the browser: a hub (31, Tottori) with three
past fiscal years of a steady seasonal pattern and this year so far, a placement target it
cannot reach; the outlook, the out-of-reach flag and the chart's forecast band are shown, the
band drawn on the fiscal year's own chart at a readable size (measured in Chromium), and the
history chart's contracts points on their months' bars."""

import calendar
import datetime as dt

import pytest
from playwright.sync_api import expect

from crm.actor import SYSTEM, actor_for
from crm.db import session_scope
from crm.presentation.charts import month_label
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
    charts = page.get_by_test_id("stVegaLiteChart")
    expect(charts).to_have_count(2)  # this fiscal year with its forecast, then the history
    forecast, history = charts.nth(0), charts.nth(1)
    expect(forecast.locator("svg.marks")).to_be_visible()
    forecast.scroll_into_view_if_needed()
    screenshot(page, "forecast-01-hub-dashboard")

    # The forecast's chart is the fiscal year: twelve months, April to March.
    months = [f"{fy}-{m:02d}" for m in range(4, 13)] + [f"{fy + 1}-{m:02d}" for m in (1, 2, 3)]
    labels = forecast.locator("g.role-axis-label text")
    for month in (months[0], months[-1]):
        expect(labels.filter(has_text=month_label(month))).to_have_count(1)
    # Its band spans the months from today's to March: one twelfth of the plot's width a
    # month (on the whole history it was a sliver a few pixels wide) and a good part of its
    # height (the year's own scale, not the cumulative count since the first record).
    today = today_jst()
    months_ahead = months.index(f"{today.year}-{today.month:02d}")
    plot = forecast.locator("path.background").first.bounding_box()
    for name in ("consultations_band", "contracts_band"):
        band = forecast.locator(f'g[class*="{name}"] path').first.bounding_box()
        assert plot and band
        steps = 11 - months_ahead  # from today's month's centre to March's
        assert band["width"] == pytest.approx(plot["width"] * steps / 12, abs=2), name
        if steps:
            assert band["height"] > 0.15 * plot["height"], (name, band, plot)

    # The history: each contracts point on its month's bar, the last month the current one.
    history.scroll_into_view_if_needed()
    expect(history.locator("svg.marks")).to_be_visible()
    centres = history.evaluate(
        """chart => {
            const centre = el => {
                const box = el.getBoundingClientRect();
                return box.x + box.width / 2;
            };
            return {
                bars: [...chart.querySelectorAll("g.mark-rect path")].map(centre),
                points: [...chart.querySelectorAll("g.mark-symbol path")].map(centre),
            };
        }"""
    )
    assert len(centres["bars"]) == len(centres["points"]) > 36
    assert centres["points"] == pytest.approx(centres["bars"], abs=1)
    screenshot(page, "forecast-02-history")
