"""Journey 2: a wrong corporate number is refused at its field and nothing is saved."""

from playwright.sync_api import expect
from sqlalchemy import func
from sqlmodel import Session, select

from crm.models import Company, Consultation
from tests.browser.helpers import (
    error_message,
    go_to,
    new_firm_form,
    screenshot,
    settle,
    sign_in,
)

WRONG_NUMBER = "5123456789012"  # 7123456789012 is valid: only the check digit is wrong
REASON = "法人番号のチェックデジットが正しくありません"
REFUSED = "入力内容に誤りがあります。"


def counts(engine) -> tuple[int, int]:
    with Session(engine) as s:
        return (
            s.exec(select(func.count()).select_from(Company)).one(),
            s.exec(select(func.count()).select_from(Consultation)).one(),
        )


def field_with_error(page, form, label: str):
    """The element right after the text field ``label``: where its refusal is drawn."""
    field = form.get_by_test_id("stElementContainer").filter(
        has=page.get_by_role("textbox", name=label, exact=True)
    )
    return field.locator("xpath=following-sibling::*[1]")


def submit_until_refused(page, form, button: str) -> None:
    """Submit the typed wrong number and wait until its refusal is drawn at the field.

    Under CI's load a click was once lost (no run followed it: the form stood unchanged for
    60 s). Pressing again is what a user does, and is safe here: the service refuses the same
    input the same way, and each test checks afterwards that nothing was saved."""
    number = form.get_by_role("textbox", name="法人番号", exact=True)
    expect(number).to_have_value(WRONG_NUMBER)
    refusal = field_with_error(page, form, "法人番号")
    for attempt in range(3):
        form.get_by_role("button", name=button).click()
        settle(page)
        try:
            expect(refusal).to_contain_text(REASON, timeout=20_000)
            return
        except AssertionError:
            if attempt == 2:
                raise


def test_wrong_corporate_number_is_shown_at_the_field_and_no_firm_is_saved(
    page, app_server, seed, db_engine
):
    firm = "番号違い工業株式会社"
    before = counts(db_engine)
    sign_in(page, app_server, seed.manager)
    go_to(page, "企業")
    form = new_firm_form(page)
    form.get_by_role("textbox", name="企業名 *", exact=True).fill(firm)
    form.get_by_role("textbox", name="法人番号", exact=True).fill(WRONG_NUMBER)
    submit_until_refused(page, form, "企業を登録")

    expect(error_message(page, REFUSED)).to_be_visible()
    # The typed input stays, so the user corrects one digit instead of retyping the form.
    expect(form.get_by_role("textbox", name="企業名 *", exact=True)).to_have_value(firm)
    expect(form.get_by_role("textbox", name="法人番号", exact=True)).to_have_value(WRONG_NUMBER)
    expect(page.get_by_role("heading", name=firm)).to_have_count(0)  # no firm page opened
    screenshot(page, "journey2-01-firm-refused")

    with Session(db_engine) as s:
        assert s.exec(select(Company).where(Company.name == firm)).first() is None
    assert counts(db_engine) == before


def test_new_firm_with_its_consultation_is_refused_whole(page, app_server, seed, db_engine):
    """The consultation page registers a firm and its first consultation in one submit: a wrong
    number there saves neither."""
    firm = "番号違い商事株式会社"
    before = counts(db_engine)
    sign_in(page, app_server, seed.manager)
    go_to(page, "相談記録")
    page.get_by_text("新しい企業（企業登録と同時に記録）").click()
    settle(page)
    form = page.get_by_test_id("stForm")
    form.get_by_role("textbox", name="企業名 *", exact=True).fill(firm)
    form.get_by_role("textbox", name="法人番号", exact=True).fill(WRONG_NUMBER)
    form.get_by_role("textbox", name="相談内容 *", exact=True).fill("セミナー後に来訪。")
    submit_until_refused(page, form, "相談を記録")
    expect(error_message(page, REFUSED)).to_be_visible()
    screenshot(page, "journey2-02-intake-refused")

    with Session(db_engine) as s:
        assert s.exec(select(Company).where(Company.name == firm)).first() is None
    assert counts(db_engine) == before
