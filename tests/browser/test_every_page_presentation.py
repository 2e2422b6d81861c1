"""Every page of every role at 1440 px and at 390 px (a phone), screenshotted into
``artifacts/screenshots/`` and read for what must never show: `None`, `null`, an ISO timestamp
with a time zone, an amount of four or more digits without separators, a long decimal
(tests/presentation/leaks.py), an ISO date or week, a raw id or hub code, or an English word
outside the allowed list (`office_problems`, issue 24). At phone width a record list is a stack
of cards whose cells name their column (issue 13, item 7).

The visible text is read from the DOM (SVG chart text and hidden elements left out); charts are
checked by their own tests, tables drawn on a canvas (st.dataframe) are formatted by column
configuration and checked by the page tests."""

import datetime as dt
import os
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from crm.actor import SYSTEM, actor_for
from crm.db import session_scope
from crm.reference import Role
from crm.services import needs, partner_portal, users
from tests.browser.conftest import Account
from tests.browser.helpers import screenshot, settle, sign_in
from tests.presentation.leaks import office_problems
from tests.utils.factories import (
    make_company,
    make_consultation,
    make_need,
    make_partner,
    make_placement,
)
from ui.navigation import PAGES

WIDTHS = {"desktop": (1440, 900), "phone": (390, 844)}
ADMIN = Account("presentation.admin", "browser-test-admin!")
PARTNER = Account("presentation.partner", "browser-test-partner!")

VISIBLE_TEXT = """() => {
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const element = node.parentElement;
    // Charts are checked by their own tests. Streamlit's keyboard skip link and the file
    // uploader's drop zone say English words no parameter changes (listed in the README).
    const skipped = [
      "svg", "script", "style", "noscript",
      "[data-testid=stSkipToContent]", "[data-testid=stFileUploaderDropzone]",
    ].join(", ");
    if (!element || element.closest(skipped)) continue;
    // An icon is drawn from its name's text in the icon font.
    if (getComputedStyle(element).fontFamily.includes("Material Symbols")) continue;
    if (!element.checkVisibility({visibilityProperty: true})) continue;
    out.push(node.textContent);
  }
  // A table is drawn on a canvas: its cells are read from its accessible copy.
  // A row's cells are set apart (「｜」), so that a heading and the first cell of the next
  // row do not read as one phrase.
  for (const table of document.querySelectorAll("[data-testid=stDataFrame]")) {
    if (!table.checkVisibility()) continue;
    for (const row of table.querySelectorAll("tr")) {
      out.push([...row.querySelectorAll("th, td")].map(c => "｜" + c.textContent).join(" "));
    }
  }
  // What an empty field says (Streamlit's own "Choose an option" would show here).
  for (const input of document.querySelectorAll("input[placeholder], textarea[placeholder]")) {
    if (input.checkVisibility() && !input.value) out.push(input.placeholder);
  }
  return out.join("\\n");
}"""


@pytest.fixture(scope="module")
def records(db_engine, seed):
    """Records whose pages show amounts of four or more digits and every kind of date."""
    with session_scope(db_engine) as s:
        users.create_user(
            s,
            SYSTEM,
            username=ADMIN.username,
            role="admin",
            password=ADMIN.password,
            display_name="表示確認 管理者",
        )
        manager = actor_for(users.get_user(s, seed.manager.username))
        firm = make_company(
            s,
            manager,
            name="表示確認精機株式会社",
            employees=1200,
            capital_jpy=30_000_000,
            corporate_number="9060101099901",  # its own: the server database is shared
        )
        day = dt.date.today() - dt.timedelta(days=10)
        consultation = make_consultation(s, manager, firm, on=day, next_action_on=day)
        need = make_need(s, manager, consultation, opened_on=day)
        make_placement(s, manager, need, on=day)
        # A partner's person, with a referral shared with it (its portal's one record).
        partner = make_partner(s, name="表示確認人材株式会社")
        users.create_user(
            s,
            SYSTEM,
            username=PARTNER.username,
            role="partner",
            partner_id=partner.id,
            password=PARTNER.password,
            display_name="表示確認 パートナー",
        )
        referral = needs.refer_need(
            s, manager, {"need_id": need.id, "partner_id": partner.id, "referred_on": day}
        )
        partner_portal.share_referral(
            s, manager, referral.id, expected_version=referral.version, share_firm_name=True
        )
        return {"firm": firm.id, "need": need.id}


def addresses(role: Role, records: dict) -> list[tuple[str, str]]:
    """(name, path) of every page the role sees, the landing page first, and of a firm's and
    a need's own page for the roles that read them."""
    paths = [
        Path(path).stem
        for pages in PAGES.values()
        for path, _t, _i, roles in pages
        if role in roles
    ]
    found = [(paths[0], ""), *((stem, stem) for stem in paths[1:])]
    if role in (Role.HUB_MANAGER, Role.SECRETARIAT):
        found += [
            ("firm", f"companies?company={records['firm']}"),
            ("need", f"needs?need={records['need']}"),
        ]
    return found


def shown_text(page: Page) -> str:
    return page.evaluate(VISIBLE_TEXT)


@pytest.mark.parametrize(
    "role", [Role.HUB_MANAGER, Role.SECRETARIAT, Role.ADMIN, Role.PARTNER], ids=lambda r: r.value
)
def test_every_page_at_desktop_and_phone_width_shows_no_raw_value(
    page, app_server, seed, records, role
):
    account = {
        Role.HUB_MANAGER: seed.manager,
        Role.SECRETARIAT: seed.secretariat,
        Role.PARTNER: PARTNER,
    }.get(role, ADMIN)
    sign_in(page, app_server, account)
    found: dict[str, list[str]] = {}
    for width_name, (width, height) in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": height})
        for name, path in addresses(role, records):
            page.goto(f"{app_server}/{path}")
            settle(page)
            expect(page.get_by_test_id("stMain").get_by_role("heading").first).to_be_visible()
            expect(page.get_by_test_id("stException")).to_have_count(0)
            screenshot(page, f"pages-{role.value}-{name}-{width}")
            problems = office_problems(shown_text(page))
            if os.environ.get("CRM_PRESENTATION_REPORT"):
                with open(os.environ["CRM_PRESENTATION_REPORT"], "a") as report:
                    report.write(f"{role.value} {name} {width_name}: {problems}\n")
            if problems:
                found[f"{name} @ {width_name}"] = problems
    assert found == {}


def test_lists_are_cards_with_labelled_cells_at_phone_width(page, app_server, seed, records):
    sign_in(page, app_server, seed.manager, "consultations")
    table = page.locator('[class*="st-key-crm-table-"]').first
    card = page.locator(".crm-card").first
    expect(table).to_be_visible()
    expect(card).to_be_hidden()

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{app_server}/consultations")  # opened on the phone: the sidebar folded away
    settle(page)
    expect(table).to_be_hidden()
    expect(card).to_be_visible()
    expect(card.locator("small").first).to_have_text("相談日")  # the cell names its column
    assert card.evaluate("e => getComputedStyle(e).borderTopStyle") == "solid"  # a card
    card.scroll_into_view_if_needed()
    screenshot(page, "phone-consultations-cards")
