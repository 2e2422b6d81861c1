"""ファネル・パートナー実績 in Chromium: the figures a hub manager reads are the database's, counted
here by plain SQL over the hub's records of this fiscal year (the page's default period), and
the partner table lists the partner a need was referred to with its referrals and placements."""

import datetime as dt

from playwright.sync_api import expect
from sqlalchemy import text
from sqlmodel import Session

from crm.actor import actor_for
from crm.db import session_scope
from crm.services import needs, outreach, users
from crm.timeutil import fiscal_year, fiscal_year_bounds, today_jst
from tests.browser.helpers import go_to, metric_int, screenshot, settle, sign_in
from tests.utils.factories import (
    make_company,
    make_consultation,
    make_need,
    make_partner,
    make_placement,
)

PARTNER = "ファネル確認人材株式会社"


def _record(db_engine, seed) -> dt.date:
    today = today_jst()
    day = max(fiscal_year_bounds(fiscal_year(today))[0], today - dt.timedelta(days=10))
    with session_scope(db_engine) as s:
        manager = actor_for(users.get_user(s, seed.manager.username))
        partner = make_partner(s, name=PARTNER)
        event = outreach.create_event(
            s, manager, {"held_on": day, "title": "ファネル確認セミナー", "cohost_ids": []}
        )
        firm = make_company(s, manager, name="ファネル確認工業株式会社")
        outreach.add_attendees(s, manager, event.id, [firm.id])
        consultation = make_consultation(s, manager, firm, on=day, event_id=event.id)
        need = make_need(s, manager, consultation)
        needs.refer_need(
            s, manager, {"need_id": need.id, "partner_id": partner.id, "referred_on": day}
        )
        make_placement(s, manager, need, on=day, partner_id=partner.id)
    return today


def _count(db_engine, sql: str, since: dt.date, until: dt.date) -> int:
    with Session(db_engine) as s:
        return int(
            s.execute(
                text(sql), {"hub": "06", "since": since.isoformat(), "until": until.isoformat()}
            ).scalar_one()
        )


def test_the_funnel_page_shows_the_hubs_counts(page, app_server, seed, db_engine):
    today = _record(db_engine, seed)
    since, until = fiscal_year_bounds(fiscal_year(today))
    expected = {
        "相談企業": "select count(distinct company_id) from consultation"
        " where hub_code = :hub and consulted_on between :since and :until",
        "人材ニーズ": "select count(*) from talent_need"
        " where hub_code = :hub and opened_on between :since and :until",
        "紹介したニーズ": "select count(distinct need_id) from referral"
        " where hub_code = :hub and referred_on between :since and :until",
        "成約": "select count(*) from placement"
        " where hub_code = :hub and placed_on between :since and :until",
    }
    sign_in(page, app_server, seed.manager)
    go_to(page, "ファネル・パートナー実績")
    settle(page)
    for label, sql in expected.items():
        assert metric_int(page, label) == _count(db_engine, sql, since, until), label
    screenshot(page, "funnel-01-hub")

    page.get_by_role("tab", name="パートナー実績").click()
    settle(page)
    table = page.get_by_test_id("stDataFrame").filter(has_text=PARTNER).first
    expect(table).to_be_visible()
    headers = [h.strip() for h in table.locator("thead th").all_inner_texts()]
    row = table.locator("tbody tr").filter(has=page.get_by_text(PARTNER, exact=True))
    expect(row).to_have_count(1)
    cells = [c.strip() for c in row.locator("th, td").all_inner_texts()]
    shown = dict(zip(headers[-len(cells) :], cells, strict=True))
    referrals, placed = (
        _count(
            db_engine,
            f"select count(*) from {table_name} x join partner p on p.id = x.partner_id"
            f" where x.hub_code = :hub and p.name = '{PARTNER}'"
            f" and x.{day} between :since and :until",
            since,
            until,
        )
        for table_name, day in (("referral", "referred_on"), ("placement", "placed_on"))
    )
    screenshot(page, "funnel-02-partners")
    # The grid draws 成約率 as 100.0%; its accessible copy holds the number (in percent).
    assert (shown["紹介件数"], shown["成約件数"], float(shown["成約率"])) == (
        f"{referrals:,}",
        f"{placed:,}",
        100.0,
    ), shown
