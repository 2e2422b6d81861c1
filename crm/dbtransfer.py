"""Copy the whole database into another, empty and migrated one (``crm db transfer``).

Used to move the SQLite default to PostgreSQL when a programme outgrows it. Every table of
``crm.models`` is copied with its ids, in foreign-key order, in ONE transaction on the target:
accounts, hub records, audit log, data versions, web sessions, API tokens and form
submissions. The rows the migrations load (prefectures, the seed 人材区分, the data-version
counters) are replaced by the source's. PostgreSQL sequences are set to each table's largest
id after the copy. Before the transaction commits, every table's row count and content hash
are computed on both sides and compared; a difference rolls everything back.

Before anything is read, the source's schema is compared with a scratch database our migrations
made (``crm.schema_check``): a source with an object the migrations do not create (an extra
trigger, table, view, function …), or one defined differently, is refused with the objects
named, and nothing is written.

The content hash reads the rows in primary-key order and writes each value in one canonical
form, so SQLite and PostgreSQL agree: datetimes as UTC ISO 8601 (naive values are UTC, as the
application stores them), dates ISO, booleans ``true``/``false``, decimals normalised, NULL as
JSON null.
"""

import datetime as dt
import decimal
import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from alembic.script import ScriptDirectory
from sqlalchemy import (
    Connection,
    Engine,
    Integer,
    Table,
    bindparam,
    func,
    inspect,
    select,
    text,
    update,
)
from sqlmodel import SQLModel

import crm.models  # noqa: F401  (registers every table on SQLModel.metadata)
from crm.db import alembic_config, current_revision
from crm.errors import CrmError
from crm.schema_check import check_database

BATCH = 5_000
# Loaded by the migrations into every new database: replaced by the source's rows.
SEEDED = ("hub", "talent_category", "data_version")


@dataclass(frozen=True)
class TableCheck:
    name: str
    source_rows: int
    target_rows: int
    source_hash: str
    target_hash: str

    @property
    def ok(self) -> bool:
        return self.source_rows == self.target_rows and self.source_hash == self.target_hash


def tables() -> list[Table]:
    """Every application table, parents before children."""
    return list(SQLModel.metadata.sorted_tables)


def canonical(value: object) -> object:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return value.isoformat(timespec="microseconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, bytes | memoryview):
        return bytes(value).hex()
    return str(value)


def _ordered_rows(connection: Connection, table: Table) -> Iterator[tuple]:
    """The table's rows in primary-key order (integer keys ordered by the database; text keys
    sorted here, since collations differ between engines)."""
    keys = list(table.primary_key.columns)
    statement = select(*table.columns)
    if all(isinstance(c.type, Integer) for c in keys):
        result = connection.execution_options(yield_per=BATCH).execute(statement.order_by(*keys))
        for row in result:
            yield tuple(row)
        return
    positions = [list(table.columns).index(c) for c in keys]
    rows = [tuple(r) for r in connection.execute(statement)]
    rows.sort(key=lambda r: tuple(str(r[p]) for p in positions))
    yield from rows


def content_check(connection: Connection, table: Table) -> tuple[int, str]:
    """The table's row count and the SHA-256 of its rows in canonical form."""
    digest = hashlib.sha256()
    digest.update(json.dumps([c.name for c in table.columns]).encode())
    count = 0
    for row in _ordered_rows(connection, table):
        line = json.dumps([canonical(v) for v in row], ensure_ascii=False, separators=(",", ":"))
        digest.update(line.encode())
        digest.update(b"\n")
        count += 1
    return count, digest.hexdigest()


def _require_ready(source: Engine, target: Engine) -> None:
    head = ScriptDirectory.from_config(alembic_config(target)).get_current_head()
    if current_revision(target) != head:
        raise CrmError(
            "移行先のデータベースが最新のスキーマではありません。"
            "先に移行先で `crm db upgrade` を実行してください。"
        )
    if current_revision(source) != head:
        raise CrmError("移行元のデータベースが最新のスキーマではありません。")
    present = set(inspect(target).get_table_names())
    missing = [t.name for t in tables() if t.name not in present]
    if missing:
        raise CrmError(f"移行先のデータベースにテーブルがありません（{', '.join(missing)}）。")
    with target.connect() as connection:
        for table in tables():
            if table.name in SEEDED:
                continue
            if connection.execute(select(func.count()).select_from(table)).scalar_one():
                raise CrmError(
                    f"移行先のデータベースが空ではありません（{table.name} にデータがあります）。"
                    "空の、移行済みのデータベースを指定してください。"
                )


def _self_references(table: Table) -> list[str]:
    return [fk.parent.name for fk in table.foreign_keys if fk.column.table.name == table.name]


def _copy_table(source: Connection, target: Connection, table: Table) -> None:
    deferred = _self_references(table)  # inserted empty, filled once every row exists
    later: list[dict] = []
    keys = [c.name for c in table.primary_key.columns]
    batch: list[dict] = []
    result = source.execution_options(yield_per=BATCH).execute(select(*table.columns))
    for row in result.mappings():
        values = dict(row)
        for name in deferred:
            if values[name] is not None:
                later.append({**{f"k_{k}": values[k] for k in keys}, "v": values[name]})
                values[name] = None
        batch.append(values)
        if len(batch) >= BATCH:
            target.execute(table.insert(), batch)
            batch = []
    if batch:
        target.execute(table.insert(), batch)
    for name in deferred:
        rows = [r for r in later if r["v"] is not None]
        if not rows:
            continue
        statement = (
            update(table)
            .where(*(table.c[k] == bindparam(f"k_{k}") for k in keys))
            .values({name: bindparam("v")})
        )
        for start in range(0, len(rows), BATCH):
            target.execute(statement, rows[start : start + BATCH])


def _set_sequences(target: Connection) -> None:
    if target.dialect.name != "postgresql":
        return  # SQLite continues after the largest id by itself
    for table in tables():
        keys = list(table.primary_key.columns)
        if len(keys) != 1 or not isinstance(keys[0].type, Integer):
            continue
        sequence = target.execute(
            text("SELECT pg_get_serial_sequence(:t, :c)"), {"t": table.name, "c": keys[0].name}
        ).scalar_one()
        if sequence is None:
            continue
        target.execute(
            text(
                f'SELECT setval(:s, coalesce((SELECT max("{keys[0].name}") FROM "{table.name}"), 0)'
                f" + 1, false)"
            ),
            {"s": sequence},
        )


def transfer(
    source: Engine, target: Engine, progress: Callable[[str], None] | None = None
) -> list[TableCheck]:
    """Copy every table of ``source`` into the empty, migrated ``target`` in one transaction;
    returns each table's count and hash on both sides. Raises ``CrmError`` (and writes
    nothing) when the target is not ready or a check differs."""
    if source.url == target.url:
        raise CrmError("移行元と移行先が同じデータベースです。")
    _require_ready(source, target)
    check_database(source, "移行元のデータベース", "移行しません")
    say = progress or (lambda _line: None)
    checks: list[TableCheck] = []
    with source.connect() as reading, target.begin() as writing:
        reading.begin()  # the source is read while the app is stopped (README: Deployment)
        for table in reversed(tables()):
            if table.name in SEEDED:
                writing.execute(table.delete())
        for table in tables():
            say(f"コピー中: {table.name}")
            _copy_table(reading, writing, table)
        _set_sequences(writing)
        for table in tables():
            source_rows, source_hash = content_check(reading, table)
            target_rows, target_hash = content_check(writing, table)
            checks.append(
                TableCheck(table.name, source_rows, target_rows, source_hash, target_hash)
            )
        differing = [c.name for c in checks if not c.ok]
        if differing:  # leaving the block with an error rolls the copy back
            raise CrmError(
                "コピー後の件数または内容が一致しないため、取り消しました"
                f"（{', '.join(differing)}）。"
            )
    return checks
