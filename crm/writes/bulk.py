"""The write layer's one raw inserter: rows whose ids are assigned and whose values are ready
for storage go to the database by the fastest path it offers, in the caller's transaction.

- ``BulkWriter.insert`` takes rows as tuples in a declared column order and streams them, a
  chunk at a time: on SQLite straight to the driver (``executemany``), on PostgreSQL with
  ``COPY``, on any other dialect through SQLAlchemy Core's ``executemany``. Per-row work in
  SQLAlchemy's statement and type processing dominates at a million rows, so the values are
  handed to the driver ready-made: a load of generated history (``crm.writes.load``)
  pre-formats its dates and stamps with ``date`` and ``stamp`` exactly as SQLAlchemy stores
  them (cached per day, since many rows share a day). ``indexes_deferred`` builds indexes once
  after a large load instead of row by row.
- ``insert_rows`` (the inserts and audit entries of ``apply``) takes rows as dicts of one
  shape: a large chunk is converted with each column type's own bind processor and written by
  ``BulkWriter.insert``; small chunks and rows of several shapes go through SQLAlchemy.
- ``move_sequences``: after rows written with ids of their own, each PostgreSQL sequence just
  past the table's largest id.

Driver errors are raised as SQLAlchemy's (``IntegrityError`` for a constraint), as if the
rows had gone through SQLAlchemy.
"""

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from itertools import islice
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, Row, Table, insert, text
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from crm.timeutil import JST

CHUNK_ROWS = 20_000
# Below this many rows SQLAlchemy's own multi-row insert is as fast as the direct one.
DIRECT_ROWS = 200
# Where ``insert_rows`` hands a large chunk to the driver itself.
_DIRECT_DIALECTS = ("sqlite", "postgresql")

# SQLAlchemy's storage formats for DATE and DATETIME on SQLite (sqlalchemy.dialects.sqlite).
_SQLITE_DATE = "%Y-%m-%d"
_SQLITE_DATETIME = "%Y-%m-%d %H:%M:%S.%f"


class BulkWriter:
    """Inserts rows into tables on one connection, noting which tables it wrote and the hubs of
    their rows (``hubs``; None for rows of no hub), for the data versions to raise."""

    def __init__(self, connection: Connection):
        self.connection = connection
        self.dialect = connection.dialect.name
        self.tables: dict[str, Table] = {}
        self.hubs: set[str | None] = set()
        self._dates: dict[int, object] = {}
        self._stamps: dict[int, object] = {}

    # --- value encoding ------------------------------------------------------------------

    def date(self, ordinal: int):
        """A DATE value for the day with this proleptic ordinal."""
        value = self._dates.get(ordinal)
        if value is None:
            day = dt.date.fromordinal(ordinal)
            value = day.strftime(_SQLITE_DATE) if self.dialect == "sqlite" else day
            self._dates[ordinal] = value
        return value

    def stamp(self, ordinal: int, hour: int = 10):
        """A timestamp (stored in UTC) at ``hour`` o'clock Japan time on that day."""
        key = ordinal * 24 + hour
        value = self._stamps.get(key)
        if value is None:
            local = dt.datetime.combine(dt.date.fromordinal(ordinal), dt.time(hour), JST)
            utc = local.astimezone(dt.UTC)
            value = (
                utc.replace(tzinfo=None).strftime(_SQLITE_DATETIME)
                if self.dialect == "sqlite"
                else utc
            )
            self._stamps[key] = value
        return value

    # --- inserts -------------------------------------------------------------------------

    def insert(self, table: Table, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
        """Insert every row (values in ``columns`` order); returns how many."""
        self.tables.setdefault(table.name, table)
        chunks = self._chunks(columns, rows)
        if self.dialect == "sqlite":
            return self._executemany(table, columns, chunks)
        if self.dialect == "postgresql":
            return self._copy(table, columns, chunks)
        written = 0
        statement = insert(table)
        for chunk in chunks:
            self.connection.execute(
                statement, [dict(zip(columns, row, strict=True)) for row in chunk]
            )
            written += len(chunk)
        return written

    def _chunks(
        self, columns: Sequence[str], rows: Iterable[Sequence[Any]]
    ) -> Iterator[list[Sequence[Any]]]:
        iterator = iter(rows)
        hub = list(columns).index("hub_code") if "hub_code" in columns else None
        while chunk := list(islice(iterator, CHUNK_ROWS)):
            if hub is None:
                self.hubs.add(None)
            else:
                self.hubs.update(map(itemgetter(hub), chunk))
            yield chunk

    def _executemany(
        self, table: Table, columns: Sequence[str], chunks: Iterable[list[Sequence[Any]]]
    ) -> int:
        quoted = ", ".join(f'"{name}"' for name in columns)
        statement = (
            f'INSERT INTO "{table.name}" ({quoted}) VALUES ({", ".join("?" * len(columns))})'
        )
        written = 0
        cursor = self._driver_connection().cursor()
        try:
            with self._driver_errors(statement):
                for chunk in chunks:
                    cursor.executemany(statement, chunk)
                    written += len(chunk)
        finally:
            cursor.close()
        return written

    def _copy(
        self, table: Table, columns: Sequence[str], chunks: Iterable[list[Sequence[Any]]]
    ) -> int:
        quoted = ", ".join(f'"{name}"' for name in columns)
        statement = f'COPY "{table.name}" ({quoted}) FROM STDIN'
        written = 0
        with (
            self._driver_errors(statement),
            self._driver_connection().cursor() as cursor,
            cursor.copy(statement) as copy,
        ):
            for chunk in chunks:
                for row in chunk:
                    copy.write_row(row)
                written += len(chunk)
        return written

    def _driver_connection(self) -> Any:
        """The DBAPI connection under the SQLAlchemy one (sqlite3 or psycopg)."""
        driver = self.connection.connection.driver_connection
        if driver is None:
            raise RuntimeError("the database connection was closed during the bulk insert")
        return driver

    @contextmanager
    def _driver_errors(self, statement: str) -> Iterator[None]:
        """The driver's errors as SQLAlchemy raises them (``IntegrityError`` …), so that callers
        (a savepoint that pinpoints a refused row, the CLI's messages) see one kind."""
        dialect = self.connection.dialect
        base = dialect.loaded_dbapi.Error
        try:
            yield
        except base as error:
            raise DBAPIError.instance(statement, None, error, base, dialect=dialect) from None

    @contextmanager
    def indexes_deferred(self, tables: Iterable[Table]) -> Iterator[None]:
        """Build the tables' secondary indexes (and, on PostgreSQL, check their foreign keys)
        once after the rows are in, instead of row by row: one sort per index rather than a
        million random B-tree inserts, one join per foreign key rather than a lookup per row.

        Each index and constraint is re-created from the database's own definition, so
        whatever a migration declared comes back exactly as it was. All inside the load's
        transaction: a failure restores them with everything else."""
        names = [table.name for table in tables]
        if not names or self.dialect not in ("sqlite", "postgresql"):
            yield
            return
        run = self.connection.exec_driver_sql
        foreign_keys: Sequence[Row[str, str, str]] = []
        if self.dialect == "sqlite":
            indexes = run(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' "
                "AND sql IS NOT NULL "
                f"AND tbl_name IN ({', '.join('?' * len(names))})",
                tuple(names),
            ).all()
        else:
            indexes = self.connection.execute(
                text(
                    "SELECT i.indexname, i.indexdef FROM pg_indexes i "
                    "WHERE i.schemaname = current_schema() AND i.tablename = ANY(:names) "
                    "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname "
                    "AND c.contype IN ('p', 'u', 'x'))"
                ),
                {"names": names},
            ).all()
            foreign_keys = self.connection.execute(
                text(
                    "SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid) "
                    "FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid "
                    "WHERE c.contype = 'f' AND t.relname = ANY(:names) "
                    "AND t.relnamespace = current_schema()::regnamespace"
                ),
                {"names": names},
            ).all()
        for table, constraint, _definition in foreign_keys:
            run(f'ALTER TABLE {table} DROP CONSTRAINT "{constraint}"')
        for name, _sql in indexes:
            run(f'DROP INDEX "{name}"')
        yield
        for _name, sql in indexes:
            run(sql)
        for table, constraint, definition in foreign_keys:
            run(f'ALTER TABLE {table} ADD CONSTRAINT "{constraint}" {definition}')


def move_sequences(connection: Connection, tables: Iterable[Table]) -> None:
    """After rows were written with ids of their own (a restore, a load): each PostgreSQL id
    sequence just past the table's largest id, so that the next row gets a fresh one."""
    if connection.dialect.name != "postgresql":
        return
    for table in tables:
        connection.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), "
                f'COALESCE(MAX(id), 1), MAX(id) IS NOT NULL) FROM "{table.name}"'
            )
        )


# --- rows as dicts (the inserts of a plan, audit entries) -------------------------------------


def insert_rows(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert ``rows`` (dicts of one shape). A large chunk goes to ``BulkWriter.insert`` with
    each value converted by its type's bind processor: SQLAlchemy's per-row statement
    processing around them was a tenth of a 100,000-row import. Anything else (small chunks,
    rows of several shapes, columns left to a computed default, other dialects) goes through
    SQLAlchemy."""
    direct = _direct_insert(session, table, rows)
    if direct is None:
        session.execute(insert(table), rows)
        return
    columns, values = direct
    BulkWriter(session.connection()).insert(table, columns, values)


def _direct_insert(
    session: Session, table: Table, rows: list[dict[str, Any]]
) -> tuple[list[str], list[tuple[Any, ...]]] | None:
    """The columns and the rows' values as the driver takes them, or None for SQLAlchemy."""
    dialect = session.get_bind().dialect
    if len(rows) < DIRECT_ROWS or dialect.name not in _DIRECT_DIALECTS:
        return None
    names = list(rows[0])
    shape = rows[0].keys()
    if any(row.keys() != shape for row in rows):
        return None
    rest = [column for column in table.c if column.name not in shape]
    if any(c.default is not None and not c.default.is_scalar for c in rest):
        return None
    defaults = {c.name: c.default.arg for c in rest if c.default is not None}  # type: ignore[attr-defined]
    columns = [*names, *defaults]
    # Only the columns whose type converts its values (dates, stamps …) are touched per row;
    # the rest go to the driver as they are.
    tail = [_storage(table.c[name].type, dialect)(value) for name, value in defaults.items()]
    converted = [
        (index, process)
        for index, name in enumerate(names)
        if (process := _processor(table.c[name].type, dialect)) is not None
    ]
    pick = itemgetter(*names)
    # Rows share their days and stamps (one write's time): each value is converted once.
    memos: list[dict[Any, Any]] = [{} for _ in converted]
    values: list[tuple[Any, ...]] = []
    for row in rows:
        picked = pick(row)
        cells = [*picked, *tail] if len(names) > 1 else [picked, *tail]
        for (index, process), memo in zip(converted, memos, strict=True):
            value = cells[index]
            try:
                stored = memo.get(value, _UNSEEN)
            except TypeError:  # an unhashable value (a JSON document)
                stored = process(value)
            if stored is _UNSEEN:
                stored = memo[value] = process(value)
            cells[index] = stored
        values.append(tuple(cells))
    return columns, values


_UNSEEN = object()


def _processor(kind: Any, dialect: Any) -> Callable[[Any], Any] | None:
    """SQLAlchemy's own bind processor for a column type (a date as text, SQLModel's UTC
    stamps …), to be called directly; None when values are stored as they are."""
    return kind.dialect_impl(dialect).bind_processor(dialect)


def _storage(kind: Any, dialect: Any) -> Callable[[Any], Any]:
    """How a value of a column type is stored."""
    return _processor(kind, dialect) or _same


def _same(value: Any) -> Any:
    return value
