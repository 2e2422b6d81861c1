"""Saved views in Chromium (ui.saved_views): save the view on screen as the list's default,
reload the list without its address and find the view again, open the list in another tab,
choose the view from the menu after changing it; the rows are checked against the server's
database."""

import datetime as dt
import re

from playwright.sync_api import Page, expect
from sqlalchemy import delete, func
from sqlmodel import Session, select

from crm.actor import actor_for
from crm.db import session_scope
from crm.models import Consultation, SavedView
from crm.services import users
from tests.browser.helpers import choose, press_until, screenshot, settle, sign_in, success_message
from tests.utils.factories import make_company, make_consultation


def _seminars(engine, hub: str) -> int:
    with Session(engine) as s:
        chosen = (Consultation.hub_code == hub, Consultation.channel == "inbound")
        return s.exec(select(func.count()).select_from(Consultation).where(*chosen)).one()


def _shows(page: Page, total: int) -> None:
    expect(page.get_by_text(f"全 {total:,} 件中 1〜", exact=False)).to_be_visible()


def test_a_saved_default_view_opens_after_a_reload_and_in_another_tab(
    page, app_server, seed, db_engine
):
    with session_scope(db_engine) as s:
        manager = actor_for(users.get_user(s, seed.manager.username))
        firm = make_company(s, manager, name="保存ビュー確認株式会社")
        for n in range(3):
            make_consultation(
                s, manager, firm, on=dt.date(2017, 5, 1 + n), channel="inbound", summary=f"保存{n}"
            )
    hub = seed.manager.hub_code
    try:
        sign_in(page, app_server, seed.manager)
        page.goto(f"{app_server}/consultations?channel=inbound")
        settle(page)
        _shows(page, _seminars(db_engine, hub))

        page.get_by_role("button", name="表示を保存").click()
        name = page.get_by_role("textbox", name="名前", exact=True)
        expect(name).to_be_visible()
        name.fill("問い合わせだけ")
        page.get_by_text("この一覧を開いたときに表示する（既定）").click()
        press_until(
            page,
            page.get_by_role("button", name="保存", exact=True),
            success_message(page, "表示「問い合わせだけ」を保存しました"),
        )
        with Session(db_engine) as s:
            saved = s.exec(select(SavedView).where(SavedView.name == "問い合わせだけ")).one()
        assert (saved.params, saved.is_default) == ("channel=inbound", True)
        screenshot(page, "saved-views-01-saved")

        # The list without its address opens in the default view, after a reload too.
        page.goto(f"{app_server}/consultations")
        settle(page)
        expect(page).to_have_url(re.compile(r"channel=inbound"))
        _shows(page, _seminars(db_engine, hub))
        page.reload()
        settle(page)
        _shows(page, _seminars(db_engine, hub))

        # Another tab: the same view, named in the menu.
        tab = page.context.new_page()
        tab.goto(f"{app_server}/consultations")
        settle(tab)
        expect(tab).to_have_url(re.compile(r"channel=inbound"))
        _shows(tab, _seminars(db_engine, hub))
        expect(tab.get_by_role("combobox", name="保存した表示", exact=True)).to_have_value(
            "問い合わせだけ（既定）"
        )

        # Widen the view, then choose the saved one from the menu again.
        choose(tab, "順序", "古い順", reruns=True)
        expect(tab.get_by_role("combobox", name="保存した表示", exact=True)).to_have_value(
            "いまの表示（未保存）"
        )
        choose(tab, "保存した表示", "問い合わせだけ（既定）", reruns=True)
        expect(tab).not_to_have_url(re.compile(r"order=asc"))
        _shows(tab, _seminars(db_engine, hub))
        screenshot(tab, "saved-views-02-another-tab")
    finally:
        # The server's database is shared by the module's tests: the default goes.
        with session_scope(db_engine) as s:
            s.execute(delete(SavedView))
