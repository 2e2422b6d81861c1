"""Every schema object of a database, as ``{(kind, name): definition}``, for comparing a backup
or a transfer's source with what the migrations create (``crm.schema_check``).

SQLite keeps its whole schema in ``sqlite_master``: one row per table, index, trigger and view
with the SQL that created it. The SQL is compared token by token (whitespace, identifier
quotes and the case of keywords and names do not count; string literals do), so the same
object written differently is still the same object.

PostgreSQL: every object a database user can create, read from the catalog and named by
``pg_identify_object``. Built-in objects (oids below ``FirstNormalObjectId``), the members of
an extension (the extension itself is compared), TOAST tables and temporary schemas are left
out. Definitions come from the server's own ``pg_get_*def`` functions, so two databases on
one server render the same object identically; what is not in a definition but changes
behaviour (a disabled trigger, row-level security on a table) is added to it.
"""

import re
from collections.abc import Iterable, Sequence

from sqlalchemy import Connection, text

Objects = dict[tuple[str, str], str]

# --- SQLite ----------------------------------------------------------------------------------

SQLITE_MASTER = "SELECT type, name, tbl_name, sql FROM sqlite_master"
# Made by ANALYZE / PRAGMA optimize: planner statistics, no behaviour.
_SQLITE_STATISTICS = {"sqlite_stat1", "sqlite_stat2", "sqlite_stat3", "sqlite_stat4"}

_SQL_TOKEN = re.compile(
    r"""'(?:[^']|'')*'"""  # string literal: kept as it is
    r'''|"(?:[^"]|"")*"'''  # quoted identifiers: the name alone
    r"|`(?:[^`]|``)*`"
    r"|\[[^\]]*\]"
    r"|[\w$]+"  # keywords, bare names, numbers
    r"|\S"  # punctuation
)


def _tokens(sql: str) -> list[str]:
    tokens = []
    for token in _SQL_TOKEN.findall(sql):
        if token[0] == "'":
            tokens.append(token)
        elif token[0] in '"`[':
            tokens.append(token[1:-1].replace(token[0] * 2, token[0]).lower())
        else:
            tokens.append(token.lower())
    return tokens


def _sorted_table_body(tokens: list[str]) -> list[str]:
    """``CREATE TABLE t (a, b, CONSTRAINT …)`` with its column definitions and constraints in
    sorted order. Alembic's batch mode (SQLite's way of altering a table) writes a copied
    table's constraints in set order, which differs from one process to the next."""
    if tokens[:2] != ["create", "table"] or "(" not in tokens:
        return tokens
    start = tokens.index("(")
    items: list[list[str]] = [[]]
    depth = 0
    for position in range(start + 1, len(tokens)):
        token = tokens[position]
        if token == "(":
            depth += 1
        elif token == ")":
            if depth == 0:
                body = sorted(" ".join(item) for item in items)
                return [*tokens[: start + 1], " , ".join(body), *tokens[position:]]
            depth -= 1
        elif token == "," and depth == 0:
            items.append([])
            continue
        items[-1].append(token)
    return tokens  # unbalanced: compared as written


def normalise_sql(sql: str) -> str:
    """``sql`` as a canonical token string: ``CREATE TABLE "a" (x  INT)`` and
    ``create table a(x int)`` give the same result, ``DEFAULT 'A'`` and ``DEFAULT 'a'`` do not;
    a table's columns and constraints may come in any order."""
    return " ".join(_sorted_table_body(_tokens(sql)))


def sqlite_objects(rows: Iterable[Sequence]) -> Objects:
    """The objects of ``sqlite_master`` rows (type, name, tbl_name, sql)."""
    found: Objects = {}
    for kind, name, table, sql in rows:
        if kind == "table" and name in _SQLITE_STATISTICS:
            continue
        found[(str(kind), str(name))] = f"on {table}: {normalise_sql(sql or '')}"
    return found


# --- PostgreSQL ------------------------------------------------------------------------------

_FIRST_NORMAL_OID = 16384
_USER_NAMESPACE = (
    "nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')"
    " AND nspname NOT LIKE 'pg\\_temp\\_%' AND nspname NOT LIKE 'pg\\_toast\\_temp\\_%'"
)


def _not_member(catalog: str, alias: str) -> str:
    return (
        f"{alias}.oid >= {_FIRST_NORMAL_OID} AND NOT EXISTS (SELECT 1 FROM pg_depend d"
        f" WHERE d.classid = '{catalog}'::regclass AND d.objid = {alias}.oid"
        " AND d.deptype = 'e')"
    )


def _in_user_namespace(column: str) -> str:
    return f"{column} IN (SELECT oid FROM pg_namespace WHERE {_USER_NAMESPACE})"


# (catalog, FROM … WHERE …, definition) for the objects whose definition is compared.
_DEFINED: list[tuple[str, str, str]] = [
    (
        "pg_namespace",
        f"pg_namespace o WHERE {_not_member('pg_namespace', 'o')} AND {_USER_NAMESPACE}",
        "''",
    ),
    (
        "pg_class",
        f"pg_class o WHERE {_not_member('pg_class', 'o')}"
        f" AND o.relkind IN ('r', 'p', 'f', 'v', 'm', 'S', 'i', 'I')"
        f" AND {_in_user_namespace('o.relnamespace')}",
        """CASE
          WHEN o.relkind IN ('v', 'm') THEN pg_get_viewdef(o.oid)
          WHEN o.relkind IN ('i', 'I') THEN pg_get_indexdef(o.oid)
          WHEN o.relkind = 'S' THEN (
            SELECT concat_ws(' ', format_type(s.seqtypid, NULL), s.seqstart, s.seqincrement,
                             s.seqmin, s.seqmax, s.seqcache, s.seqcycle)
            FROM pg_sequence s WHERE s.seqrelid = o.oid)
          ELSE concat_ws(' ', o.relkind, o.relpersistence, o.relreplident,
                         'rls=' || o.relrowsecurity, 'force_rls=' || o.relforcerowsecurity,
                         array_to_string(o.reloptions, ','),
                         pg_get_partkeydef(o.oid),
                         (SELECT string_agg(i.inhparent::regclass::text, ',' ORDER BY i.inhseqno)
                          FROM pg_inherits i WHERE i.inhrelid = o.oid))
        END""",
    ),
    (
        "pg_type",
        f"pg_type o WHERE {_not_member('pg_type', 'o')}"
        f" AND {_in_user_namespace('o.typnamespace')}"
        # a table's row type and every array type come with their table / element type
        " AND (o.typrelid = 0 OR (SELECT relkind FROM pg_class WHERE oid = o.typrelid) = 'c')"
        " AND NOT (o.typelem <> 0 AND EXISTS ("
        "   SELECT 1 FROM pg_type e WHERE e.oid = o.typelem AND e.typarray = o.oid))",
        """concat_ws(' ', o.typtype, format_type(o.typbasetype, o.typtypmod), o.typnotnull,
                     o.typdefault,
                     (SELECT string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder)
                      FROM pg_enum e WHERE e.enumtypid = o.oid),
                     (SELECT string_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod),
                                        ',' ORDER BY a.attnum)
                      FROM pg_attribute a WHERE a.attrelid = o.typrelid AND a.attnum > 0))""",
    ),
    (
        "pg_constraint",
        f"pg_constraint o WHERE {_not_member('pg_constraint', 'o')}",
        "concat_ws(' ', pg_get_constraintdef(o.oid), 'valid=' || o.convalidated)",
    ),
    (
        "pg_trigger",
        f"pg_trigger o WHERE {_not_member('pg_trigger', 'o')} AND NOT o.tgisinternal",
        "concat_ws(' ', pg_get_triggerdef(o.oid), 'enabled=' || o.tgenabled::text)",
    ),
    (
        "pg_rewrite",
        f"pg_rewrite o WHERE {_not_member('pg_rewrite', 'o')} AND o.rulename <> '_RETURN'",
        "concat_ws(' ', pg_get_ruledef(o.oid), 'enabled=' || o.ev_enabled::text)",
    ),
    (
        "pg_policy",
        f"pg_policy o WHERE {_not_member('pg_policy', 'o')}",
        """concat_ws(' ', o.polcmd, o.polpermissive, o.polroles::text,
                     pg_get_expr(o.polqual, o.polrelid),
                     pg_get_expr(o.polwithcheck, o.polrelid))""",
    ),
    (
        "pg_proc",
        f"pg_proc o WHERE {_not_member('pg_proc', 'o')} AND {_in_user_namespace('o.pronamespace')}",
        "CASE WHEN o.prokind = 'a' THEN 'aggregate' ELSE pg_get_functiondef(o.oid) END",
    ),
    (
        "pg_extension",
        f"pg_extension o WHERE {_not_member('pg_extension', 'o')}",
        "o.extnamespace::regnamespace::text",
    ),
    (
        "pg_event_trigger",
        f"pg_event_trigger o WHERE {_not_member('pg_event_trigger', 'o')}",
        """concat_ws(' ', o.evtevent, o.evtfoid::regprocedure::text, o.evtenabled,
                     array_to_string(o.evttags, ','))""",
    ),
]

# Catalogs whose objects the migrations never create: any such object is extra.
_EXISTENCE_ONLY = [
    "pg_operator",
    "pg_opclass",
    "pg_opfamily",
    "pg_collation",
    "pg_conversion",
    "pg_ts_config",
    "pg_ts_dict",
    "pg_ts_parser",
    "pg_ts_template",
    "pg_cast",
    "pg_transform",
    "pg_language",
    "pg_foreign_data_wrapper",
    "pg_foreign_server",
    "pg_publication",
    "pg_publication_rel",
    "pg_publication_namespace",
    "pg_statistic_ext",
    "pg_am",
    "pg_largeobject_metadata",
    "pg_default_acl",
]

_COLUMNS = f"""
SELECT 'table column', (pg_identify_object('pg_class'::regclass, a.attrelid, a.attnum)).identity,
       concat_ws(' ', format_type(a.atttypid, a.atttypmod),
                 CASE WHEN a.attnotnull THEN 'not null' END,
                 'default ' || pg_get_expr(d.adbin, d.adrelid),
                 'identity ' || nullif(a.attidentity::text, ''),
                 'generated ' || nullif(a.attgenerated::text, ''),
                 'collate ' || (SELECT collname FROM pg_collation c
                                WHERE c.oid = a.attcollation AND a.attcollation <> t.typcollation))
FROM pg_attribute a
JOIN pg_class r ON r.oid = a.attrelid
JOIN pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE a.attnum > 0 AND NOT a.attisdropped AND r.relkind IN ('r', 'p', 'f')
  AND {_not_member("pg_class", "r")} AND {_in_user_namespace("r.relnamespace")}
"""

_SUBSCRIPTIONS = """
SELECT 'subscription', (pg_identify_object('pg_subscription'::regclass, o.oid, 0)).identity, ''
FROM pg_subscription o
WHERE o.subdbid = (SELECT oid FROM pg_database WHERE datname = current_database())
"""


def _select(catalog: str, source: str, definition: str) -> str:
    return (
        f"SELECT (pg_identify_object('{catalog}'::regclass, o.oid, 0)).type,"
        f" (pg_identify_object('{catalog}'::regclass, o.oid, 0)).identity, {definition}"
        f" FROM {source}"
    )


def postgres_objects(connection: Connection) -> Objects:
    """Every user-made object of the connected PostgreSQL database."""
    present = set(
        connection.execute(
            text("SELECT relname FROM pg_class WHERE relnamespace = 'pg_catalog'::regnamespace")
        ).scalars()
    )
    queries = [_select(*entry) for entry in _DEFINED]
    queries += [
        _select(catalog, f"{catalog} o WHERE {_not_member(catalog, 'o')}", "''")
        for catalog in _EXISTENCE_ONLY
        if catalog in present  # (some catalogs are newer than the oldest server we support)
    ]
    queries += [_COLUMNS, _SUBSCRIPTIONS]
    found: Objects = {}
    for query in queries:
        for kind, name, definition in connection.execute(text(query)):
            found[(str(kind), str(name))] = str(definition or "")
    return found
