"""The secretariat's hub filter in Chromium: chosen once in the sidebar, it narrows the record
lists, holds when another page is opened, survives a reload and travels in a copied link to
another tab (issue 13, item 6). Totals are counted in the server's database here."""

import datetime as dt
import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import func
from sqlmodel import Session, select

from crm.actor import actor_for
from crm.db import session_scope
from crm.models import Company, Consultation
from crm.services import users
from tests.browser.helpers import (
    choose,
    first_row,
    go_to,
    list_rows,
    screenshot,
    settle,
    sign_in,
)
from tests.utils.factories import make_company, make_consultation

MIYAGI = "04"


@pytest.fixture
def two_hubs(db_engine, seed):
    """A consultation in Miyagi (04) and one in Yamagata (06), made through the services."""
    day = dt.date.today() - dt.timedelta(days=3)
    with session_scope(db_engine) as s:
        for account in (seed.other_manager, seed.manager):
            actor = actor_for(users.get_user(s, account.username))
            firm = make_company(s, actor, name=f"絞り込み確認{account.hub_code}株式会社")
            make_consultation(s, actor, firm, on=day, summary="拠点の絞り込みを確認")


def count(engine, model, hub: str) -> int:
    with Session(engine) as s:
        return s.exec(select(func.count()).select_from(model).where(model.hub_code == hub)).one()


def choose_hub(page: Page, name: str) -> None:
    choose(page, "拠点", name, reruns=True, within=page.get_by_test_id("stSidebar"), many=True)


def expect_total(page: Page, total: int) -> None:
    expect(page.get_by_text(f"全 {total:,} 件中 1〜", exact=False)).to_be_visible()


def expect_kept(page: Page) -> None:
    expect(page).to_have_url(re.compile(rf"[?&]hubs={MIYAGI}(&|$)"))
    chosen = page.get_by_test_id("stSidebar").get_by_test_id("stMultiSelect")
    expect(chosen.get_by_text("宮城県", exact=True)).to_be_visible()


def test_the_hub_choice_narrows_lists_and_holds_across_pages_reloads_and_links(
    page, app_server, seed, db_engine, two_hubs
):
    sign_in(page, app_server, seed.secretariat, "consultations")
    expect(page.get_by_role("heading", name="相談記録")).to_be_visible()
    choose_hub(page, "宮城県")
    expect_kept(page)
    expect_total(page, count(db_engine, Consultation, MIYAGI))
    expect(first_row(page)).to_contain_text("宮城県")  # a name, not "04"
    expect(list_rows(page)).not_to_contain_text("山形県")
    screenshot(page, "secretariat-filter-01-consultations")

    go_to(page, "企業")
    expect_kept(page)
    expect_total(page, count(db_engine, Company, MIYAGI))
    expect(list_rows(page)).to_contain_text(seed.other_firm_name)
    expect(list_rows(page)).not_to_contain_text("絞り込み確認06株式会社")

    page.reload()
    settle(page)
    expect_kept(page)
    expect_total(page, count(db_engine, Company, MIYAGI))

    tab = page.context.new_page()
    tab.goto(f"{app_server}/consultations?hubs={MIYAGI}")
    settle(tab)
    expect_kept(tab)
    expect_total(tab, count(db_engine, Consultation, MIYAGI))
    screenshot(tab, "secretariat-filter-02-linked-tab")
