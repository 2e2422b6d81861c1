"""Write a benchmark's table into BENCHMARKS.md, in its own section.

Each script owns the text between ``<!-- BEGIN name -->`` and ``<!-- END name -->`` and replaces
it on every run, so several benchmarks share one file without overwriting each other.
"""

import datetime as dt
import os
import platform
import re
import subprocess
import sys
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parent.parent / "BENCHMARKS.md"
HEADER = (
    "# Benchmarks\n\n"
    "Each section is written by the script it names; rerun the command to refresh it.\n"
)


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        model = next(
            line.split(":", 1)[1].strip()
            for line in open("/proc/cpuinfo")
            if line.startswith("model name")
        )
    except (OSError, StopIteration):
        model = cpu
    mem_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{model}, {os.cpu_count()} cores, {mem_gib:.0f} GiB, Python {platform.python_version()}"


def markdown_table(headers: list[str], rows: list[list]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def write_section(name: str, title: str, command: str, body: str) -> None:
    """Replace (or append) section ``name`` of BENCHMARKS.md and echo it to stdout."""
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        cwd=BENCHMARKS.parent,
    ).stdout.strip()
    section = (
        f"<!-- BEGIN {name} -->\n## {title}\n\n"
        f"- command: `{command}`\n- machine: {machine()}\n"
        f"- date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, commit {commit or '?'}\n\n"
        f"{body.strip()}\n<!-- END {name} -->"
    )
    text = BENCHMARKS.read_text() if BENCHMARKS.exists() else HEADER
    pattern = re.compile(
        rf"<!-- BEGIN {re.escape(name)} -->.*?<!-- END {re.escape(name)} -->", re.DOTALL
    )
    text = (
        pattern.sub(lambda _: section, text)
        if pattern.search(text)
        else text.rstrip("\n") + "\n\n" + section + "\n"
    )
    BENCHMARKS.write_text(text)
    sys.stdout.write(section + "\n")
