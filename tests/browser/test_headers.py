"""The app as deployed (`crm serve`) answers nothing it should not (issue 22, item 9): every
page, static file, health check, session route and API answer forbids framing; Streamlit's
metrics are not served; the API reads the bearer scheme in any case; and Streamlit itself
(its static files and WebSocket) still works behind the middleware, in Chromium."""

import re
import urllib.error
import urllib.request

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session

from crm.actor import SYSTEM
from crm.auth import api_tokens
from tests.browser.helpers import screenshot, sign_in


@pytest.fixture(scope="module")
def api_token(db_engine, seed) -> str:
    with Session(db_engine) as s:
        _, token = api_tokens.create_token(s, SYSTEM, seed.manager.username)
        s.commit()
    return token


def fetch(url: str, method: str = "GET", headers: dict[str, str] | None = None):
    """(status, headers, body) of one request, whatever its status."""
    request = urllib.request.Request(url, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310 - loopback
            return answer.status, answer.headers, answer.read()
    except urllib.error.HTTPError as refused:
        return refused.code, refused.headers, refused.read()


def static_asset(base: str) -> str:
    """The path of a script the app's page loads (its name carries a hash)."""
    _, _, page = fetch(base + "/")
    found = re.search(r'src="\.?/?(static/js/[^"]+\.js)"', page.decode())
    assert found, page[:500]
    return "/" + found.group(1)


def test_every_kind_of_answer_forbids_framing(app_server, api_token):
    bearer = {"Authorization": f"Bearer {api_token}"}
    requests = [
        ("GET", "/", {}, 200),
        ("GET", static_asset(app_server), {}, 200),
        ("GET", "/_stcore/health", {}, 200),
        ("GET", "/healthz", {}, 200),
        ("GET", "/readyz", {}, 200),
        ("GET", "/api/v1/headline", bearer, 200),
        ("GET", "/api/v1/headline", {}, 401),
        ("GET", "/api/v1/openapi.json", {}, 200),
        ("GET", "/api/v1/nowhere", {}, 404),
        ("POST", "/session", {}, 403),  # no Origin: refused, framed or not
    ]
    for method, path, headers, status in requests:
        answered, sent, _ = fetch(app_server + path, method, headers)
        assert answered == status, (path, answered)
        assert sent["X-Frame-Options"] == "DENY", path
        assert sent["Content-Security-Policy"] == "frame-ancestors 'none'", path


@pytest.mark.parametrize("method", ["GET", "OPTIONS"])
def test_streamlits_metrics_are_not_served(app_server, method):
    status, _, body = fetch(app_server + "/_stcore/metrics", method)
    assert status == 404
    assert b"cache" not in body and b"session" not in body


@pytest.mark.parametrize("scheme", ["bearer", "BEARER", "Bearer "])
def test_the_bearer_scheme_is_read_in_any_case(app_server, api_token, scheme):
    headers = {"Authorization": f"{scheme} {api_token}"}
    status, _, _ = fetch(app_server + "/api/v1/headline", headers=headers)
    assert status == 200


def test_streamlit_still_works_behind_the_middleware(page: Page, app_server, seed):
    sign_in(page, app_server, seed.manager)  # static files, the WebSocket, the cookie route
    expect(page.get_by_role("button", name="サインアウト", exact=True)).to_be_visible()
    screenshot(page, "headers-01-signed-in")
