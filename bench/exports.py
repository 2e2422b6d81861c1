"""Benchmark: the secretariat's weekly export at every size (flat: it reads only the week's
rows) and the full export at the largest (memory flat in the data size).

Runs the real commands (`crm export weekly`, `crm export full`) in their own processes against
the scale data sets and reports wall time, the process's peak RSS, rows per file and bytes
written; the weekly export's time is also given as a multiple of its time at the smallest
size. The output goes to a temporary folder, deleted afterwards.

    .venv/bin/python -m bench.exports                             # 100k and 3M, SQLite
    .venv/bin/python -m bench.exports --sizes 100000 1000000 --cp932
    .venv/bin/python -m bench.exports --sizes 100000 --postgres
"""

import argparse
import os
import re
import shutil
import sys
import tempfile
from pathlib import Path

from bench import datasets
from bench.report import markdown_table, write_section

WEEKLY = ("weekly export, all hubs (last complete week)", ["export", "weekly"])
FULL = ("full export, all hubs", ["export", "full"])
FULL_CP932 = ("full export, CP932 (Shift_JIS)", ["export", "full", "--encoding", "cp932"])


def _rows(stdout: str) -> dict[str, int]:
    return {
        name: int(count.replace(",", ""))
        for name, count in re.findall(r"^\s+(\S+\.csv): ([\d,]+) 行", stdout, re.MULTILINE)
    }


def _bytes(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())


def run_step(url: str, label: str, args: list[str]) -> dict:
    env = {**os.environ, "CRM_DATABASE_URL": url, "CRM_DEMO_ON_EMPTY": "0"}
    print(f"{label}…", file=sys.stderr, flush=True)
    out = Path(tempfile.mkdtemp(prefix="crm-export-", dir=datasets.DATA_DIR))
    try:
        done = datasets.run_with_rss([*datasets.CRM, *args, "--out", str(out)], env, label)
        written = _bytes(out)
    finally:
        shutil.rmtree(out, ignore_errors=True)
    return done | {"counts": _rows(done["stdout"]), "written": written}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 3_000_000])
    parser.add_argument("--cp932", action="store_true", help="also the full export in CP932")
    parser.add_argument("--postgres", action="store_true")
    options = parser.parse_args()
    load_start = os.getloadavg()[0]
    rows, first_weekly = [], None
    for size in options.sizes:
        url = datasets.ensure(size, options.postgres)
        steps = [WEEKLY]
        if size == max(options.sizes):
            steps += [FULL, FULL_CP932] if options.cp932 else [FULL]
        for label, args in steps:
            done = run_step(url, label, args)
            counts = done["counts"]
            total = sum(counts.values())
            listed = ", ".join(f"{name.removesuffix('.csv')} {n:,}" for name, n in counts.items())
            growth = ""
            if label == WEEKLY[0]:
                first_weekly = first_weekly or done["seconds"]
                growth = f"{done['seconds'] / first_weekly:.2f}×"
            rows.append(
                [
                    f"{size:,}",
                    label,
                    f"{done['seconds']:,.1f} s",
                    growth,
                    f"{done['rss_mib']:,.0f}",
                    f"{total:,}",
                    f"{total / done['seconds']:,.0f}",
                    f"{done['written'] / 2**20:,.1f}",
                    listed,
                ]
            )
            print("  " + " | ".join(rows[-1][:6]), file=sys.stderr, flush=True)
    backend = "PostgreSQL" if options.postgres else "SQLite"
    table = markdown_table(
        [
            "consultations",
            "command",
            "wall time",
            "weekly ÷ smallest",
            "peak RSS (MiB)",
            "rows written",
            "rows/s",
            "MiB written",
            "rows per file",
        ],
        rows,
    )
    body = (
        f"Database: {backend}, `crm demo --consultations N --seed 1`. Each command is"
        " `crm … --out DIR` in its own process (wall time includes starting Python and the"
        " audit entry); rows are as the command reported them. The weekly export reads the"
        " week's rows through the created/updated and date indexes; the full export writes"
        f" each file as its rows are read.\n\n{table}\n\nLoad average (1 min) at start"
        f" {load_start:.1f}, at end {os.getloadavg()[0]:.1f} ({os.cpu_count()} cores; other"
        " work on the machine inflates the times).\n"
    )
    command = "python -m bench.exports" + (" --postgres" if options.postgres else "")
    if options.sizes != [100_000, 3_000_000]:
        command += " --sizes " + " ".join(str(size) for size in options.sizes)
    if options.cp932:
        command += " --cp932"
    name = "exports" + ("_postgres" if options.postgres else "")
    sizes = " and ".join(f"{size:,}" for size in options.sizes)
    write_section(name, f"Exports at {sizes} consultations ({backend})", command, body)


if __name__ == "__main__":
    main()
