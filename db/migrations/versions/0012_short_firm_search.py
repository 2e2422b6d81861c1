"""Indexed firm search for one- and two-character queries (「設計」, 「鶴」), which trigrams
cannot answer.

SQLite: an FTS5 table of every two-character window of ``company.search_key`` (the last
character alone ends it), one token each, so a two-character query is one term and a
one-character query a prefix of the terms. ``detail=none``: only which firm holds a term is
kept (no positions), which is all a single-term query asks and keeps the table small; it holds
no copy of the text (``content=''``), so its triggers give the old windows back on delete.
(Its column sizes are kept: without them SQLite cannot scan the table, which ``.dump`` does.) The
windows are cut by ``substr`` over a table of positions, since SQLite triggers cannot use a
recursive CTE. The tokenizer keeps letters, digits, marks, punctuation and symbols as token
characters, so a window is split only at the tab between name and kana.

PostgreSQL: a GIN index over ``crm_short_grams(search_key)``, the array of every character and
every two-character window of the key, which the database keeps current itself.

Both are kept in the writer's transaction, so every write path (forms, imports, merges, the
demo loader, restores, transfers) keeps them current. The search reads them, then confirms
each candidate with ``LIKE``, so results equal the unindexed search's.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 13:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# More than the longest key: 200-character name and kana, NFKC can expand a character to 18.
POSITIONS = 8_192
TOKEN_CATEGORIES = "L* N* Co M* P* S*"


def _windows(key: str) -> str:
    return (
        f"(SELECT group_concat(substr({key}, n, 2), ' ') FROM company_search_position"
        f" WHERE n <= length({key}))"
    )


# A firm without a key (no name yet) has no row in the table: nothing to add or give back.
def _sqlite_delete(row: str) -> str:
    return (
        "INSERT INTO company_search_short(company_search_short, rowid, grams)"
        f" SELECT 'delete', {row}.id, {_windows(f'{row}.search_key')}"
        f" WHERE {row}.search_key IS NOT NULL;"
    )


def _sqlite_insert(row: str) -> str:
    return (
        "INSERT INTO company_search_short(rowid, grams)"
        f" SELECT {row}.id, {_windows(f'{row}.search_key')} WHERE {row}.search_key IS NOT NULL;"
    )


SQLITE_TRIGGERS = (
    f"CREATE TRIGGER company_search_short_insert AFTER INSERT ON company BEGIN"
    f" {_sqlite_insert('new')} END",
    f"CREATE TRIGGER company_search_short_delete AFTER DELETE ON company BEGIN"
    f" {_sqlite_delete('old')} END",
    "CREATE TRIGGER company_search_short_update AFTER UPDATE OF search_key ON company BEGIN"
    f" {_sqlite_delete('old')} {_sqlite_insert('new')} END",
)

POSTGRES_FUNCTION = """
CREATE FUNCTION crm_short_grams(key text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT coalesce(array_agg(DISTINCT gram), '{}') FROM (
    SELECT substr(key, i, 1) AS gram FROM generate_series(1, length(key)) AS i
    UNION ALL
    SELECT substr(key, i, 2) FROM generate_series(1, length(key) - 1) AS i
  ) AS grams
$$
"""


def create_sqlite_short_search() -> None:
    """The SQLite table and triggers; a later migration that rebuilds ``company`` in batch
    mode drops the triggers with the old table and must call this again."""
    op.execute("CREATE TABLE IF NOT EXISTS company_search_position (n INTEGER PRIMARY KEY)")
    op.execute(
        "INSERT OR IGNORE INTO company_search_position (n) WITH RECURSIVE counter(n) AS"
        f" (SELECT 1 UNION ALL SELECT n + 1 FROM counter WHERE n < {POSITIONS})"
        " SELECT n FROM counter"
    )
    op.execute(
        "CREATE VIRTUAL TABLE company_search_short USING fts5(grams, content='', detail=none,"
        f" tokenize=\"unicode61 remove_diacritics 0 categories '{TOKEN_CATEGORIES}'\")"
    )
    for statement in SQLITE_TRIGGERS:
        op.execute(statement)
    op.execute(
        "INSERT INTO company_search_short(rowid, grams)"
        f" SELECT id, {_windows('search_key')} FROM company WHERE search_key IS NOT NULL"
    )


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(POSTGRES_FUNCTION)
        op.execute(
            "CREATE INDEX ix_company_search_short ON company"
            " USING gin (crm_short_grams(search_key))"
        )
    else:
        create_sqlite_short_search()


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_company_search_short")
        op.execute("DROP FUNCTION IF EXISTS crm_short_grams(text)")
    else:
        for trigger in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS company_search_short_{trigger}")
        op.execute("DROP TABLE IF EXISTS company_search_short")
        op.execute("DROP TABLE IF EXISTS company_search_position")
