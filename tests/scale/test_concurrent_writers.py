"""46 hub managers write at once (one per hub) through the services: no error, nothing lost,
nothing doubled. The same harness runs 46 × 500 in ``bench/concurrent_writers.py``; here it runs
small enough for CI, on SQLite (WAL) and on PostgreSQL.
"""

from sqlalchemy import func, select
from sqlmodel import Session

from bench.writers import (
    national_version,
    prepare_writers,
    recount,
    run_processes,
    run_threads,
)
from crm.db import make_engine
from crm.models import Consultation, DataVersion, Hub

PER_WRITER = 20


def _engine_with_room_for(engine, connections: int):
    """The fixture's database, with a pool large enough that no writer waits for a connection."""
    return make_engine(
        engine.url.render_as_string(hide_password=False), pool_size=connections, max_overflow=0
    )


def test_46_writers_one_per_hub_lose_and_double_nothing(any_engine):
    engine = _engine_with_room_for(any_engine, 46)
    writers = prepare_writers(engine)
    with Session(engine) as session:
        active_hubs = session.execute(
            select(func.count()).select_from(Hub).where(Hub.active)
        ).scalar_one()
        hub_versions_before = dict(
            session.execute(select(DataVersion.scope, DataVersion.version)).all()
        )
    assert len(writers) == active_hubs == 46
    before = national_version(engine)

    results = run_threads(engine, writers, PER_WRITER, tag="ci-threads")

    errors = [error for result in results for error in result.errors]
    assert errors == []
    assert all(len(result.ids) == PER_WRITER for result in results)
    counted = recount(engine, "ci-threads", results, before)
    assert counted.expected == 46 * PER_WRITER
    assert counted.rows == counted.distinct_summaries == counted.expected  # none lost or doubled
    assert counted.ids_found == counted.ids_reported == counted.expected
    assert counted.audit_rows == counted.expected  # each write audited exactly once
    assert counted.national_version_delta == counted.expected  # no lost counter update
    assert counted.per_hub_mismatches == {}
    with Session(engine) as session:
        per_hub = dict(
            session.execute(
                select(Consultation.hub_code, func.count()).group_by(Consultation.hub_code)
            ).all()
        )
        hub_versions = dict(session.execute(select(DataVersion.scope, DataVersion.version)).all())
    assert per_hub == {w.hub_code: PER_WRITER for w in writers}
    # Each hub's cache counter moved by its own writes (plus its firm) and nobody else's.
    assert {
        code: hub_versions[code] - hub_versions_before[code] for code in per_hub
    } == dict.fromkeys(per_hub, PER_WRITER)
    engine.dispose()


def test_writers_in_separate_processes_lose_and_double_nothing(any_engine):
    """Several app processes on one database: each writer has its own process and engine."""
    url = any_engine.url.render_as_string(hide_password=False)
    writers = prepare_writers(any_engine, hubs=["01", "06", "27", "47"])
    before = national_version(any_engine)
    any_engine.dispose()  # the children open their own connections

    results = run_processes(url, writers, 10, tag="ci-processes")

    assert [error for result in results for error in result.errors] == []
    counted = recount(any_engine, "ci-processes", results, before)
    assert counted.ok, counted
    assert counted.rows == 40
