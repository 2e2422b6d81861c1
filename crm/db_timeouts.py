"""Timeouts towards PostgreSQL: no request waits on a silent database longer than its deadline.

Three layers, each for what the one before cannot see:

- libpq: ``connect_timeout``, TCP keepalives and ``tcp_user_timeout``. The kernel notices a
  peer that is gone or a route that is lost.
- The server: ``statement_timeout`` (short for page and API reads, long for the units of work
  marked with ``long_running``) and ``idle_in_transaction_session_timeout``. A slow query is
  cancelled and the connection stays usable.
- The client: every network wait of a connection has a deadline (the statement timeout plus
  ``DEADLINE_GRACE_SECONDS``; the connect timeout for the pool's liveness check and the
  rollback when a connection goes back to the pool). Behind a proxy that stops forwarding
  (TCP open, bytes acknowledged by the proxy's kernel, nothing answered) neither the server's
  timeouts nor the keepalives ever fire: the proxy's kernel answers the probes. Past the
  deadline the connection is closed, SQLAlchemy invalidates it (and every pooled connection
  opened before the fault) and the unit of work fails with ``DatabaseUnavailable``.

psycopg waits for the network in one place, ``Connection.wait`` (queries, fetches, commit,
rollback, the pool's ping), and gives that wait a timeout of its own; the engine's connections
are of a subclass that always passes one. Cancelling through ``cancel_safe`` would not help: it
opens another connection, through the same silent proxy.
"""

import re
from collections.abc import Mapping
from typing import Any, TypeVar

import psycopg
from psycopg.abc import PQGen
from sqlalchemy import Connection, Engine, event
from sqlalchemy.engine import URL, ExceptionContext
from sqlmodel import Session

from crm.config import Settings, get_settings
from crm.errors import CrmError

RV = TypeVar("RV")

# How much longer than the server's statement timeout the client waits: the server's own
# cancellation (a clean error, the connection kept) should come first when the link is alive.
DEADLINE_GRACE_SECONDS = 2.0
# psycopg's own poll interval (Ctrl-C stays responsive during a wait).
_WAIT_INTERVAL = 0.1
# The execution option that gives an engine's or a connection's transactions the long timeout.
LONG_RUNNING = "crm_long_running"
_SESSION_MARK = "crm_long_running"

UNAVAILABLE = "データベースに接続できません。しばらくしてからもう一度お試しください。"
TIMED_OUT = (
    "データベースの処理が制限時間を超えたため中止しました。"
    "期間や条件を絞るか、しばらくしてからもう一度お試しください。"
)


class DatabaseUnavailable(CrmError):
    """The database did not answer (connection refused or lost, a silent link past the
    deadline). ``__cause__`` holds the driver's error, for the log."""

    def __init__(self, message: str = UNAVAILABLE) -> None:
        super().__init__(message)


class DatabaseTimedOut(DatabaseUnavailable):
    """The server cancelled a statement at its ``statement_timeout``."""

    def __init__(self) -> None:
        super().__init__(TIMED_OUT)


class DeadlinePassed(psycopg.OperationalError):
    """No answer within the connection's deadline: the connection was closed."""


class DeadlineConnection(psycopg.Connection[Any]):
    """A psycopg connection whose every network wait ends at ``deadline`` seconds."""

    deadline: float | None = None
    # The transaction begun is long-running: its first statement sets the long timeouts.
    lengthen = False

    def wait(
        self, gen: PQGen[RV], interval: float = _WAIT_INTERVAL, timeout: float | None = None
    ) -> RV:
        limit = self.deadline
        if limit is None or (timeout is not None and timeout <= limit):
            return super().wait(gen, interval, timeout)
        try:
            return super().wait(gen, interval, limit)
        except psycopg.errors._WaitTimeout:  # psycopg's internal signal, for callers to convert
            # The protocol was left half-way: the connection cannot be used again. Finishing
            # it marks it closed, which SQLAlchemy reads as a disconnect.
            self.pgconn.finish()
            raise DeadlinePassed(
                f"no answer from the database within {limit:g} s; connection closed"
            ) from None


def deadline_for(seconds: float) -> float | None:
    """The client's deadline for a statement timeout (0: none)."""
    return seconds + DEADLINE_GRACE_SECONDS if seconds > 0 else None


def _milliseconds(seconds: float) -> int:
    return max(0, round(seconds * 1000))


_SET_OPTION = re.compile(r"(?:-c\s*|--)([A-Za-z_.]+)\s*=")


def statement_timeout(settings: Settings, long_running: bool) -> float:
    """Seconds a statement may run: page and API reads, or long-running work."""
    if long_running:
        return settings.db_long_statement_timeout_seconds
    return settings.db_statement_timeout_seconds


def connect_arguments(
    url: URL, given: Mapping[str, Any], settings: Settings, long_running: bool = False
) -> dict[str, Any]:
    """libpq parameters for an engine: the timeouts and keepalives of the settings, unless
    the URL or the caller sets them. Server settings go in ``options``; one the URL's or the
    caller's ``options`` already sets keeps its value there. ``long_running``: the engine's
    every transaction may run and idle as long as long-running work may."""
    arguments = dict(given)
    idle = (
        settings.db_long_statement_timeout_seconds
        if long_running
        else settings.db_idle_in_transaction_timeout_seconds
    )

    def default(name: str, value: Any) -> None:
        if name not in url.query and name not in arguments:
            arguments[name] = value

    default("connect_timeout", settings.db_connect_timeout_seconds)
    default("keepalives", 1)
    default("keepalives_idle", settings.db_keepalives_idle_seconds)
    default("keepalives_interval", settings.db_keepalives_interval_seconds)
    default("keepalives_count", settings.db_keepalives_count)
    default("tcp_user_timeout", _milliseconds(settings.db_tcp_user_timeout_seconds))

    existing = arguments.get("options", url.query.get("options", ""))
    if not isinstance(existing, str):  # the option given twice in the URL
        existing = " ".join(existing)
    server = {
        # Every statement planned for its own values: psycopg prepares a statement run five
        # times, and PostgreSQL's generic plan for it can be far worse for other values (a
        # firm search for a rare character walked the whole 五十音 order: 1 s, not 10 ms).
        "plan_cache_mode": "force_custom_plan",
        "statement_timeout": _milliseconds(statement_timeout(settings, long_running)),
        "idle_in_transaction_session_timeout": _milliseconds(idle),
    }
    already = set(_SET_OPTION.findall(existing))
    added = [f"-c {name}={value}" for name, value in server.items() if name not in already]
    arguments["options"] = " ".join([existing.strip(), *added]).strip()
    return arguments


def install(engine: Engine, settings: Settings, long_running: bool = False) -> None:
    """Give a PostgreSQL engine's connections their deadlines, and turn a database that does
    not answer into ``DatabaseUnavailable``."""
    deadline = deadline_for(statement_timeout(settings, long_running))
    long_deadline = deadline_for(settings.db_long_statement_timeout_seconds)
    idle_deadline = float(settings.db_connect_timeout_seconds)

    @event.listens_for(engine, "do_connect")
    def connect(_dialect, _record, cargs, cparams):
        connection = DeadlineConnection.connect(*cargs, **cparams)
        connection.deadline = deadline
        return connection

    @event.listens_for(engine, "begin")
    def begin(conn: Connection) -> None:
        dbapi = conn.connection.dbapi_connection
        if not isinstance(dbapi, DeadlineConnection):
            return
        long = bool(conn.get_execution_options().get(LONG_RUNNING))
        dbapi.deadline = long_deadline if long else deadline
        dbapi.lengthen = long

    @event.listens_for(engine, "before_cursor_execute")
    def lengthen(_conn, cursor, _statement, _parameters, _context, _executemany) -> None:
        # Before the first statement of a long-running transaction, its timeouts (not in
        # "begin": an error there would escape SQLAlchemy's handling of driver errors).
        dbapi = cursor.connection
        if isinstance(dbapi, DeadlineConnection) and dbapi.lengthen:
            dbapi.lengthen = False
            with dbapi.cursor() as setting:  # a client cursor, even before a server-side one
                setting.execute(_LENGTHEN, _long_values(settings))

    # An idle connection's liveness check (pool_pre_ping) and the rollback that resets a
    # connection returned to the pool answer at once on a live link: bounded by the connect
    # timeout, not a statement's.
    def idle(dbapi_connection, *_args) -> None:
        if isinstance(dbapi_connection, DeadlineConnection):
            dbapi_connection.deadline = idle_deadline

    event.listen(engine, "reset", idle)
    event.listen(engine, "checkin", idle)

    @event.listens_for(engine, "handle_error")
    def translate(context: ExceptionContext) -> BaseException | None:
        if context.is_pre_ping:
            return None  # the pool opens a new connection in its place
        original = context.original_exception
        if isinstance(original, psycopg.errors.QueryCanceled):
            return DatabaseTimedOut()
        if context.is_disconnect or (
            context.connection is None and isinstance(original, psycopg.OperationalError)
        ):
            return DatabaseUnavailable()
        return None


_LENGTHEN = (
    "SELECT set_config('statement_timeout', %s, true),"
    " set_config('idle_in_transaction_session_timeout', %s, true)"
)


def _long_values(settings: Settings) -> tuple[str, str]:
    value = str(_milliseconds(settings.db_long_statement_timeout_seconds))
    return value, value


def _lengthen(connection: Connection) -> None:
    if connection.dialect.name != "postgresql":
        return
    settings = get_settings()
    connection.exec_driver_sql(_LENGTHEN, _long_values(settings))
    dbapi = connection.connection.dbapi_connection
    if isinstance(dbapi, DeadlineConnection):
        dbapi.deadline = deadline_for(settings.db_long_statement_timeout_seconds)


def long_running_engine(engine: Engine) -> Engine:
    """The same engine (and pool) whose every transaction gets the long timeouts, for work
    that opens its own connections (migrations, the demo load)."""
    return engine.execution_options(**{LONG_RUNNING: True})


def long_running(unit: Session | Connection) -> None:
    """Give a unit of work that reads or writes much at once (an export, an import, a report,
    a transfer) the long statement timeout (``CRM_DB_LONG_STATEMENT_TIMEOUT_SECONDS``), for
    its current transaction and every later one. PostgreSQL only; elsewhere nothing changes.

    ``with session_scope(engine) as session: long_running(session); …``"""
    if isinstance(unit, Session):
        if unit.info.get(_SESSION_MARK) or unit.get_bind().dialect.name != "postgresql":
            return
        _lengthen(unit.connection())
        event.listen(unit, "after_begin", lambda _session, _transaction, conn: _lengthen(conn))
        unit.info[_SESSION_MARK] = True
        return
    unit.execution_options(**{LONG_RUNNING: True})  # the transactions it begins later
    if unit.in_transaction():
        _lengthen(unit)
