"""Two people of one hub in two browsers (issue 25): A makes B the 拠点担当者 of a need and mentions
B in a comment on it; B, on another page and without reloading, sees the unread count in the
sidebar, opens the inbox, opens the need from the entry, reads A's comment exactly as typed
(Markdown and HTML shown as text) and finds the assignment and the comment in its 変更履歴."""

from playwright.sync_api import expect

from tests.browser.conftest import Account
from tests.browser.helpers import choose, screenshot, settle, sign_in

FIRM = "メンション確認工業株式会社"
COLLEAGUE = Account("sato.yamagata", "browser-test-sato-06!", "06")
PAYLOAD = "来週の訪問をお願いします <b>太字</b> **強調** [リンク](http://example.com)"


def _setup(db_engine, seed) -> tuple[int, int]:
    from crm.actor import SYSTEM, actor_for
    from crm.db import session_scope
    from crm.services import users
    from tests.utils import factories

    with session_scope(db_engine) as s:
        users.create_user(
            s,
            SYSTEM,
            username=COLLEAGUE.username,
            role="hub_manager",
            hub_code=COLLEAGUE.hub_code,
            password=COLLEAGUE.password,
            display_name="佐藤 一郎",
        )
        actor = actor_for(users.get_user(s, seed.manager.username))
        firm = factories.make_company(s, actor, name=FIRM)
        need = factories.make_need(
            s, actor, factories.make_consultation(s, actor, firm), role_title="生産管理課長"
        )
        return firm.id, need.id


def test_a_mention_reaches_the_colleague_without_a_reload(
    page, browser, app_server, seed, db_engine
):
    firm, need = _setup(db_engine, seed)
    # B: signed in, reading the firms list (another page), never reloaded below.
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        b = context.new_page()
        sign_in(b, app_server, COLLEAGUE, "companies")
        inbox = b.get_by_test_id("stSidebarUserContent").get_by_role("link", name="お知らせ")
        expect(inbox).to_be_visible()
        expect(inbox).not_to_contain_text("未読")

        # A: the need's page: B as its 拠点担当者, then a comment mentioning B by @.
        sign_in(page, app_server, seed.manager, f"needs?need={need}")
        expect(page.get_by_role("heading", name="生産管理課長").first).to_be_visible()
        choose(page, "拠点担当者", "佐藤 一郎", reruns=True)
        page.get_by_role("textbox", name="コメント").fill(f"@{COLLEAGUE.username} {PAYLOAD}")
        page.get_by_role("button", name="コメントを投稿").click()
        settle(page)
        expect(page.get_by_text(PAYLOAD, exact=False).first).to_be_visible()
        expect(page.get_by_test_id("stException")).to_have_count(0)

        # B: the sidebar's count arrives by itself (its fragment re-runs; the page does not).
        expect(inbox).to_contain_text("未読2件", timeout=45_000)
        screenshot(b, "team-mentions-01-unread-count")
        inbox.click()
        settle(b)
        expect(b.get_by_role("heading", name="お知らせ")).to_be_visible()
        entries = b.locator('[class*="st-key-inbox-note-"]')
        expect(entries).to_have_count(2)
        expect(entries.filter(has_text="担当の割り当て")).to_contain_text("生産管理課長")
        mention = entries.filter(has_text="メンション")
        expect(mention).to_contain_text("生産管理課長")
        mention.get_by_role("button", name="開く").click()
        settle(b)
        expect(b).to_have_url(f"{app_server}/needs?need={need}")
        expect(b.get_by_role("combobox", name="拠点担当者")).to_have_value("佐藤 一郎（自分）")
        said = b.locator('[class*="st-key-comment-box-"]').filter(has_text="来週の訪問")
        expect(said).to_contain_text(f"@{COLLEAGUE.username} {PAYLOAD}")
        expect(said.locator("b, strong, a")).to_have_count(0)  # nothing rendered as markup
        screenshot(b, "team-mentions-02-comment-as-text")
        b.get_by_text("変更履歴", exact=True).click()
        settle(b)
        rows = b.get_by_test_id("stDataFrame").locator("tbody tr")
        expect(rows.filter(has_text="コメントを登録")).to_contain_text("来週の訪問")
        expect(rows.filter(has_text="拠点担当者")).to_contain_text("佐藤 一郎")
        # One of two read: the count says so, still without a reload.
        expect(inbox).to_contain_text("未読1件", timeout=45_000)
    finally:
        context.close()


def test_someone_of_another_hub_cannot_be_mentioned(page, app_server, seed, db_engine):
    from crm.actor import actor_for
    from crm.db import session_scope
    from crm.services import users
    from tests.utils import factories

    with session_scope(db_engine) as s:
        actor = actor_for(users.get_user(s, seed.manager.username))
        firm = factories.make_company(s, actor, name="メンション拒否確認株式会社").id
    sign_in(page, app_server, seed.manager, f"companies?company={firm}")
    page.get_by_role("tab", name="コメント").click()
    settle(page)
    page.get_by_role("textbox", name="コメント").fill(
        f"@{seed.other_manager.username} 見てください"
    )
    page.get_by_role("button", name="コメントを投稿").click()
    settle(page)
    expect(page.get_by_text("メンションできません").first).to_be_visible()
    expect(page.locator('[class*="st-key-comment-box-"]')).to_have_count(0)  # nothing written
    # The text is kept for correcting, not lost.
    expect(page.get_by_role("textbox", name="コメント")).to_have_value(
        f"@{seed.other_manager.username} 見てください"
    )
