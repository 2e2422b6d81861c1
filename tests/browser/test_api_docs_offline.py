"""/api/v1/docs in Chromium with no network beyond this machine (issue 26): Swagger UI comes
from the product's own files and shows every endpoint of the OpenAPI document."""

from urllib.parse import urlparse

from tests.browser.helpers import expect, screenshot

ENDPOINTS = ("/trend", "/prefectures", "/firms", "/consultations", "/needs", "/follow-ups")


def test_the_api_docs_work_without_internet(page, app_server):
    refused: list[str] = []

    def only_this_machine(route) -> None:
        if urlparse(route.request.url).hostname in ("127.0.0.1", "localhost"):
            route.continue_()
        else:  # an office network without internet
            refused.append(route.request.url)
            route.abort()

    page.route("**/*", only_this_machine)
    page.goto(f"{app_server}/api/v1/docs")
    expect(
        page.get_by_role("heading", name="プロフェッショナル人材戦略拠点 CRM API")
    ).to_be_visible()
    for path in ENDPOINTS:
        expect(page.get_by_text(path, exact=True).first).to_be_visible()
    screenshot(page, "api-docs-offline")
    assert refused == []
