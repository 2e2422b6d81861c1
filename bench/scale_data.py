"""Benchmark: making the scale data sets with `crm demo --consultations N --seed 1`.

Generates (or, without --fresh, reuses) the data sets the other benchmarks read — 10k, 100k and
1M consultations with proportional firms, contacts, needs, referrals, placements and follow-ups
across all hubs and ten years — each with the real commands in their own processes, and
reports the time, the loader's peak memory, the rows per table and the database size.

    .venv/bin/python -m bench.scale_data --fresh              # SQLite, remake all three
    .venv/bin/python -m bench.scale_data --fresh --postgres   # PostgreSQL
"""

import argparse

from bench import datasets
from bench.report import markdown_table, write_section

SIZES = [10_000, 100_000, 1_000_000]
SHOWN = [
    "company",
    "contact",
    "consultation",
    "talent_need",
    "need_status_change",
    "referral",
    "placement",
    "follow_up",
    "kpi_target",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=SIZES)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--fresh", action="store_true", help="remake existing data sets")
    options = parser.parse_args()
    rows = []
    for size in options.sizes:
        if options.fresh:
            print(f"generating {size:,}…", flush=True)
            stats = datasets.generate(size, options.postgres)
        else:
            datasets.ensure(size, options.postgres)
            stats = datasets.stats(size, options.postgres)
        total = sum(stats["rows"].get(t, 0) for t in SHOWN)
        load = stats.get("load_average") or [None, None]
        rows.append(
            [
                f"{size:,}",
                f"{stats['seconds']:,.1f} s",
                f"{total / stats['seconds']:,.0f}",
                f"{stats['rss_mib']:,.0f}",
                f"{stats['bytes'] / 2**20:,.0f}",
                *(f"{stats['rows'].get(t, 0):,}" for t in SHOWN),
                " → ".join("?" if x is None else f"{x:.1f}" for x in load),
                stats["made_at"],
            ]
        )
    backend = "PostgreSQL" if options.postgres else "SQLite"
    table = markdown_table(
        [
            "consultations",
            "time",
            "rows/s",
            "peak RSS (MiB)",
            "database (MiB)",
            *SHOWN,
            "load avg",
            "made",
        ],
        rows,
    )
    body = (
        f"Database: {backend}, empty and migrated (`crm db upgrade`), then "
        f"`crm demo --consultations N --seed 1` in its own process: ten years ending this "
        f"month, all 46 hubs, bulk inserts. *time* is that command's wall time (Python start "
        f"included); *rows/s* counts every row of the tables shown. Same seed, same data.\n\n"
        f"{table}\n\nData sets live in {datasets.DATA_DIR} (set CRM_BENCH_DIR to move them), "
        f"not in the repository. {datasets.load_note()}\n"
    )
    command = "python -m bench.scale_data --fresh" + (" --postgres" if options.postgres else "")
    if options.sizes != SIZES:
        command += " --sizes " + " ".join(map(str, options.sizes))
    name = "scale_data" + ("_postgres" if options.postgres else "")
    write_section(name, f"Scale data ({backend})", command, body)


if __name__ == "__main__":
    main()
