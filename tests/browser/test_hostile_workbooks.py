"""Hostile workbooks uploaded on CSV取込 in Chromium (issue 22, items 1 and 2): each is refused
with its reason, while another signed-in user keeps being served by the same server, whose
memory stays under 500 MB and which never loads the native workbook reader itself.

Each test starts its own `crm serve` (the conftest's ``_serve``) on the session's seeded
database, so that the server's process can be measured (VmHWM) and, for the crash, started
with a python_calamine that aborts first on its PYTHONPATH.
"""

import os
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import Account, _serve
from tests.browser.helpers import go_to, settle, sign_in
from tests.csvio.hostile_workbooks import HOSTILE, stub_calamine, workbook
from tests.csvio.test_hostile_workbooks import EXPECTED

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_SERVER_MIB = 500


@pytest.fixture(scope="module")
def hostile_server(server_database, seed, chromium_path):
    yield from _serve(server_database, "streamlit-server-hostile-workbooks.log")


@pytest.fixture(scope="module")
def crashing_server(server_database, seed, chromium_path, tmp_path_factory):
    stub = stub_calamine(tmp_path_factory.mktemp("stub-calamine"), "abort")
    yield from _serve(server_database, "streamlit-server-crashing-reader.log", PYTHONPATH=str(stub))


def server_pid(base: str) -> int:
    """The `crm serve` process this test process started for ``base`` (its port)."""
    port = base.rsplit(":", 1)[1].encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if parent == os.getpid() and b"serve" in argv and port in argv:
            return int(entry.name)
    raise AssertionError(f"no crm serve process on port {port.decode()}")


def peak_mib(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    line = next(line for line in status.splitlines() if line.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024


def loads_calamine(pid: int) -> bool:
    return "python_calamine" in Path(f"/proc/{pid}/maps").read_text()


def healthy(base: str) -> bool:
    with urllib.request.urlopen(f"{base}/healthz", timeout=10) as response:
        return response.status == 200


def new_page(browser: Browser) -> Page:
    context = browser.new_context(
        locale="ja-JP", timezone_id="Asia/Tokyo", viewport={"width": 1400, "height": 1000}
    )
    page = context.new_page()
    page.set_default_timeout(60_000)
    return page


def upload(page: Page, name: str, data: bytes) -> None:
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(
        files=[{"name": name, "mimeType": XLSX, "buffer": data}]
    )
    settle(page, timeout=120_000)


def still_served(page: Page, account: Account) -> None:
    """The other user's session, signed in before the uploads, still gets its pages."""
    go_to(page, "企業")
    expect(page.get_by_role("button", name="サインアウト", exact=True)).to_be_visible()
    expect(page.get_by_test_id("stException")).to_have_count(0)
    go_to(page, "相談記録")


def test_hostile_workbooks_are_refused_and_the_server_keeps_serving(
    hostile_server, browser, page, seed
):
    pid = server_pid(hostile_server)
    other = new_page(browser)
    sign_in(other, hostile_server, seed.other_manager)
    sign_in(page, hostile_server, seed.manager)
    go_to(page, "CSV取込")
    for kind, make in HOSTILE.items():
        name = f"{kind.replace(' ', '_')}.xlsx"
        upload(page, name, make())
        alert = page.get_by_test_id("stAlertContentError").filter(has_text=f"{name}: ")
        expect(alert).to_be_visible()
        text = alert.inner_text()
        for fragment in EXPECTED[kind][1]:
            assert fragment in text, (kind, fragment, text)
        assert "予期しない" not in text
        expect(page.get_by_test_id("stException")).to_have_count(0)
        assert healthy(hostile_server)
    still_served(other, seed.other_manager)
    other.context.close()
    late = new_page(browser)  # and a user signing in only now
    sign_in(late, hostile_server, seed.other_manager)
    late.context.close()
    assert server_pid(hostile_server) == pid  # the same process, not a restarted one
    peak = peak_mib(pid)
    print(f"app server peak memory (VmHWM) after the hostile uploads: {peak:.0f} MiB")
    assert peak < MAX_SERVER_MIB
    assert not loads_calamine(pid)


def test_a_reader_that_aborts_costs_only_that_upload(crashing_server, browser, page, seed):
    pid = server_pid(crashing_server)
    other = new_page(browser)
    sign_in(other, crashing_server, seed.other_manager)
    sign_in(page, crashing_server, seed.manager)
    go_to(page, "CSV取込")
    upload(page, "ふつう.xlsx", workbook())
    alert = page.get_by_test_id("stAlertContentError").filter(has_text="ふつう.xlsx: ")
    expect(alert).to_contain_text("Excel ファイルを読み取る処理が異常終了しました")
    expect(alert).to_contain_text("SIGABRT")
    expect(page.get_by_test_id("stException")).to_have_count(0)
    assert healthy(crashing_server)
    still_served(other, seed.other_manager)
    other.context.close()
    # The uploader's own session goes on too: a CSV is checked as usual.
    upload(page, "companies.csv", "企業名,都道府県コード\r\n山形精工株式会社,06\r\n".encode())
    expect(page.get_by_text("確認が終わりました（まだ書き込んでいません）")).to_be_visible()
    assert server_pid(crashing_server) == pid and peak_mib(pid) < MAX_SERVER_MIB
