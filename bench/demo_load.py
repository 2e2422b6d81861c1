"""Benchmark: `crm demo` (the full demo history) and its scale mode, as an operator runs them.

Each load goes into a fresh database (SQLite file, or a new PostgreSQL database with
``--postgres``, which reads CRM_TEST_POSTGRES_URL), migrated first by `crm db upgrade`; the load
runs the real command in its own process. Time is wall-clock; memory is that process's peak
resident set size. Results go to BENCHMARKS.md (section ``demo_load``, or ``demo_load_postgres``).

    .venv/bin/python -m bench.demo_load                       # demo, 100k and 1M on SQLite
    .venv/bin/python -m bench.demo_load --sizes 10000 100000  # other scale-mode sizes
    .venv/bin/python -m bench.demo_load --postgres --sizes 100000
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import datasets
from bench.report import markdown_table, write_section

ROOT = Path(__file__).resolve().parent.parent
CRM = [sys.executable, "-c", "from crm.cli import app; app()"]


def run(args: list[str], env: dict) -> dict:
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        began = time.perf_counter()
        process = subprocess.Popen([*CRM, *args], env=env, stdout=out, stderr=err, cwd=ROOT)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - began
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"crm {' '.join(args)} failed:\n{stdout}\n{stderr[-3000:]}")
    return {"seconds": seconds, "rss_mib": usage.ru_maxrss / 1024, "stdout": stdout}


def counts(stdout: str) -> dict[str, int]:
    """The `label: N 件` lines the command prints."""
    return {
        label: int(number.replace(",", ""))
        for label, number in re.findall(r"^\s+(\S+): ([\d,]+) 件$", stdout, re.MULTILINE)
    }


def fresh_database(postgres: bool, folder: Path, label: str) -> tuple[str, callable]:
    if not postgres:
        path = folder / f"{label}.sqlite3"
        return f"sqlite:///{path}", lambda: None
    return datasets.temporary_postgres_database()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes",
        type=int,
        nargs="*",
        default=[100_000, 1_000_000],
        help="scale-mode consultation counts to load after the demo",
    )
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    rows = []
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as folder:
        for size in [None, *args.sizes]:
            label = "demo" if size is None else f"n{size}"
            url, drop = fresh_database(args.postgres, Path(folder), label)
            env = {**os.environ, "CRM_DATABASE_URL": url, "CRM_DEMO_PASSWORD": "benchmark-password"}
            try:
                run(["db", "upgrade"], env)
                command = ["demo"] if size is None else ["demo", "--consultations", str(size)]
                result = run(command, env)
            finally:
                drop()
            found = counts(result["stdout"])
            total = sum(found.values())
            row = [
                f"`crm {' '.join(command)}`",
                f"{found.get('相談', 0):,}",
                f"{found.get('成約', 0):,}",
                f"{total:,}",
                f"{result['seconds']:.1f}",
                f"{total / result['seconds']:,.0f}",
                f"{result['rss_mib']:.0f}",
            ]
            if not args.postgres:
                path = Path(folder) / f"{label}.sqlite3"
                row.append(f"{path.stat().st_size / 2**20:,.0f}")
            rows.append(row)
            print(f"{label}: {result['seconds']:.1f} s", file=sys.stderr)
    backend = "PostgreSQL" if args.postgres else "SQLite"
    headers = [
        "command",
        "consultations",
        "placements",
        "rows in all",
        "seconds",
        "rows/s",
        "peak RSS (MiB)",
    ] + ([] if args.postgres else ["file (MiB)"])
    body = (
        f"Database: {backend}, fresh and migrated for each load. Each load is one process and "
        "one transaction; time is wall-clock including start-up, hashing the shared demo "
        "password, planning, writing and ANALYZE. Machine load average (1 min) before and "
        f"after the runs: {load_before:.1f} / {os.getloadavg()[0]:.1f}.\n\n"
        + markdown_table(headers, rows)
    )
    name = "demo_load_postgres" if args.postgres else "demo_load"
    flags = " --postgres" if args.postgres else ""
    write_section(
        name,
        f"Demo data load: `crm demo` and scale mode ({backend})",
        f"python -m bench.demo_load{flags} --sizes {' '.join(map(str, args.sizes))}",
        body,
    )


if __name__ == "__main__":
    main()
