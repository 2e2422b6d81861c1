"""Units of work on PostgreSQL queue a few at a time, first come first served, and never wait
for ever (crm.admission, crm.db.session_scope)."""

import threading
import time

import pytest
from sqlmodel import Session

from crm.admission import Admission
from crm.db import admission, make_engine, session_scope
from crm.errors import ValidationError
from crm.services import consultations
from tests.utils.factories import make_actors, make_company, make_consultation
from tests.utils.waiting import wait_until


def test_units_beyond_the_places_wait_in_the_order_they_came():
    queue = Admission(places=1, wait=10)
    entered: list[int] = []
    first = queue.admitted()
    first.__enter__()

    def unit(i: int) -> None:
        with queue.admitted():
            entered.append(i)

    threads = []
    for i in range(8):
        thread = threading.Thread(target=unit, args=(i,))
        thread.start()
        wait_until(lambda n=i + 1: queue.waiting() == n)
        threads.append(thread)
    assert entered == []
    first.__exit__(None, None, None)
    for thread in threads:
        thread.join(timeout=10)
    assert entered == list(range(8))
    assert (queue.running(), queue.waiting()) == (0, 0)


def test_a_unit_inside_another_on_the_same_thread_runs_on_its_place():
    queue = Admission(places=1, wait=10)
    started = time.monotonic()
    with queue.admitted(), queue.admitted():
        assert queue.running() == 1
    assert time.monotonic() - started < 1  # did not wait for its own place
    assert queue.running() == 0


def test_a_unit_that_waited_long_enough_goes_ahead_and_takes_no_place():
    queue = Admission(places=1, wait=0.05)
    done = threading.Event()
    with queue.admitted():

        def late() -> None:
            with queue.admitted():
                done.set()

        thread = threading.Thread(target=late)
        thread.start()
        assert done.wait(5)  # ran while the place was still held
        thread.join(timeout=5)
        assert queue.running() == 1
    assert (queue.running(), queue.waiting()) == (0, 0)


def test_a_failing_unit_gives_its_place_back():
    queue = Admission(places=1, wait=10)
    with pytest.raises(RuntimeError), queue.admitted():
        raise RuntimeError("refused")
    assert queue.running() == 0


def test_sqlite_engines_have_no_queue_and_postgres_engines_have_the_setting(monkeypatch):
    assert admission(make_engine("sqlite://")) is None
    pg = "postgresql+psycopg://nobody@127.0.0.1:1/none"
    assert admission(make_engine(pg)) is not None
    assert admission(make_engine(pg, concurrent_units=0)) is None
    monkeypatch.setenv("CRM_DB_CONCURRENT_UNITS", "0")
    assert admission(make_engine(pg)) is None


@pytest.mark.postgres
def test_saves_on_postgres_queue_and_proceed_in_order(postgres_engine):
    url = postgres_engine.url.render_as_string(hide_password=False)
    engine = make_engine(url, concurrent_units=1)
    queue = admission(engine)
    assert queue is not None
    with Session(engine, expire_on_commit=False) as session:
        actors = make_actors(session)
        company = make_company(session, actors.manager01)
        session.commit()
    actor = actors.manager01

    def save(summary: str) -> None:
        with session_scope(engine) as session:
            make_consultation(session, actor, company, summary=summary)

    holder = session_scope(engine)
    holder.__enter__()
    assert queue.running() == 1
    threads = []
    for i in range(1, 5):
        thread = threading.Thread(target=save, args=(str(i),))
        thread.start()
        wait_until(lambda n=i: queue.waiting() == n)
        threads.append(thread)
    holder.__exit__(None, None, None)
    for thread in threads:
        thread.join(timeout=30)
    with Session(engine) as session:
        rows = consultations.list_consultations(session, actor)
    assert [r.summary for r in sorted(rows, key=lambda r: r.id)] == ["1", "2", "3", "4"]
    # A refused save gives its place back.
    with pytest.raises(ValidationError):
        save("")
    assert (queue.running(), queue.waiting()) == (0, 0)
    engine.dispose()
