"""The log of the app as deployed (`crm serve`, issue 22 item 4): a calendar feed's token is
never written, a request is exactly one line, and every line's time is Japan time."""

import re
import secrets
import time
import urllib.error
import urllib.request
from datetime import datetime, timedelta

import pytest
from sqlmodel import Session

from crm.actor import SYSTEM
from crm.auth import api_tokens
from crm.timeutil import JST
from tests.browser.conftest import server_log

STAMP = re.compile(r"^\d{4}-\d\d-\d\d[T ]\d\d:\d\d")
JAPAN_STAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+09:00 ")


@pytest.fixture(scope="module")
def feed_token(db_engine, seed) -> str:
    with Session(db_engine) as s:
        _, token = api_tokens.create_token(
            s, SYSTEM, seed.manager.username, kind=api_tokens.CALENDAR
        )
        s.commit()
    return token


def status_of(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=30) as answer:  # noqa: S310 - loopback only
            return answer.status
    except urllib.error.HTTPError as refused:
        return refused.code


def lines_with(text: str) -> list[str]:
    """The server's log lines holding ``text``, once the server has written one."""
    log = server_log("streamlit-server.log")
    for _ in range(50):  # written when the answer starts; allow for the file's buffering
        lines = [line for line in log.read_text().splitlines() if text in line]
        if lines:
            return lines
        time.sleep(0.1)
    return []


def test_a_feed_request_is_one_line_in_japan_time_without_its_token(app_server, feed_token):
    # A parameter name no endpoint takes marks each request's line (names are logged, values
    # hidden); the endpoint refuses it (422, crm.api.parameters), which is logged the same way.
    assert status_of(f"{app_server}/api/v1/calendar.ics?token={feed_token}") == 200
    probe = f"probe_{secrets.token_hex(4)}"
    assert status_of(f"{app_server}/api/v1/calendar.ics?token={feed_token}&{probe}=1") == 422
    wrong = f"crm_{secrets.token_urlsafe(24)}"
    assert status_of(f"{app_server}/api/v1/calendar.ics?token={wrong}") == 401
    refused = f"refused_{secrets.token_hex(4)}"
    assert status_of(f"{app_server}/api/v1/calendar.ics?{refused}=1&token={wrong}") == 422

    [line] = lines_with(probe)
    assert f'"GET /api/v1/calendar.ics?token=…&{probe}=… HTTP/1.1" 422' in line
    [refusal] = lines_with(refused)
    assert f"?{refused}=…&token=… " in refusal and refusal.endswith(" 422")
    stamp = datetime.fromisoformat(line.split(" ", 1)[0])
    assert stamp.utcoffset() == timedelta(hours=9)
    assert abs(stamp - datetime.now(JST)) < timedelta(minutes=10)

    log = server_log("streamlit-server.log").read_text()
    assert feed_token not in log and wrong not in log
    assert "connection open" not in log  # a WebSocket is its "[accepted]" line only
    # Every line that starts with a time (not a traceback's lines) has it in Japan time.
    stamped = [entry for entry in log.splitlines() if STAMP.match(entry)]
    assert stamped and all(JAPAN_STAMP.match(entry) for entry in stamped), [
        entry for entry in stamped if not JAPAN_STAMP.match(entry)
    ][:5]
