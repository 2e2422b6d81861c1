"""Benchmark: the one write layer against the code before it, side by side in one run.

Two source trees run the same steps in turn (before, after, before, after …), each step a
real command in its own process on a fresh copy of the same database:

- ``crm import consultations`` of 100,000 rows (CP932, the date spellings offices use) into a
  SQLite database holding 2,000 firms of hub 06;
- ``crm demo`` into an empty migrated SQLite database (the whole demo history).

The figures are the step's wall-clock seconds, its own CPU seconds (user + system, process
start included) and its peak resident set size; the table gives each figure's median over the
rounds. The "before" tree is a git worktree of ``--before`` (a commit before the redesign).

    .venv/bin/python -m bench.write_layer_ab --before 2036f32 [--rounds 3] [--rows 100000]
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.import_100k import HUB, write_files
from bench.report import markdown_table, write_section

ROOT = Path(__file__).resolve().parent.parent
CRM = [sys.executable, "-c", "from crm.cli import app; app()"]


def measured(tree: Path, args: list[str], env: dict[str, str]) -> dict[str, float]:
    """One command of ``tree`` in its own process: seconds, CPU seconds, peak RSS (MiB)."""
    env = {**env, "PYTHONPATH": str(tree)}
    with tempfile.TemporaryFile() as out:
        began = time.perf_counter()
        process = subprocess.Popen([*CRM, *args], env=env, stdout=out, stderr=out, cwd=tree)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - began
        if os.waitstatus_to_exitcode(status) != 0:
            out.seek(0)
            raise SystemExit(f"{tree}: {' '.join(args)} failed:\n{out.read().decode()[-3000:]}")
    return {
        "seconds": seconds,
        "cpu": usage.ru_utime + usage.ru_stime,
        "rss": usage.ru_maxrss / 1024,
    }


def worktree(commit: str, folder: Path) -> Path:
    tree = folder / "before"
    subprocess.run(
        ["git", "worktree", "add", "--detach", str(tree), commit],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    return tree


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", required=True, help="the commit to compare with")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument(
        "--memory-rows",
        default="25000,100000,200000",
        help="file sizes whose import's peak memory is compared (comma-separated)",
    )
    options = parser.parse_args()
    memory_rows = [int(n) for n in options.memory_rows.split(",") if n]
    load_start = os.getloadavg()[0]
    folder = Path(tempfile.mkdtemp(prefix="crm-ab-"))
    before = worktree(options.before, folder)
    trees = {"before": before, "after": ROOT}
    base = {**os.environ, "CRM_DEMO_PASSWORD": "bench-password-0001", "CRM_DEMO_ON_EMPTY": "0"}
    results: dict[tuple[str, str], list[dict[str, float]]] = {}
    memory: dict[tuple[str, int], float] = {}
    try:
        companies, consultations = write_files(folder, 2_000, options.rows)
        # Each tree migrates its own copies (the trees may differ by a migration).
        steps: dict[str, dict[str, tuple[Path, list[str]]]] = {}
        for version, tree in trees.items():
            empty = folder / f"empty-{version}.sqlite3"
            measured(tree, ["db", "upgrade"], {**base, "CRM_DATABASE_URL": f"sqlite:///{empty}"})
            firms = folder / f"firms-{version}.sqlite3"
            shutil.copy(empty, firms)
            measured(
                tree,
                ["import", "companies", str(companies), "--hub", HUB],
                {**base, "CRM_DATABASE_URL": f"sqlite:///{firms}"},
            )
            steps[version] = {
                "import": (firms, ["import", "consultations", str(consultations), "--hub", HUB]),
                "demo": (empty, ["demo"]),
            }
        for number in range(options.rounds):
            for step in ("import", "demo"):
                for version, tree in trees.items():
                    template, args = steps[version][step]
                    target = folder / f"{step}-{version}-{number}.sqlite3"
                    shutil.copy(template, target)
                    env = {**base, "CRM_DATABASE_URL": f"sqlite:///{target}"}
                    result = measured(tree, args, env)
                    results.setdefault((step, version), []).append(result)
                    target.unlink()
                    print(step, version, number, result, file=sys.stderr)
        # Peak memory against the file's size: one import of each size per tree.
        for size in memory_rows:
            sized = folder / f"rows-{size}"
            sized.mkdir()
            _, file = write_files(sized, 2_000, size)
            for version, tree in trees.items():
                template = steps[version]["import"][0]
                target = folder / f"memory-{version}-{size}.sqlite3"
                shutil.copy(template, target)
                env = {**base, "CRM_DATABASE_URL": f"sqlite:///{target}"}
                args = ["import", "consultations", str(file), "--hub", HUB]
                memory[(version, size)] = measured(tree, args, env)["rss"]
                target.unlink()
                print("memory", version, size, memory[(version, size)], file=sys.stderr)
    finally:
        subprocess.run(
            ["git", "worktree", "remove", "--force", str(before)], cwd=ROOT, capture_output=True
        )
        shutil.rmtree(folder, ignore_errors=True)
    rows = []
    for step, label in (
        ("import", f"`crm import consultations` ({options.rows:,} rows)"),
        ("demo", "`crm demo` (the whole demo history)"),
    ):
        medians = {
            version: {k: statistics.median(r[k] for r in results[(step, version)]) for k in r0}
            for version in trees
            for r0 in [results[(step, version)][0]]
        }
        b, a = medians["before"], medians["after"]
        rows.append(
            [
                label,
                f"{b['seconds']:.1f} / {a['seconds']:.1f}",
                f"{b['cpu']:.1f} / {a['cpu']:.1f}",
                f"{a['cpu'] / b['cpu']:.2f}×",
                f"{b['rss']:.0f} / {a['rss']:.0f}",
            ]
        )
    table = markdown_table(
        [
            "step",
            "seconds, before / after",
            "CPU seconds, before / after",
            "CPU after ÷ before",
            "peak RSS MiB, before / after",
        ],
        rows,
    )
    growth = {
        version: (memory[(version, memory_rows[-1])] - memory[(version, memory_rows[0])])
        * 1024
        / (memory_rows[-1] - memory_rows[0])
        for version in trees
    }
    memory_table = markdown_table(
        ["rows in the file", *(f"peak RSS MiB, {version}" for version in trees)],
        [
            [f"{size:,}", *(f"{memory[(version, size)]:.0f}" for version in trees)]
            for size in memory_rows
        ]
        + [
            [
                "growth per row (first to last size)",
                *(f"{growth[version]:.2f} KB" for version in trees),
            ]
        ],
    )
    body = (
        f"Before: commit {options.before} (three write paths); after: this commit (one write "
        f"layer, per-row audit entries). Medians of {options.rounds} rounds, the two trees in "
        f"turn, each step in its own process on a fresh copy of the same SQLite database. Load "
        f"average (1 min) {load_start:.1f} at start, {os.getloadavg()[0]:.1f} at end "
        f"({os.cpu_count()} cores; other work inflates wall-clock seconds, CPU seconds less).\n\n"
        f"{table}\n\n"
        "Peak memory of `crm import consultations` against the file's size (one run each): "
        "the import reads, checks and keeps its rows a chunk at a time, so beyond SQLite's "
        "page cache for the write (64 MB at most) its memory no longer follows the rows.\n\n"
        f"{memory_table}\n"
    )
    write_section(
        "write_layer_ab",
        "One write layer: import and demo load before and after, side by side",
        f"python -m bench.write_layer_ab --before {options.before}",
        body,
    )


if __name__ == "__main__":
    main()
