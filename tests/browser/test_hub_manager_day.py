"""Journey 1: a hub manager's day, from a new firm to a placement, seen on the dashboard."""

from playwright.sync_api import expect
from sqlmodel import Session, select

from crm.models import Company, Consultation, Placement, Referral, TalentNeed
from tests.browser.helpers import (
    choose,
    go_to,
    metric_int,
    new_firm_form,
    press_until,
    screenshot,
    settle,
    sign_in,
    success_message,
)

FIRM = "最上川酒造株式会社"
CORPORATE_NUMBER = "7000012050002"  # valid check digit (see DOMAIN.md)
SUMMARY = "社長と面談。首都圏への販路開拓を担う営業責任者を採用したい。"
ROLE_TITLE = "首都圏営業部長"
DASHBOARD_METRICS = ("相談件数", "相談企業数", "人材ニーズ", "成約件数")


def dashboard_counts(page) -> dict[str, int]:
    go_to(page, "拠点ダッシュボード")
    return {label: metric_int(page, label) for label in DASHBOARD_METRICS}


def test_hub_manager_records_a_firm_to_placement_and_the_dashboard_counts_it(
    page, app_server, seed, db_engine
):
    sign_in(page, app_server, seed.manager)
    before = dashboard_counts(page)

    # A firm with its corporate number; saving opens the firm's own page.
    go_to(page, "企業")
    form = new_firm_form(page)
    form.get_by_label("企業名 *", exact=True).fill(FIRM)
    form.get_by_label("法人番号", exact=True).fill(CORPORATE_NUMBER)
    # Registering opens the firm's own page; the corporate number is unique, so pressing
    # again after a lost click cannot register the firm twice.
    press_until(
        page, form.get_by_role("button", name="企業を登録"), page.get_by_role("heading", name=FIRM)
    )
    expect(page.get_by_text(f"法人番号 {CORPORATE_NUMBER}")).to_be_visible()
    settle(page)
    screenshot(page, "journey1-01-firm-created")

    # A consultation with the firm, from the firm page's link (the firm comes preselected).
    page.get_by_role("link", name="この企業の相談を記録").click()
    expect(page.get_by_role("heading", name="相談記録")).to_be_visible()
    settle(page)
    form = page.get_by_test_id("stForm")
    expect(page.get_by_role("combobox", name="企業 *")).to_have_value(FIRM)
    form.get_by_label("相談内容 *", exact=True).fill(SUMMARY)
    form.get_by_role("button", name="相談を記録").click()
    expect(page.get_by_text("記録しました:")).to_be_visible()
    settle(page)
    screenshot(page, "journey1-02-consultation-logged")

    # A need from that consultation.
    page.get_by_role("link", name="この相談から人材ニーズを登録").click()
    expect(page.get_by_role("heading", name="人材ニーズ")).to_be_visible()
    settle(page)
    form = page.get_by_test_id("stForm")
    choose(page, "人材区分 *", "販路開拓人材")
    form.get_by_label("役職・職種 *", exact=True).fill(ROLE_TITLE)
    form.get_by_role("button", name="人材ニーズを登録").click()
    expect(page.get_by_role("heading", name=f"{ROLE_TITLE}（{FIRM}）")).to_be_visible()
    settle(page)

    # Referred to a partner (an agency).
    refer = page.get_by_test_id("stForm").filter(has_text="パートナーに紹介")
    choose(page, "紹介先 *", f"{seed.partner_name}（人材ビジネス事業者）")
    refer.get_by_role("button", name="紹介を記録").click()
    expect(success_message(page, f"{seed.partner_name} への紹介を記録しました。")).to_be_visible()
    settle(page)
    expect(page.get_by_text("状態: 紹介中")).to_be_visible()
    screenshot(page, "journey1-03-need-referred")

    # The placement, from the need page's link (the need comes preselected).
    page.get_by_role("link", name="このニーズの成約を登録").click()
    expect(page.get_by_role("heading", name="成約")).to_be_visible()
    settle(page)
    form = page.get_by_test_id("stForm")
    choose(page, "紹介元", f"{seed.partner_name}（人材ビジネス事業者）")
    form.get_by_role("button", name="成約を記録").click()
    expect(success_message(page, "成約を記録しました（成約日")).to_be_visible()
    settle(page)
    screenshot(page, "journey1-04-placement-recorded")

    after = dashboard_counts(page)
    screenshot(page, "journey1-05-dashboard")
    assert after == {label: count + 1 for label, count in before.items()}

    # What the pages saved, read back from the server's database.
    with Session(db_engine) as s:
        firm = s.exec(select(Company).where(Company.name == FIRM)).one()
        assert (firm.hub_code, firm.corporate_number) == (seed.manager.hub_code, CORPORATE_NUMBER)
        consultation = s.exec(select(Consultation).where(Consultation.company_id == firm.id)).one()
        assert consultation.summary == SUMMARY
        need = s.exec(select(TalentNeed).where(TalentNeed.company_id == firm.id)).one()
        assert (need.consultation_id, need.role_title, need.status) == (
            consultation.id,
            ROLE_TITLE,
            "placed",
        )
        referral = s.exec(select(Referral).where(Referral.need_id == need.id)).one()
        placement = s.exec(select(Placement).where(Placement.need_id == need.id)).one()
        assert placement.partner_id == referral.partner_id
