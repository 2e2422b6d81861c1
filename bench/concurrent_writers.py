"""Benchmark: 46 hub managers (one per hub) logging consultations at the same time.

Every write is one transaction through the services (``log_consultation`` inside
``session_scope``, as a page's save), never retried. After each run the database is recounted
independently: rows with the run's tag, distinct rows, the ids the writers were given, one
audit row per write and the national data-version counter must all equal the number of writes
that succeeded, and each hub must hold exactly its own writer's rows.

Runs, each on a fresh database:
- threads: 46 threads in one process sharing one engine (one ``streamlit run`` serving 46
  sessions), 500 writes each, back to back (closed loop: the heaviest possible load);
- processes: 46 OS processes, each with its own engine (46 app processes on one database);
- paced: 46 threads, one write per writer per second (a busy but human rhythm).
On PostgreSQL the run also samples pg_stat_activity to show what the backends waited on.

    .venv/bin/python -m bench.concurrent_writers                 # SQLite and PostgreSQL
    .venv/bin/python -m bench.concurrent_writers --sqlite-only --per-writer 100
"""

import argparse
import os
import sys
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url

from bench import datasets
from bench.report import markdown_table, write_section
from bench.writers import (
    elapsed,
    national_version,
    percentile,
    prepare_writers,
    recount,
    run_processes,
    run_threads,
    write_consultations,
)
from crm.db import make_engine, upgrade


def fresh_database(postgres: bool) -> tuple[str, callable]:
    if not postgres:
        path = datasets.DATA_DIR / f"writers-{uuid.uuid4().hex[:8]}.sqlite3"
        datasets.DATA_DIR.mkdir(parents=True, exist_ok=True)

        def remove() -> None:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)

        return f"sqlite:///{path}", remove
    return datasets.temporary_postgres_database("crm_writers")


class WaitSampler:
    """Counts what PostgreSQL backends of one database are doing, twice a second."""

    def __init__(self, url: str):
        self.engine = make_engine(url, pool_size=1)
        self.database = make_url(url).database
        self.counts: Counter = Counter()
        self.samples = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        query = text(
            "SELECT coalesce(wait_event_type || ':' || wait_event, 'running') || "
            "' (' || state || ')' FROM pg_stat_activity WHERE datname = :d "
            "AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
        )
        while not self.stop.wait(0.5):
            with self.engine.connect() as connection:
                self.counts.update(r[0] for r in connection.execute(query, {"d": self.database}))
            self.samples += 1

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *_exc):
        self.stop.set()
        self.thread.join()
        self.engine.dispose()

    def summary(self) -> str:
        if not self.samples:
            return ""
        top = self.counts.most_common(3)
        return "; ".join(f"{what} {n / self.samples:.1f}" for what, n in top)


def run_paced(engine, writers, count: int, tag: str, think: float):
    start = threading.Barrier(len(writers))
    results = [None] * len(writers)

    def work(i: int) -> None:
        # Staggered starts: writers arrive spread over the interval, as people do.
        results[i] = write_consultations(
            engine, writers[i], count, tag, start, think=think, first_delay=think * i / len(writers)
        )

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(writers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def one_run(postgres: bool, mode: str, count: int, think: float = 0.0) -> dict:
    url, cleanup = fresh_database(postgres)
    try:
        engine = make_engine(url, pool_size=46, max_overflow=4)
        upgrade(engine)
        writers = prepare_writers(engine)
        before = national_version(engine)
        tag = f"bench-{mode}"
        sampler = WaitSampler(url) if postgres else None
        if sampler:
            sampler.__enter__()
        began = time.perf_counter()
        try:
            if mode == "processes":
                engine.dispose()
                results = run_processes(url, writers, count, tag)
            elif mode == "paced":
                results = run_paced(engine, writers, count, tag, think)
            else:
                results = run_threads(engine, writers, count, tag)
        finally:
            if sampler:
                sampler.__exit__(None, None, None)
        wall = time.perf_counter() - began
        counted = recount(engine, tag, results, before)
        engine.dispose()
    finally:
        cleanup()
    latencies = [x for r in results for x in r.latencies]
    errors = [e for r in results for e in r.errors]
    return {
        "results": results,
        "recount": counted,
        "latencies": latencies,
        "errors": errors,
        "active": elapsed(results),
        "wall": wall,
        "waits": sampler.summary() if sampler else "",
        "writers": len(writers),
        "count": count,
    }


def row(backend: str, label: str, run: dict) -> list:
    lat, counted = run["latencies"], run["recount"]
    ms = lambda share: f"{percentile(lat, share) * 1000:,.0f}" if lat else "—"  # noqa: E731
    attempted = run["writers"] * run["count"]
    verdict = (
        "exact"
        if counted.ok and counted.expected == attempted
        else (
            f"rows {counted.rows:,} / distinct {counted.distinct_summaries:,} / succeeded "
            f"{counted.expected:,} / audit {counted.audit_rows:,} / version "
            f"+{counted.national_version_delta:,}"
        )
    )
    return [
        backend,
        label,
        f"{run['writers']} × {run['count']}",
        f"{run['active']:,.1f} s",
        f"{len(lat) / run['active']:,.0f}",
        ms(0.50),
        ms(0.95),
        ms(0.99),
        f"{max(lat) * 1000:,.0f}" if lat else "—",
        str(len(run["errors"])),
        f"{counted.rows:,} = {counted.expected:,}: {verdict}; lost {counted.lost}, "
        f"duplicated {counted.duplicated}",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--per-writer",
        type=int,
        default=500,
        help="writes per writer in the closed-loop thread runs (default 500)",
    )
    parser.add_argument(
        "--process-writes",
        type=int,
        default=100,
        help="writes per writer in the 46-process runs (default 100)",
    )
    parser.add_argument("--paced-writes", type=int, default=30)
    parser.add_argument("--sqlite-only", action="store_true")
    options = parser.parse_args()
    backends = [("SQLite (WAL)", False)] + ([] if options.sqlite_only else [("PostgreSQL", True)])
    plan = [
        ("threads", "46 threads, one process, back to back", options.per_writer, 0.0),
        ("processes", "46 processes, back to back", options.process_writes, 0.0),
        ("paced", "46 threads, 1 write/s each", options.paced_writes, 1.0),
    ]
    load_start = os.getloadavg()[0]
    rows, waits, errors = [], [], []
    for backend, postgres in backends:
        for mode, label, count, think in plan:
            print(f"{backend} {label} × {count}…", file=sys.stderr, flush=True)
            run = one_run(postgres, mode, count, think)
            rows.append(row(backend, label, run))
            if run["waits"]:
                waits.append(f"- {backend}, {label}: {run['waits']}")
            if run["errors"]:
                errors.append(
                    f"- {backend}, {label}: "
                    + "; ".join(f"{n}× {e}" for e, n in Counter(run["errors"]).most_common(3))
                )
            print("  " + " | ".join(rows[-1]), file=sys.stderr, flush=True)
    table = markdown_table(
        [
            "database",
            "writers",
            "writers × writes",
            "time",
            "writes/s",
            "p50 ms",
            "p95 ms",
            "p99 ms",
            "max ms",
            "errors",
            "recount (rows = writes that succeeded)",
        ],
        rows,
    )
    body = (
        "One hub manager per active hub (46), each logging consultations for a firm of their "
        "hub through `consultations.log_consultation` in its own transaction (validation, "
        "scope check, insert, audit row, data-version bump), never retried. *time* runs from "
        "the first writer starting to the last finishing; latency is per write, start of the "
        "transaction to commit. The recount reads the database afterwards: rows with the "
        "run's tag, distinct rows, the ids the writers were given, audit rows and the national "
        "data-version counter all equal the writes that succeeded, and every hub holds exactly "
        f"its writer's rows.\n\n{table}\n\n"
        + ("Errors:\n" + "\n".join(errors) + "\n\n" if errors else "No write failed.\n\n")
        + (
            "PostgreSQL backends, average number in each state per sample (pg_stat_activity):\n"
            + "\n".join(waits)
            + "\n\n"
            if waits
            else ""
        )
        + f"Load average (1 min) at start {load_start:.1f}, at end {os.getloadavg()[0]:.1f} "
        f"({os.cpu_count()} cores; other work on the machine inflates the times).\n"
    )
    command = "python -m bench.concurrent_writers"
    if options.sqlite_only:
        command += " --sqlite-only"
    for flag, value, default in (
        ("--per-writer", options.per_writer, 500),
        ("--process-writes", options.process_writes, 100),
        ("--paced-writes", options.paced_writes, 30),
    ):
        if value != default:
            command += f" {flag} {value}"
    write_section("concurrent_writers", "46 concurrent writers (one per hub)", command, body)


if __name__ == "__main__":
    main()
