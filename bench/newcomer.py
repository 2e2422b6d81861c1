"""Benchmark: a newcomer's time from `make run` to a signed-in page (issue 27, item 3).

What a person does on a fresh machine: clone the repository, type ``make run``, wait for the
terminal to print the address and the demo accounts, open the address in a browser and sign in.
This script does exactly that, from a fresh clone of the current commit (``git clone``, so only
what is committed counts), and times each stage from the moment ``make run`` starts:

- ``installed``: the virtual environment is made and the pinned dependencies installed (the
  Makefile's stamp file appears);
- ``banner``: the terminal has printed the sign-in banner (migrations run, demo loaded);
- ``answering``: the server answers its health check;
- ``signed_in``: Debian's chromium (Playwright, as tests/browser) has opened the address, signed
  in as the first hub manager with the password the banner printed, and the dashboard shows.

The install is measured as a newcomer meets it on this machine: a new .venv, the pinned
packages from pip's cache and this disk's package mirror.

    .venv/bin/python -m bench.newcomer            # one run, prints the stages as JSON
    .venv/bin/python -m bench.newcomer --runs 3   # median of three
    .venv/bin/python -m bench.newcomer --rev ad30e8d   # an earlier commit, for a before
"""

import argparse
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
PASSWORD_LINE = re.compile(r"パスワード（全アカウント共通）: (\S+)")
MANAGER_LINE = re.compile(r"拠点マネージャー: (\S+)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _answering(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "_stcore/health", timeout=1) as response:
            return response.status == 200
    except OSError:
        return False


def _sign_in(url: str, username: str, password: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM)
        page = browser.new_page()
        page.goto(url)
        expect(page.get_by_role("heading", name="サインイン")).to_be_visible(timeout=120_000)
        page.get_by_label("利用者名", exact=True).fill(username)
        page.get_by_label("パスワード", exact=True).fill(password)
        page.get_by_role("button", name="サインイン").click()
        expect(page.get_by_role("button", name="サインアウト", exact=True)).to_be_visible(
            timeout=120_000
        )
        browser.close()


def one_run(rev: str | None = None) -> dict[str, float]:
    work = Path(tempfile.mkdtemp(prefix="crm-newcomer-"))
    clone = work / "crm"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
    if rev:
        subprocess.run(["git", "-C", str(clone), "checkout", "--quiet", rev], check=True)
    port = _free_port()
    url = f"http://127.0.0.1:{port}/"
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRM_") and k != "VIRTUAL_ENV"}
    env["CRM_SERVER_PORT"] = str(port)
    stamp = clone / ".venv" / ".installed"
    lines: list[str] = []
    stages: dict[str, float] = {}
    start = time.monotonic()
    process = subprocess.Popen(
        ["make", "run"],
        cwd=clone,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line)
            if "installed" not in stages and stamp.exists():
                stages["installed"] = time.monotonic() - start
            if PASSWORD_LINE.search(line):
                stages["banner"] = time.monotonic() - start

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        while "banner" not in stages:
            if process.poll() is not None:
                raise SystemExit("make run stopped:\n" + "".join(lines[-30:]))
            if "installed" not in stages and stamp.exists():
                stages["installed"] = time.monotonic() - start
            time.sleep(0.05)
        while not _answering(url):
            time.sleep(0.05)
        stages["answering"] = time.monotonic() - start
        text = "".join(lines)
        password = PASSWORD_LINE.search(text)
        manager = MANAGER_LINE.search(text)
        assert password and manager, text
        _sign_in(url, manager.group(1), password.group(1))
        stages["signed_in"] = time.monotonic() - start
    finally:
        os.killpg(process.pid, 15)
        process.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)
    return stages


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--rev", help="A commit to clone instead of the current one (a before).")
    args = parser.parse_args(argv)
    runs = [one_run(args.rev) for _ in range(args.runs)]
    result = {
        "runs": runs,
        "median": {key: round(statistics.median(r[key] for r in runs), 1) for key in runs[0]},
        "cpus": os.cpu_count(),
        "load": os.getloadavg(),
    }
    json.dump(result, sys.stdout, ensure_ascii=False, indent=2)
    print()


if __name__ == "__main__":
    main()
