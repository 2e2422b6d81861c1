"""APIトークン in Chromium (issue 26, part 4): a hub manager makes a token, sees its value once
(not after a reload), finds it in the list, the token reads (its last use then shows), and
revoking it after the confirmation leaves it listed as 失効 and refused."""

import re

import pytest
from playwright.sync_api import expect
from sqlmodel import Session, select

from crm.auth import api_tokens
from crm.models import ApiToken, AuditLog
from tests.browser.helpers import (
    go_to,
    list_cell,
    screenshot,
    settle,
    sign_in,
    success_message,
)
from ui.views.token_admin import NEVER_USED

PURPOSE = "ブラウザ試験の集計シート"


def _row_texts(page, purpose: str) -> list[str]:
    """The cells of the list's row whose 用途 is ``purpose``: the table's accessible copy holds
    the columns in view, the row's card (drawn for a phone) every one, after its name."""
    row = list_cell(page, purpose).locator("xpath=..")
    card = page.locator(".crm-card").filter(has_text=purpose)
    return [text.strip() for text in row.locator("td").all_inner_texts()] + [
        text.strip() for text in card.locator(".crm-cell").all_text_contents()
    ]


def _state_cell(page, purpose: str):
    """The 状態 cell beside the 用途 ``purpose`` (the table's second column)."""
    return list_cell(page, purpose).locator("xpath=following-sibling::td[1]")


def test_a_hub_manager_makes_uses_and_revokes_a_token(page, app_server, seed, db_engine):
    sign_in(page, app_server, seed.manager)
    go_to(page, "APIトークン")
    main = page.get_by_test_id("stMain")
    main.get_by_role("textbox", name="用途 *").fill(PURPOSE)
    main.get_by_role("button", name="トークンを発行").click()
    settle(page)

    shown = page.get_by_test_id("stCode")
    expect(success_message(page, f"トークン「{PURPOSE}」").first).to_be_visible()
    expect(shown).to_have_count(1)
    token = shown.inner_text().strip()
    assert re.fullmatch(re.escape(api_tokens.PREFIX) + r"[A-Za-z0-9_-]{43}", token), token
    expect(main.get_by_text("二度と表示されません")).to_be_visible()
    screenshot(page, "tokens-made-shown-once")

    # The service accepts it as the manager's token (the API's own check), and notes the use.
    with Session(db_engine) as s:
        actor = api_tokens.authenticate(s, token, use="/trend")
        s.commit()
    assert actor.username == seed.manager.username

    page.reload()
    settle(page)
    expect(page.get_by_role("heading", name="APIトークン").first).to_be_visible()
    expect(page.get_by_test_id("stCode")).to_have_count(0)
    assert token not in page.content()
    expect(list_cell(page, PURPOSE)).to_be_attached()
    expect(_state_cell(page, PURPOSE)).to_have_text("有効")  # in view on the screen
    cells = _row_texts(page, PURPOSE)
    assert "種類API" in cells and f"最終利用{NEVER_USED}" not in cells, cells
    assert any(re.fullmatch(r"最終利用\d{4}/\d\d/\d\d（.） \d\d:\d\d", c) for c in cells), cells
    assert any(re.fullmatch(r"有効期限\d{4}/\d\d/\d\d（.）まで", c) for c in cells), cells

    with Session(db_engine) as s:
        made = s.exec(select(ApiToken).where(ApiToken.name == PURPOSE)).one()
    page.get_by_role("tab", name="トークンを失効").click()
    settle(page)
    choice = f"ID {made.id:,}・{PURPOSE}（{seed.manager.username}）"
    box = main.get_by_role("combobox", name="失効させるトークン", exact=True)
    box.click()
    page.get_by_role("option", name=choice, exact=True).click()
    settle(page)
    main.get_by_role("button", name="失効させる…").click()
    settle(page)
    expect(main.get_by_text("元に戻せません")).to_be_visible()
    screenshot(page, "tokens-revoke-asks-first")
    with Session(db_engine) as s:  # asked, not yet done
        assert s.get(ApiToken, made.id).revoked_at is None
    main.get_by_role("button", name="失効を確定").click()
    settle(page)
    expect(success_message(page, f"トークン「{PURPOSE}」を失効させました").first).to_be_visible()
    expect(list_cell(page, PURPOSE)).to_be_attached()
    expect(_state_cell(page, PURPOSE)).to_have_text("失効")

    with Session(db_engine) as s:
        with pytest.raises(api_tokens.TokenRefused):
            api_tokens.identify(s, token)
        actions = s.exec(
            select(AuditLog.action)
            .where(AuditLog.entity == "api_token", AuditLog.entity_id == str(made.id))
            .order_by(AuditLog.id)
        ).all()
    assert actions == ["token_create", "api_read", "token_revoke"]
