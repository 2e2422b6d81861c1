"""A firm's 変更履歴 in a real browser (issue 25, item 5): the hub manager edits the firm on its
page, opens the 変更履歴 tab and reads who changed which field from what to what, in the pages'
words; the secretariat, reading the same firm in another browser context, sees the same line."""

from playwright.sync_api import expect

from tests.browser.helpers import screenshot, settle, sign_in, success_message

FIRM = "履歴確認精密工業株式会社"


def _firm(db_engine, seed) -> int:
    from crm.actor import actor_for
    from crm.db import session_scope
    from crm.services import users
    from tests.utils import factories

    with session_scope(db_engine) as s:
        actor = actor_for(users.get_user(s, seed.manager.username))
        return factories.make_company(s, actor, name=FIRM, employees=50, industry="E").id


def _history_row(page, text: str):
    return page.get_by_test_id("stDataFrame").locator("tbody tr").filter(has_text=text)


def test_an_edit_shows_in_the_firms_history_for_its_manager_and_the_secretariat(
    page, browser, app_server, seed, db_engine
):
    firm = _firm(db_engine, seed)
    sign_in(page, app_server, seed.manager, f"companies?company={firm}")
    expect(page.get_by_role("heading", name=FIRM).first).to_be_visible()
    page.get_by_role("tab", name="編集").click()
    settle(page)
    page.get_by_role("spinbutton", name="従業員数").fill("120")
    page.get_by_role("button", name="変更を保存").click()
    settle(page)
    expect(success_message(page, "企業情報を更新しました")).to_be_visible()

    page.get_by_role("tab", name="変更履歴").click()
    settle(page)
    edit = _history_row(page, "従業員数")
    expect(edit).to_have_count(1)
    for text in ("更新", "50人", "120人", seed.manager.username):
        expect(edit).to_contain_text(text)
    expect(_history_row(page, FIRM).filter(has_text="登録")).to_have_count(1)
    expect(page.get_by_test_id("stException")).to_have_count(0)
    screenshot(page, "record-history-firm")

    context = browser.new_context()
    try:
        other = context.new_page()
        sign_in(other, app_server, seed.secretariat, f"companies?company={firm}&tab=変更履歴")
        row = _history_row(other, "従業員数")
        expect(row).to_contain_text("120人")
    finally:
        context.close()
