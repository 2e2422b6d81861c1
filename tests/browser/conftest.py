"""Browser tests: a real `streamlit run` server on a free port, driven by Debian's chromium.

Without chromium the tests skip with a visible reason, except when CRM_BROWSER_REQUIRED=1
(set by .ci/run), where a missing browser fails the run. Screenshots go to
CRM_SCREENSHOT_DIR (default artifacts/screenshots).
"""

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
BROWSER_REQUIRED = os.environ.get("CRM_BROWSER_REQUIRED") == "1"
SCREENSHOTS = Path(os.environ.get("CRM_SCREENSHOT_DIR", ROOT / "artifacts" / "screenshots"))
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--lang=ja-JP",
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def chromium_path():
    if CHROMIUM is None:
        if BROWSER_REQUIRED:
            pytest.fail("chromium is not installed but CRM_BROWSER_REQUIRED=1 (CI)")
        pytest.skip("chromium is not installed: browser tests skipped (apt-get install chromium)")
    return CHROMIUM


@pytest.fixture(scope="session")
def browser(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, headless=True,
                                             args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def server_database(tmp_path_factory):
    """A migrated SQLite database with hubs' reference data and demo accounts only."""
    path = tmp_path_factory.mktemp("browser") / "crm.sqlite3"
    return f"sqlite:///{path}"


@pytest.fixture(scope="session")
def app_server(server_database, chromium_path):
    """`streamlit run streamlit_app.py` on a free port; yields its base URL."""
    port = _free_port()
    env = {**os.environ, "CRM_DATABASE_URL": server_database, "CRM_DEMO_ON_EMPTY": "0"}
    log = open(SCREENSHOTS.parent / "streamlit-server.log", "w") if _ensure_dirs() else None
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "streamlit_app.py"),
         "--server.port", str(port), "--server.address", "127.0.0.1",
         "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    break
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail("streamlit server did not become healthy (see streamlit-server.log)")
        time.sleep(0.3)
    yield base
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
    if log:
        log.close()


def _ensure_dirs() -> bool:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return True


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="ja-JP", timezone_id="Asia/Tokyo",
                                  viewport={"width": 1400, "height": 1000},
                                  accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(30_000)
    yield page
    context.close()


def screenshot(page, name: str) -> Path:
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
