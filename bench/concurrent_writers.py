"""Benchmark: 46 hub managers (one per hub) logging consultations at the same time.

Every write is one transaction through the services (``log_consultation`` inside
``session_scope``, as a page's save), never retried. After each run the database is recounted
independently: rows with the run's tag, distinct rows, the ids the writers were given, one
audit row per write and the national data-version counter must all equal the number of writes
that succeeded, and each hub must hold exactly its own writer's rows.

Runs, each on a fresh database:
- threads: 46 threads in one process sharing the app's own engine and pool (``make_engine``
  with its defaults: one ``crm serve`` serving 46 sessions), 200 writes each, back to back
  (closed loop: the heaviest possible load);
- processes: 46 OS processes, each with its own engine (46 app processes on one database);
- paced: 46 threads, one write per writer per second (a busy but human rhythm).
On PostgreSQL the run also samples pg_stat_activity to show what the backends waited on.

``--scale SIZE`` adds a run on a copy of the SQLite scale set (``bench/datasets.py``): the
threads run on top of SIZE consultations, then a CSV import of new firms and 10,000
consultations with ``crm import``, then ``crm db check-summaries``, which must find no
difference between the counts kept on write and a recount of the rows.

    .venv/bin/python -m bench.concurrent_writers                 # SQLite and PostgreSQL
    .venv/bin/python -m bench.concurrent_writers --sqlite-only --per-writer 100
    .venv/bin/python -m bench.concurrent_writers --scale 1000000
"""

import argparse
import datetime as dt
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

from sqlalchemy import select, text
from sqlalchemy.engine import make_url

from bench import datasets
from bench.import_100k import CHANNELS, CRM, HUB, ROOT
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


def _scratch_sqlite(prefix: str) -> tuple[Path, callable]:
    """A new SQLite path in the data folder and a function that removes it with its WAL."""
    datasets.DATA_DIR.mkdir(parents=True, exist_ok=True)
    path = datasets.DATA_DIR / f"{prefix}-{uuid.uuid4().hex[:8]}.sqlite3"

    def remove() -> None:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)

    return path, remove


def fresh_database(postgres: bool) -> tuple[str, callable]:
    if not postgres:
        path, remove = _scratch_sqlite("writers")
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


def scale_copy(size: int) -> tuple[str, callable]:
    """A scratch copy of the SQLite scale set of ``size`` consultations (the run migrates it)."""
    source = Path(make_url(datasets.ensure(size)).database or "")
    path, remove = _scratch_sqlite("writers-scale")
    shutil.copyfile(source, path)
    return f"sqlite:///{path}", remove


def import_and_check(url: str, rows: int = 10_000) -> dict:
    """``crm import`` of new firms and ``rows`` consultations for hub 06's existing firms,
    then ``crm db check-summaries``: its exit status and last line."""
    from crm.models import Company

    engine = make_engine(url)
    with engine.connect() as connection:
        firm_ids = list(
            connection.execute(
                select(Company.id)
                .where(Company.hub_code == HUB, Company.merged_into.is_(None))
                .order_by(Company.id)
                .limit(2_000)
            ).scalars()
        )
    engine.dispose()
    rng = random.Random(15)
    env = {**os.environ, "CRM_DATABASE_URL": url}
    with tempfile.TemporaryDirectory() as folder:
        firms = Path(folder) / "companies.csv"
        firms.write_text(
            "企業名,都道府県コード,業種\n"
            + "".join(f"取込確認{n:04d}工業株式会社,{HUB},E\n" for n in range(500)),
            encoding="utf-8-sig",
        )
        first = dt.date(2016, 4, 1)
        span = (dt.date(2026, 11, 30) - first).days
        consultations = Path(folder) / "consultations.csv"
        consultations.write_text(
            "企業ID,相談日,相談経路,相談内容\n"
            + "".join(
                f"{rng.choice(firm_ids)},{first + dt.timedelta(days=rng.randrange(span))},"
                f"{rng.choice(CHANNELS)},取込確認（{n:05d}）\n"
                for n in range(rows)
            ),
            encoding="utf-8-sig",
        )
        began = time.perf_counter()
        for kind, path in (("companies", firms), ("consultations", consultations)):
            subprocess.run(
                [*CRM, "import", kind, str(path), "--hub", HUB],
                env=env,
                check=True,
                capture_output=True,
                cwd=ROOT,
            )
        imported = time.perf_counter() - began
    began = time.perf_counter()
    check = subprocess.run(
        [*CRM, "db", "check-summaries"], env=env, capture_output=True, text=True, cwd=ROOT
    )
    return {
        "import_seconds": imported,
        "check_seconds": time.perf_counter() - began,
        "check_status": check.returncode,
        "check_output": (check.stdout.strip() or check.stderr.strip()).splitlines()[-1],
        "rows": rows,
    }


def one_run(
    postgres: bool, mode: str, count: int, think: float = 0.0, scale: int | None = None
) -> dict:
    url, cleanup = scale_copy(scale) if scale else fresh_database(postgres)
    try:
        # The app's own engine and pool (crm.db.make_engine's defaults), as `crm serve` has.
        engine = make_engine(url)
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
        checked = import_and_check(url) if scale else None
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
        "checked": checked,
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
        default=200,
        help="writes per writer in the closed-loop thread runs (default 200)",
    )
    parser.add_argument(
        "--process-writes",
        type=int,
        default=100,
        help="writes per writer in the 46-process runs (default 100)",
    )
    parser.add_argument("--paced-writes", type=int, default=30)
    parser.add_argument("--sqlite-only", action="store_true")
    parser.add_argument(
        "--scale",
        type=int,
        help="also run the threads on a copy of this SQLite scale set, then import and check",
    )
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
    checks = []
    if options.scale:
        label = f"46 threads on {options.scale:,} consultations, back to back"
        print(f"SQLite (WAL) {label} × {options.per_writer}…", file=sys.stderr, flush=True)
        run = one_run(False, "threads", options.per_writer, scale=options.scale)
        rows.append(row("SQLite (WAL)", label, run))
        errors += [f"- SQLite, {label}: {e}" for e in run["errors"][:3]]
        checked = run["checked"]
        checks.append(
            f"After the run on {options.scale:,} consultations, `crm import` of 500 new firms"
            f" and {checked['rows']:,} consultations ({checked['import_seconds']:.0f} s), then"
            f" `crm db check-summaries` ({checked['check_seconds']:.0f} s): exit status"
            f" {checked['check_status']}, 「{checked['check_output']}」"
        )
        print("  " + " | ".join(rows[-1]) + "\n  " + checks[-1], file=sys.stderr, flush=True)
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
        + "".join(f"{line}\n\n" for line in checks)
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
        ("--scale", options.scale, None),
        ("--per-writer", options.per_writer, 200),
        ("--process-writes", options.process_writes, 100),
        ("--paced-writes", options.paced_writes, 30),
    ):
        if value != default:
            command += f" {flag} {value}"
    write_section("concurrent_writers", "46 concurrent writers (one per hub)", command, body)


if __name__ == "__main__":
    main()
