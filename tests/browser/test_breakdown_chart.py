"""A long breakdown in the browser: twenty 紹介元 with long names, drawn as the fifteen with most
placements and one 「その他」, every name whole (Vega cuts a label past its limit with …),
and the full list in the table below."""

import datetime as dt

from playwright.sync_api import expect
from sqlalchemy import text
from sqlmodel import Session

from crm.actor import actor_for
from crm.db import session_scope
from crm.services import users
from crm.timeutil import fiscal_year, fiscal_year_bounds, today_jst
from tests.browser.helpers import go_to, screenshot, settle, sign_in
from tests.utils.factories import (
    make_company,
    make_consultation,
    make_need,
    make_partner,
    make_placement,
)

NAMES = [f"エグゼクティブ・プロフェッショナル人材紹介株式会社{i:02d}" for i in range(1, 21)]


def _record(db_engine, seed) -> None:
    today = today_jst()
    day = max(fiscal_year_bounds(fiscal_year(today))[0], today - dt.timedelta(days=10))
    with session_scope(db_engine) as s:
        manager = actor_for(users.get_user(s, seed.manager.username))
        firm = make_company(s, manager, name="内訳グラフ確認株式会社")
        consultation = make_consultation(s, manager, firm, on=day)
        need = make_need(s, manager, consultation, headcount=210)
        for n, name in enumerate(NAMES, start=1):
            partner = make_partner(s, name=name)
            for _ in range(n):
                make_placement(s, manager, need, on=day, partner_id=partner.id)


def test_the_partner_chart_shows_the_top_rows_with_whole_names(page, app_server, seed, db_engine):
    _record(db_engine, seed)
    sign_in(page, app_server, seed.secretariat)
    go_to(page, "内訳")
    settle(page)
    with Session(db_engine) as s:
        partners = s.execute(
            text(
                "select count(distinct partner_id) from placement where partner_id is not null"
                " and placed_on between :since and :until"
            ),
            {
                "since": fiscal_year_bounds(fiscal_year(today_jst()))[0].isoformat(),
                "until": today_jst().isoformat(),
            },
        ).scalar_one()
    assert partners >= 20
    caption = page.get_by_text("「その他」です。すべての内訳は下の表にあります。")
    expect(caption).to_have_count(1)
    expect(caption).to_contain_text(f"残り {partners - 15:,} の紹介元")

    chart = page.get_by_test_id("stVegaLiteChart").filter(has_text="紹介元別の成約件数")
    expect(chart.locator("svg.marks")).to_be_visible()
    chart.scroll_into_view_if_needed()
    labels = chart.locator('g.mark-text.role-axis-label text[text-anchor="end"]')
    expect(labels.filter(has_text="その他")).to_have_count(1)
    texts = labels.evaluate_all("nodes => nodes.map(node => node.textContent)")
    # The names; the count axis's last tick is end-anchored too (「24」), and is no name.
    shown = [
        t.strip() for t in texts if t and t.strip() and not t.strip().replace(",", "").isdigit()
    ]
    assert not [label for label in shown if label.endswith("…")], shown
    # The six partners with most placements are this test's (15 … 20 placements), whole.
    for name in NAMES[-6:]:
        assert name in shown, (name, shown)
    assert len(shown) <= 17  # fifteen, その他 and perhaps 未記録
    screenshot(page, "breakdowns-01-partner-top-rows")
