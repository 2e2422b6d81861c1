"""Fast bulk inserts for generated rows, on SQLite and PostgreSQL, inside one transaction.

Rows arrive as tuples in a declared column order with ids already assigned. Per-row work in
SQLAlchemy's type processing dominates at a million rows, so values are handed to the driver
ready-made: on SQLite, dates and timestamps are pre-formatted exactly as SQLAlchemy stores them
(and cached per day, since many rows share a day); on PostgreSQL, rows are streamed with COPY.
Any other dialect goes through SQLAlchemy Core ``executemany``.
"""

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from itertools import islice
from typing import Any

from sqlalchemy import Connection, Row, Table, text

from crm.timeutil import JST

CHUNK_ROWS = 20_000

# SQLAlchemy's storage formats for DATE and DATETIME on SQLite (sqlalchemy.dialects.sqlite).
_SQLITE_DATE = "%Y-%m-%d"
_SQLITE_DATETIME = "%Y-%m-%d %H:%M:%S.%f"


class BulkWriter:
    def __init__(self, connection: Connection):
        self.connection = connection
        self.dialect = connection.dialect.name
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

    def insert(self, table: Table, columns: Sequence[str], rows: Iterable[tuple]) -> int:
        """Insert every row; returns how many."""
        if self.dialect == "postgresql":
            return self._copy(table, columns, rows)
        iterator, written = iter(rows), 0
        if self.dialect == "sqlite":
            sql = (
                f'INSERT INTO "{table.name}" ({", ".join(columns)}) '
                f"VALUES ({', '.join('?' * len(columns))})"
            )
            cursor = self._driver_connection().cursor()
            try:
                while chunk := list(islice(iterator, CHUNK_ROWS)):
                    cursor.executemany(sql, chunk)
                    written += len(chunk)
            finally:
                cursor.close()
            return written
        statement = table.insert()
        while chunk := list(islice(iterator, CHUNK_ROWS)):
            self.connection.execute(
                statement, [dict(zip(columns, row, strict=True)) for row in chunk]
            )
            written += len(chunk)
        return written

    def _driver_connection(self) -> Any:
        """The DBAPI connection under the SQLAlchemy one (sqlite3 or psycopg)."""
        driver = self.connection.connection.driver_connection
        if driver is None:
            raise RuntimeError("the database connection was closed during the bulk load")
        return driver

    def _copy(self, table: Table, columns: Sequence[str], rows: Iterable[tuple]) -> int:
        written = 0
        driver = self._driver_connection()
        with (
            driver.cursor() as cursor,
            cursor.copy(f'COPY "{table.name}" ({", ".join(columns)}) FROM STDIN') as copy,
        ):
            for row in rows:
                copy.write_row(row)
                written += 1
        return written

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

    # --- after the load ------------------------------------------------------------------

    def fix_sequences(self, tables: Iterable[Table]) -> None:
        """On PostgreSQL, move each id sequence past the ids assigned here, so rows later
        created through the services get fresh ids."""
        if self.dialect != "postgresql":
            return
        for table in tables:
            self.connection.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), "
                    f'COALESCE(MAX(id), 1), MAX(id) IS NOT NULL) FROM "{table.name}"'
                )
            )
