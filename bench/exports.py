"""Benchmark: the secretariat's weekly export and a full export at 1M consultations.

Runs the real commands (`crm export weekly`, `crm export full`) in their own processes against
the scale data set and reports wall time, the process's peak RSS, rows per file and bytes
written. The output goes to a temporary folder, deleted afterwards.

    .venv/bin/python -m bench.exports                  # 1M consultations, SQLite
    .venv/bin/python -m bench.exports --size 100000 --postgres
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

STEPS = [
    ("weekly export, all hubs (last complete week)", ["export", "weekly"]),
    ("full export, all hubs", ["export", "full"]),
    ("full export, CP932 (Shift_JIS)", ["export", "full", "--encoding", "cp932"]),
]


def _rows(stdout: str) -> dict[str, int]:
    return {
        name: int(count.replace(",", ""))
        for name, count in re.findall(r"^\s+(\S+\.csv): ([\d,]+) 行", stdout, re.MULTILINE)
    }


def _bytes(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--postgres", action="store_true")
    options = parser.parse_args()
    url = datasets.ensure(options.size, options.postgres)
    env = {**os.environ, "CRM_DATABASE_URL": url, "CRM_DEMO_ON_EMPTY": "0"}
    load_start = os.getloadavg()[0]
    rows = []
    for label, args in STEPS:
        print(f"{label}…", file=sys.stderr, flush=True)
        out = Path(tempfile.mkdtemp(prefix="crm-export-", dir=datasets.DATA_DIR))
        try:
            done = datasets.run_with_rss([*datasets.CRM, *args, "--out", str(out)], env, label)
            written = _bytes(out)
        finally:
            shutil.rmtree(out, ignore_errors=True)
        counts = _rows(done["stdout"])
        total = sum(counts.values())
        listed = ", ".join(f"{name.removesuffix('.csv')} {n:,}" for name, n in counts.items())
        rows.append(
            [
                label,
                f"{done['seconds']:,.1f} s",
                f"{done['rss_mib']:,.0f}",
                f"{total:,}",
                f"{total / done['seconds']:,.0f}",
                f"{written / 2**20:,.1f}",
                listed,
            ]
        )
    backend = "PostgreSQL" if options.postgres else "SQLite"
    table = markdown_table(
        [
            "command",
            "wall time",
            "peak RSS (MiB)",
            "rows written",
            "rows/s",
            "MiB written",
            "rows per file",
        ],
        rows,
    )
    body = (
        f"Database: {backend}, {options.size:,} consultations (`crm demo --consultations "
        f"{options.size} --seed 1`). Each command is `crm … --out DIR` in its own process "
        f"(wall time includes starting Python and the audit entry); rows are as the command "
        f"reported them.\n\n{table}\n\nLoad average (1 min) at start {load_start:.1f}, at end "
        f"{os.getloadavg()[0]:.1f} ({os.cpu_count()} cores; other work on the machine inflates "
        f"the times).\n"
    )
    command = "python -m bench.exports" + (" --postgres" if options.postgres else "")
    if options.size != 1_000_000:
        command += f" --size {options.size}"
    name = "exports" + ("_postgres" if options.postgres else "")
    write_section(name, f"Exports at {options.size:,} consultations ({backend})", command, body)


if __name__ == "__main__":
    main()
