"""人材ニーズ and 成約 through the one list component in Chromium: a status and a filter from
the address, then a change of the order with the list's controls; the count and the first row
checked against the server's database each time."""

import datetime as dt
import re

from playwright.sync_api import Page, expect
from sqlalchemy import func
from sqlmodel import Session, col, select

from crm.actor import actor_for
from crm.db import session_scope
from crm.models import Placement, TalentNeed
from crm.services import users
from tests.browser.helpers import choose, first_row, screenshot, settle, sign_in
from tests.utils.factories import make_company, make_consultation, make_need, make_placement

ROLE = "一覧確認職"


def _shows(page: Page, total: int, first: str) -> None:
    expect(page.get_by_text(f"全 {total:,} 件中 1〜", exact=False)).to_be_visible()
    expect(first_row(page)).to_contain_text(first)


def _needs(engine, hub: str, *, descending: bool) -> tuple[int, str]:
    """(how many, the first role) of the hub's open side-job needs by 受付日."""
    with Session(engine) as s:
        chosen = (
            TalentNeed.hub_code == hub,
            TalentNeed.status == "open",
            TalentNeed.engagement == "side_job",
        )
        total = s.exec(select(func.count()).select_from(TalentNeed).where(*chosen)).one()
        day, ident = col(TalentNeed.opened_on), col(TalentNeed.id)
        order = (day.desc(), ident.desc()) if descending else (day.asc(), ident.asc())
        first = s.exec(select(TalentNeed.role_title).where(*chosen).order_by(*order)).first()
    return total, str(first)


def _placements(engine, hub: str, *, descending: bool) -> tuple[int, str]:
    """(how many, the first 成約日 as shown) of the hub's side-job placements of FY2018."""
    with Session(engine) as s:
        chosen = (
            Placement.hub_code == hub,
            Placement.engagement == "side_job",
            col(Placement.placed_on).between(dt.date(2018, 4, 1), dt.date(2019, 3, 31)),
        )
        total = s.exec(select(func.count()).select_from(Placement).where(*chosen)).one()
        day, ident = col(Placement.placed_on), col(Placement.id)
        order = (day.desc(), ident.desc()) if descending else (day.asc(), ident.asc())
        first = s.exec(select(Placement.placed_on).where(*chosen).order_by(*order)).first()
    assert first is not None
    return total, f"{first:%Y/%m/%d}"


def test_needs_and_placements_filtered_and_sorted(page, app_server, seed, db_engine):
    with session_scope(db_engine) as s:
        manager = actor_for(users.get_user(s, seed.manager.username))
        firm = make_company(s, manager, name="一覧確認精機株式会社")
        for n in range(4):
            day = dt.date(2018, 5, 1) + dt.timedelta(days=30 * n)
            consultation = make_consultation(s, manager, firm, on=day)
            need = make_need(
                s,
                manager,
                consultation,
                role_title=f"{ROLE}{n}",
                opened_on=day,
                engagement="side_job" if n % 2 == 0 else "mid_career",
            )
            if n >= 2:
                make_placement(s, manager, need, on=day + dt.timedelta(days=10))
    hub = seed.manager.hub_code
    sign_in(page, app_server, seed.manager)

    page.goto(f"{app_server}/needs?engagement=side_job")
    settle(page)
    _shows(page, *_needs(db_engine, hub, descending=True))
    choose(page, "順序", "古い順", reruns=True)
    expect(page).to_have_url(re.compile(r"order=asc"))
    _shows(page, *_needs(db_engine, hub, descending=False))
    screenshot(page, "record-lists-needs-sorted")

    page.goto(f"{app_server}/placements?fy=2018&engagement=side_job")
    settle(page)
    _shows(page, *_placements(db_engine, hub, descending=True))
    choose(page, "順序", "古い順", reruns=True)
    _shows(page, *_placements(db_engine, hub, descending=False))
    page.reload()
    settle(page)
    _shows(page, *_placements(db_engine, hub, descending=False))
