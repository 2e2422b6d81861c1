"""Browser tests: a real `streamlit run` server on a free port, driven by Debian's chromium.

Without chromium the tests skip with a visible reason, except when CRM_BROWSER_REQUIRED=1
(set by .ci/run), where a missing browser fails the run. Screenshots go to
CRM_SCREENSHOT_DIR (default artifacts/screenshots).

One server serves the whole session. Its SQLite database is migrated and seeded before the
server starts (accounts with known passwords, a partner, another hub's firm); the tests read
and write the same file through ``db_engine`` to check what the pages saved.
"""

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Debian's package first: a `chromium` earlier on PATH may be a downloaded browser.
DEBIAN_CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM = (
    str(DEBIAN_CHROMIUM)
    if DEBIAN_CHROMIUM.exists()
    else shutil.which("chromium") or shutil.which("chromium-browser")
)
BROWSER_REQUIRED = os.environ.get("CRM_BROWSER_REQUIRED") == "1"
SCREENSHOTS = Path(os.environ.get("CRM_SCREENSHOT_DIR", ROOT / "artifacts" / "screenshots"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--lang=ja-JP",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if Path(item.fspath).parent == Path(__file__).parent:
            item.add_marker(pytest.mark.browser)


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
        browser = playwright.chromium.launch(
            executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@dataclass(frozen=True)
class Account:
    username: str
    password: str
    hub_code: str | None = None


@dataclass(frozen=True)
class Seed:
    """What the server's database holds before the first test."""

    manager: Account  # hub 01
    other_manager: Account  # hub 02
    secretariat: Account
    partner_name: str
    other_firm_id: int  # a hub 02 firm, for the refused deep link
    other_firm_name: str
    # Hub 06 managers whose sessions the session tests end (one each: disabled, signed out
    # everywhere, idle), so that no other test loses its account.
    ended: dict[str, Account]


@pytest.fixture(scope="session")
def server_database(tmp_path_factory):
    path = tmp_path_factory.mktemp("browser") / "crm.sqlite3"
    return f"sqlite:///{path}"


@pytest.fixture(scope="session")
def db_engine(server_database, chromium_path):
    """The server's database, migrated, for seeding before start and checking after writes."""
    from crm import db

    engine = db.make_engine(server_database)
    db.upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def seed(db_engine) -> Seed:
    from crm.actor import SYSTEM, actor_for
    from crm.db import session_scope
    from crm.services import companies, reference_data, users

    accounts = {
        "manager": Account("yamagata.manager", "browser-test-06!", "06"),
        "other_manager": Account("miyagi.manager", "browser-test-04!", "04"),
        "secretariat": Account("national.office", "browser-test-00!"),
    }
    ended = {
        reason: Account(f"{reason}.manager", f"browser-test-{reason}!", "06")
        for reason in ("disabled", "elsewhere", "idle")
    }
    with session_scope(db_engine) as s:
        for role, account in (
            ("hub_manager", accounts["manager"]),
            ("hub_manager", accounts["other_manager"]),
            ("secretariat", accounts["secretariat"]),
            *(("hub_manager", account) for account in ended.values()),
        ):
            users.create_user(
                s,
                SYSTEM,
                username=account.username,
                role=role,
                hub_code=account.hub_code,
                password=account.password,
                display_name=account.username,
            )
        partner = reference_data.create_partner(
            s, SYSTEM, {"kind": "recruitment_agency", "name": "みちのく人材紹介株式会社"}
        )
        other_actor = actor_for(users.get_user(s, accounts["other_manager"].username))
        other_firm = companies.create_company(
            s,
            other_actor,
            {
                "name": "仙台精密機械株式会社",
                "prefecture_code": "04",
                "industry": "E",
                "employees": 120,
            },
        )
        seed = Seed(
            **accounts,
            partner_name=partner.name,
            other_firm_id=other_firm.id,
            other_firm_name=other_firm.name,
            ended=ended,
        )
    return seed


def server_log(log_name: str) -> Path:
    """Where a server's output goes: one file per test process (pytest-xdist worker)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    return SCREENSHOTS.parent / (f"{worker}-{log_name}" if worker else log_name)


def _serve(database: str, log_name: str, **env: str):
    """The app as it is deployed (`crm serve`: st.App under uvicorn, with the session cookie
    routes, health checks and API) on a free port; yields its base URL."""
    port = _free_port()
    env = {**os.environ, "CRM_DATABASE_URL": database, "CRM_DEMO_ON_EMPTY": "0", **env}
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    log = open(server_log(log_name), "w")  # noqa: SIM115
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "crm"), "serve", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=2) as response:
                if response.status == 200:
                    break
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            log.close()
            pytest.fail(f"app server did not become healthy (see {log_name})")
        time.sleep(0.3)
    yield base
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
    log.close()


@pytest.fixture(scope="session")
def app_server(server_database, seed, chromium_path):
    """The app on the seeded database; yields its base URL."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for stale in SCREENSHOTS.glob("FAILED-*.png"):  # from an earlier run; would mislead
        stale.unlink()
    yield from _serve(server_database, "streamlit-server.log")


IDLE_MINUTES = 1


@pytest.fixture(scope="module")
def idle_server(server_database, seed, chromium_path):
    """A second server on the same database whose sessions end after IDLE_MINUTES idle."""
    yield from _serve(
        server_database,
        "streamlit-server-idle.log",
        CRM_SESSION_IDLE_MINUTES=str(IDLE_MINUTES),
    )


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.stash[_FAILED] = report.failed
    return report


_FAILED = pytest.StashKey[bool]()


@pytest.fixture
def page(browser, request):
    context = browser.new_context(
        locale="ja-JP",
        timezone_id="Asia/Tokyo",
        viewport={"width": 1400, "height": 1000},
        accept_downloads=True,
    )
    page = context.new_page()
    page.set_default_timeout(60_000)
    yield page
    if request.node.stash.get(_FAILED, False):
        screenshot(page, f"FAILED-{request.node.name}")  # what the page showed at the failure
    context.close()


def screenshot(page, name: str) -> Path:
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
