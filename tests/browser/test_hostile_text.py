"""Hostile text in Chromium: records whose texts carry Markdown and HTML payloads are opened by a
hub manager and by the secretariat; every page shows the text literally, draws no image or link
from it, and the browser sends no request to any other host. An unexpected error shows a
Japanese message with a reference, never a traceback, and the server log has the traceback."""

import datetime as dt
import re
import textwrap
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from crm.actor import SYSTEM, actor_for
from crm.db import session_scope
from crm.services import companies, consultations, followups, needs, placements, reference_data
from crm.services import users as user_service
from crm.timeutil import today_jst
from tests.browser.conftest import _serve, server_log
from tests.browser.helpers import (
    go_to,
    list_cell,
    list_rows,
    open_app,
    open_from_list,
    screenshot,
    settle,
)
from tests.utils.hostile_text import PAYLOADS

LOCAL_HOSTS = {"127.0.0.1", "localhost"}
# Firms and needs opened one by one (every payload is on the lists; the page tests open each):
# the image, and the bare links with the logo shortcode.
OPENED = (0, len(PAYLOADS) - 1)


@pytest.fixture(scope="module")
def hostile(db_engine, seed) -> dict[str, list[int]]:
    """Hub 06 (the manager's): one firm per payload, every text of its records carrying it
    (the consultation's next action is due today, so the dashboard lists it)."""
    today = today_jst()
    firm_ids, need_ids = [], []
    with session_scope(db_engine) as s:
        manager = actor_for(user_service.get_user(s, seed.manager.username))
        for i, payload in enumerate(PAYLOADS):
            firm = companies.create_company(
                s,
                manager,
                {
                    "name": payload,
                    "kana": payload,
                    "prefecture_code": "06",
                    "city": payload,
                    "notes": payload,
                },
            )
            consultation = consultations.log_consultation(
                s,
                manager,
                {
                    "company_id": firm.id,
                    "consulted_on": today - dt.timedelta(days=2),
                    "channel": "visit",
                    "summary": payload,
                    "next_action": payload,
                    "next_action_on": today,
                },
            )
            need = needs.open_need(
                s,
                manager,
                {
                    "company_id": firm.id,
                    "consultation_id": consultation.id,
                    "category_id": 1,
                    "engagement": "mid_career",
                    "role_title": payload,
                    "opened_on": consultation.consulted_on,
                    "notes": payload,
                },
            )
            partner = reference_data.create_partner(
                s, SYSTEM, {"kind": "recruitment_agency", "name": f"{payload} {i}"}
            )
            needs.refer_need(
                s,
                manager,
                {"need_id": need.id, "partner_id": partner.id, "referred_on": today},
            )
            placements.record_placement(
                s, manager, {"need_id": need.id, "placed_on": today, "partner_id": partner.id}
            )
            followups.schedule_follow_up(
                s,
                manager,
                {"company_id": firm.id, "due_on": today + dt.timedelta(days=30), "notes": payload},
            )
            firm_ids.append(firm.id)
            need_ids.append(need.id)
    return {"firms": firm_ids, "needs": need_ids}


def patient_sign_in(page, base: str, account, path: str = "") -> None:
    """helpers.sign_in with more time: a page full of links and buttons draws slowly on a busy
    machine."""
    open_app(page, base, path)
    expect(page.get_by_role("heading", name="サインイン")).to_be_visible()
    page.get_by_label("利用者名", exact=True).fill(account.username)
    page.get_by_label("パスワード", exact=True).fill(account.password)
    page.get_by_role("button", name="サインイン").click()
    signed_in = page.get_by_role("button", name="サインアウト", exact=True)
    expect(signed_in).to_be_visible(timeout=90_000)
    settle(page, timeout=90_000)


def record_requests(page) -> list[str]:
    urls: list[str] = []
    page.on("request", lambda request: urls.append(request.url))
    return urls


def assert_nothing_from_data(page) -> None:
    """No image, link, colour, formula or heading drawn from a payload."""
    main = page.get_by_test_id("stMain")
    expect(main.locator("img[src*='example.invalid'], img[src='x']")).to_have_count(0)
    expect(main.locator("a[href*='example.invalid'], a[href^='mailto:']")).to_have_count(0)
    # The Streamlit logo shortcode would be an inline SVG image.
    expect(main.locator("[data-testid=stMarkdownContainer] img")).to_have_count(0)
    expect(
        main.locator("span[class*='Colored'], span[style*='color']", has_text="colour")
    ).to_have_count(0)
    expect(main.locator(".katex")).to_have_count(0)
    for tag in ("h1", "h2", "h3", "h4"):
        for heading in main.locator(tag).all_inner_texts():
            assert heading.strip() != "heading", heading


def test_hostile_text_is_shown_as_text_and_nothing_leaves_the_machine(
    browser, page, app_server, seed, hostile
):
    requests = record_requests(page)
    main = page.get_by_test_id("stMain")

    # The hub manager: the dashboard's 今日やること (each firm's next action is due today), the
    # firm directory and firms' pages.
    patient_sign_in(page, app_server, seed.manager)
    for payload in PAYLOADS:
        expect(main.get_by_text(payload, exact=True).first).to_be_visible()
    assert_nothing_from_data(page)
    screenshot(page, "hostile-text-01-dashboard")

    # Lists: each name one cell of the table (drawn on a canvas, as text) and one link of the
    # phone's cards (escaped), read back as exactly the text typed.
    go_to(page, "企業")
    for payload in PAYLOADS:
        expect(list_cell(page, payload).first).to_be_attached()  # 企業名 (and カナ)
        assert payload in list_rows(page).locator("a").all_text_contents()
    assert_nothing_from_data(page)
    for index in OPENED:
        payload = PAYLOADS[index]
        open_from_list(page, payload)
        expect(main.get_by_role("heading", name=payload, exact=True)).to_be_visible()
        settle(page)
        main.get_by_role("tab", name="企業情報").click()
        table = main.get_by_test_id("stTable")
        expect(table.get_by_text(payload, exact=True)).to_have_count(3)  # 企業名, カナ, メモ
        expect(table.get_by_text(f"山形県{payload}", exact=True)).to_be_visible()  # 所在地
        assert_nothing_from_data(page)
        screenshot(page, f"hostile-text-02-firm-{index}")
        main.get_by_role("button", name="← 企業一覧へ").click()
        # Back on the list before the next name is looked for: the firm's page has tables of
        # its own (its needs bear the same names), and a click there would open a need.
        expect(page).not_to_have_url(re.compile(r"[?&]company="))
        settle(page)

    # Each need (placed by now), its referral to a partner named after the payload.
    go_to(page, "人材ニーズ")
    for index in OPENED:
        payload = PAYLOADS[index]
        main.get_by_text(re.compile(r"^成約（[0-9,]+）$")).click()
        settle(page)
        open_from_list(page, payload)  # by its name, no id
        expect(
            main.get_by_role("heading", name=f"{payload}（{payload}）", exact=True)
        ).to_be_visible()
        settle(page)
        expect(main.get_by_text(f"紹介の結果: {payload} {index}")).to_be_visible()
        assert_nothing_from_data(page)
        main.get_by_role("button", name="← ニーズ一覧へ").click()
        expect(page).not_to_have_url(re.compile(r"[?&]need="))
        settle(page)

    go_to(page, "相談記録")
    for payload in PAYLOADS:
        expect(list_cell(page, payload).first).to_be_attached()
    assert_nothing_from_data(page)

    # The secretariat: a firm by its link (read-only), the national needs list and the partner
    # breakdown (partner names on a chart's axis).
    context = browser.new_context(
        locale="ja-JP", timezone_id="Asia/Tokyo", viewport={"width": 1400, "height": 1000}
    )
    other = context.new_page()
    other.set_default_timeout(30_000)
    requests_secretariat = record_requests(other)
    try:
        patient_sign_in(
            other, app_server, seed.secretariat, f"companies?company={hostile['firms'][0]}"
        )
        other_main = other.get_by_test_id("stMain")
        expect(other_main.get_by_role("heading", name=PAYLOADS[0], exact=True)).to_be_visible()
        assert_nothing_from_data(other)
        go_to(other, "人材ニーズ")
        other_main.get_by_text(re.compile(r"^成約（[0-9,]+）$")).click()
        settle(other)
        for payload in PAYLOADS:
            expect(list_cell(other, payload).first).to_be_attached()
        assert_nothing_from_data(other)
        go_to(other, "内訳")
        expect(other_main.get_by_test_id("stVegaLiteChart").first).to_be_visible()
        assert_nothing_from_data(other)
        screenshot(other, "hostile-text-03-secretariat-breakdowns")
    finally:
        context.close()

    hosts = {urlsplit(url).hostname for url in requests + requests_secretariat}
    assert hosts and hosts <= LOCAL_HOSTS, sorted(hosts)


# --- an unexpected error -----------------------------------------------------------------------

FAULT_LOG = "streamlit-server-fault.log"


@pytest.fixture(scope="module")
def faulty_server(server_database, seed, chromium_path, tmp_path_factory):
    """A second server on the same database whose firm search fails unexpectedly: the fault is
    planted before Streamlit starts (sitecustomize), so the app's code is the code under test."""
    plant = tmp_path_factory.mktemp("fault")
    (plant / "sitecustomize.py").write_text(
        textwrap.dedent(
            """
            import crm.services.lookups

            def find_companies(*args, **kwargs):
                raise RuntimeError("disk I/O error in /srv/crm/secret_module.py")

            crm.services.lookups.find_companies = find_companies
            """
        )
    )
    yield from _serve(server_database, FAULT_LOG, PYTHONPATH=str(plant))


def test_an_unexpected_error_shows_a_reference_and_no_traceback(page, faulty_server, seed):
    patient_sign_in(page, faulty_server, seed.manager, "companies")
    alert = page.get_by_test_id("stAlertContentError")
    expect(alert).to_contain_text("予期しないエラーが発生しました。")
    message = alert.inner_text()
    reference = re.search(r"E-[0-9A-F]{8}", message)
    assert reference, message
    body = page.get_by_test_id("stApp").inner_text()
    for leak in ("Traceback", "RuntimeError", "secret_module", ".py", "disk I/O"):
        assert leak not in body, leak
    expect(page.get_by_test_id("stException")).to_have_count(0)
    screenshot(page, "hostile-text-04-unexpected-error")

    log = server_log(FAULT_LOG).read_text()
    logged = log[log.index(reference.group(0)) :]
    assert "Traceback (most recent call last)" in logged
    assert "RuntimeError: disk I/O error in /srv/crm/secret_module.py" in logged
