"""The indexed firm search (SQLite FTS5 trigram table, PostgreSQL pg_trgm, migration 0010; the
one- and two-character index, migration 0012)
finds exactly what the unindexed search finds, on a mixed corpus, for every query length, and
stays current through renames, merges' key refreshes and bulk writes (issue 15, item 3)."""

import itertools

import pytest
from sqlalchemy import text, update
from sqlmodel import Session, col, select

from crm.models import Company, table_of
from crm.search import match_companies, refresh_company_keys
from crm.services import companies
from crm.textnorm import search_text
from tests.utils.factories import make_actors, make_company

CORPUS = [
    ("株式会社山形ビルメンテナンス", "ヤマガタビルメンテナンス"),
    ("(株)山形設計事務所", "やまがたせっけい"),
    ("ﾔﾏｶﾞﾀ精機有限会社", None),
    ("酒田港湾サービス", "サカタコウワン"),
    ("ＡＢＣ商事", "エービーシー"),
    ("abc-Design合同会社", None),
    ("100% Natural 食品", None),
    ('"引用"工房', None),
    ("設計", "セッケイ"),
    ("庄内_新潟 物流", None),
    ("鶴岡シルク株式会社", "ツルオカシルク"),
]


def _queries() -> list[str]:
    """Every substring of up to five characters of each folded name and kana, and some that
    match nothing or need escaping."""
    found = {"", "存在しない社名", "%", "_", '"', "ビル", "設計", "㈱山形", "ヤマガタ", "やまがた"}
    for name, kana in CORPUS:
        for source in (search_text(name), search_text(kana)):
            for size in range(1, 6):
                found.update(source[i : i + size] for i in range(len(source) - size + 1))
    return sorted(found)


def _ids(session: Session, query: str, dialect: str | None) -> list[int]:
    statement = match_companies(select(Company.id), query, dialect).order_by(col(Company.id))
    return list(session.exec(statement).all())


@pytest.fixture
def corpus(any_engine):
    session = Session(any_engine)
    manager = make_actors(session).manager01
    for name, kana in CORPUS:
        make_company(session, manager, name=name, kana=kana)
    session.commit()
    yield session, manager
    session.close()


def test_indexed_search_equals_the_unindexed_search(corpus):
    session, _manager = corpus
    dialect = session.get_bind().dialect.name
    queries = _queries()
    assert len(queries) > 200
    differences = {
        query: (indexed, unindexed)
        for query in queries
        if (indexed := _ids(session, query, dialect)) != (unindexed := _ids(session, query, None))
    }
    assert differences == {}
    # And the unindexed search itself finds what the folding rules say.
    for query in ("やまがた", "ﾋﾞﾙ", "設計"):
        key = search_text(query)
        expected = sorted(
            c.id for c in session.exec(select(Company)).all() if key in (c.search_key or "")
        )
        assert _ids(session, query, dialect) == expected and expected, query


def test_the_index_follows_renames_and_bulk_key_refreshes(corpus):
    session, manager = corpus
    dialect = session.get_bind().dialect.name
    firm = session.exec(select(Company).where(Company.name == "酒田港湾サービス")).one()
    companies.update_company(
        session,
        manager,
        firm.id,
        {"name": "酒田みなと運輸", "prefecture_code": firm.prefecture_code},
        firm.version,
    )
    session.commit()
    assert _ids(session, "港湾サ", dialect) == []
    assert _ids(session, "みなと運輸", dialect) == [firm.id]
    # A bulk writer that bypasses the services (demo loader, import) and refreshes the keys.
    session.execute(
        update(table_of(Company)).where(table_of(Company).c.id == firm.id).values(name="最上川物産")
    )
    refresh_company_keys(session, [firm.id])
    session.commit()
    assert _ids(session, "最上川物", dialect) == [firm.id] == _ids(session, "最上川物", None)
    session.execute(text("DELETE FROM company WHERE id = :id"), {"id": firm.id})
    session.commit()
    assert _ids(session, "最上川物", dialect) == []


def _sql(session: Session, query: str) -> str:
    statement = match_companies(select(Company.id), query, session.get_bind().dialect.name)
    return str(statement.compile(session.get_bind(), compile_kwargs={"literal_binds": True}))


def _plan(session: Session, query: str) -> str:
    session.execute(text("SET LOCAL enable_seqscan = off"))
    rows = session.execute(text(f"EXPLAIN {_sql(session, query)}"))
    return "\n".join(row[0] for row in rows)


@pytest.mark.parametrize(
    ("query", "sqlite_table", "postgres_index"),
    [
        ("ビルメン", "company_search MATCH", "ix_company_search_trgm"),
        ("設計", "company_search_short MATCH", "ix_company_search_short"),
        ("鶴", "company_search_short MATCH", "ix_company_search_short"),
    ],
)
def test_every_query_length_reads_an_index(corpus, query, sqlite_table, postgres_index):
    session, _manager = corpus
    if session.get_bind().dialect.name == "sqlite":
        assert sqlite_table in _sql(session, query)
        assert "search_key LIKE" in _sql(session, query) or len(query) >= 3
    else:
        assert postgres_index in _plan(session, query)


def test_the_short_index_follows_inserts_renames_and_deletes(corpus):
    """The short index's triggers give back exactly the windows they added (SQLite keeps no
    copy of the text): after renames and deletes it still finds exactly what the column says."""
    session, manager = corpus
    dialect = session.get_bind().dialect.name
    firm = session.exec(select(Company).where(Company.name == "鶴岡シルク株式会社")).one()
    for name in ("鷹匠シルク", "鶴", "鶴岡シルク株式会社"):
        companies.update_company(
            session,
            manager,
            firm.id,
            {"name": name, "prefecture_code": firm.prefecture_code},
            firm.version,
        )
        session.commit()
        session.refresh(firm)
        for query in ("鶴", "鷹", "シル", "株", "式会"):
            assert _ids(session, query, dialect) == _ids(session, query, None), (name, query)
    session.execute(text("DELETE FROM company WHERE id = :id"), {"id": firm.id})
    session.commit()
    assert _ids(session, "鶴", dialect) == []
    if dialect == "sqlite":
        session.execute(
            text(
                "INSERT INTO company_search_short(company_search_short) VALUES ('integrity-check')"
            )
        )


def test_search_companies_pages_through_the_index(corpus):
    session, manager = corpus
    pages = [
        [c.id for c in companies.search_companies(session, manager, "やまがた", limit=1, offset=n)]
        for n in range(3)
    ]
    assert companies.count_search_results(session, manager, "やまがた") == 3
    assert len(set(itertools.chain(*pages))) == 3
