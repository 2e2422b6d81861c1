"""What the database derives from a loaded row (firm-search entries, kept counts), made once
for the whole load instead of row by row.

Every insert into ``company``, ``consultation``, ``talent_need``, ``referral``, ``placement``
and ``follow_up`` fires triggers that add the row to the firm-search tables (SQLite: migrations
0010 and 0012) and to the summary counts (migration 0011). For the demo's 400,000 rows those
per-row statements took more time than the inserts themselves (the short search table cuts
every firm's key into windows, the counts run an upsert per dimension). So the load sets
aside only those insert triggers and, when its rows are in:

- adds the firms to the search tables with one statement per table
  (``crm.search.index_loaded_firms``: the triggers' own expressions);
- writes the summary counts it tallied while the rows went by (``Derived.tally``): a recount
  in SQL (``crm.summaries.check.rebuild_summaries``) scans each fact table once per way it is
  counted, six times for placements, and took longer than the inserts. The tally computes
  each key as ``crm.summaries.tables`` defines it; a way of counting it does not know (a
  dimension added later) makes it fall back to that recount, so the counts are never short;
- puts the triggers back exactly as the database defined them.

All of it in the load's transaction: a failure rolls the triggers back with the rows, and no
other writer sees the database without them (SQLite: the load holds the write lock;
PostgreSQL: ``DROP TRIGGER`` locks the table). Only these derivations are set aside: any other
trigger (a check that guards writes) runs for every loaded row.
"""

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, text

from crm.search import SEARCH_INSERT_TRIGGERS, index_loaded_firms
from crm.summaries.check import rebuild_summaries
from crm.summaries.tables import (
    COMPANY_INDUSTRY,
    COUNTED,
    NEED_CATEGORY,
    ORIGIN_RESIDENCE,
    TABLES,
    Counted,
)
from crm.writes.bulk import BulkWriter

_COUNTED_TABLES = sorted({counted.source for counted in COUNTED})

Row = Sequence[Any]
Tail = Callable[[Row], tuple[Any, ...]]


def _deferred_names(dialect: str) -> list[str]:
    if dialect == "postgresql":
        # One trigger per table for insert, update and delete (crm.summaries.triggers); the
        # firm search there is an index, deferred with the others.
        return [f"{table}_counts" for table in _COUNTED_TABLES]
    return [*SEARCH_INSERT_TRIGGERS, *(f"{table}_counts_insert" for table in _COUNTED_TABLES)]


def _definitions(connection: Connection, names: Sequence[str]) -> list[tuple[str, str, str]]:
    """(table, trigger, the statement that creates it) of each trigger in ``names`` present."""
    if connection.dialect.name == "postgresql":
        rows = connection.execute(
            text(
                "SELECT c.relname, t.tgname, pg_get_triggerdef(t.oid) FROM pg_trigger t "
                "JOIN pg_class c ON c.oid = t.tgrelid "
                "WHERE NOT t.tgisinternal AND t.tgname = ANY(:names) "
                "AND c.relnamespace = current_schema()::regnamespace ORDER BY t.tgname"
            ),
            {"names": list(names)},
        )
    else:
        rows = connection.execute(
            text(
                "SELECT tbl_name, name, sql FROM sqlite_master WHERE type = 'trigger' "
                f"AND name IN ({', '.join(f':n{i}' for i in range(len(names)))}) ORDER BY name"
            ),
            {f"n{i}": name for i, name in enumerate(names)},
        )
    return [(table, name, sql) for table, name, sql in rows]


def _month(day: Any) -> int:
    """``month_sql`` of a stored DATE: SQLite's text (2020-05-01), PostgreSQL's date."""
    if isinstance(day, str):
        return int(day[:4]) * 100 + int(day[5:7])
    return int(day.year * 100 + day.month)


def _text(value: Any) -> str:
    """``COALESCE(value, '')``."""
    return "" if value is None else value


class Derived:
    """The counts of the rows passed through ``tally``, per summary table and key."""

    def __init__(self) -> None:
        self._counts: dict[Counted, Counter[tuple[Any, ...]]] = {}
        self._industry: dict[int, str | None] = {}  # firm id -> industry
        self._category: dict[int, int] = {}  # need id -> category id

    def tally(self, table: str, columns: Sequence[str], rows: Iterable[Row]) -> Iterator[Row]:
        """``rows`` of ``table`` as they are, counted on the way."""
        at = {name: index for index, name in enumerate(columns)}
        keep: list[tuple[int, int, int]] = []  # (map, key column, value column)
        if table == "company":
            keep.append((0, at["id"], at["industry"]))
        elif table == "talent_need":
            keep.append((1, at["id"], at["category_id"]))
        lookups: list[dict[int, Any]] = [self._industry, self._category]
        ways = []
        for counted in COUNTED:
            tail = self._tail(counted, at) if counted.source == table else None
            if tail is not None:
                counter = self._counts.setdefault(counted, Counter())
                ways.append((at[counted.date], at["hub_code"], tail, counter))
        for row in rows:
            for lookup, key, value in keep:
                lookups[lookup][row[key]] = row[value]
            for date, hub, tail, counter in ways:
                day = row[date]
                if day is not None:
                    counter[(row[hub], _month(day), *tail(row))] += 1
            yield row

    def _tail(self, counted: Counted, at: dict[str, int]) -> Tail | None:
        """The key after hub and month, as ``counted.keys`` computes it from the row; None
        for keys this tally does not know."""
        keys = counted.keys
        if keys == ():
            return lambda row: ()
        if keys == (("channel", "{r}.channel"),):
            channel = at["channel"]
            return lambda row: (row[channel],)
        if keys == (("category_id", "{r}.category_id"), ("engagement", "{r}.engagement")):
            category, engagement = at["category_id"], at["engagement"]
            return lambda row: (row[category], row[engagement])
        head = (("category_id", NEED_CATEGORY), ("engagement", "{r}.engagement"))
        if keys[:2] != head or len(keys) != 4 or keys[2][0] != "dimension":
            return None
        value = self._placement_value(keys[3], at)
        if value is None:
            return None
        need, placed_as, dimension = at["need_id"], at["engagement"], keys[2][1].strip("'")
        categories = self._category
        return lambda row: (categories[row[need]], row[placed_as], dimension, value(row))

    def _placement_value(
        self, key: tuple[str, str], at: dict[str, int]
    ) -> Callable[[Row], str] | None:
        """A placement's value for a dimension (``PLACEMENT_DIMENSIONS``)."""
        name, expression = key
        if name != "value":
            return None
        plain = {
            "''": None,
            "COALESCE({r}.age_band, '')": "age_band",
            "COALESCE({r}.previous_residence, '')": "previous_residence",
        }
        if expression in plain:
            column = plain[expression]
            if column is None:
                return lambda row: ""
            index = at[column]
            return lambda row: _text(row[index])
        if expression == "COALESCE(CAST({r}.partner_id AS VARCHAR(20)), '')":
            partner = at["partner_id"]
            return lambda row: "" if row[partner] is None else str(row[partner])
        if expression == f"COALESCE({COMPANY_INDUSTRY}, '')":
            company, industry = at["company_id"], self._industry
            return lambda row: _text(industry[row[company]])
        origin = (
            f"COALESCE({{r}}.previous_prefecture, '{ORIGIN_RESIDENCE}' || "
            "{r}.previous_residence, '')"
        )
        if expression == origin:
            prefecture, residence = at["previous_prefecture"], at["previous_residence"]

            def origin_of(row: Row) -> str:
                if row[prefecture] is not None:
                    return str(row[prefecture])
                if row[residence] is not None:
                    return ORIGIN_RESIDENCE + row[residence]
                return ""

            return origin_of
        return None

    def write(self, connection: Connection) -> None:
        """The summary tables hold the tallies (a recount when some way of counting was not
        tallied). The database held no counted rows before the load (it refuses one that
        does), so what its summary tables hold is zeros at most."""
        if set(self._counts) != set(COUNTED):
            rebuild_summaries(connection)
            return
        for table in TABLES:
            connection.execute(table.delete())
        writer = BulkWriter(connection)
        by_table = {table.name: table for table in TABLES}
        for counted, counter in self._counts.items():
            writer.insert(
                by_table[counted.table],
                (*counted.columns, "n"),
                ((*key, n) for key, n in counter.items()),
            )


@contextmanager
def derived_after_load(connection: Connection, first_company_id: int) -> Iterator[Derived]:
    """Within the block, rows inserted (firms from ``first_company_id`` on) get no search
    entries or counts by trigger: the rows of the counted tables go through ``tally``. When
    the block ends the firms get their entries, the tallies are written and the triggers
    are back. SQLite and PostgreSQL; elsewhere the triggers run as usual."""
    derived = Derived()
    dialect = connection.dialect.name
    if dialect not in ("sqlite", "postgresql"):
        yield derived
        return
    triggers = _definitions(connection, _deferred_names(dialect))
    for table, name, _sql in triggers:
        if dialect == "postgresql":
            connection.exec_driver_sql(f'DROP TRIGGER "{name}" ON "{table}"')
        else:
            connection.exec_driver_sql(f'DROP TRIGGER "{name}"')
    yield derived
    index_loaded_firms(connection, first_company_id)
    derived.write(connection)
    for _table, _name, sql in triggers:
        connection.exec_driver_sql(sql)
