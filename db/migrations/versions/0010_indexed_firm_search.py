"""Indexed firm search: a trigram index over ``company.search_key`` (the folded name and kana).

PostgreSQL: the pg_trgm extension (a trusted extension: the database owner may create it) and a
GIN trigram index, which answers the search's ``LIKE '%…%'`` for three characters or more.
SQLite: an FTS5 table with the trigram tokenizer, holding ``search_key`` of every firm (external
content: the text is not stored twice), kept current by triggers in the writer's transaction,
so every write path (forms, imports, merges, the demo loader, restores) updates it. Queries of
one or two characters cannot use trigrams and read the column as before.

A later SQLite migration that rebuilds ``company`` in batch mode drops these triggers with the
old table and must create them again (``create_sqlite_search``).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 02:10:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SQLITE_SEARCH = (
    "CREATE VIRTUAL TABLE company_search USING fts5("
    "search_key, content='company', content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER company_search_insert AFTER INSERT ON company BEGIN"
    " INSERT INTO company_search(rowid, search_key) VALUES (new.id, new.search_key); END",
    "CREATE TRIGGER company_search_delete AFTER DELETE ON company BEGIN"
    " INSERT INTO company_search(company_search, rowid, search_key)"
    " VALUES ('delete', old.id, old.search_key); END",
    "CREATE TRIGGER company_search_update AFTER UPDATE OF search_key ON company BEGIN"
    " INSERT INTO company_search(company_search, rowid, search_key)"
    " VALUES ('delete', old.id, old.search_key);"
    " INSERT INTO company_search(rowid, search_key) VALUES (new.id, new.search_key); END",
    "INSERT INTO company_search(company_search) VALUES ('rebuild')",
)


def create_sqlite_search() -> None:
    for statement in SQLITE_SEARCH:
        op.execute(statement)


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.create_index(
            "ix_company_search_trgm",
            "company",
            ["search_key"],
            postgresql_using="gin",
            postgresql_ops={"search_key": "gin_trgm_ops"},
        )
    else:
        create_sqlite_search()


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_company_search_trgm", table_name="company")
    else:
        for trigger in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS company_search_{trigger}")
        op.execute("DROP TABLE IF EXISTS company_search")
