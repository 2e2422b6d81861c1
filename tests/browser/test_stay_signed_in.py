"""A password user stays signed in across a reload, a new tab and a shared deep link (the
session lives on the server behind an HttpOnly cookie); after sign-out, disable or the idle
limit, and with a forged cookie, the cookie opens only the sign-in page."""

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, expect
from sqlmodel import Session, select

from crm.actor import SYSTEM, actor_for
from crm.models import WebSession
from crm.services import users
from tests.browser.conftest import ROOT, Account
from tests.browser.helpers import screenshot, settle, sign_in
from tests.utils.factories import make_company

PASSWORD = "Cookie-Passphrase-2026"
COOKIE = "crm_session"


@pytest.fixture
def account(db_engine, request) -> tuple[Account, int]:
    """A fresh hub 01 manager for each test (these tests end sessions), with one firm."""
    name = f"stay{abs(hash(request.node.name)) % 100_000}"
    with Session(db_engine, expire_on_commit=False) as s:
        users.create_user(
            s, SYSTEM, username=name, role="hub_manager", hub_code="01",
            display_name="クッキー 太郎", password=PASSWORD,
        )  # fmt: skip
        firm = make_company(s, actor_for(users.get_user(s, name)), name=f"{name}精機株式会社")
        s.commit()
    return Account(name, PASSWORD, "01"), firm.id


def signed_in(page: Page) -> bool:
    settle(page)
    return page.get_by_role("button", name="サインアウト", exact=True).count() == 1


def on_sign_in_page(page: Page) -> bool:
    """The sign-in form is drawn (waited for: on a loaded machine the run a click starts may
    begin after ``settle`` has returned) and nobody is signed in."""
    settle(page)
    try:
        expect(page.get_by_label("パスワード", exact=True)).to_have_count(1)
    except AssertionError:
        return False
    return not signed_in(page)


def session_cookie(context: BrowserContext) -> dict:
    for _ in range(50):  # handed over by the page in the background just after sign-in
        cookies = [c for c in context.cookies() if c["name"] == COOKIE]
        if cookies:
            return cookies[0]
        context.pages[0].wait_for_timeout(100)
    raise AssertionError("no session cookie after sign-in")


def in_fresh_browser(browser, base: str, cookie: dict, path: str = "") -> Page:
    """Another browser that has only this cookie (as a copied or stolen cookie would be)."""
    context = browser.new_context(locale="ja-JP")
    context.add_cookies([cookie])
    page = context.new_page()
    page.goto(f"{base}/{path}")
    settle(page)
    return page


def test_reload_new_tab_and_deep_link_stay_signed_in(page, app_server, account):
    who, firm_id = account
    sign_in(page, app_server, who)
    cookie = session_cookie(page.context)
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"

    page.reload()
    assert signed_in(page)

    tab = page.context.new_page()
    tab.goto(f"{app_server}/companies?company={firm_id}")
    assert signed_in(tab)
    expect(tab.get_by_role("heading", name=f"{who.username}精機株式会社")).to_be_visible()
    screenshot(tab, "stay_signed_in_deep_link")


def test_after_sign_out_the_old_cookie_opens_only_sign_in(browser, page, app_server, account):
    who, _ = account
    sign_in(page, app_server, who)
    cookie = session_cookie(page.context)
    page.get_by_role("button", name="サインアウト", exact=True).click()
    assert on_sign_in_page(page)
    page.wait_for_timeout(500)
    assert COOKIE not in {c["name"] for c in page.context.cookies()}  # cleared
    assert on_sign_in_page(in_fresh_browser(browser, app_server, cookie))  # and dead


def test_after_disable_the_old_cookie_opens_only_sign_in(
    browser, page, app_server, server_database, account
):
    who, _ = account
    sign_in(page, app_server, who)
    cookie = session_cookie(page.context)
    crm = Path(sys.executable).parent / "crm"
    subprocess.run(
        [str(crm), "users", "disable", who.username],
        cwd=ROOT,
        env={**__import__("os").environ, "CRM_DATABASE_URL": server_database},
        check=True,
        capture_output=True,
    )
    other = in_fresh_browser(browser, app_server, cookie)
    assert on_sign_in_page(other)
    expect(other.get_by_text("この利用者は利用できなくなりました")).to_be_visible()


def test_after_the_idle_limit_the_old_cookie_opens_only_sign_in(
    browser, page, app_server, db_engine, account
):
    who, _ = account
    sign_in(page, app_server, who)
    cookie = session_cookie(page.context)
    with Session(db_engine) as s:  # no interaction for longer than the limit (60 minutes)
        user = users.get_user(s, who.username)
        for row in s.exec(select(WebSession).where(WebSession.user_id == user.id)).all():
            row.last_seen = row.last_seen - dt.timedelta(minutes=61)
            s.add(row)
        s.commit()
    other = in_fresh_browser(browser, app_server, cookie)
    assert on_sign_in_page(other)
    expect(other.get_by_text("一定時間操作がなかったため")).to_be_visible()


@pytest.mark.parametrize("value", ["forged-session-id", "crm_" + "A" * 43, ""])
def test_a_forged_cookie_opens_only_sign_in(browser, app_server, account, value):
    who, firm_id = account
    cookie = {"name": COOKIE, "value": value or "x", "url": app_server}
    page = in_fresh_browser(browser, app_server, cookie, f"companies?company={firm_id}")
    assert on_sign_in_page(page)
    expect(page.get_by_text(f"{who.username}精機株式会社")).to_have_count(0)
