"""A partner in the loop (issue 28), in two browsers against the real server: the hub manager
shares a referral with the partner; the partner signs in, lands on its referrals, sees only the
shared one and reports 成約 with a date; the hub manager finds the report in お知らせ, opens the
need, confirms it, and the placement is recorded (成約), pointing back at the referral."""

import datetime as dt

from playwright.sync_api import expect
from sqlmodel import Session, select

from tests.browser.conftest import Account
from tests.browser.helpers import (
    choose,
    list_cell,
    screenshot,
    settle,
    sign_in,
    success_message,
)

FIRM = "共有確認精工株式会社"
ROLE = "品質保証課長"
HIDDEN_ROLE = "未共有の経理課長"
PARTNER = "ブラウザ確認人材株式会社"
AGENT = Account("agent.browser", "browser-test-agent!")


def _setup(db_engine, seed) -> tuple[int, int, int]:
    """A need of hub 06 referred twice to a new partner (neither shared yet), its account."""
    from crm.actor import SYSTEM, actor_for
    from crm.db import session_scope
    from crm.services import needs, reference_data, users
    from tests.utils import factories

    day = dt.date.today() - dt.timedelta(days=14)
    with session_scope(db_engine) as s:
        partner = reference_data.create_partner(
            s, SYSTEM, {"kind": "recruitment_agency", "name": PARTNER}
        )
        users.create_user(
            s,
            SYSTEM,
            username=AGENT.username,
            role="partner",
            partner_id=partner.id,
            password=AGENT.password,
            display_name="人材 一郎",
        )
        actor = actor_for(users.get_user(s, seed.manager.username))
        firm = factories.make_company(s, actor, name=FIRM, corporate_number=None)
        consultation = factories.make_consultation(s, actor, firm, on=day)
        need = factories.make_need(s, actor, consultation, role_title=ROLE)
        other = factories.make_need(s, actor, consultation, role_title=HIDDEN_ROLE)
        referral = needs.refer_need(
            s, actor, {"need_id": need.id, "partner_id": partner.id, "referred_on": day}
        )
        needs.refer_need(
            s, actor, {"need_id": other.id, "partner_id": partner.id, "referred_on": day}
        )
        return need.id, referral.id, partner.id


def test_a_partner_reports_a_placement_and_the_hub_confirms_it(
    page, browser, app_server, seed, db_engine
):
    from crm.models import Placement, Referral

    need, referral, partner = _setup(db_engine, seed)

    # The hub manager shares the referral, with the firm's name.
    sign_in(page, app_server, seed.manager, f"needs?need={need}")
    expect(page.get_by_role("heading", name=ROLE).first).to_be_visible()
    page.get_by_text(f"パートナーへの共有: {PARTNER}").click()
    share = page.get_by_test_id("stForm").filter(has_text="企業名を共有する")
    share.get_by_text("企業名を共有する").click()
    share.get_by_role("button", name="パートナーに共有").click()
    expect(success_message(page, f"{PARTNER} に共有しました")).to_be_visible()
    settle(page)
    screenshot(page, "partner-01-shared")

    # The partner signs in and lands on its referrals: the shared one only.
    context = browser.new_context(
        locale="ja-JP", timezone_id="Asia/Tokyo", viewport={"width": 1400, "height": 1000}
    )
    try:
        agent = context.new_page()
        agent.set_default_timeout(60_000)
        sign_in(agent, app_server, AGENT)
        expect(agent.get_by_role("heading", name="紹介された人材ニーズ")).to_be_visible()
        expect(agent.get_by_text(f"{ROLE}（{FIRM}）").first).to_be_visible()
        expect(agent.get_by_text(HIDDEN_ROLE)).to_have_count(0)
        form = agent.get_by_test_id("stForm").filter(has_text="進み具合を報告")
        choose(agent, "段階 *", "成約", within=form)
        placed_on = dt.date.today() - dt.timedelta(days=1)
        date_box = (
            form.get_by_test_id("stDateInput")
            .filter(has_text="成約日（成約のとき）")
            .locator("input")
        )
        date_box.fill(placed_on.isoformat())  # a native date input takes ISO dates
        form.get_by_role("button", name="報告する").click()
        expect(success_message(agent, "「成約」を報告しました")).to_be_visible()
        settle(agent)
        screenshot(agent, "partner-02-reported")

        # Any other page's address: no data, the navigation knows no such page for it.
        agent.goto(f"{app_server}/needs?need={need}")
        settle(agent)
        expect(agent.get_by_role("heading", name="紹介された人材ニーズ")).to_be_visible()
        expect(agent.get_by_text(HIDDEN_ROLE)).to_have_count(0)
    finally:
        context.close()

    with Session(db_engine) as s:
        row = s.get(Referral, referral)
        assert row is not None and row.stage == "placed" and row.reported_placed_on == placed_on

    # The hub manager: the report waiting on the dashboard and in お知らせ, the need opened
    # from it, the placement confirmed.
    page.goto(f"{app_server}/")  # the hub manager's landing page: the dashboard
    settle(page)
    screenshot(page, "partner-03-dashboard")
    expect(page.get_by_text("パートナーからの成約報告（確認待ち） 1件")).to_be_visible()
    expect(page.get_by_text(f"{FIRM}・{PARTNER}・報告された成約日")).to_be_visible()
    page.goto(f"{app_server}/inbox")
    settle(page)
    entry = page.locator('[class*="st-key-inbox-note-"]').filter(has_text=f"{PARTNER}から成約")
    expect(entry).to_contain_text(f"{ROLE}（{FIRM}）")
    screenshot(page, "partner-03-notified")
    entry.get_by_role("button", name="開く").click()
    settle(page)
    expect(page).to_have_url(f"{app_server}/needs?need={need}")
    confirm = page.get_by_test_id("stForm").filter(has_text="成約報告を確認して成約を記録")
    confirm.get_by_role("button", name="成約報告を確認して成約を記録").click()
    expect(success_message(page, "成約を記録しました")).to_be_visible()
    settle(page)
    screenshot(page, "partner-04-confirmed")
    page.goto(f"{app_server}/")  # the hub manager's landing page: the dashboard
    settle(page)
    expect(page.get_by_text("パートナーからの成約報告（確認待ち）")).to_have_count(0)

    with Session(db_engine) as s:
        row = s.get(Referral, referral)
        assert row is not None and row.placement_id is not None and row.outcome == "placed"
        placement = s.exec(select(Placement).where(Placement.id == row.placement_id)).one()
        assert placement.partner_id == partner and placement.placed_on == placed_on

    # It shows in 成約.
    page.goto(f"{app_server}/placements")
    settle(page)
    expect(list_cell(page, FIRM)).to_have_count(1)
    screenshot(page, "partner-05-placements")
