"""Steps shared by the journeys: signing in, waiting for Streamlit, reading metrics."""

import re

import pytest

from tests.browser.conftest import BROWSER_REQUIRED, Account, screenshot  # noqa: F401

if not BROWSER_REQUIRED:  # under CI a missing Playwright is an import error, i.e. a failure
    pytest.importorskip(
        "playwright.sync_api", reason="playwright is not installed: browser tests skipped"
    )

from playwright.sync_api import Locator, Page, expect  # noqa: E402

# The machine running the tests may be busy (two cores shared with other jobs): give each
# expectation up to 60 s (Playwright's default is 5 s) before it counts as failed.
expect.set_options(timeout=60_000)

APP = '[data-testid="stApp"]'


def settle(page: Page, timeout: float = 30_000) -> None:
    """Wait until the script run triggered by the last action has finished.

    Streamlit marks the app root with data-test-script-state; a click may start the run a
    moment later, so wait briefly for "running" before waiting for it to end."""
    try:
        page.wait_for_selector(f'{APP}[data-test-script-state="running"]', timeout=1_000)
    except Exception:  # noqa: BLE001 - the run may already be over
        pass
    page.wait_for_selector(f'{APP}[data-test-script-state="notRunning"]', timeout=timeout)
    # Some widgets are drawn by lazily loaded components, shown as skeletons until ready.
    page.wait_for_function("!document.querySelector('[data-testid=stSkeleton]')", timeout=timeout)


def open_app(page: Page, base: str, path: str = "") -> None:
    page.goto(f"{base}/{path}")
    settle(page)


def sign_in(page: Page, base: str, account: Account, path: str = "") -> None:
    """Open ``base/path`` (the sign-in page shows first) and sign in with the password."""
    open_app(page, base, path)
    submit_sign_in(page, account)


def submit_sign_in(page: Page, account: Account) -> None:
    """Fill in and send the sign-in form shown on the current page."""
    expect(page.get_by_role("heading", name="サインイン")).to_be_visible()
    page.get_by_label("利用者名", exact=True).fill(account.username)
    page.get_by_label("パスワード", exact=True).fill(account.password)
    page.get_by_role("button", name="サインイン").click()
    expect(page.get_by_role("button", name="サインアウト", exact=True)).to_be_visible()
    settle(page)


def go_to(page: Page, title: str) -> None:
    """Follow the sidebar navigation to the page titled ``title``."""
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=title, exact=True).click()
    expect(page.get_by_role("heading", name=title).first).to_be_visible()
    settle(page)


def metric(page: Page, label: str, scope: Locator | None = None) -> str:
    """The value shown by the st.metric labelled ``label``."""
    root = scope or page
    card = root.get_by_test_id("stMetric").filter(
        has=page.get_by_test_id("stMetricLabel").get_by_text(label, exact=True)
    )
    return card.get_by_test_id("stMetricValue").inner_text().strip()


def metric_int(page: Page, label: str) -> int:
    return int(re.sub(r"[^\d]", "", metric(page, label)))


def choose(
    page: Page,
    label: str,
    option: str,
    *,
    reruns: bool = False,
    within: Locator | None = None,
    many: bool = False,
) -> None:
    """Pick ``option`` in the selectbox labelled ``label`` (in ``within``, e.g. the sidebar).

    A click that lands while Streamlit redraws the widget can leave its menu closed, so the
    menu is opened again until the option shows. ``reruns``: the box is outside a form, so
    choosing starts a run; wait for it. ``many``: a multiselect, whose menu stays open after a
    pick and whose box shows the choice as a tag, not as its value."""
    box = (within or page).get_by_role("combobox", name=label, exact=True)
    choice = page.get_by_role("option", name=option, exact=True)
    # On a loaded machine (CI runs two test processes beside the server) a menu can take
    # seconds to open, so each try waits longer; the last try leaves the menu open.
    # A click on the option can also be lost while the menu redraws: the box then keeps its
    # old value, and the whole choice is made again.
    attempts = 5
    for attempt in range(1, attempts + 1):
        box.click()
        try:
            choice.wait_for(state="visible", timeout=2_000 * attempt)
        except Exception:  # noqa: BLE001 - the menu did not open; try again
            if attempt < attempts:
                page.keyboard.press("Escape")
                continue
        choice.click()
        if many or attempt == attempts:
            break
        try:
            expect(box).to_have_value(option, timeout=2_000 * attempt)
            break
        except AssertionError:
            page.keyboard.press("Escape")
    if many:
        page.keyboard.press("Escape")
    else:
        expect(box).to_have_value(option)
    if reruns:
        settle(page)


def success_message(page: Page, text: str) -> Locator:
    """The st.success box containing ``text`` (the same words also pop up as a toast)."""
    return page.get_by_test_id("stAlertContentSuccess").filter(has_text=text)


def error_message(page: Page, text: str) -> Locator:
    return page.get_by_test_id("stAlertContentError").filter(has_text=text)


def new_firm_form(page: Page) -> Locator:
    """The 企業 page's registration form, opening its expander (collapsed once the hub has
    firms)."""
    form = page.get_by_test_id("stForm")
    if not form.get_by_role("textbox", name="企業名 *", exact=True).is_visible():
        page.get_by_text("新しい企業を登録").click()
    expect(form.get_by_role("textbox", name="企業名 *", exact=True)).to_be_visible()
    return form


def press_until(
    page: Page, button: Locator, done: Locator, attempts: int = 3, wait: float = 20_000
) -> None:
    """Press ``button`` until ``done`` shows.

    Under CI's load a click was lost a few times (no run followed it: the form stood filled and
    unchanged for a minute). Pressing again is what a person does. Use it only where a second
    press cannot save twice: the first save leaves the form (a new page opens), or a unique
    value (a corporate number) refuses a second record."""
    for attempt in range(attempts):
        if attempt == 0 or button.is_visible():
            button.click()
        settle(page)
        try:
            expect(done).to_be_visible(timeout=wait)
            return
        except AssertionError:
            if attempt == attempts - 1:
                raise


# A list (ui.listing.grid) is a table drawn on a canvas; its rows are also in the table's
# accessible copy (the rows on screen), which is what a screen reader reads.
LIST_ROWS = '[class*="st-key-crm-table-"] [data-testid="stDataFrame"] tbody tr'


def first_row(page: Page) -> Locator:
    """The first row of the page's list."""
    return page.locator(LIST_ROWS).first


def list_rows(page: Page) -> Locator:
    """Every row of the page's list, as text: the list's cards (ui.listing.grid draws the same
    rows as cards for a phone; hidden on a wide screen, their text is there)."""
    return page.locator(".crm-cards").first


def list_cell(page: Page, text: str) -> Locator:
    """The list's cells whose text is exactly ``text`` (in the table's accessible copy)."""
    exact = re.compile("^" + re.escape(text) + "$")
    return page.locator(f"{LIST_ROWS} td").filter(has_text=exact)


def open_from_list(page: Page, text: str) -> None:
    """Click the list's cell that reads ``text`` (a name that opens its record) and wait until
    the record is open (its own page, or the list's page with the record in its address). The
    table is a canvas: the cell is clicked where it is drawn, its column's left edge from the
    widths the list gives its columns (ui.listing._width of each column's texts), its row's
    from the rows' height. A click that lands while the list is still being redrawn (a re-run
    after a tab or filter change) is lost, as a person's would be: the click is made again, at
    most three times."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    from ui.listing import _width

    settle(page)
    listed = page.url

    def opened() -> bool:
        return page.url != listed

    for _ in range(3):
        settle(page)
        # A slow earlier click may have opened the record meanwhile: the record's own tables
        # may hold the same text, and a click there would open something else.
        if opened():
            return
        cell = list_cell(page, text).first  # the first column that says it (a row's name first)
        expect(cell).to_be_attached()
        _, _, column, row = str(cell.get_attribute("data-testid")).split("-")
        table = page.locator('[class*="st-key-crm-table-"] [data-testid="stDataFrame"]').first
        headings = table.locator("thead th").all_text_contents()
        left = 0
        for index in range(int(column)):
            texts = table.locator(f'td[aria-colindex="{index + 1}"]').all_text_contents()
            left += _width([headings[index], *(t for t in texts if t)])
        table.evaluate("e => e.scrollIntoView({block: 'start'})")
        box = table.bounding_box()
        assert box is not None
        y = box["y"] + ROW_HEIGHT * (int(row) + 1) + ROW_HEIGHT / 2
        page.mouse.click(box["x"] + left + 10, y)
        try:
            page.wait_for_url(lambda url: url != listed, timeout=30_000)
            return
        except PlaywrightTimeout:
            continue
    if opened():
        return
    raise AssertionError(f"「{text}」 did not open from the list at {page.url}")


ROW_HEIGHT = 35  # Streamlit's table rows and heading
