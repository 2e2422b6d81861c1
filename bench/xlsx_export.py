"""Benchmark: the national full export as one Excel workbook at 1M consultations.

Runs `crm export full --format xlsx` (and, with --with-csv, the CSV export it is made from, for
comparison under the same load; the CSV export alone is also measured by bench.exports) in its
own process against the scale data set, and reports wall time, the process's peak RSS,
rows per sheet and the workbook's size. xlsxwriter's constant-memory mode writes each row to a
temporary file as it goes, so the workbook adds little to the export's own memory; the rows
are typed from the export's CSV files, so both formats hold the same data. The output goes to
a temporary folder, deleted afterwards.

    .venv/bin/python -m bench.xlsx_export                  # 1M consultations, SQLite
    .venv/bin/python -m bench.xlsx_export --with-csv       # also the CSV export, same load
    .venv/bin/python -m bench.xlsx_export --size 100000
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

# The workbook writer alone: a million consultation-shaped rows from a generator, so its own
# memory shows apart from the export's (which streams its CSV files through a scratch folder).
WRITER_ONLY = """
import datetime as dt, sys
from crm.csvio.columns import CONSULTATIONS
from crm.csvio.xlsx import Sheet, SheetColumn, column_kind, write_workbook
n = int(sys.argv[1])
columns = [SheetColumn(c.ja, column_kind(c)) for c in CONSULTATIONS.columns]
day = dt.date(2016, 1, 1)
stamp = dt.datetime(2020, 1, 1, 9, 30)
def rows():
    for i in range(1, n + 1):
        yield [str(i), f"{i % 47 + 1:02d}", str(i // 3 + 1), f"株式会社テスト{i % 9973}",
               day + dt.timedelta(days=i % 3650), "企業訪問", "攻めの経営に意欲",
               "工場を見学し経営者と面談。プロフェッショナル人材の採用を決断。", "求人票を作成",
               None, 1, stamp, stamp, None]
write_workbook([Sheet("相談", columns, rows())], __import__("pathlib").Path(sys.argv[2]))
print(f"  consultations.csv: {n:,} 行")
"""

STEPS = [
    ("full export, CSV files (the export's own format)", ["export", "full"]),
    ("full export, one Excel workbook (--format xlsx)", ["export", "full", "--format", "xlsx"]),
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
    parser.add_argument("--with-csv", action="store_true", help="Also run the CSV export.")
    options = parser.parse_args()
    url = datasets.ensure(options.size, options.postgres)
    env = {**os.environ, "CRM_DATABASE_URL": url, "CRM_DEMO_ON_EMPTY": "0"}
    load_start = os.getloadavg()[0]
    rows = []
    steps = STEPS if options.with_csv else STEPS[1:]
    writer_label = f"workbook writer alone: {options.size:,} consultation rows, no database"
    for label, args in [*steps, (writer_label, None)]:
        print(f"{label}…", file=sys.stderr, flush=True)
        out = Path(tempfile.mkdtemp(prefix="crm-xlsx-", dir=datasets.DATA_DIR))
        try:
            if args is None:
                command = [
                    sys.executable,
                    "-c",
                    WRITER_ONLY,
                    str(options.size),
                    str(out / "w.xlsx"),
                ]
            else:
                command = [*datasets.CRM, *args, "--out", str(out)]
            done = datasets.run_with_rss(command, env, label)
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
        print(rows[-1], file=sys.stderr, flush=True)
    backend = "PostgreSQL" if options.postgres else "SQLite"
    table = markdown_table(
        [
            "command",
            "wall time",
            "peak RSS (MiB)",
            "rows written",
            "rows/s",
            "MiB written",
            "rows per file / sheet",
        ],
        rows,
    )
    body = (
        f"Database: {backend}, {options.size:,} consultations (`crm demo --consultations "
        f"{options.size} --seed 1`). Each command is `crm … --out DIR` in its own process "
        "(wall time includes starting Python, reading the rows and the audit entry). The "
        "export's CSV files are streamed to a scratch folder and the workbook is typed from "
        "them as they are read; xlsxwriter runs in constant-memory mode (each row goes to a "
        "temporary file as it is written) and writes straight into the output file.\n\n"
        f"{table}\n\nLoad average (1 min) at start {load_start:.1f}, at end "
        f"{os.getloadavg()[0]:.1f} ({os.cpu_count()} cores; other work on the machine inflates "
        "the times).\n"
    )
    command = "python -m bench.xlsx_export" + (" --postgres" if options.postgres else "")
    if options.size != 1_000_000:
        command += f" --size {options.size}"
    if options.with_csv:
        command += " --with-csv"
    name = "xlsx_export" + ("_postgres" if options.postgres else "")
    write_section(
        name, f"Full export to Excel at {options.size:,} consultations ({backend})", command, body
    )


if __name__ == "__main__":
    main()
