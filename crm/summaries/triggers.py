"""The triggers that keep the summary tables equal to a count of the rows.

They run inside the statement that writes a fact, so every path that writes (forms, the API,
imports, merges, the demo loader, restores, ``crm db transfer``) keeps the counts without
knowing about them, and a rolled-back write rolls its counts back with it. Besides the facts'
own inserts, deletes and key updates, two changes elsewhere move placement counts: a need's
category (the placements of that need) and a firm's industry (its placements).

The SQL is generated from ``crm.summaries.tables.COUNTED`` for SQLite and PostgreSQL; the same
key expressions build the recount (``recount_select``), so the two cannot drift apart.
"""

from collections.abc import Iterable

from crm.summaries.tables import COUNTED, PLACEMENTS, Counted


def month_sql(dialect: str, date: str) -> str:
    if dialect == "postgresql":
        return f"CAST(EXTRACT(YEAR FROM {date}) * 100 + EXTRACT(MONTH FROM {date}) AS INTEGER)"
    return f"CAST(strftime('%Y%m', {date}) AS INTEGER)"


def _values(counted: Counted, dialect: str, row: str) -> list[str]:
    return [
        f"{row}.hub_code",
        month_sql(dialect, f"{row}.{counted.date}"),
        *(expression.format(r=row) for _, expression in counted.keys),
    ]


def _on_conflict(counted: Counted) -> str:
    return (
        f" ON CONFLICT ({', '.join(counted.columns)})"
        f" DO UPDATE SET n = {counted.table}.n + excluded.n"
    )


def _add_row(counted: Counted, dialect: str, row: str, sign: int) -> str:
    """Count (sign 1) or uncount (-1) one fact row; a row without its date (a follow-up not
    done yet) is not counted."""
    return (
        f"INSERT INTO {counted.table} ({', '.join(counted.columns)}, n)"
        f" SELECT {', '.join(_values(counted, dialect, row))}, {sign}"
        f" WHERE {row}.{counted.date} IS NOT NULL" + _on_conflict(counted)
    )


def _move_placements(
    counted: Counted, dialect: str, where: str, sign: int, replace: dict[str, str]
) -> str:
    """Count or uncount every placement matching ``where`` (alias ``p``), with the keys in
    ``replace`` taken from elsewhere (the changed need or firm)."""
    values = [
        replace.get(name, value)
        for name, value in zip(counted.columns, _values(counted, dialect, "p"), strict=True)
    ]
    positions = ", ".join(str(i) for i in range(1, len(values) + 1))
    return (
        f"INSERT INTO {counted.table} ({', '.join(counted.columns)}, n)"
        f" SELECT {', '.join(values)}, {sign} * COUNT(*) FROM placement AS p"
        f" WHERE {where} GROUP BY {positions}" + _on_conflict(counted)
    )


def recount_select(counted: Counted, dialect: str) -> str:
    """The counts ``counted`` should hold, straight from the rows."""
    values = _values(counted, dialect, "f")
    positions = ", ".join(str(i) for i in range(1, len(values) + 1))
    return (
        f"SELECT {', '.join(values)}, COUNT(*) FROM {counted.source} AS f"
        f" WHERE f.{counted.date} IS NOT NULL GROUP BY {positions}"
    )


def _sources() -> dict[str, list[Counted]]:
    by_source: dict[str, list[Counted]] = {}
    for counted in COUNTED:
        by_source.setdefault(counted.source, []).append(counted)
    return by_source


def _dependent(dialect: str, old: str, new: str) -> dict[str, tuple[str, str, list[str]]]:
    """Trigger name → (table, column whose change moves placements, statements)."""
    category = [
        statement
        for counted in PLACEMENTS
        for statement in (
            _move_placements(
                counted, dialect, f"p.need_id = {old}.id", -1, {"category_id": f"{old}.category_id"}
            ),
            _move_placements(
                counted, dialect, f"p.need_id = {new}.id", 1, {"category_id": f"{new}.category_id"}
            ),
        )
    ]
    industry_counted = next(c for c in PLACEMENTS if "'industry'" in dict(c.keys)["dimension"])
    industry = [
        _move_placements(
            industry_counted,
            dialect,
            f"p.company_id = {old}.id",
            -1,
            {"value": f"COALESCE({old}.industry, '')"},
        ),
        _move_placements(
            industry_counted,
            dialect,
            f"p.company_id = {new}.id",
            1,
            {"value": f"COALESCE({new}.industry, '')"},
        ),
    ]
    return {
        "talent_need_counts_category": ("talent_need", "category_id", category),
        "company_counts_industry": ("company", "industry", industry),
    }


def _watched(counted: Iterable[Counted]) -> list[str]:
    return sorted({column for c in counted for column in c.watched})


def sqlite_ddl() -> list[str]:
    statements = []
    for source, counted in _sources().items():
        add = "; ".join(_add_row(c, "sqlite", "new", 1) for c in counted)
        remove = "; ".join(_add_row(c, "sqlite", "old", -1) for c in counted)
        statements += [
            f"CREATE TRIGGER {source}_counts_insert AFTER INSERT ON {source} BEGIN {add}; END",
            f"CREATE TRIGGER {source}_counts_delete AFTER DELETE ON {source} BEGIN {remove}; END",
            f"CREATE TRIGGER {source}_counts_update AFTER UPDATE OF"
            f" {', '.join(_watched(counted))} ON {source} BEGIN {remove}; {add}; END",
        ]
    for name, (table, column, body) in _dependent("sqlite", "old", "new").items():
        statements.append(
            f"CREATE TRIGGER {name} AFTER UPDATE OF {column} ON {table}"
            f" WHEN old.{column} IS NOT new.{column} BEGIN {'; '.join(body)}; END"
        )
    return statements


def _plpgsql(name: str, body: str) -> str:
    return (
        f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$"
        f" BEGIN {body} RETURN NULL; END $$"
    )


def postgresql_ddl() -> list[str]:
    statements = []
    for source, counted in _sources().items():
        add = "; ".join(_add_row(c, "postgresql", "NEW", 1) for c in counted)
        remove = "; ".join(_add_row(c, "postgresql", "OLD", -1) for c in counted)
        body = (
            f"IF TG_OP IN ('UPDATE', 'DELETE') THEN {remove}; END IF;"
            f" IF TG_OP IN ('INSERT', 'UPDATE') THEN {add}; END IF;"
        )
        statements += [
            _plpgsql(f"{source}_counts", body),
            f"CREATE TRIGGER {source}_counts AFTER INSERT OR DELETE OR UPDATE OF"
            f" {', '.join(_watched(counted))} ON {source}"
            f" FOR EACH ROW EXECUTE FUNCTION {source}_counts()",
        ]
    for name, (table, column, moves) in _dependent("postgresql", "OLD", "NEW").items():
        statements += [
            _plpgsql(name, "; ".join(moves) + ";"),
            f"CREATE TRIGGER {name} AFTER UPDATE OF {column} ON {table} FOR EACH ROW"
            f" WHEN (OLD.{column} IS DISTINCT FROM NEW.{column}) EXECUTE FUNCTION {name}()",
        ]
    return statements


def ddl(dialect: str) -> list[str]:
    return postgresql_ddl() if dialect == "postgresql" else sqlite_ddl()


def drop_ddl(dialect: str) -> list[str]:
    names = list(_dependent(dialect, "old", "new"))
    if dialect == "postgresql":
        statements = [
            f"DROP TRIGGER IF EXISTS {source}_counts ON {source}" for source in _sources()
        ]
        statements += [f"DROP FUNCTION IF EXISTS {source}_counts()" for source in _sources()]
        for name, (table, _column, _body) in _dependent(dialect, "OLD", "NEW").items():
            statements += [
                f"DROP TRIGGER IF EXISTS {name} ON {table}",
                f"DROP FUNCTION IF EXISTS {name}()",
            ]
        return statements
    statements = [
        f"DROP TRIGGER IF EXISTS {source}_counts_{event}"
        for source in _sources()
        for event in ("insert", "delete", "update")
    ]
    return statements + [f"DROP TRIGGER IF EXISTS {name}" for name in names]
