"""Several app processes behind nginx, as the README's deployment section configures them, on
one PostgreSQL database, driven by Chromium through the proxy: sign in, save on one process and
see it on the other; stop the process that holds the session and carry on signed in on the
other after nginx re-routes (the cookie carries the session).

Needs Debian's nginx and chromium and CRM_TEST_POSTGRES_URL; under CI (CRM_BROWSER_REQUIRED=1)
a missing one is a failure, elsewhere a skip with the reason.
"""

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from crm.actor import SYSTEM, actor_for
from crm.models import Consultation
from crm.services import users
from tests.browser.conftest import CHROMIUM
from tests.browser.helpers import list_cell
from tests.utils.databases import POSTGRES_URL, postgres_database
from tests.utils.factories import make_company

ROOT = Path(__file__).resolve().parents[2]
REQUIRED = os.environ.get("CRM_BROWSER_REQUIRED") == "1"
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
PASSWORD = "Proxy-Passphrase-2026"

pytestmark = [pytest.mark.postgres, pytest.mark.browser]


def _needs() -> None:
    missing = [
        name
        for name, present in (
            ("nginx", NGINX),
            ("chromium", CHROMIUM),
            ("PostgreSQL", POSTGRES_URL),
        )
        if not present
    ]
    if missing:
        reason = f"{', '.join(missing)} not available: proxy test skipped"
        if REQUIRED:
            pytest.fail(reason + " (CRM_BROWSER_REQUIRED=1)")
        pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait(url: str, timeout: float = 240) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:  # noqa: S310 - loopback only
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise AssertionError(f"{url} did not answer within {timeout} s")


def readme_nginx_config(listen: int, backends: list[int], folder: Path) -> str:
    """The README's nginx block, with this test's ports, plain HTTP and a private prefix."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Deployment") :]
    block = re.search(r"```nginx\n(.*?)```", section, re.S)
    assert block, "README's deployment section has no nginx block"
    config = block.group(1)
    servers = "".join(f"    server 127.0.0.1:{port};\n" for port in backends)
    config = re.sub(r"(    server 127\.0\.0\.1:\d+;\n)+", servers, config)
    config = config.replace("listen 443 ssl;", f"listen 127.0.0.1:{listen};")
    config = config.replace("server_name crm.example.jp;", "server_name localhost;")
    temp = folder / "temp"
    temp.mkdir()
    return (
        "worker_processes 1;\n"
        f"error_log {folder}/error.log;\npid {folder}/nginx.pid;\n"
        "events { worker_connections 256; }\n"
        "http {\n"
        f"access_log {folder}/access.log;\n"
        f"client_body_temp_path {temp}/body; proxy_temp_path {temp}/proxy;\n"
        f"fastcgi_temp_path {temp}/fastcgi; uwsgi_temp_path {temp}/uwsgi;\n"
        f"scgi_temp_path {temp}/scgi;\n"
        f"{config}}}\n"
    )


@pytest.fixture
def database(postgres_template):
    with postgres_database("crm_proxy", template=postgres_template) as engine:
        with Session(engine, expire_on_commit=False) as s:
            users.create_user(
                s,
                SYSTEM,
                username="proxy01",
                role="hub_manager",
                hub_code="01",
                display_name="北海道 プロキシ",
                password=PASSWORD,
            )
            make_company(s, actor_for(users.get_user(s, "proxy01")), name="札幌精機株式会社")
            s.commit()
        yield engine


class Backends:
    def __init__(self, url: str, ports: list[int]):
        self.ports = ports
        env = {**os.environ, "CRM_DATABASE_URL": url, "CRM_DEMO_ON_EMPTY": "0"}
        self.processes = {
            port: subprocess.Popen(
                [str(Path(sys.executable).parent / "crm"), "serve", "--port", str(port)],
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
            for port in ports
        }
        for port in ports:
            _wait(f"http://127.0.0.1:{port}/readyz")

    def holding_websocket(self) -> list[int]:
        """Backends with an established connection from the proxy (the page's WebSocket)."""
        holding = []
        for port in self.ports:
            out = subprocess.run(
                ["ss", "-Htn", "state", "established", f"( sport = :{port} )"],
                capture_output=True,
                text=True,
                check=False,
            ).stdout
            if out.strip():
                holding.append(port)
        return holding

    def stop(self, port: int) -> None:
        process = self.processes[port]
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)

    def close(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)


def test_processes_behind_nginx_share_data_and_sessions(database, tmp_path, browser):
    _needs()
    from playwright.sync_api import expect

    from tests.browser.helpers import screenshot, settle

    url = database.url.render_as_string(hide_password=False)
    first, second, proxy = _free_port(), _free_port(), _free_port()
    backends = Backends(url, [first, second])
    (tmp_path / "nginx.conf").write_text(readme_nginx_config(proxy, [first, second], tmp_path))
    nginx = subprocess.Popen(
        [NGINX, "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf"), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        # localhost, so Chromium accepts the README's Secure route cookie over plain HTTP.
        base = f"http://localhost:{proxy}"
        _wait(f"http://127.0.0.1:{proxy}/healthz")
        if True:  # the suite's one Playwright browser (a second sync Playwright cannot start)
            context = browser.new_context(locale="ja-JP", viewport={"width": 1440, "height": 900})
            page = context.new_page()
            page.goto(f"{base}/consultations")
            settle(page)
            page.get_by_label("利用者名", exact=True).fill("proxy01")
            page.get_by_label("パスワード", exact=True).fill(PASSWORD)
            page.get_by_role("button", name="サインイン").click()
            expect(page.get_by_role("button", name="サインアウト", exact=True)).to_be_visible(
                timeout=90_000
            )
            settle(page)
            for _ in range(50):  # the page hands its sign-in to /session in the background
                names = {c["name"] for c in context.cookies()}
                if "crm_session" in names:
                    break
                page.wait_for_timeout(100)
            assert {"crm_route", "crm_session"} <= names, names
            holder = backends.holding_websocket()
            assert len(holder) == 1, holder
            other = second if holder[0] == first else first

            # Save on the process that holds the session …
            page.get_by_role("combobox", name="企業 *").click()
            page.get_by_role("option", name="札幌精機株式会社").click()
            page.get_by_label("相談内容 *").fill("プロキシ越しに記録した相談")
            page.get_by_role("button", name="相談を記録").click()
            expect(page.get_by_text("相談を記録しました").first).to_be_visible(timeout=90_000)
            with Session(database) as s:
                assert s.exec(select(func.count()).select_from(Consultation)).one() == 1

            # … and see it on the other, in another browser signed in there directly.
            direct = browser.new_context(locale="ja-JP").new_page()
            direct.goto(f"http://127.0.0.1:{other}/consultations")
            settle(direct)
            direct.get_by_label("利用者名", exact=True).fill("proxy01")
            direct.get_by_label("パスワード", exact=True).fill(PASSWORD)
            direct.get_by_role("button", name="サインイン").click()
            expect(list_cell(direct, "プロキシ越しに記録した相談")).to_be_attached(timeout=90_000)

            # Stop the process holding the session: nginx re-routes and the cookie signs in.
            backends.stop(holder[0])
            page.reload()
            settle(page)
            expect(page.get_by_role("button", name="サインアウト", exact=True)).to_be_visible(
                timeout=90_000
            )
            expect(list_cell(page, "プロキシ越しに記録した相談")).to_be_attached()
            assert backends.holding_websocket() == [other]
            screenshot(page, "proxy_rerouted")
            context.close()
    finally:
        nginx.terminate()
        nginx.wait(timeout=10)
        backends.close()
