"""Each submit of a create form writes once, in a real browser (issue 10, item 4).

For every create form: a double click as the first submit saves one row; after a successful
save the form is drawn empty (the DOM's field values, not only session state) or shows the
saved record; a second click on the submit button, two rapid clicks and a second Enter in a
text field add no second row for the same input. Rows are counted in the server's database.

"Two rapid clicks" are two mouse clicks on the button's position, sent without waiting: the
second lands before the server has answered the first, as a user's nervous second click does.
"""

import datetime as dt
from collections.abc import Callable

import pytest
from playwright.sync_api import Locator, Page, expect
from sqlalchemy import func
from sqlmodel import Session, select

from crm.models import Company, Consultation, Contact, FollowUp, Placement, Referral, TalentNeed
from tests.browser.helpers import choose, screenshot, settle, sign_in, success_message

# Record dates in the past of any clock the server may have (JST is ahead of UTC).
PAST = dt.date.today() - dt.timedelta(days=20)
ALREADY = "この入力はすでに保存されています"


# --- steps --------------------------------------------------------------------------------------


def count(engine, model, *where) -> int:
    with Session(engine) as s:
        return s.exec(select(func.count()).select_from(model).where(*where)).one()


def settled(page: Page) -> None:
    """Wait for the runs a burst of input started (a late second run starts within 1 s)."""
    settle(page)
    settle(page)
    expect(page.get_by_test_id("stException")).to_have_count(0)  # never a traceback


def double_click(page: Page, button: Locator) -> None:
    button.dblclick()
    settled(page)


def two_rapid_clicks(page: Page, button: Locator) -> None:
    button.scroll_into_view_if_needed()
    box = button.bounding_box()
    assert box is not None
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.click(x, y)
    page.mouse.click(x, y)
    settled(page)


def two_enters(page: Page, field: Locator) -> None:
    """Submit twice from the keyboard: Enter in a one-line field, Ctrl+Enter in a text area
    (where Enter starts a new line)."""
    field.focus()
    key = "Control+Enter" if field.evaluate("e => e.tagName") == "TEXTAREA" else "Enter"
    page.keyboard.press(key)
    page.keyboard.press(key)
    settled(page)


def click_again(page: Page, button: Locator) -> None:
    button.click()
    settled(page)


def form_with(page: Page, button: str) -> Locator:
    """The st.form holding the submit button ``button`` (found again after every redraw)."""
    return page.get_by_test_id("stForm").filter(
        has=page.get_by_role("button", name=button, exact=True)
    )


def textbox(form: Locator, label: str) -> Locator:
    return form.get_by_role("textbox", name=label, exact=True)


def expect_saved(page: Page, success: str, record: Locator | None = None) -> None:
    """The submit's outcome is in sight: its success message (or the saved ``record`` a
    success opens) or, when the second click of a burst was answered last, "already saved"
    with its link to the record."""
    shown = success_message(page, success).or_(
        page.get_by_test_id("stAlertContentInfo").filter(has_text=ALREADY)
    )
    if record is not None:
        shown = shown.or_(record)
    expect(shown.filter(visible=True).first).to_be_visible()


def expect_empty(form: Locator, *labels: str) -> None:
    for label in labels:
        expect(textbox(form, label)).to_have_value("")


# --- records the forms build on ------------------------------------------------------------------


@pytest.fixture
def hub(db_engine, seed):
    """Makes the manager's hub records through the services (as the CLI would, no session)."""
    from crm.actor import actor_for
    from crm.db import session_scope
    from crm.services import users
    from tests.utils import factories

    class Hub:
        def __init__(self):
            with session_scope(db_engine) as s:
                self.actor = actor_for(users.get_user(s, seed.manager.username))

        def firm(self, name: str) -> int:
            with session_scope(db_engine) as s:
                return factories.make_company(s, self.actor, name=name).id

        def need(self, firm_name: str, role_title: str, headcount: int = 1) -> tuple[int, int]:
            with session_scope(db_engine) as s:
                firm = factories.make_company(s, self.actor, name=firm_name)
                consultation = factories.make_consultation(s, self.actor, firm, on=PAST)
                need = factories.make_need(
                    s, self.actor, consultation, role_title=role_title, headcount=headcount
                )
                return firm.id, need.id

    return Hub()


# --- 相談記録 ----------------------------------------------------------------------------------


FIRM = "二重送信確認酒造株式会社"


def test_consultation_for_a_registered_firm_is_saved_once(page, app_server, seed, db_engine, hub):
    firm_id = hub.firm(FIRM)
    rows = lambda: count(db_engine, Consultation, Consultation.company_id == firm_id)  # noqa: E731
    sign_in(page, app_server, seed.manager, f"consultations?company={firm_id}")
    form = form_with(page, "相談を記録")
    button = form.get_by_role("button", name="相談を記録")

    textbox(form, "相談内容 *").fill("社長と面談 一回目")
    textbox(form, "次のアクション").fill("求人票を持って再訪")
    double_click(page, button)
    assert rows() == 1
    expect_saved(page, "相談を記録しました。", page.get_by_text(f"{FIRM}（相談ID"))
    expect_empty(form, "相談内容 *", "次のアクション")
    firm_box = page.get_by_role(
        "combobox", name="企業 *"
    )  # above the form: a choice re-runs the page
    expect(firm_box).to_have_value("")  # not the link's firm again: one click, one record
    screenshot(page, "submit-once-01-consultation-double-click")

    click_again(page, button)  # the empty form again: refused, nothing saved
    assert rows() == 1

    choose(page, "企業 *", FIRM)
    textbox(form, "相談内容 *").fill("電話で確認 二回目")
    two_rapid_clicks(page, button)
    assert rows() == 2
    expect_empty(form, "相談内容 *")

    choose(page, "企業 *", FIRM)
    textbox(form, "相談内容 *").fill("メールで連絡 三回目")
    textbox(form, "次のアクション").fill("見積を送る")
    two_enters(page, textbox(form, "次のアクション"))
    assert rows() == 3
    expect_empty(form, "相談内容 *", "次のアクション")
    screenshot(page, "submit-once-02-consultation-second-enter")
    with Session(db_engine) as s:
        summaries = s.exec(
            select(Consultation.summary).where(Consultation.company_id == firm_id)
        ).all()
    assert sorted(summaries) == sorted(
        ["社長と面談 一回目", "電話で確認 二回目", "メールで連絡 三回目"]
    )


def test_new_firm_with_its_consultation_is_saved_once(page, app_server, seed, db_engine):
    firms = lambda: count(db_engine, Company, Company.hub_code == seed.manager.hub_code)  # noqa: E731
    consultations = lambda: count(  # noqa: E731
        db_engine, Consultation, Consultation.hub_code == seed.manager.hub_code
    )
    sign_in(page, app_server, seed.manager, "consultations")
    form = form_with(page, "相談を記録")
    button = form.get_by_role("button", name="相談を記録")

    for number, (firm, submit) in enumerate(
        [
            ("同時登録一号株式会社", lambda: double_click(page, button)),
            ("同時登録二号株式会社", lambda: two_rapid_clicks(page, button)),
            ("同時登録三号株式会社", lambda: two_enters(page, textbox(form, "企業名 *"))),
        ],
        start=1,
    ):
        before = firms(), consultations()
        page.get_by_text("新しい企業（企業登録と同時に記録）").click()
        settle(page)
        textbox(form, "企業名 *").fill(firm)
        textbox(form, "相談内容 *").fill(f"セミナー後に来訪 {number}")
        submit()
        assert (firms(), consultations()) == (before[0] + 1, before[1] + 1), firm
        expect_saved(page, "相談を記録しました。", page.get_by_text(f"{firm}（相談ID"))
        # The form is empty (back at "registered firm" unless the burst's second submit,
        # sent while the page still showed "new firm", was answered last).
        name = textbox(form, "企業名 *")
        if name.count():
            expect(name).to_have_value("")
        expect_empty(form, "相談内容 *")
        if number == 1:
            screenshot(page, "submit-once-03-new-firm-double-click")
            click_again(page, button)
            assert (firms(), consultations()) == (before[0] + 1, before[1] + 1)
    with Session(db_engine) as s:
        for firm in ("同時登録一号株式会社", "同時登録二号株式会社", "同時登録三号株式会社"):
            assert len(s.exec(select(Company).where(Company.name == firm)).all()) == 1


# --- 企業 ----------------------------------------------------------------------------------------


def open_registration(page: Page) -> Locator:
    """The directory's registration form, opened. A burst's last run may still be drawing the
    saved firm's page (or the directory), so wait for one of them before choosing the way."""
    form = form_with(page, "企業を登録")
    name = textbox(form, "企業名 *")
    back = page.get_by_role("button", name="← 企業一覧へ")
    opener = page.get_by_text("新しい企業を登録", exact=True)
    for _ in range(5):
        settle(page)
        expect(name.or_(back).or_(opener).filter(visible=True).first).to_be_visible()
        if name.is_visible():
            break
        if back.is_visible():
            back.click()
        elif opener.is_visible():
            opener.click()
    expect(name).to_be_visible()
    return form


def register(form: Locator) -> Locator:
    return form.get_by_role("button", name="企業を登録")


def test_firm_registration_is_saved_once(page, app_server, seed, db_engine):
    sign_in(page, app_server, seed.manager, "companies")
    submits: list[tuple[str, Callable[[Locator], None]]] = [
        ("一度だけ登録一号株式会社", lambda f: double_click(page, register(f))),
        ("一度だけ登録二号株式会社", lambda f: two_rapid_clicks(page, register(f))),
        ("一度だけ登録三号株式会社", lambda f: two_enters(page, textbox(f, "企業名 *"))),
    ]
    for name, submit in submits:
        before = count(db_engine, Company)
        form = open_registration(page)
        textbox(form, "企業名 *").fill(name)
        textbox(form, "市区町村").fill("酒田市")
        submit(form)
        assert count(db_engine, Company) == before + 1, name
        assert count(db_engine, Company, Company.name == name) == 1
        # The saved firm's own page opens (or, when the burst's second click was answered
        # last, the directory says it is already saved, with a link to it).
        expect_saved(page, "を登録しました。", page.get_by_role("heading", name=name))
        if name.startswith("一度だけ登録一号"):
            screenshot(page, "submit-once-04-firm-double-click")
        form = open_registration(page)
        expect_empty(form, "企業名 *", "市区町村", "法人番号")
        click_again(page, register(form))  # the empty form: refused, nothing saved
        assert count(db_engine, Company) == before + 1


def test_contact_is_added_once(page, app_server, seed, db_engine, hub):
    firm_id = hub.firm("担当者確認工業株式会社")
    rows = lambda: count(db_engine, Contact, Contact.company_id == firm_id)  # noqa: E731
    sign_in(page, app_server, seed.manager, f"companies?company={firm_id}")
    page.get_by_role("tab", name="担当者").click()
    form = form_with(page, "担当者を追加")
    button = form.get_by_role("button", name="担当者を追加")

    textbox(form, "担当者名 *").fill("鈴木一郎")
    textbox(form, "担当者の役職").fill("代表取締役")
    double_click(page, button)
    assert rows() == 1
    page.get_by_role("tab", name="担当者").click()
    expect_empty(form, "担当者名 *", "担当者の役職", "メールアドレス", "電話番号")
    screenshot(page, "submit-once-05-contact-double-click")

    click_again(page, button)
    assert rows() == 1

    page.get_by_role("tab", name="担当者").click()
    textbox(form, "担当者名 *").fill("佐藤花子")
    two_rapid_clicks(page, button)
    assert rows() == 2

    page.get_by_role("tab", name="担当者").click()
    textbox(form, "担当者名 *").fill("高橋次郎")
    textbox(form, "電話番号").fill("023-000-0000")
    two_enters(page, textbox(form, "電話番号"))
    assert rows() == 3
    page.get_by_role("tab", name="担当者").click()
    expect_empty(form, "担当者名 *", "電話番号")
    with Session(db_engine) as s:
        names = s.exec(select(Contact.name).where(Contact.company_id == firm_id)).all()
    assert sorted(names) == sorted(["鈴木一郎", "佐藤花子", "高橋次郎"])


# --- 人材ニーズ ----------------------------------------------------------------------------------


def open_button(form: Locator) -> Locator:
    return form.get_by_role("button", name="人材ニーズを登録")


def test_need_is_opened_once(page, app_server, seed, db_engine, hub):
    firm_id, first_need = hub.need("ニーズ確認食品株式会社", "既存ニーズ")
    with Session(db_engine) as s:
        consultation_id = s.get(TalentNeed, first_need).consultation_id
    rows = lambda: count(db_engine, TalentNeed, TalentNeed.company_id == firm_id)  # noqa: E731
    submits: list[tuple[str, Callable[[Locator], None]]] = [
        ("品質管理責任者", lambda f: double_click(page, open_button(f))),
        ("製造部長", lambda f: two_rapid_clicks(page, open_button(f))),
        ("経理課長", lambda f: two_enters(page, textbox(f, "役職・職種 *"))),
    ]
    sign_in(page, app_server, seed.manager, f"needs?consultation={consultation_id}")
    form = form_with(page, "人材ニーズを登録")
    source = form.get_by_role("combobox", name="元の相談 *").input_value()
    assert source  # preselected from the link
    for number, (role_title, submit) in enumerate(submits, start=1):
        if number > 1:  # back from the saved need to the board's form, for the same consultation
            back = page.get_by_role("button", name="← ニーズ一覧へ")
            if back.is_visible():
                back.click()
            expect(page.get_by_role("heading", name="人材ニーズ", exact=True)).to_be_visible()
            settle(page)
            if not textbox(form, "役職・職種 *").is_visible():
                page.get_by_text("新しい人材ニーズ（相談から登録）").click()
            expect_empty(form, "役職・職種 *", "備考")
            choose(page, "元の相談 *", source)
        choose(page, "人材区分 *", "販路開拓人材")
        textbox(form, "役職・職種 *").fill(role_title)
        submit(form)
        assert rows() == 1 + number, role_title
        assert count(db_engine, TalentNeed, TalentNeed.role_title == role_title) == 1
        # The saved need's own page opens (or the board says it is already saved).
        expect_saved(
            page,
            "を登録しました。",
            page.get_by_role("heading", name=f"{role_title}（ニーズ確認食品株式会社）"),
        )
        if number == 1:
            screenshot(page, "submit-once-06-need-double-click")


def test_referral_is_recorded_once(page, app_server, seed, db_engine, hub):
    _firm, need_id = hub.need("紹介確認電機株式会社", "生産技術者")
    rows = lambda: count(db_engine, Referral, Referral.need_id == need_id)  # noqa: E731
    partner = f"{seed.partner_name}（人材ビジネス事業者）"
    sign_in(page, app_server, seed.manager, f"needs?need={need_id}")
    form = form_with(page, "紹介を記録")
    button = form.get_by_role("button", name="紹介を記録")

    choose(page, "紹介先 *", partner)
    textbox(form, "備考").fill("候補者2名を提示予定")
    double_click(page, button)
    assert rows() == 1
    expect_saved(page, "への紹介を記録しました。")
    expect(form.get_by_role("combobox", name="紹介先 *")).to_have_value("")
    expect_empty(form, "備考")
    screenshot(page, "submit-once-07-referral-double-click")

    click_again(page, button)
    assert rows() == 1

    choose(page, "紹介先 *", partner)
    two_rapid_clicks(page, button)
    assert rows() == 2

    choose(page, "紹介先 *", partner)
    textbox(form, "備考").fill("再紹介")
    two_enters(page, textbox(form, "備考"))
    assert rows() == 3
    expect_empty(form, "備考")


# --- 成約 ----------------------------------------------------------------------------------------


def test_placement_is_recorded_once_even_when_the_headcount_allows_more(
    page, app_server, seed, db_engine, hub
):
    """A need for three hires: a repeated submit still records one hire (and one follow-up)."""
    _firm, need_id = hub.need("成約確認機械株式会社", "設計技術者", headcount=3)
    placements = lambda: count(db_engine, Placement, Placement.need_id == need_id)  # noqa: E731

    def follow_ups() -> int:
        with Session(db_engine) as s:
            ids = s.exec(select(Placement.id).where(Placement.need_id == need_id)).all()
        return count(db_engine, FollowUp, FollowUp.placement_id.in_(ids)) if ids else 0  # type: ignore[union-attr]

    sign_in(page, app_server, seed.manager, f"placements?need={need_id}")
    form = form_with(page, "成約を記録")
    button = form.get_by_role("button", name="成約を記録")
    need_box = form.get_by_role("combobox", name="人材ニーズ *")
    need_label = need_box.input_value()
    assert need_label.startswith("成約確認機械株式会社 / 設計技術者（")  # by name, not number

    form.get_by_role("textbox", name="備考").fill("首都圏から転職")
    double_click(page, button)
    assert (placements(), follow_ups()) == (1, 1)
    expect_saved(page, "成約を記録しました（成約日")
    expect(need_box).to_have_value("")  # not the need of the link again: one click, one hire
    expect(form.get_by_role("textbox", name="備考")).to_have_value("")
    screenshot(page, "submit-once-08-placement-double-click")

    click_again(page, button)
    assert (placements(), follow_ups()) == (1, 1)

    if not button.is_visible():  # the expander closes once the form no longer follows a link
        page.get_by_text("成約を登録", exact=True).click()
    choose(page, "人材ニーズ *", need_label)
    two_rapid_clicks(page, button)
    assert (placements(), follow_ups()) == (2, 2)
    expect(need_box).to_have_value("")


# --- フォローアップ ------------------------------------------------------------------------------


def test_follow_up_is_scheduled_once(page, app_server, seed, db_engine, hub):
    firm_id = hub.firm("予定確認物産株式会社")
    rows = lambda: count(db_engine, FollowUp, FollowUp.company_id == firm_id)  # noqa: E731
    sign_in(page, app_server, seed.manager, f"followups?company={firm_id}")
    form = form_with(page, "予定に追加")
    button = form.get_by_role("button", name="予定に追加")
    firm_box = page.get_by_role(
        "combobox", name="企業 *"
    )  # above the form: a choice re-runs the page
    expect(firm_box).to_have_value("予定確認物産株式会社")

    textbox(form, "備考").fill("入社3か月の面談")
    double_click(page, button)
    assert rows() == 1
    expect_saved(page, "のフォローアップを予定しました。")
    expect_empty(form, "備考")
    expect(firm_box).to_have_value("")  # not the link's firm again: one click, one follow-up
    screenshot(page, "submit-once-09-follow-up-double-click")

    click_again(page, button)
    assert rows() == 1

    choose(page, "企業 *", "予定確認物産株式会社")
    textbox(form, "備考").fill("半年後の面談")
    two_rapid_clicks(page, button)
    assert rows() == 2

    choose(page, "企業 *", "予定確認物産株式会社")
    textbox(form, "備考").fill("一年後の面談")
    two_enters(page, textbox(form, "備考"))
    assert rows() == 3
    expect_empty(form, "備考")
