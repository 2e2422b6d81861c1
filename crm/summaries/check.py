"""Recount the summaries from the rows, report where they differ, rebuild them."""

from dataclasses import dataclass

from sqlalchemy import Connection, text

from crm.summaries.tables import COUNTED, TABLES, Counted
from crm.summaries.triggers import recount_select

Key = tuple[object, ...]


@dataclass(frozen=True)
class Difference:
    table: str
    key: dict[str, object]  # the summary row's key columns
    stored: int
    counted: int


def _recounted(connection: Connection, counted: Counted) -> dict[Key, int]:
    rows = connection.execute(text(recount_select(counted, connection.dialect.name)))
    return {tuple(row[:-1]): int(row[-1]) for row in rows}


def _stored(connection: Connection, counted: Counted) -> dict[Key, int]:
    table = next(t for t in TABLES if t.name == counted.table)
    statement = table.select().where(table.c.n != 0)
    if "dimension" in table.c:
        # A placement table row per dimension: compare one dimension at a time.
        statement = statement.where(table.c.dimension == dict(counted.keys)["dimension"].strip("'"))
    columns = [table.c[name] for name in counted.columns]
    return {
        tuple(row._mapping[c] for c in columns): int(row._mapping[table.c.n])
        for row in connection.execute(statement)
    }


def check_summaries(connection: Connection) -> list[Difference]:
    """Every summary row whose count is not the rows' count (missing rows count as 0)."""
    differences = []
    for counted in COUNTED:
        stored, recounted = _stored(connection, counted), _recounted(connection, counted)
        for key in sorted(set(stored) | set(recounted), key=repr):
            if stored.get(key, 0) != recounted.get(key, 0):
                differences.append(
                    Difference(
                        counted.table,
                        dict(zip(counted.columns, key, strict=True)),
                        stored.get(key, 0),
                        recounted.get(key, 0),
                    )
                )
    return differences


def rebuild_summaries(connection: Connection) -> dict[str, int]:
    """Empty the summary tables and count every row again (inside the caller's transaction);
    returns the rows written per table."""
    dialect = connection.dialect.name
    for table in TABLES:
        connection.execute(table.delete())
    for counted in COUNTED:
        connection.execute(
            text(
                f"INSERT INTO {counted.table} ({', '.join(counted.columns)}, n) "
                + recount_select(counted, dialect)
            )
        )
    return {
        table.name: int(connection.execute(text(f"SELECT COUNT(*) FROM {table.name}")).scalar_one())
        for table in TABLES
    }
