"""今日やること in Chromium: an overdue follow-up on the dashboard, closed with one click."""

import datetime as dt

from playwright.sync_api import expect

from crm.actor import actor_for
from crm.db import session_scope
from crm.models import FollowUp
from crm.services import companies, followups, users
from crm.timeutil import today_jst
from tests.browser.helpers import metric_int, screenshot, settle, sign_in

FIRM = "鶴岡金型株式会社"
NOTE = "入社3か月の定着状況を確認"


def test_the_dashboard_lists_an_overdue_follow_up_and_one_click_closes_it(
    page, app_server, seed, db_engine
):
    with session_scope(db_engine) as s:
        manager = actor_for(users.get_user(s, seed.manager.username))
        firm = companies.create_company(s, manager, {"name": FIRM, "prefecture_code": "06"})
        follow_up = followups.schedule_follow_up(
            s,
            manager,
            {"company_id": firm.id, "due_on": today_jst() - dt.timedelta(days=7), "notes": NOTE},
        )
        follow_up_id = follow_up.id

    sign_in(page, app_server, seed.manager)  # a hub manager lands on the hub dashboard
    expect(page.get_by_role("heading", name="今日やること")).to_be_visible()
    before = metric_int(page, "今日やること")
    overdue_before = metric_int(page, "期限超過")
    row = page.locator(f".st-key-today-row-follow_up-{follow_up_id}")
    expect(row).to_contain_text(NOTE)
    expect(row).to_contain_text("7日超過")
    expect(row.get_by_role("link", name=FIRM)).to_be_visible()
    sidebar = page.get_by_test_id("stSidebar")
    expect(sidebar.get_by_role("link", name=f"今日やること {before}件", exact=True)).to_be_visible()
    screenshot(page, "todays-work-01-overdue-follow-up")

    row.get_by_role("button", name="完了").click()
    settle(page)
    expect(row).to_have_count(0)
    assert metric_int(page, "今日やること") == before - 1
    assert metric_int(page, "期限超過") == overdue_before - 1
    expect(
        sidebar.get_by_role("link", name=f"今日やること {before - 1}件", exact=True)
    ).to_be_visible()
    screenshot(page, "todays-work-02-closed")

    with session_scope(db_engine) as s:
        assert s.get(FollowUp, follow_up_id).done_on == today_jst()
