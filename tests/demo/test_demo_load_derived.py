"""The demo load derives firm-search entries and kept counts once, after its rows are in
(``crm.demo.derived``), instead of by trigger row by row: the database it leaves is the one
the triggers would have left, the search finds what the unindexed search finds, and the
triggers are back for the app's writes (and never lost when the load fails)."""

import datetime as dt
import hashlib
import random
import sqlite3
from contextlib import contextmanager

import pytest
from sqlalchemy import Engine, text
from sqlmodel import Session, select

from crm.actor import actor_for
from crm.demo import derived, load_synthetic, loader
from crm.models import Company
from crm.search import match_companies
from crm.services import companies, consultations
from crm.services.users import get_user
from crm.summaries.check import check_summaries
from tests.conftest import DEMO_TEST_PASSWORD
from tests.utils.databases import sqlite_copy

NOW = dt.datetime(2026, 12, 7, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=9)))
TRIGGERS = "select name, tbl_name, sql from sqlite_master where type = 'trigger' order by name"
PG_TRIGGERS = (
    "select tgname, pg_get_triggerdef(oid) from pg_trigger where not tgisinternal order by tgname"
)


@pytest.fixture(autouse=True)
def demo_password(monkeypatch):
    monkeypatch.setenv("CRM_DEMO_PASSWORD", DEMO_TEST_PASSWORD)


@pytest.fixture
def demo_session(demo_engine):
    with Session(demo_engine) as session:
        yield session


def _triggered_load(monkeypatch) -> None:
    """Make the loader write as before: every trigger runs for every row, nothing tallied."""

    class Untallied:
        def tally(self, _table, _columns, rows):
            return rows

    @contextmanager
    def by_trigger(_connection, _first_company_id):
        yield Untallied()

    monkeypatch.setattr(loader, "derived_after_load", by_trigger)


def _fingerprint(engine: Engine) -> dict[str, tuple[int, str]]:
    """Rows and a checksum of every table (the FTS tables' own storage aside; the password
    hash differs per load by its salt), and of the triggers."""
    with engine.connect() as connection:
        run = connection.exec_driver_sql
        names = run(
            "select name from sqlite_master where type = 'table' and name not like 'sqlite_%'"
            " and name not like 'company_search%' order by name"
        ).scalars()
        found = {}
        for name in list(names):
            columns = [
                f'"{row[1]}"'
                for row in run(f'pragma table_info("{name}")')
                if row[1] != "password_hash"
            ]
            order = ", ".join(str(i + 1) for i in range(len(columns)))
            rows = run(f'select {", ".join(columns)} from "{name}" order by {order}').all()
            found[name] = (len(rows), hashlib.sha256(repr(rows).encode()).hexdigest())
        triggers = run(TRIGGERS).all()
        found["triggers"] = (len(triggers), hashlib.sha256(repr(triggers).encode()).hexdigest())
    return found


def _search_results(engine: Engine, queries: list[str], dialect: str | None) -> list[list[int]]:
    with Session(engine) as session:
        return [
            sorted(session.exec(match_companies(select(Company.id), query, dialect)).all())
            for query in queries
        ]


def _queries(engine: Engine, per_length: int = 40) -> list[str]:
    """Pieces of the firms' folded keys, one to five characters long (fixed seed)."""
    with engine.connect() as connection:
        keys = connection.exec_driver_sql(
            "select search_key from company where search_key is not null order by id"
        ).scalars()
        keys = list(keys)
    rng = random.Random(5)
    queries = []
    for length in (1, 2, 3, 5):
        for _ in range(per_length):
            # Within name or kana: a match never spans the tab between them.
            part = rng.choice(rng.choice(keys).split("\t"))
            start = rng.randrange(max(1, len(part) - length + 1))
            queries.append(part[start : start + length])
    return queries


def test_the_load_leaves_what_the_triggers_would_have_left(sqlite_template, tmp_path, monkeypatch):
    with sqlite_copy(sqlite_template, tmp_path / "derived.sqlite3") as engine:
        load_synthetic(engine, consultations=3_000, seed=4, now=NOW)
        derived_once = _fingerprint(engine)
        queries = _queries(engine)
        found = _search_results(engine, queries, "sqlite")
    _triggered_load(monkeypatch)
    with sqlite_copy(sqlite_template, tmp_path / "triggered.sqlite3") as engine:
        load_synthetic(engine, consultations=3_000, seed=4, now=NOW)
        assert _fingerprint(engine) == derived_once
        assert _search_results(engine, queries, "sqlite") == found
    assert derived_once["consultation"][0] == 3_000
    assert derived_once["placement_count"][0] > 1_000  # counts there to compare
    assert sum(map(len, found)) > 500  # hits there to compare


def test_the_demo_counts_equal_a_recount_and_its_search_the_unindexed_one(demo_engine):
    with demo_engine.connect() as connection:
        assert check_summaries(connection) == []
        # The trigram table's index agrees with the firms it indexes (FTS5's own check).
        connection.exec_driver_sql(
            "INSERT INTO company_search(company_search, rank) VALUES ('integrity-check', 1)"
        )
        short = connection.exec_driver_sql("select count(*) from company_search_short_docsize")
        firms = connection.exec_driver_sql(
            "select count(*) from company where search_key is not null"
        )
        assert short.scalar() == firms.scalar() > 40_000
    queries = _queries(demo_engine, per_length=25)
    indexed = _search_results(demo_engine, queries, "sqlite")
    assert indexed == _search_results(demo_engine, queries, None)
    assert all(indexed)  # every piece of a key finds at least its own firm


def test_the_triggers_are_back_and_keep_the_app_writes(demo_session, sqlite_template):
    with sqlite3.connect(sqlite_template) as template:
        expected = template.execute(TRIGGERS).fetchall()
    assert [tuple(row) for row in demo_session.execute(text(TRIGGERS))] == expected
    assert len(expected) >= 20

    manager = actor_for(get_user(demo_session, "hub06"))
    firm = companies.create_company(
        demo_session, manager, {"name": "株式会社鰻谷ゑ研究所", "prefecture_code": "06"}
    )
    consultations.log_consultation(
        demo_session,
        manager,
        {
            "company_id": firm.id,
            "consulted_on": dt.date(2024, 5, 1),
            "channel": "visit",
            "summary": "面談",
        },
    )
    demo_session.commit()
    for query in ("ゑ", "鰻谷", "ゑ研究"):  # the short table, both lengths; the trigram table
        hits = companies.search_companies(demo_session, manager, query)
        assert [company.id for company in hits] == [firm.id], query
    assert check_summaries(demo_session.connection()) == []
    month = demo_session.execute(
        text(
            "select sum(n) from consultation_count where hub_code = '06' and month = 202405"
            " and channel = 'visit'"
        )
    ).scalar()
    counted = demo_session.execute(
        text(
            "select count(*) from consultation where hub_code = '06' and channel = 'visit'"
            " and consulted_on >= '2024-05-01' and consulted_on < '2024-06-01'"
        )
    ).scalar()
    assert month == counted


def test_a_failed_load_keeps_the_triggers(sqlite_engine, monkeypatch):
    def broken(*_args):
        raise RuntimeError("disk full")

    monkeypatch.setattr(loader, "write_later_changes", broken)
    with sqlite_engine.connect() as connection:
        before = connection.exec_driver_sql(TRIGGERS).all()
    with pytest.raises(RuntimeError):
        load_synthetic(sqlite_engine, consultations=300, seed=1)
    with sqlite_engine.connect() as connection:
        assert connection.exec_driver_sql(TRIGGERS).all() == before
        assert connection.exec_driver_sql("select count(*) from company").scalar() == 0


def test_the_tally_writes_the_counts_without_a_recount(sqlite_engine, monkeypatch):
    def recount(_connection):
        raise AssertionError("recounted")

    monkeypatch.setattr(derived, "rebuild_summaries", recount)
    load_synthetic(sqlite_engine, consultations=2_000, seed=2)
    with sqlite_engine.connect() as connection:
        assert check_summaries(connection) == []


def test_a_way_of_counting_the_tally_does_not_know_is_recounted(sqlite_engine, monkeypatch):
    known = derived.Derived._placement_value

    def unknown_partner(self, key, at):
        return None if "partner_id" in key[1] else known(self, key, at)

    monkeypatch.setattr(derived.Derived, "_placement_value", unknown_partner)
    load_synthetic(sqlite_engine, consultations=2_000, seed=2)
    with sqlite_engine.connect() as connection:
        assert check_summaries(connection) == []
        partners = connection.exec_driver_sql(
            "select sum(n) from placement_count where dimension = 'partner'"
        ).scalar()
        placements = connection.exec_driver_sql("select count(*) from placement").scalar()
        assert partners == placements > 0


@pytest.mark.postgres
def test_postgres_load_counts_and_triggers(postgres_engine):
    with postgres_engine.connect() as connection:
        before = connection.exec_driver_sql(PG_TRIGGERS).all()
    load_synthetic(postgres_engine, consultations=2_000, seed=6)
    with Session(postgres_engine) as session:
        assert session.execute(text(PG_TRIGGERS)).all() == before
        assert any(name == "placement_counts" for name, _definition in before)
        assert check_summaries(session.connection()) == []
        manager = actor_for(get_user(session, "hub06"))
        firm = companies.create_company(
            session, manager, {"name": "株式会社鰻谷ゑ研究所", "prefecture_code": "06"}
        )
        consultations.log_consultation(
            session,
            manager,
            {
                "company_id": firm.id,
                "consulted_on": dt.date(2024, 5, 1),
                "channel": "visit",
                "summary": "面談",
            },
        )
        session.commit()
        assert check_summaries(session.connection()) == []
        for query in ("ゑ", "鰻谷", "ゑ研究"):
            hits = companies.search_companies(session, manager, query)
            assert [company.id for company in hits] == [firm.id], query
