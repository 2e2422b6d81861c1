"""The 相談記録 firm picker searches as the user types (issue 15, item 5), in a real browser.

The hub holds more firms than the picker offers at once: the page says how many it shows, the
firm the manager wants is not among them until its name is typed into 「企業を検索」, then it is
offered alone, chosen and the consultation is saved once for it.
"""

from playwright.sync_api import expect
from sqlalchemy import func
from sqlmodel import Session, select

from crm.models import Consultation
from tests.browser.helpers import choose, screenshot, settle, sign_in, success_message

WANTED = "最上川検索確認設計株式会社"
OTHERS = 101  # one more than the picker offers at once (ui.pickers.FIRM_CHOICES)


def _many_firms(db_engine, seed, wanted_name: str = WANTED, others: str = "置賜候補") -> int:
    """The wanted firm, then more firms than the picker offers; returns the wanted firm's id.
    (The browser tests of a module share one database: each test names its own firms.)"""
    from crm.actor import actor_for
    from crm.db import session_scope
    from crm.services import users
    from tests.utils import factories

    with session_scope(db_engine) as s:
        actor = actor_for(users.get_user(s, seed.manager.username))
        wanted = factories.make_company(s, actor, name=wanted_name).id
        # Changed after the wanted firm, so they are the ones offered before any typing.
        for number in range(OTHERS):
            factories.make_company(s, actor, name=f"{others}{number:03d}商事株式会社")
    assert wanted is not None
    return wanted


def test_the_firm_picker_finds_what_is_typed(page, app_server, seed, db_engine):
    wanted = _many_firms(db_engine, seed)

    sign_in(page, app_server, seed.manager, "consultations")
    form = page.get_by_test_id("stForm").filter(
        has=page.get_by_role("button", name="相談を記録", exact=True)
    )
    expect(page.get_by_text("社のうち 100 社を表示しています（最近更新した企業）")).to_be_visible()
    box = page.get_by_role("combobox", name="企業 *")
    box.click()
    expect(page.get_by_role("option", name="置賜候補100商事株式会社", exact=True)).to_be_visible()
    expect(page.get_by_role("option", name=WANTED, exact=True)).to_have_count(0)
    page.keyboard.press("Escape")

    # Typing reruns the page after a pause (no Enter needed) and the picker offers the match.
    page.get_by_role("searchbox", name="企業を検索").press_sequentially("最上川検索", delay=50)
    settle(page)
    settle(page)
    expect(page.get_by_text("社のうち 100 社を表示しています")).to_have_count(0)
    box.click()
    expect(page.get_by_role("option")).to_have_count(1)
    expect(page.get_by_role("option", name=WANTED, exact=True)).to_be_visible()
    page.keyboard.press("Escape")
    choose(page, "企業 *", WANTED)
    form.get_by_role("textbox", name="相談内容 *", exact=True).fill("検索して選んだ企業と面談")
    screenshot(page, "firm-picker-01-typed")
    form.get_by_role("button", name="相談を記録").click()
    settle(page)
    expect(success_message(page, "相談を記録しました。")).to_be_visible()
    expect(page.get_by_test_id("stException")).to_have_count(0)

    with Session(db_engine) as s:
        saved = s.exec(
            select(func.count()).select_from(Consultation).where(Consultation.company_id == wanted)
        ).one()
    assert saved == 1


def test_a_linked_firm_beyond_the_cap_is_chosen_and_the_caption_says_so(
    page, app_server, seed, db_engine
):
    linked = "月山リンク確認精工株式会社"
    wanted = _many_firms(db_engine, seed, linked, others="庄内候補")
    sign_in(page, app_server, seed.manager, f"consultations?company={wanted}")
    expect(
        page.get_by_text("社のうち 100 社を表示しています（最近更新した企業。ほかに選択中の企業）")
    ).to_be_visible()
    box = page.get_by_role("combobox", name="企業 *")
    expect(box).to_have_value(linked)
    screenshot(page, "firm-picker-02-linked-beyond-the-cap")
