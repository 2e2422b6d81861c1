"""Benchmark: the national dashboard at 10k, 100k and 1M consultations.

For each size, four ways to get the page's numbers (default view: this fiscal year, all hubs),
each measured in its own fresh process so that time and memory do not bleed between them:

- floor: the bare SQL GROUP BY queries that compute the same numbers, through the DB driver
  (no ORM, no pandas): the least any implementation must spend;
- aggregates: the app's own analytics functions, exactly as pages/national.py calls them
  (headline_figures, target_progress, monthly_trend), without the page cache;
- naive: what a typical app does instead: read the tables into pandas and compute there;
- page: the real page (streamlit_app.py -> pages/national.py) under streamlit.testing AppTest
  as the secretariat: first render with an empty cache, and a rerun served from the cache;
- what-if: the floor with the monthly trend grouped by day (the date index's own order) and
  added up into months in Python, to show what a cheaper trend query would buy.

Every approach's numbers are compared with the floor's (the run stops if they differ). Time is
the median of --repeat runs (the first run is also shown); memory is the process's peak RSS and,
for the Python-level approaches, tracemalloc's peak during one extra run.

    .venv/bin/python -m bench.national_dashboard                      # 10k, 100k, 1M on SQLite
    .venv/bin/python -m bench.national_dashboard --postgres           # the same on PostgreSQL
    .venv/bin/python -m bench.national_dashboard --sizes 10000 --repeat 3
"""

import argparse
import json
import os
import statistics
import sys
import time
import tracemalloc
from collections import Counter

from bench import datasets
from bench.report import markdown_table, write_section

APPROACHES = ["floor", "floor_by_day", "aggregates", "naive", "page"]


# --- the default view of the page ------------------------------------------------------------


def default_view():
    """The page's default filter: this fiscal year up to today, every hub (as filter_panel)."""
    from crm.analytics.filters import AnalyticsFilter
    from crm.timeutil import fiscal_year, fiscal_year_bounds, today_jst

    today = today_jst()
    fy = fiscal_year(today)
    since, until = fiscal_year_bounds(fy)
    return today, fy, AnalyticsFilter(since=since, until=min(until, today))


def median_of(histogram) -> float | None:
    from crm.analytics.national import median_from_histogram

    return median_from_histogram(histogram)


def digest(
    *,
    consultations,
    companies,
    needs,
    placements,
    firms_placed,
    repeat_firms,
    timed,
    median_days,
    per_hub,
    monthly,
) -> dict:
    """The page's numbers in one comparable shape."""
    return {
        "consultations": int(consultations),
        "companies": int(companies),
        "needs": int(needs),
        "placements": int(placements),
        "firms_placed": int(firms_placed),
        "repeat_firms": int(repeat_firms),
        "timed": int(timed),
        "median_days": median_days,
        "per_hub": {h: [int(c), int(p)] for h, (c, p) in sorted(per_hub.items()) if c or p},
        "monthly": {m: [int(c), int(p)] for m, (c, p) in sorted(monthly.items()) if c or p},
    }


# --- the four approaches (each returns a digest) --------------------------------------------


def run_aggregates(url: str) -> dict:
    """The page's three cached reads, called directly (no cache)."""
    from sqlmodel import Session

    from crm.analytics.national import headline_figures
    from crm.analytics.targets import target_progress
    from crm.analytics.trend import monthly_trend

    today, fy, filters = default_view()
    engine = _engine(url)
    actor = datasets.secretariat(engine)
    with Session(engine) as session:
        figures = headline_figures(session, actor, filters=filters)
        progress = target_progress(session, actor, fy=fy, as_of=today, filters=filters)
        trend = monthly_trend(session, actor, filters=filters.with_period(None, filters.until))
    engine.dispose()
    return digest(
        consultations=figures.consultations,
        companies=figures.companies_consulted,
        needs=figures.needs_opened,
        placements=figures.placements,
        firms_placed=figures.companies_placed,
        repeat_firms=figures.companies_placed_repeatedly,
        timed=figures.placements_timed,
        median_days=figures.median_days_to_placement,
        per_hub={p.hub_code: (p.consultations, p.placements) for p in progress},
        monthly={p.month: (p.consultations, p.contracts) for p in trend},
    )


FLOOR_SQL = {
    "sqlite": {
        "month": "strftime('%Y-%m', {})",
        "days": "CAST(julianday({}) - julianday({}) AS INTEGER)",
        "param": "?",
    },
    "postgresql": {"month": "to_char({}, 'YYYY-MM')", "days": "({} - {})", "param": "%s"},
}


def run_floor(url: str, by_day: bool = False) -> dict:
    """The same numbers with hand-written GROUP BY queries over the DB driver.

    ``by_day``: a what-if for the monthly trend, grouping by the date itself (the index's own
    order, no per-row date formatting or sort) and adding the days up into months here."""
    today, fy, filters = default_view()
    since, until = filters.since, filters.until
    connection, dialect = _raw_connection(url)
    sql = FLOOR_SQL[dialect]
    p = sql["param"]

    def rows(query: str, *params):
        cursor = connection.cursor()
        cursor.execute(query.replace("?", p), params)
        return cursor.fetchall()

    period = (since.isoformat(), until.isoformat()) if dialect == "sqlite" else (since, until)
    upto = period[1]
    consultations, companies = rows(
        "SELECT count(*), count(DISTINCT company_id) FROM consultation "
        "WHERE consulted_on >= ? AND consulted_on <= ?",
        *period,
    )[0]
    needs = rows(
        "SELECT count(*) FROM talent_need WHERE opened_on >= ? AND opened_on <= ?", *period
    )[0][0]
    placed, firms, repeat = rows(
        "SELECT coalesce(sum(n), 0), count(*), coalesce(sum(CASE WHEN n > 1 THEN 1 ELSE 0 END), 0) "
        "FROM (SELECT company_id, count(*) AS n FROM placement "
        "WHERE placed_on >= ? AND placed_on <= ? GROUP BY company_id) per_company",
        *period,
    )[0]
    days = sql["days"].format("p.placed_on", "f.first_on")
    histogram = rows(
        f"SELECT {days} AS d, count(*) FROM placement p JOIN ("
        "  SELECT company_id, min(consulted_on) AS first_on FROM consultation"
        "  WHERE company_id IN (SELECT company_id FROM placement"
        "                       WHERE placed_on >= ? AND placed_on <= ?)"
        "  GROUP BY company_id) f ON f.company_id = p.company_id "
        f"WHERE p.placed_on >= ? AND p.placed_on <= ? GROUP BY {days}",
        *period,
        *period,
    )
    by_hub_c = dict(
        rows(
            "SELECT hub_code, count(*) FROM consultation WHERE consulted_on >= ? "
            "AND consulted_on <= ? GROUP BY hub_code",
            *period,
        )
    )
    by_hub_p = dict(
        rows(
            "SELECT hub_code, count(*) FROM placement WHERE placed_on >= ? "
            "AND placed_on <= ? GROUP BY hub_code",
            *period,
        )
    )
    active = [r[0] for r in rows("SELECT code FROM hub WHERE active ORDER BY code")]
    rows("SELECT * FROM kpi_target WHERE fiscal_year = ?", fy)
    if by_day:
        monthly_c, monthly_p = Counter(), Counter()
        for day, n in rows(
            "SELECT consulted_on, count(*) FROM consultation "
            "WHERE consulted_on <= ? GROUP BY consulted_on",
            upto,
        ):
            monthly_c[str(day)[:7]] += n
        for day, n in rows(
            "SELECT placed_on, count(*) FROM placement WHERE placed_on <= ? GROUP BY placed_on",
            upto,
        ):
            monthly_p[str(day)[:7]] += n
    else:
        month_c = sql["month"].format("consulted_on")
        month_p = sql["month"].format("placed_on")
        monthly_c = dict(
            rows(
                f"SELECT {month_c}, count(*) FROM consultation "
                f"WHERE consulted_on <= ? GROUP BY {month_c}",
                upto,
            )
        )
        monthly_p = dict(
            rows(
                f"SELECT {month_p}, count(*) FROM placement "
                f"WHERE placed_on <= ? GROUP BY {month_p}",
                upto,
            )
        )
    connection.close()
    return digest(
        consultations=consultations,
        companies=companies,
        needs=needs,
        placements=placed,
        firms_placed=firms,
        repeat_firms=repeat,
        timed=sum(n for _, n in histogram),
        median_days=median_of([(int(d), int(n)) for d, n in histogram]),
        per_hub={h: (by_hub_c.get(h, 0), by_hub_p.get(h, 0)) for h in active},
        monthly={
            m: (monthly_c.get(m, 0), monthly_p.get(m, 0)) for m in set(monthly_c) | set(monthly_p)
        },
    )


def run_naive(url: str) -> dict:
    """A typical app: SELECT * of each table into pandas, then filter and group there."""
    import pandas as pd

    today, fy, filters = default_view()
    since, until = pd.Timestamp(filters.since), pd.Timestamp(filters.until)
    engine = _engine(url)
    with engine.connect() as connection:
        consultations = pd.read_sql("SELECT * FROM consultation", connection)
        needs = pd.read_sql("SELECT * FROM talent_need", connection)
        placements = pd.read_sql("SELECT * FROM placement", connection)
        hubs = pd.read_sql("SELECT * FROM hub", connection)
        pd.read_sql("SELECT * FROM kpi_target", connection)
    consultations["consulted_on"] = pd.to_datetime(consultations["consulted_on"])
    needs["opened_on"] = pd.to_datetime(needs["opened_on"])
    placements["placed_on"] = pd.to_datetime(placements["placed_on"])

    c_in = consultations[consultations.consulted_on.between(since, until)]
    n_in = needs[needs.opened_on.between(since, until)]
    p_in = placements[placements.placed_on.between(since, until)]
    per_company = p_in.groupby("company_id").size()
    first = consultations.groupby("company_id").consulted_on.min()
    timed = p_in.join(first.rename("first_on"), on="company_id", how="inner")
    days = (timed.placed_on - timed.first_on).dt.days
    histogram = list(days.value_counts().items())
    active = hubs[hubs.active.astype(bool)].code
    by_hub_c = c_in.groupby("hub_code").size()
    by_hub_p = p_in.groupby("hub_code").size()
    c_upto = consultations[consultations.consulted_on <= until]
    p_upto = placements[placements.placed_on <= until]
    monthly_c = c_upto.groupby(c_upto.consulted_on.dt.strftime("%Y-%m")).size()
    monthly_p = p_upto.groupby(p_upto.placed_on.dt.strftime("%Y-%m")).size()
    return digest(
        consultations=len(c_in),
        companies=c_in.company_id.nunique(),
        needs=len(n_in),
        placements=len(p_in),
        firms_placed=len(per_company),
        repeat_firms=int((per_company > 1).sum()),
        timed=int(days.size),
        median_days=median_of([(int(d), int(n)) for d, n in histogram]),
        per_hub={h: (by_hub_c.get(h, 0), by_hub_p.get(h, 0)) for h in active},
        monthly={
            m: (monthly_c.get(m, 0), monthly_p.get(m, 0))
            for m in set(monthly_c.index) | set(monthly_p.index)
        },
    )


class PageRun:
    """The real page under AppTest; the first call renders it with an empty cache."""

    def __init__(self, url: str):
        os.environ["CRM_DATABASE_URL"] = url
        os.environ["CRM_DEMO_ON_EMPTY"] = "0"
        from streamlit.testing.v1 import AppTest

        from ui.headless import run_entry_script_every_run

        run_entry_script_every_run()  # as a server does
        self.at = AppTest.from_file(str(datasets.ROOT / "streamlit_app.py"), default_timeout=900)
        self.at.session_state["actor"] = datasets.secretariat(_engine(url))
        self.at.run()  # the secretariat's first page (the hub dashboard), before the timing
        self.switched = False

    def render(self, cold: bool) -> dict:
        import streamlit as st

        if cold:
            st.cache_data.clear()
        if not self.switched:
            self.at.switch_page("pages/national.py")
            self.switched = True
        self.at.run()
        if self.at.exception:
            raise RuntimeError([e.value for e in self.at.exception])
        metrics = {m.label: m.value for m in self.at.metric}
        return {
            "consultations": metrics["相談件数"],
            "companies": metrics["相談企業数"],
            "needs": metrics["人材ニーズ"],
            "placements": metrics["成約件数"],
            "charts": len(self.at.get("vega_lite_chart")),
        }


# --- one approach in this process ------------------------------------------------------------


def _engine(url: str):
    from crm.db import make_engine

    return make_engine(url)


def _raw_connection(url: str):
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        import sqlite3

        return sqlite3.connect(parsed.database), "sqlite"
    import psycopg

    return psycopg.connect(
        parsed.set(drivername="postgresql").render_as_string(hide_password=False)
    ), "postgresql"


def _rss_mib() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(approach: str, url: str, repeat: int) -> dict:
    """Run one approach ``repeat`` times in this (fresh) process; print one JSON line."""
    if approach == "page":
        started = time.perf_counter()
        page = PageRun(url)
        setup = time.perf_counter() - started
        baseline = _rss_mib()
        cold, warm, result = [], [], None
        for _ in range(repeat):
            began = time.perf_counter()
            result = page.render(cold=True)
            cold.append(time.perf_counter() - began)
            began = time.perf_counter()
            page.render(cold=False)
            warm.append(time.perf_counter() - began)
        return {
            "runs": cold,
            "warm": warm,
            "setup": setup,
            "result": result,
            "rss_mib": _rss_mib(),
            "baseline_mib": baseline,
        }
    run = {
        "floor": run_floor,
        "floor_by_day": lambda u: run_floor(u, by_day=True),
        "aggregates": run_aggregates,
        "naive": run_naive,
    }[approach]
    # Imports outside the timing (a running app has them loaded already).
    if approach == "naive":
        import pandas  # noqa: F401
    if approach == "aggregates":
        import crm.analytics.national  # noqa: F401
        import crm.analytics.targets  # noqa: F401
    baseline = _rss_mib()
    runs, result = [], None
    for _ in range(repeat):
        began = time.perf_counter()
        result = run(url)
        runs.append(time.perf_counter() - began)
    rss = _rss_mib()
    tracemalloc.start()
    run(url)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "runs": runs,
        "result": result,
        "rss_mib": rss,
        "baseline_mib": baseline,
        "traced_peak_mib": peak / 2**20,
    }


def in_subprocess(approach: str, url: str, repeat: int) -> dict:
    done = datasets.run_with_rss(
        [
            sys.executable,
            "-m",
            "bench.national_dashboard",
            "--measure",
            approach,
            "--url",
            url,
            "--repeat",
            str(repeat),
        ],
        label=f"{approach} {url}",
    )
    line = next(line for line in reversed(done["stdout"].splitlines()) if line.startswith("{"))
    return json.loads(line) | {"process_rss_mib": done["rss_mib"]}


# --- the report ------------------------------------------------------------------------------


def _fmt_s(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms" if seconds < 10 else f"{seconds:,.1f} s"


def compare(floor: dict, other: dict, approach: str) -> None:
    if approach == "page":
        wanted = {k: f"{floor[k]:,}" for k in ("consultations", "companies", "needs", "placements")}
        got = {k: other[k] for k in wanted}
    else:
        wanted, got = floor, other
    if wanted != got:
        differing = {k: (wanted[k], got.get(k)) for k in wanted if wanted[k] != got.get(k)}
        raise SystemExit(f"{approach} disagrees with the floor: {str(differing)[:2000]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--measure", choices=APPROACHES, help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.measure:
        print(json.dumps(measure(options.measure, options.url, options.repeat), default=str))
        return

    backend = "PostgreSQL" if options.postgres else "SQLite"
    load_start = os.getloadavg()[0]
    rows, details = [], []
    for size in options.sizes:
        url = datasets.ensure(size, options.postgres)
        results = {}
        for approach in APPROACHES:
            print(f"{size:,} {approach}…", file=sys.stderr, flush=True)
            results[approach] = in_subprocess(approach, url, options.repeat)
        floor = results["floor"]
        for approach in APPROACHES[1:]:
            compare(floor["result"], results[approach]["result"], approach)
        floor_s = statistics.median(floor["runs"])
        for approach in APPROACHES:
            r = results[approach]
            median = statistics.median(r["runs"])
            traced = f"{r['traced_peak_mib']:,.1f}" if "traced_peak_mib" in r else "—"
            label = {
                "floor": "bare SQL GROUP BY (floor)",
                "floor_by_day": "what-if: floor, trend grouped by day then months",
                "aggregates": "app aggregates (crm.analytics, no cache)",
                "naive": "naive: tables into pandas",
                "page": "full page, AppTest, empty cache",
            }[approach]
            rows.append(
                [
                    f"{size:,}",
                    label,
                    _fmt_s(median),
                    _fmt_s(r["runs"][0]),
                    f"{median / floor_s:,.1f}×",
                    f"{r['process_rss_mib']:,.0f}",
                    f"{r['process_rss_mib'] - r['baseline_mib']:,.0f}",
                    traced,
                ]
            )
            if approach == "page":
                warm = statistics.median(r["warm"])
                rows.append(
                    [
                        f"{size:,}",
                        "full page, AppTest, cached (rerun)",
                        _fmt_s(warm),
                        _fmt_s(r["warm"][0]),
                        f"{warm / floor_s:,.1f}×",
                        "",
                        "",
                        "",
                    ]
                )
        stats = datasets.stats(size, options.postgres) or {}
        details.append(
            f"- {size:,}: {stats.get('rows', {}).get('consultation', '?'):,} "
            f"consultations, {stats.get('rows', {}).get('placement', 0):,} placements; "
            f"this fiscal year: {floor['result']['consultations']:,} consultations, "
            f"{floor['result']['placements']:,} placements; page numbers "
            f"{results['page']['result']}"
        )
    table = markdown_table(
        [
            "consultations",
            "approach",
            "median",
            "first run",
            "÷ floor",
            "peak RSS (MiB)",
            "RSS growth (MiB)",
            "Python peak (MiB, tracemalloc)",
        ],
        rows,
    )
    today, fy, filters = default_view()
    body = (
        f"Database: {backend}, data from `crm demo --consultations N --seed 1` "
        f"(see *Scale data*). View: the page's default, fiscal year {fy} "
        f"({filters.since} to {filters.until}), all hubs: headline figures, per-hub progress "
        f"against targets and the monthly cumulative trend since 2016.\n\n"
        f"Each approach runs in its own fresh process, {options.repeat} times (median and first "
        f"run shown); every approach's numbers were checked equal to the floor's. *RSS growth* "
        f"is the process's peak resident memory minus its size after imports; tracemalloc "
        f"counts Python allocations only. The page's time is one run of the national page's "
        f"script (entry script + page) with the cache cleared; the cached rerun shows what "
        f"every later view costs until the next write.\n\n{table}\n\n"
        + "\n".join(details)
        + f"\n\nLoad average (1 min) at start {load_start:.1f}, at end {os.getloadavg()[0]:.1f} "
        f"({os.cpu_count()} cores; other work on the machine inflates the times).\n"
    )
    command = "python -m bench.national_dashboard" + (" --postgres" if options.postgres else "")
    if options.sizes != [10_000, 100_000, 1_000_000]:
        command += " --sizes " + " ".join(map(str, options.sizes))
    if options.repeat != 3:
        command += f" --repeat {options.repeat}"
    name = "national_dashboard" + ("_postgres" if options.postgres else "")
    write_section(name, f"National dashboard ({backend})", command, body)


if __name__ == "__main__":
    main()
