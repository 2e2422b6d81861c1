"""Engine, sessions and migrations.

SQLite is the embedded default (WAL, foreign keys, busy timeout); PostgreSQL is selected with
``CRM_DATABASE_URL=postgresql+psycopg://…``. The schema is owned by Alembic (``db/migrations``):
``upgrade()`` brings any database to the latest revision.
"""

import sqlite3
import weakref
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import CursorResult, Engine, Result, create_engine, event, inspect
from sqlalchemy.engine import make_url
from sqlmodel import Session

from crm import db_timeouts
from crm.admission import Admission
from crm.config import PROJECT_ROOT, get_settings
from crm.fair_semaphore import FairSemaphore
from crm.files import narrow, private_dir, private_file
from crm.summaries.tables import TABLE_NAMES as SUMMARY_TABLE_NAMES

MIGRATIONS_DIR = PROJECT_ROOT / "db" / "migrations"
_BUSY_TIMEOUT_MS = 30_000


def make_engine(
    url: str | None = None,
    *,
    concurrent_units: int | None = None,
    long_running: bool = False,
    **kwargs,
) -> Engine:
    """The engine for ``url`` (the settings' database by default). ``concurrent_units``: on
    PostgreSQL, how many units of work (``session_scope``) run at once in this process before
    the others queue (``crm.admission``; the setting ``CRM_DB_CONCURRENT_UNITS`` by default,
    0: no queue). ``long_running``: on PostgreSQL, every statement gets the long timeout
    (batch work: the CLI), not the short one of page and API reads (``crm.db_timeouts``).
    ``kwargs`` go to SQLAlchemy's ``create_engine``."""
    url = url or get_settings().database_url
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if (
            parsed.database
            and parsed.database != ":memory:"
            and not parsed.database.startswith("file:")
        ):
            _private_database_file(Path(parsed.database))
            if "poolclass" not in kwargs:
                # As on PostgreSQL: a connection for every manager saving at once (the writes
                # still queue for SQLite's single writer, but never for a connection first).
                settings = get_settings()
                kwargs.setdefault("pool_size", settings.db_pool_size)
                kwargs.setdefault("max_overflow", settings.db_max_overflow)
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": _BUSY_TIMEOUT_MS / 1000},
            **kwargs,
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        _queue_writers(engine)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    settings = get_settings()
    # Statements of page and API reads are short; an engine for batch work (the CLI) gets the
    # long timeout for everything (crm.db_timeouts).
    kwargs["connect_args"] = db_timeouts.connect_arguments(
        parsed, kwargs.pop("connect_args", {}), settings, long_running
    )
    if "poolclass" not in kwargs:
        # Enough connections for every hub manager of the country saving at once in one
        # process (46 + headroom); the README gives the PostgreSQL connection budget.
        kwargs.setdefault("pool_size", settings.db_pool_size)
        kwargs.setdefault("max_overflow", settings.db_max_overflow)
        kwargs.setdefault("pool_timeout", settings.db_pool_timeout_seconds)
    engine = create_engine(url, **kwargs)
    db_timeouts.install(engine, settings, long_running)
    places = get_settings().db_concurrent_units if concurrent_units is None else concurrent_units
    if places > 0:
        _ADMISSIONS[engine] = Admission(places, _ADMISSION_WAIT_S)
    return engine


def _private_database_file(path: Path) -> None:
    """The database file owner-only before SQLite opens it: SQLite gives its -wal and -shm
    files the database file's mode, so they are private too. Existing files are narrowed."""
    try:
        private_dir(path.parent)
        private_file(path)
        for suffix in ("-wal", "-shm", "-journal"):
            narrow(path.with_name(path.name + suffix))
    except OSError:
        pass  # not ours to change (read-only or another owner): SQLite reports what matters


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


_WRITE_STATEMENTS = ("INSERT", "UPDATE", "DELETE", "REPLACE")
_HOLDS_WRITE_TURN = "crm_write_turn"
_TURNS: "weakref.WeakKeyDictionary[Engine, FairSemaphore]" = weakref.WeakKeyDictionary()
_ADMISSIONS: "weakref.WeakKeyDictionary[Engine, Admission]" = weakref.WeakKeyDictionary()
_ADMISSION_WAIT_S = 1.0


def write_turn_taken(engine: Engine) -> bool:
    """Whether some connection of this SQLite engine is inside a write transaction."""
    turn = _TURNS.get(engine)
    return turn is not None and turn.held() > 0


def write_turns_waiting(engine: Engine) -> int:
    """How many connections of this SQLite engine wait for the write turn."""
    turn = _TURNS.get(engine)
    return 0 if turn is None else turn.waiting()


def admission(engine: Engine) -> Admission | None:
    """The queue of this engine's units of work (PostgreSQL), if it has one."""
    return _ADMISSIONS.get(engine)


def _queue_writers(engine: Engine) -> None:
    """Let this process's SQLite writers take turns, first come first served.

    SQLite admits one writer at a time. pysqlite opens the transaction at the first
    INSERT/UPDATE/DELETE, and a writer that finds the database busy sleeps in SQLite's busy
    handler (1, 2, 5 … up to 100 ms a try) and may lose the race again each time it wakes.
    With 46 threads writing back to back (46 × 200 on a 2-core machine) that gave a median of
    5 ms but a p95 of 0.33–0.43 s and a slowest write of 4–4.6 s (13–22 s while the machine
    was busy: close to the busy timeout, after which a save fails with "database is locked").
    So a connection about to write first takes this engine's write turn and gives it back at
    commit or rollback, and the turn goes round in the order it was asked for
    (``FairSemaphore``; with ``threading.Lock`` some writers waited forty turns, p99 225 ms
    instead of 106 ms). Reads never take it (WAL readers do not block writers); writers in
    other processes still meet SQLite's busy timeout.
    """
    turn = _TURNS[engine] = FairSemaphore()

    @event.listens_for(engine, "before_cursor_execute")
    def take_turn(conn, _cursor, statement, _parameters, _context, _executemany):
        if conn.info.get(_HOLDS_WRITE_TURN) or not statement.lstrip()[:7].upper().startswith(
            _WRITE_STATEMENTS
        ):
            return
        if not turn.acquire(timeout=_BUSY_TIMEOUT_MS / 1000):
            raise sqlite3.OperationalError(
                "database is locked (waited for this process's other writers)"
            )
        conn.info[_HOLDS_WRITE_TURN] = True

    def end_then_give_back(finish):
        # The commit/rollback events fire *before* the DBAPI call, so finish the transaction
        # here and only then wake the next writer; SQLAlchemy's own call that follows is then a
        # no-op. If finishing fails, keep the turn: SQLAlchemy repeats the call, raises its
        # usual wrapped error, and the rollback that follows gives the turn back.
        def handler(conn, *_args) -> None:
            if not conn.info.get(_HOLDS_WRITE_TURN):
                return
            try:
                finish(conn.connection.dbapi_connection)
            except sqlite3.Error:
                return
            conn.info.pop(_HOLDS_WRITE_TURN, None)
            turn.release()

        return handler

    event.listen(engine, "commit", end_then_give_back(lambda dbapi: dbapi.commit()))
    event.listen(engine, "rollback", end_then_give_back(lambda dbapi: dbapi.rollback()))

    # Safety net: a connection returned to the pool without commit/rollback events.
    @event.listens_for(engine, "checkin")
    def on_checkin(_dbapi_connection, record) -> None:
        if record.info.pop(_HOLDS_WRITE_TURN, False):
            turn.release()


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error (all or nothing). On
    PostgreSQL it first waits its turn among the process's units (``crm.admission``)."""
    queue = _ADMISSIONS.get(engine)
    with (
        queue.admitted() if queue is not None else nullcontext(),
        Session(engine, expire_on_commit=False) as session,
    ):
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


# Made by migrations and not described by the models: the firm search's trigram index
# (PostgreSQL) and its FTS5 table with FTS5's own tables (SQLite), migration 0010; the summary
# tables that triggers keep (crm.summaries), migration 0011; the index of one- and
# two-character windows (a GIN index on PostgreSQL, an FTS5 table and its positions on SQLite),
# migration 0012, whose tables' names start with SEARCH_TABLE as well.
SEARCH_INDEXES = ("ix_company_search_trgm", "ix_company_search_short")
SEARCH_TABLE = "company_search"


def modelled(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic's ``include_object``: leave the search index and the summaries out of model
    comparisons."""
    del obj, reflected, compare_to
    if type_ == "table" and name and (name.startswith(SEARCH_TABLE) or name in SUMMARY_TABLE_NAMES):
        return False
    return not (type_ == "index" and name in SEARCH_INDEXES)


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    command.upgrade(alembic_config(_migrating(engine)), revision)


def downgrade(engine: Engine, revision: str) -> None:
    command.downgrade(alembic_config(_migrating(engine)), revision)


def _migrating(engine: Engine) -> Engine:
    """Migrations rewrite whole tables and build indexes: the long statement timeout."""
    return db_timeouts.long_running_engine(engine)


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def is_migrated(engine: Engine) -> bool:
    return "alembic_version" in inspect(engine).get_table_names()


def affected_rows(result: Result[Any]) -> int:
    """How many rows an UPDATE or DELETE matched. ``Session.execute`` returns a CursorResult
    for these statements but is typed as returning any Result, which has no ``rowcount``."""
    if not isinstance(result, CursorResult):
        raise TypeError("affected_rows() needs the result of an UPDATE or DELETE")
    return result.rowcount
