"""Concurrent writers: one hub manager per hub logging consultations through the services.

Shared by ``bench/concurrent_writers.py`` (46 × 500, timed) and
``tests/scale/test_concurrent_writers.py`` (46 × a few, in CI). Each write is one
``session_scope`` around ``consultations.log_consultation`` — exactly what a page's save does —
and is never retried, so an error is visible as an error and a lost or doubled write shows up in
the recount. Writers run as threads of one process (how one ``streamlit run`` serves many
sessions) or as separate processes (several app processes sharing one database).
"""

import datetime as dt
import multiprocessing
import threading
import time
import traceback
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import Engine, func, select
from sqlmodel import Session

from crm.actor import SYSTEM, Actor, actor_for
from crm.db import make_engine, session_scope
from crm.models import AuditLog, Consultation
from crm.services import companies, consultations, reference_data, users
from crm.services.base import data_version


@dataclass(frozen=True)
class Writer:
    """One hub manager and the firm they log consultations for."""

    actor: Actor
    company_id: int

    @property
    def hub_code(self) -> str:
        return self.actor.hub_code or ""


@dataclass
class WriterResult:
    hub_code: str
    latencies: list[float] = field(default_factory=list)  # seconds, successful writes only
    errors: list[str] = field(default_factory=list)
    ids: list[int] = field(default_factory=list)
    # time.perf_counter() is CLOCK_MONOTONIC on Linux, comparable across processes.
    started: float = 0.0
    finished: float = 0.0


@dataclass(frozen=True)
class Recount:
    """What the database holds for a run, counted independently of what the writers said."""

    expected: int  # writes the writers saw succeed
    rows: int
    distinct_summaries: int
    ids_reported: int
    ids_found: int
    audit_rows: int
    national_version_delta: int
    per_hub_mismatches: dict[str, tuple[int, int]]  # hub -> (expected, found), only if different

    @property
    def lost(self) -> int:
        return max(self.expected - self.distinct_summaries, 0)

    @property
    def duplicated(self) -> int:
        return self.rows - self.distinct_summaries

    @property
    def ok(self) -> bool:
        return (
            self.rows
            == self.distinct_summaries
            == self.expected
            == self.ids_found
            == self.ids_reported
            == self.audit_rows
            == self.national_version_delta
            and not self.per_hub_mismatches
        )


def prepare_writers(
    engine: Engine, hubs: list[str] | None = None, prefix: str = "bench"
) -> list[Writer]:
    """A hub manager and a firm in every active hub (46 in the seed), committed."""
    with session_scope(engine) as session:
        codes = hubs or [hub.code for hub in reference_data.list_hubs(session)]
        writers = []
        for code in codes:
            user = users.create_user(
                session,
                SYSTEM,
                username=f"{prefix}-manager-{code}",
                role="hub_manager",
                hub_code=code,
            )
            actor = actor_for(user)
            company = companies.create_company(
                session,
                actor,
                {"name": f"{prefix}工業{code}株式会社", "prefecture_code": code, "industry": "E"},
            )
            writers.append(Writer(actor, company.id))
    return writers


def summary_of(tag: str, hub_code: str, index: int) -> str:
    return f"{tag} {hub_code}-{index:06d}"


def write_consultations(
    engine: Engine,
    writer: Writer,
    count: int,
    tag: str,
    start: threading.Barrier | None = None,
    stop: threading.Event | None = None,
    think: float = 0.0,
    first_delay: float = 0.0,
) -> WriterResult:
    """Log ``count`` consultations for ``writer`` (fewer if ``stop`` is set first), one
    transaction each, pausing ``think`` seconds between them; time every one."""
    result = WriterResult(writer.hub_code)
    if start is not None:
        start.wait()
    result.started = time.perf_counter()
    if first_delay:
        time.sleep(first_delay)
    for index in range(count):
        if stop is not None and stop.is_set():
            break
        if think and index:
            time.sleep(think)
        began = time.perf_counter()
        try:
            with session_scope(engine) as session:
                row = consultations.log_consultation(
                    session,
                    writer.actor,
                    {
                        "company_id": writer.company_id,
                        "consulted_on": dt.date(2026, 11, 2),
                        "channel": "visit",
                        "summary": summary_of(tag, writer.hub_code, index),
                    },
                )
            result.latencies.append(time.perf_counter() - began)
            result.ids.append(row.id)
        except Exception as error:  # counted, reported and checked by the caller
            result.errors.append(f"{type(error).__name__}: {error}".splitlines()[0][:300])
    result.finished = time.perf_counter()
    return result


def national_version(engine: Engine) -> int:
    """What national cached reads key on: the sum of every hub's data-version counter."""
    with Session(engine) as session:
        return data_version(session, "all")


def run_threads(engine: Engine, writers: list[Writer], count: int, tag: str) -> list[WriterResult]:
    """All writers at once as threads sharing one engine (one app process, many sessions)."""
    start = threading.Barrier(len(writers))
    results: list[WriterResult | None] = [None] * len(writers)

    def work(i: int) -> None:
        try:
            results[i] = write_consultations(engine, writers[i], count, tag, start)
        except Exception:
            results[i] = WriterResult(writers[i].hub_code, errors=[traceback.format_exc()])

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(writers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return [r for r in results if r is not None]


def _process_main(url: str, writer: Writer, count: int, tag: str, start, queue) -> None:
    engine = make_engine(url, pool_size=1)
    try:
        queue.put(write_consultations(engine, writer, count, tag, start))
    except Exception:
        queue.put(WriterResult(writer.hub_code, errors=[traceback.format_exc()]))
    finally:
        engine.dispose()


def run_processes(url: str, writers: list[Writer], count: int, tag: str) -> list[WriterResult]:
    """All writers at once, each in its own OS process with its own engine."""
    # fork: a child starts in milliseconds and opens its own engine (the parent disposed its own).
    context = multiprocessing.get_context("fork")
    start = context.Barrier(len(writers))
    queue = context.Queue()
    processes = [
        context.Process(target=_process_main, args=(url, w, count, tag, start, queue))
        for w in writers
    ]
    for process in processes:
        process.start()
    results = [queue.get() for _ in processes]
    for process in processes:
        process.join()
    return results


def recount(engine: Engine, tag: str, results: list[WriterResult], national_before: int) -> Recount:
    """Count the run's rows back from the database and compare with the writes the writers
    saw succeed (a failed write must have left nothing behind)."""
    like = f"{tag} %"
    with Session(engine) as session:
        rows = session.execute(
            select(func.count()).select_from(Consultation).where(Consultation.summary.like(like))
        ).scalar_one()
        distinct = session.execute(
            select(func.count(func.distinct(Consultation.summary))).where(
                Consultation.summary.like(like)
            )
        ).scalar_one()
        per_hub = Counter(
            dict(
                session.execute(
                    select(Consultation.hub_code, func.count())
                    .where(Consultation.summary.like(like))
                    .group_by(Consultation.hub_code)
                ).all()
            )
        )
        reported = [i for r in results for i in r.ids]
        found = 0
        for chunk in range(0, len(reported), 900):
            ids = reported[chunk : chunk + 900]
            found += session.execute(
                select(func.count())
                .select_from(Consultation)
                .where(Consultation.id.in_(ids), Consultation.summary.like(like))
            ).scalar_one()
        audit = 0
        for chunk in range(0, len(reported), 900):
            ids = [str(i) for i in reported[chunk : chunk + 900]]
            audit += session.execute(
                select(func.count())
                .select_from(AuditLog)
                .where(
                    AuditLog.entity == "consultation",
                    AuditLog.action == "create",
                    AuditLog.entity_id.in_(ids),
                )
            ).scalar_one()
    mismatches = {
        r.hub_code: (len(r.ids), per_hub.get(r.hub_code, 0))
        for r in results
        if len(r.ids) != per_hub.get(r.hub_code, 0)
    }
    return Recount(
        expected=sum(len(r.ids) for r in results),
        rows=rows,
        distinct_summaries=distinct,
        ids_reported=len(set(reported)),
        ids_found=found,
        audit_rows=audit,
        national_version_delta=national_version(engine) - national_before,
        per_hub_mismatches=mismatches,
    )


def elapsed(results: list[WriterResult]) -> float:
    """From the first writer starting to the last finishing (start-up excluded)."""
    return max(r.finished for r in results) - min(r.started for r in results if r.started)


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile (``share`` in 0..1) of a non-empty list."""
    ordered = sorted(values)
    rank = max(int(round(share * len(ordered) + 0.5)) - 1, 0)
    return ordered[min(rank, len(ordered) - 1)]
