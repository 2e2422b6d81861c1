"""The SQLite write turn (crm.db) is taken by the first write of a transaction and given back
however the transaction ends, so one failed or abandoned save never holds up the others; the
writers waiting for it save in the order they came."""

import threading

import pytest
from sqlmodel import Session

from crm.db import make_engine, session_scope, write_turn_taken, write_turns_waiting
from crm.errors import ValidationError
from crm.services import consultations
from tests.utils.factories import make_actors, make_company, make_consultation
from tests.utils.waiting import wait_until


@pytest.fixture
def setup(engine):
    with Session(engine, expire_on_commit=False) as session:
        actors = make_actors(session)
        company = make_company(session, actors.manager01)
        session.commit()
    return actors.manager01, company


def _log(session, actor, company, summary="面談"):
    return make_consultation(session, actor, company, on="2026-11-02", summary=summary)


def test_reads_never_take_a_turn_and_a_write_holds_it_until_commit(engine, setup):
    actor, company = setup
    assert not write_turn_taken(engine)
    with Session(engine) as session:
        consultations.list_consultations(session, actor)
        assert not write_turn_taken(engine)
        _log(session, actor, company)
        assert write_turn_taken(engine)
        session.commit()
        assert not write_turn_taken(engine)


def test_a_refused_write_and_an_abandoned_session_give_the_turn_back(engine, setup):
    actor, company = setup
    with pytest.raises(ValidationError), session_scope(engine) as session:
        _log(session, actor, company)
        assert write_turn_taken(engine)
        _log(session, actor, company, summary="")  # refused: rolls the whole unit back
    assert not write_turn_taken(engine)

    session = Session(engine)
    _log(session, actor, company)
    assert write_turn_taken(engine)
    session.close()  # neither committed nor rolled back by the caller
    assert not write_turn_taken(engine)


def test_a_waiting_writer_proceeds_once_the_holder_commits(engine, setup):
    actor, company = setup
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


def test_queued_writers_save_in_the_order_they_asked(engine, setup):
    actor, company = setup
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
        wait_until(lambda n=i: write_turns_waiting(engine) == n)
    holder.commit()
    holder.close()
    for thread in threads:
        thread.join(timeout=30)
    with Session(engine) as session:
        rows = consultations.list_consultations(session, actor)
    by_id = [row.summary for row in sorted(rows, key=lambda row: row.id)]
    assert by_id == ["0", "1", "2", "3", "4", "5"]


def test_postgres_engines_have_no_write_turn():
    engine = make_engine("postgresql+psycopg://nobody@127.0.0.1:1/none")
    assert not write_turn_taken(engine)
