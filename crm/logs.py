"""The server's log: one configuration for uvicorn, Streamlit and the app (``crm serve``).

Every line goes to standard error as ``<time in Japan> <level> <logger>: <message>``, e.g.
``2026-12-07T13:51:20.426+09:00 INFO uvicorn.access: 127.0.0.1:33032 - "GET
/api/v1/calendar.ics?token=… HTTP/1.1" 401``. An HTTP request is one line of ``uvicorn.access``
(client, method, path, protocol, status), a WebSocket one line of ``uvicorn.error`` (its path
and "[accepted]"; the websockets library's "connection open/closed" are dropped); warnings and
errors of the app (with their reference numbers and tracebacks), of Streamlit and of uvicorn
follow the same format. Every value of a query string is written as ``…`` (and a parameter
name that does not look like one, too), so a calendar feed's ``?token=`` never reaches the log.
"""

import datetime as dt
import logging
import logging.config
import re
import time
from typing import Any

from crm.timeutil import JST

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
HIDDEN = "…"
# A path with its query string, wherever it stands in a line (uvicorn writes the request line).
_PATH_QUERY = re.compile(r"(?P<path>/[^\s\"?#]*)\?(?P<query>[^\s\"#]*)")
# What a parameter's name looks like; anything else (a token passed as a name) is hidden too.
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_.\-\[\]]{0,31}")


def japan_time(seconds: float | None = None) -> time.struct_time:
    """``time.localtime`` in Japan time, whatever the machine's time zone."""
    return dt.datetime.fromtimestamp(time.time() if seconds is None else seconds, JST).timetuple()


class JapanTimeFormatter(logging.Formatter):
    """Times as ISO 8601 in Japan time with the offset: ``2026-12-07T13:51:20.426+09:00``."""

    converter = staticmethod(japan_time)

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802 - logging's name
        stamp = dt.datetime.fromtimestamp(record.created, JST)
        return stamp.strftime(datefmt) if datefmt else stamp.isoformat(timespec="milliseconds")


def _hide_query(match: re.Match[str]) -> str:
    parts = []
    for part in re.split(r"[&;]", match["query"]):
        if not part:
            continue
        name, has_value, _value = part.partition("=")
        shown = name if has_value and _NAME.fullmatch(name) else HIDDEN
        parts.append(f"{shown}={HIDDEN}" if has_value else shown)
    return f"{match['path']}?{'&'.join(parts)}"


def redact(text: str) -> str:
    """``text`` with every query string's values (and odd names) replaced by ``…``."""
    return _PATH_QUERY.sub(_hide_query, text)


class RedactQueries(logging.Filter):
    """Rewrites a record whose message holds a query string before any handler writes it."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a malformed record is logging's to report
            return True
        hidden = redact(message)
        if hidden != message:
            record.msg, record.args = hidden, None
        return True


class WebSocketChatter(logging.Filter):
    """Drops what the websockets library says of every connection through uvicorn's logger:
    uvicorn's own "[accepted]" line already stands for the request."""

    CHATTER = frozenset({"connection open", "connection closed"})

    def filter(self, record: logging.LogRecord) -> bool:
        return not (isinstance(record.msg, str) and record.msg in self.CHATTER)


def logging_config() -> dict[str, Any]:
    """The configuration (``logging.config.dictConfig``), fresh each call: uvicorn gets it
    as ``log_config``; ``configure`` applies it again once Streamlit has set up its loggers."""

    def quiet() -> dict[str, Any]:
        return {"level": "WARNING", "handlers": [], "propagate": True}

    def told() -> dict[str, Any]:
        return {"level": "INFO", "handlers": [], "propagate": True}

    return {
        "version": 1,
        # The app's loggers exist before the configuration is (re)applied; keep them working.
        "disable_existing_loggers": False,
        "filters": {
            "redact": {"()": RedactQueries},
            "websocket_chatter": {"()": WebSocketChatter},
        },
        "formatters": {"japan": {"()": JapanTimeFormatter, "fmt": FORMAT}},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
                "formatter": "japan",
                "filters": ["redact"],
            }
        },
        "root": {"level": "WARNING", "handlers": ["stderr"]},
        "loggers": {
            # One line per request, one per WebSocket, start and stop of the server.
            "uvicorn": told(),
            "uvicorn.error": {**told(), "filters": ["websocket_chatter"]},
            "uvicorn.access": told(),
            "uvicorn.asgi": quiet(),
            "websockets": quiet(),
            "crm": told(),
            # ui.failures gives this logger a handler of its own when nothing else is set up.
            "crm.app": told(),
            "streamlit": quiet(),
        },
    }


def configure() -> None:
    """Apply ``logging_config`` now, and hand Streamlit's loggers to it.

    Streamlit gives each of its loggers, and uvicorn's, a handler of its own (the time in the
    machine's zone, no redaction) and turns them to INFO when it reads its configuration: that
    is why every request was logged twice even at uvicorn's "warning". So this runs after
    Streamlit has read its configuration (``ui.server``): Streamlit's existing loggers then
    write through the one handler above. Its loggers made later still get their own handler;
    ``logging.Formatter.converter`` (the documented switch for every formatter of the
    process) makes their times Japan time too.
    """
    config = logging_config()
    for name in list(logging.root.manager.loggerDict):
        if name.startswith("streamlit."):
            config["loggers"][name] = {"level": "NOTSET", "handlers": [], "propagate": True}
    logging.config.dictConfig(config)
    logging.Formatter.converter = staticmethod(japan_time)
