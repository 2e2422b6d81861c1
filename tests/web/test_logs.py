"""The server's log (issue 22, item 4): query strings' values never written, Japan time
whatever the machine's zone, and one line per request once Streamlit has set up its loggers
(it gives uvicorn's loggers a second handler, which is why every request was logged twice)."""

import datetime as dt
import logging
import subprocess
import sys
from pathlib import Path

import pytest

from crm import logs
from crm.timeutil import JST

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("text", "written"),
    [
        ("/api/v1/calendar.ics?token=crm_secret", "/api/v1/calendar.ics?token=…"),
        ('"GET /x?a=1&b=2;c= HTTP/1.1" 200', '"GET /x?a=…&b=…&c=… HTTP/1.1" 200'),
        ("/x?crm_secret_as_a_flag", "/x?…"),  # a bare value could be anything
        ("/x?" + "n" * 40 + "=1", "/x?…=…"),  # so could a long "name"
        ("/x?名前=1", "/x?…=…"),
        ("https://crm.example/a?token=s#frag", "https://crm.example/a?token=…#frag"),
        ("/a?x=1 and /b?y=2", "/a?x=… and /b?y=…"),
        ("/healthz", "/healthz"),
        ("no path at all? token=secret", "no path at all? token=secret"),
    ],
)
def test_query_values_are_hidden(text, written):
    assert logs.redact(text) == written


def access_record(path: str) -> logging.LogRecord:
    """What uvicorn's HTTP protocol hands its access logger for one request."""
    return logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", path, "1.1", 401),
        None,
    )


def test_an_access_line_carries_no_token_and_japan_time():
    record = access_record("/api/v1/calendar.ics?token=crm_secret&probe=1")
    record.created = dt.datetime(2026, 12, 7, 4, 51, 20, 136000, tzinfo=dt.UTC).timestamp()
    assert logs.RedactQueries().filter(record)
    line = logs.JapanTimeFormatter(logs.FORMAT).format(record)
    assert line == (
        "2026-12-07T13:51:20.136+09:00 INFO uvicorn.access: "
        '127.0.0.1:5000 - "GET /api/v1/calendar.ics?token=…&probe=… HTTP/1.1" 401'
    )


def test_japan_time_does_not_depend_on_the_machines_zone():
    noon_utc = dt.datetime(2026, 1, 1, 12, 0, tzinfo=dt.UTC).timestamp()
    assert logs.japan_time(noon_utc)[:5] == (2026, 1, 1, 21, 0)


# Streamlit reads its options (and sets up its loggers and uvicorn's) as at `crm serve`'s start,
# then one access record is logged and a Streamlit logger made before and one made after
# warn; TZ=UTC so that the machine's local time is not Japan time.
SCRIPT = """
import logging.config, sys
import streamlit as st
import uvicorn.config
from streamlit.logger import get_logger
from crm import logs
configure = sys.argv[1] == "configure"
# What uvicorn applies first: our log_config now, its own default before.
logging.config.dictConfig(logs.logging_config() if configure else uvicorn.config.LOGGING_CONFIG)
st.get_option("logger.level")  # Streamlit's own set-up, as at start-up
early = get_logger("streamlit.probe_early")
if configure:
    logs.configure()  # what ui.server does after it
sys.path.insert(0, {tests!r})
from tests.web.test_logs import access_record
logging.getLogger("uvicorn.access").handle(access_record("/calendar.ics?token=crm_secret"))
socket = logging.getLogger("uvicorn.error")
socket.info('%s - "WebSocket %s" [accepted]', "127.0.0.1:5000", "/_stcore/stream?x=secret")
socket.info("connection open")  # what the websockets library adds for every connection
socket.info("connection closed")
early.warning("early says hello")
get_logger("streamlit.probe_late").warning("late says hello")
"""


def run(mode: str) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT.format(tests=str(ROOT)), mode],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "TZ": "UTC", "HOME": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return [line for line in (done.stdout + done.stderr).splitlines() if line.strip()]


def said(lines: list[str], text: str) -> str:
    [line] = [line for line in lines if text in line]
    return line


def test_after_configure_one_line_per_request_in_japan_time():
    lines = run("configure")
    requests = [line for line in lines if "/calendar.ics" in line]
    assert len(requests) == 1, lines
    assert "crm_secret" not in "\n".join(lines)
    stamp = dt.datetime.fromisoformat(requests[0].split(" ", 1)[0])
    assert stamp.utcoffset() == dt.timedelta(hours=9)
    # A WebSocket is one line too: the library's own lines about the connection are dropped.
    assert '"WebSocket /_stcore/stream?x=…" [accepted]' in said(lines, "WebSocket")
    assert not [line for line in lines if "connection open" in line or "closed" in line]
    # Streamlit's loggers write through the same handler...
    assert said(lines, "early says hello").split(" ", 1)[0].endswith("+09:00")
    # ...and one made later through its own, in Japan time too (no offset written there).
    late = said(lines, "late says hello")
    written = dt.datetime.strptime(late[:19], "%Y-%m-%d %H:%M:%S").replace(tzinfo=JST)
    assert abs(written - dt.datetime.now(JST)) < dt.timedelta(minutes=5), late


def test_before_streamlit_doubled_each_line_and_wrote_the_token():
    """The cause, kept as a control: uvicorn's default configuration, then Streamlit's
    handler on the same logger."""
    lines = run("plain")
    requests = [line for line in lines if "/calendar.ics" in line]
    assert len(requests) == 2, lines
    assert all("crm_secret" in line for line in requests)
