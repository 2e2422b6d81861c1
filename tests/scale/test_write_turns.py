"""Write turns (crm.db): a transaction takes one at its first write (or row lock) and gives
it back however it ends, so one failed or abandoned save never holds up the others; the
writers beyond the engine's turns wait in the order they came. SQLite has one turn; a
PostgreSQL engine has ``CRM_DB_WRITE_TURNS`` (or ``write_turns``)."""

import threading

import pytest
from sqlmodel import Session, select

from crm.db import make_engine, session_scope, write_turns_held, write_turns_waiting
from crm.errors import ValidationError
from crm.models import UserAccount
from crm.services import consultations
from tests.utils.factories import make_actors, make_company


def _manager_and_firm(engine):
    with Session(engine, expire_on_commit=False) as session:
        actors = make_actors(session)
        company = make_company(session, actors.manager01)
        session.commit()
    return actors.manager01, company


@pytest.fixture
def setup(any_engine):
    return _manager_and_firm(any_engine)


def _log(session, actor, company, summary="面談"):
    return consultations.log_consultation(
        session,
        actor,
        {
            "company_id": company.id,
            "consulted_on": "2026-11-02",
            "channel": "visit",
            "summary": summary,
        },
    )


def _one_turn(engine):
    """An engine on the same database with a single write turn (SQLite's is always one)."""
    url = engine.url.render_as_string(hide_password=False)
    return make_engine(url, write_turns=1)


def test_reads_never_take_a_turn_and_a_write_holds_it_until_commit(any_engine, setup):
    actor, company = setup
    assert write_turns_held(any_engine) == 0
    with Session(any_engine) as session:
        consultations.list_consultations(session, actor)
        assert write_turns_held(any_engine) == 0
        _log(session, actor, company)
        assert write_turns_held(any_engine) == 1
        session.commit()
        assert write_turns_held(any_engine) == 0


def test_a_refused_write_and_an_abandoned_session_give_the_turn_back(any_engine, setup):
    actor, company = setup
    with pytest.raises(ValidationError), session_scope(any_engine) as session:
        _log(session, actor, company)
        assert write_turns_held(any_engine) == 1
        _log(session, actor, company, summary="")  # refused: rolls the whole unit back
    assert write_turns_held(any_engine) == 0

    session = Session(any_engine)
    _log(session, actor, company)
    assert write_turns_held(any_engine) == 1
    session.close()  # neither committed nor rolled back by the caller
    assert write_turns_held(any_engine) == 0


def test_a_waiting_writer_proceeds_once_the_holder_commits(any_engine, setup):
    actor, company = setup
    engine = _one_turn(any_engine)
    first = Session(engine)
    _log(first, actor, company, summary="先")
    done = threading.Event()

    def second_writer():
        with session_scope(engine) as session:
            _log(session, actor, company, summary="後")
        done.set()

    thread = threading.Thread(target=second_writer)
    thread.start()
    assert not done.wait(0.3)  # queued behind the open transaction
    first.commit()
    first.close()
    thread.join(timeout=30)
    assert done.is_set()
    with Session(engine) as session:
        summaries = [c.summary for c in consultations.list_consultations(session, actor)]
    assert sorted(summaries) == ["先", "後"]
    engine.dispose()


def test_queued_writers_save_in_the_order_they_asked(any_engine, setup):
    actor, company = setup
    engine = _one_turn(any_engine)
    holder = Session(engine)
    _log(holder, actor, company, summary="0")
    threads = []
    for i in range(1, 6):

        def writer(summary=str(i)):
            with session_scope(engine) as session:
                _log(session, actor, company, summary=summary)

        thread = threading.Thread(target=writer)
        thread.start()
        threads.append(thread)
        # The next writer starts only once this one waits for the turn.
        for _ in range(500):
            if write_turns_waiting(engine) == i:
                break
            threading.Event().wait(0.01)
        assert write_turns_waiting(engine) == i
    holder.commit()
    holder.close()
    for thread in threads:
        thread.join(timeout=30)
    with Session(engine) as session:
        rows = consultations.list_consultations(session, actor)
    by_id = [row.summary for row in sorted(rows, key=lambda row: row.id)]
    assert by_id == ["0", "1", "2", "3", "4", "5"]
    engine.dispose()


@pytest.mark.postgres
def test_a_row_lock_takes_a_turn_on_postgres(postgres_engine):
    """SELECT … FOR SHARE (the session check before a write) locks a row, so it waits its
    turn: a holder never waits for a lock held by someone still waiting for a turn."""
    with Session(postgres_engine) as session:
        session.exec(select(UserAccount).limit(1)).all()
        assert write_turns_held(postgres_engine) == 0
        session.exec(select(UserAccount).limit(1).with_for_update(read=True)).all()
        assert write_turns_held(postgres_engine) == 1
    assert write_turns_held(postgres_engine) == 0


@pytest.mark.postgres
def test_postgres_without_turns_lets_every_writer_through(postgres_engine):
    actor, company = _manager_and_firm(postgres_engine)
    url = postgres_engine.url.render_as_string(hide_password=False)
    engine = make_engine(url, write_turns=0)
    with session_scope(engine) as session:
        _log(session, actor, company)
        assert write_turns_held(engine) == 0
    engine.dispose()
