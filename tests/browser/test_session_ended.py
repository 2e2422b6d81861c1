"""A session that ended cannot write from a tab left open (issue 10, item 3), in a real browser.

The account's firm edit form is open and changed in the browser; then the session ends from
outside the browser (``crm users disable`` / ``crm users sign-out-everywhere`` run as a
process on the server's database) or by the idle limit (a second server started with
CRM_SESSION_IDLE_MINUTES=1). The click on 変更を保存 then writes nothing: the firm row is as
it was, the audit log has no update after the session ended, and the browser shows the
sign-in form with the reason.
"""

import os
import subprocess
import sys
from pathlib import Path

from playwright.sync_api import Page, expect
from sqlalchemy import func
from sqlmodel import Session, select

from crm.auth.sessions import DISABLED, ELSEWHERE, ENDED_MESSAGES, IDLE
from crm.models import AuditLog, Company
from tests.browser.conftest import IDLE_MINUTES, Account
from tests.browser.helpers import screenshot, settle, sign_in

CRM = Path(sys.executable).with_name("crm")


def make_firm(db_engine, account: Account, name: str) -> int:
    from crm.actor import actor_for
    from crm.db import session_scope
    from crm.services import users
    from tests.utils import factories

    with session_scope(db_engine) as s:
        actor = actor_for(users.get_user(s, account.username))
        return factories.make_company(s, actor, name=name).id


def crm_users(database: str, *args: str) -> None:
    """``crm users ...`` against the server's database, as an operator would run it."""
    subprocess.run(
        [str(CRM), "users", *args],
        env={**os.environ, "CRM_DATABASE_URL": database},
        check=True,
        capture_output=True,
        timeout=120,
    )


def last_audit_id(db_engine) -> int:
    with Session(db_engine) as s:
        return s.exec(select(func.max(AuditLog.id))).one() or 0


def firm_row(db_engine, firm_id: int) -> tuple[str, int]:
    with Session(db_engine) as s:
        firm = s.get(Company, firm_id)
        assert firm is not None
        return firm.name, firm.version


def open_edit_form(page: Page, base: str, account: Account, firm_id: int, new_name: str):
    """Sign in on the firm's page, open 編集 and change the name (not saved yet)."""
    sign_in(page, base, account, f"companies?company={firm_id}")
    page.get_by_role("tab", name="編集").click()
    form = page.get_by_test_id("stForm").filter(
        has=page.get_by_role("button", name="変更を保存", exact=True)
    )
    name = form.get_by_role("textbox", name="企業名 *", exact=True)
    name.fill(new_name)
    return form


def save_and_expect_signed_out(page: Page, form, reason: str) -> None:
    form.get_by_role("button", name="変更を保存").click()
    settle(page)
    expect(page.get_by_role("heading", name="サインイン")).to_be_visible()
    expect(page.get_by_text(ENDED_MESSAGES[reason])).to_be_visible()
    expect(page.get_by_role("button", name="サインアウト", exact=True)).to_have_count(0)
    expect(page.get_by_test_id("stException")).to_have_count(0)


def assert_nothing_written(db_engine, firm_id: int, before: tuple[str, int], mark: int) -> None:
    assert firm_row(db_engine, firm_id) == before
    with Session(db_engine) as s:
        after = s.exec(select(AuditLog).where(AuditLog.id > mark)).all()
    # At most the sign-out that the session check records; no update of anything.
    assert [(a.action, a.entity) for a in after if a.action != "sign_out"] == []
    assert all(a.entity == "user_account" for a in after)


def test_a_disabled_account_cannot_save_from_an_open_form(
    page, app_server, server_database, seed, db_engine
):
    account = seed.ended[DISABLED]
    firm_id = make_firm(db_engine, account, "利用停止確認工業株式会社")
    form = open_edit_form(page, app_server, account, firm_id, "利用停止後に書き換え株式会社")
    before = firm_row(db_engine, firm_id)

    crm_users(server_database, "disable", account.username)
    mark = last_audit_id(db_engine)
    with Session(db_engine) as s:
        assert s.get(AuditLog, mark).action == "disable"  # type: ignore[union-attr]

    save_and_expect_signed_out(page, form, DISABLED)
    screenshot(page, "session-ended-01-disabled")
    assert_nothing_written(db_engine, firm_id, before, mark)


def test_sign_out_everywhere_ends_an_open_form(page, app_server, server_database, seed, db_engine):
    account = seed.ended[ELSEWHERE]
    firm_id = make_firm(db_engine, account, "全端末確認商事株式会社")
    form = open_edit_form(page, app_server, account, firm_id, "別端末から書き換え株式会社")
    before = firm_row(db_engine, firm_id)

    crm_users(server_database, "sign-out-everywhere", account.username)
    mark = last_audit_id(db_engine)
    with Session(db_engine) as s:
        assert s.get(AuditLog, mark).action == "sign_out_everywhere"  # type: ignore[union-attr]

    save_and_expect_signed_out(page, form, ELSEWHERE)
    screenshot(page, "session-ended-02-signed-out-everywhere")
    assert_nothing_written(db_engine, firm_id, before, mark)

    # A fresh sign-in works: only the sessions that existed were ended.
    sign_in(page, app_server, account, f"companies?company={firm_id}")
    expect(page.get_by_role("heading", name="全端末確認商事株式会社")).to_be_visible()


def test_an_idle_session_cannot_save_from_an_open_form(page, idle_server, seed, db_engine):
    account = seed.ended[IDLE]
    firm_id = make_firm(db_engine, account, "放置確認物産株式会社")
    form = open_edit_form(page, idle_server, account, firm_id, "放置後に書き換え株式会社")
    before = firm_row(db_engine, firm_id)
    mark = last_audit_id(db_engine)

    # Nothing happens in the tab for longer than the server's idle limit (typing into the
    # form does not reach the server before a submit). This wait is the precondition, not
    # an assertion.
    page.wait_for_timeout((IDLE_MINUTES * 60 + 3) * 1000)

    save_and_expect_signed_out(page, form, IDLE)
    screenshot(page, "session-ended-03-idle")
    assert_nothing_written(db_engine, firm_id, before, mark)


def test_sign_out_everywhere_clicked_in_another_browser_ends_an_open_form(
    page, browser, app_server, seed, db_engine
):
    account = seed.ended[ELSEWHERE]
    firm_id = make_firm(db_engine, account, "別ブラウザ確認電機株式会社")
    form = open_edit_form(page, app_server, account, firm_id, "別ブラウザ後に書き換え株式会社")
    before = firm_row(db_engine, firm_id)

    # The same account on another device presses 全端末からサインアウト.
    other = browser.new_context(locale="ja-JP", timezone_id="Asia/Tokyo")
    try:
        laptop = other.new_page()
        sign_in(laptop, app_server, account)
        laptop.get_by_role("button", name="全端末からサインアウト").click()
        settle(laptop)
        expect(laptop.get_by_role("heading", name="サインイン")).to_be_visible()
    finally:
        other.close()
    mark = last_audit_id(db_engine)
    with Session(db_engine) as s:
        assert s.get(AuditLog, mark).action == "sign_out_everywhere"  # type: ignore[union-attr]

    save_and_expect_signed_out(page, form, ELSEWHERE)
    screenshot(page, "session-ended-04-signed-out-from-another-browser")
    assert_nothing_written(db_engine, firm_id, before, mark)
