"""A merged firm takes no new record through a form left open in another tab (issue 23,
item 4), in a real browser.

A hub manager opens the 相談記録 form for firm B in one tab, merges B into A on A's page in a
second tab of the same browser, then submits the first tab's form: the refusal naming A is
shown under the firm, and the server's database holds no consultation for B (nor for A).
"""

from playwright.sync_api import expect
from sqlalchemy import func
from sqlmodel import Session, select

from crm.models import Company, Consultation
from tests.browser.helpers import choose, screenshot, settle, sign_in, success_message

KEPT = "庄内統合確認ビルメンテナンス株式会社"
# The same firm registered twice (as hubs do): a likely duplicate, which the merge section
# offers first however many firms the hub holds.
MERGED = "庄内統合確認ビルメンテナンス（株）"
SUMMARY = "社長と面談。統合前の画面から記録。"


def _firms(db_engine, seed) -> tuple[int, int]:
    from crm.actor import actor_for
    from crm.db import session_scope
    from crm.services import users
    from tests.utils import factories

    with session_scope(db_engine) as s:
        actor = actor_for(users.get_user(s, seed.manager.username))
        kept = factories.make_company(s, actor, name=KEPT).id
        merged = factories.make_company(s, actor, name=MERGED, allow_duplicate=True).id
    return kept, merged


def _consultations(db_engine, company_id: int) -> int:
    with Session(db_engine) as s:
        return s.exec(
            select(func.count())
            .select_from(Consultation)
            .where(Consultation.company_id == company_id)
        ).one()


def test_a_consultation_form_left_open_on_a_firm_merged_in_another_tab(
    page, app_server, seed, db_engine
):
    kept, merged = _firms(db_engine, seed)

    # Tab 1: the consultation form, opened for B from B's address, filled in, not yet sent.
    sign_in(page, app_server, seed.manager, f"consultations?company={merged}")
    form = page.get_by_test_id("stForm").filter(
        has=page.get_by_role("button", name="相談を記録", exact=True)
    )
    expect(page.get_by_role("combobox", name="企業 *")).to_have_value(MERGED)
    form.get_by_role("textbox", name="相談内容 *", exact=True).fill(SUMMARY)

    # Tab 2 (same browser, same sign-in): A's page, 編集, merge B into A.
    second = page.context.new_page()
    second.goto(f"{app_server}/companies?company={kept}")
    settle(second)
    expect(second.get_by_role("heading", name=KEPT).first).to_be_visible()
    second.get_by_role("tab", name="編集").click()
    choose(second, "統合する企業", MERGED, reruns=True)
    second.get_by_text(f"「{MERGED}」の記録をすべて「{KEPT}」に移して統合します").click()
    settle(second)
    second.get_by_role("button", name="統合する", exact=True).click()
    settle(second)
    expect(success_message(second, f"{MERGED} を {KEPT} に統合しました")).to_be_visible()
    with Session(db_engine) as s:
        assert s.get(Company, merged).merged_into == kept
    second.close()

    # Tab 1: the form is sent as it was filled in before the merge.
    form.get_by_role("button", name="相談を記録").click()
    settle(page)
    expect(page.get_by_test_id("stException")).to_have_count(0)  # never a traceback
    refusal = (
        f"企業「{MERGED}」は「{KEPT}」（企業ID {kept}）に統合されています。"
        "統合先の企業に記録してください。"
    )
    expect(page.get_by_test_id("stAlertContentError").filter(has_text=refusal)).to_be_visible()
    screenshot(page, "merged-firm-01-refused-in-the-first-tab")
    assert _consultations(db_engine, merged) == 0
    assert _consultations(db_engine, kept) == 0
    with Session(db_engine) as s:
        assert s.exec(select(Consultation).where(Consultation.summary == SUMMARY)).first() is None
