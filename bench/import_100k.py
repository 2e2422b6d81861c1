"""Benchmark: import 100,000 consultations from one CSV with `crm import`, as an operator would.

Makes a fresh database (SQLite file, or a new PostgreSQL database with ``--postgres``, which
reads CRM_TEST_POSTGRES_URL), imports 2,000 companies, then a 100,000-row consultations file
in CP932 with Japanese headers and the date spellings offices use (ISO, 2016/4/1, 令和6年4月1日,
R6.4.1, full-width digits). Each step runs the real command in its own process; the time is
wall-clock, the CPU time is the process's user + system time (what the step costs on a quiet
machine; wall-clock grows with other work on a shared one) and the memory is that process's
peak resident set size. The import's progress lines
(stderr) are counted and the first ones are shown. Results go to BENCHMARKS.md (section
``import_100k``).

    .venv/bin/python -m bench.import_100k                # SQLite
    .venv/bin/python -m bench.import_100k --postgres     # PostgreSQL
    .venv/bin/python -m bench.import_100k --rows 20000   # a smaller run
"""

import argparse
import datetime as dt
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import func, select

from bench import datasets
from bench.report import markdown_table, write_section
from crm.db import make_engine
from crm.models import Company, Consultation

ROOT = Path(__file__).resolve().parent.parent
CRM = [sys.executable, "-c", "from crm.cli import app; app()"]
HUB = "06"
CHANNELS = ["企業訪問", "セミナー", "金融機関からの紹介", "visit", "inbound"]
ERAS = [("令和", "R", dt.date(2019, 5, 1)), ("平成", "H", dt.date(1989, 1, 8))]
FULL_WIDTH = str.maketrans("0123456789/", "０１２３４５６７８９／")


def corporate_number(serial: int) -> str:
    """A valid 13-digit corporate number (check digit per the National Tax Agency's rule)."""
    base = f"{serial:012d}"
    total = sum(int(d) * (1 if n % 2 else 2) for n, d in enumerate(reversed(base), start=1))
    return f"{9 - total % 9}{base}"


def spelled(day: dt.date, style: int) -> str:
    if style == 0:
        return day.isoformat()
    if style == 1:
        return f"{day.year}/{day.month}/{day.day}"
    if style == 2:
        return f"{day.year}/{day.month}/{day.day}".translate(FULL_WIDTH)
    kanji, letter, since = ERAS[0] if day >= ERAS[0][2] else ERAS[1]
    year = day.year - since.year + 1
    if style == 3:
        return f"{kanji}{'元' if year == 1 else year}年{day.month}月{day.day}日"
    return f"{letter}{year}.{day.month}.{day.day}"


def write_files(folder: Path, companies: int, rows: int) -> tuple[Path, Path]:
    rng = random.Random(2016)
    company_file = folder / "companies.csv"
    # New firms: the database gives them ids 1 … N in file order (a hub import never takes
    # ids from a file), which the consultations below name.
    lines = ["企業名,法人番号,都道府県コード,業種,従業員数"]
    for index in range(1, companies + 1):
        lines.append(
            f"ベンチ工業{index:05d}株式会社,{corporate_number(500000 + index)},"
            f"{HUB},E,{rng.randint(5, 900)}"
        )
    company_file.write_bytes(("\r\n".join(lines) + "\r\n").encode("utf-8-sig"))
    consultation_file = folder / "consultations.csv"
    first = dt.date(2016, 1, 1)
    span = (dt.date(2026, 10, 31) - first).days
    lines = ["相談ID,企業ID,相談日,相談経路,相談内容,次のアクション"]
    for index in range(rows):
        day = first + dt.timedelta(days=rng.randrange(span))
        lines.append(
            f",{rng.randint(1, companies)},{spelled(day, index % 5)},"
            f"{CHANNELS[index % len(CHANNELS)]},"
            f"社長と面談（{index:06d}）。販路開拓の人材を検討,求人票の確認"
        )
    consultation_file.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp932"))
    return company_file, consultation_file


def run(args: list[str], env: dict, label: str) -> dict:
    """Run one command in its own process: seconds, CPU seconds, peak RSS (MiB), stdout and
    stderr lines."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        began = time.perf_counter()
        process = subprocess.Popen([*CRM, *args], env=env, stdout=out, stderr=err, cwd=ROOT)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - began
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
    if process.returncode != 0:
        raise SystemExit(f"{label} failed ({process.returncode}):\n{stdout}\n{stderr[-3000:]}")
    return {
        "seconds": seconds,
        "cpu": usage.ru_utime + usage.ru_stime,
        "rss_mib": usage.ru_maxrss / 1024,
        "stdout": stdout,
        "progress": [line for line in stderr.splitlines() if line.startswith("[")],
    }


def _outcome(stdout: str) -> str:
    """新規 / 更新 / 変更なし counts from the command's summary line, or its last line."""
    lines = stdout.strip().splitlines()
    counts = next((line.split(": ", 1)[-1] for line in lines if "新規" in line), None)
    return counts or lines[-1][:60]


def database(postgres: bool, folder: Path) -> tuple[str, callable]:
    if not postgres:
        return f"sqlite:///{folder / 'bench.sqlite3'}", lambda: None
    return datasets.temporary_postgres_database()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--companies", type=int, default=2_000)
    parser.add_argument("--postgres", action="store_true")
    options = parser.parse_args()
    load_start = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        url, drop = database(options.postgres, folder)
        try:
            env = {**os.environ, "CRM_DATABASE_URL": url}
            began = time.perf_counter()
            company_file, consultation_file = write_files(folder, options.companies, options.rows)
            generated = time.perf_counter() - began
            run(["db", "upgrade"], env, "migrate")
            steps = [
                (
                    "companies",
                    company_file,
                    ["import", "companies", str(company_file), "--hub", HUB],
                ),
                (
                    "consultations --dry-run",
                    consultation_file,
                    ["import", "consultations", str(consultation_file), "--hub", HUB, "--dry-run"],
                ),
                (
                    "consultations",
                    consultation_file,
                    ["import", "consultations", str(consultation_file), "--hub", HUB],
                ),
                (
                    "consultations again (re-import)",
                    consultation_file,
                    ["import", "consultations", str(consultation_file), "--hub", HUB],
                ),
            ]
            results = []
            for label, path, args in steps:
                result = run(args, env, label)
                rows = options.companies if label == "companies" else options.rows
                results.append((label, path, rows, result))
                print(
                    f"{label}: {result['seconds']:.1f} s (CPU {result['cpu']:.1f} s), "
                    f"{result['rss_mib']:.0f} MiB, "
                    f"{len(result['progress'])} progress lines",
                    file=sys.stderr,
                )
            engine = make_engine(url)
            with engine.connect() as connection:
                stored = connection.execute(
                    select(func.count())
                    .select_from(Consultation)
                    .where(Consultation.hub_code == HUB)
                ).scalar_one()
                firms = connection.execute(select(func.count()).select_from(Company)).scalar_one()
            engine.dispose()
        finally:
            drop()
    if stored != options.rows or firms != options.companies:
        raise SystemExit(
            f"expected {options.rows} consultations and {options.companies} "
            f"companies, found {stored} and {firms}"
        )
    backend = "PostgreSQL" if options.postgres else "SQLite"
    table = markdown_table(
        [
            "step",
            "file",
            "rows",
            "seconds",
            "CPU seconds",
            "rows/s",
            "peak RSS (MiB)",
            "progress lines",
            "result",
        ],
        [
            [
                label,
                f"{path.name} ({path.stat().st_size / 2**20:.1f} MiB)"
                if path.exists()
                else path.name,
                f"{rows:,}",
                f"{r['seconds']:.1f}",
                f"{r['cpu']:.1f}",
                f"{rows / r['seconds']:,.0f}",
                f"{r['rss_mib']:.0f}",
                len(r["progress"]),
                _outcome(r["stdout"]),
            ]
            for label, path, rows, r in results
        ],
    )
    body = (
        f"Load average (1 min) at start {load_start:.1f}, at end {os.getloadavg()[0]:.1f} "
        f"({os.cpu_count()} cores; other work on the machine inflates the wall-clock times; "
        f"*CPU seconds* is the step's own user + system time, process start included).\n\n"
        f"Database: {backend}. Files generated in {generated:.1f} s: companies.csv (UTF-8 BOM) and "
        f"consultations.csv (CP932, Japanese headers, dates as ISO / 2016/4/1 / full-width / "
        f"令和6年4月1日 / R6.4.1 in turn). Each step is `crm import …` in its own process; after "
        f"the run the database holds {stored:,} consultations (counted independently).\n\n"
        f"{table}\n\nProgress of the import (stderr, first lines):\n\n```\n"
        + "\n".join(results[2][3]["progress"][:4])
        + "\n…\n"
        + results[2][3]["progress"][-1]
        + "\n```\n"
    )
    name = "import_100k" if not options.postgres else "import_100k_postgres"
    command = "python -m bench.import_100k" + (" --postgres" if options.postgres else "")
    if options.rows != 100_000:
        command += f" --rows {options.rows}"
    write_section(name, f"CSV import of {options.rows:,} consultations ({backend})", command, body)


if __name__ == "__main__":
    main()
