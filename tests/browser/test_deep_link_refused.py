"""Journey 4: a deep link to another hub's firm is refused; the owning hub's manager opens it."""

from playwright.sync_api import expect

from tests.browser.helpers import (
    error_message,
    open_app,
    screenshot,
    sign_in,
    submit_sign_in,
)

REFUSAL = "この記録は他の拠点（宮城県）のものです。自拠点の記録だけを閲覧できます。"


def firm_link(seed) -> str:
    return f"companies?company={seed.other_firm_id}"


def test_deep_link_to_another_hubs_firm_is_refused(page, app_server, seed):
    assert seed.manager.hub_code != "04"
    # Opened by a visitor who is not signed in: only the sign-in form, at the linked address.
    open_app(page, app_server, firm_link(seed))
    expect(page.get_by_role("heading", name="サインイン")).to_be_visible()
    expect(page.get_by_text(seed.other_firm_name)).to_have_count(0)
    assert page.url.endswith(f"/{firm_link(seed)}")

    submit_sign_in(page, seed.manager)
    expect(error_message(page, REFUSAL)).to_be_visible()
    assert page.url.endswith(f"/{firm_link(seed)}")  # the link was followed, then refused
    main = page.get_by_test_id("stMain")
    expect(main.get_by_text(seed.other_firm_name)).to_have_count(0)
    expect(main.get_by_role("tab")).to_have_count(0)  # no timeline, details or contacts
    screenshot(page, "journey4-01-deep-link-refused")


def test_the_same_deep_link_opens_the_firm_for_its_own_hub(page, app_server, seed):
    """The control: the link itself works, so the refusal above is the scope check."""
    sign_in(page, app_server, seed.other_manager, firm_link(seed))
    expect(page.get_by_role("heading", name=seed.other_firm_name)).to_be_visible()
    expect(page.get_by_text(REFUSAL)).to_have_count(0)
    screenshot(page, "journey4-02-deep-link-own-hub")
