"""Benchmark: the secretariat's pages (national, prefecture comparison, breakdowns, 人材還流)
at 100k, 1M and 3M consultations, cold cache, against the least their numbers can cost.

For each size and page, in a fresh process whose runs share one engine (as the app's do):

- floor: hand-written SQL over the DB driver that reads what the page shows from the summary
  tables (whole months) and computes the row-based figures (distinct firms, the median's
  histogram, repeat share, the partial month) over the period's rows through the date indexes;
- page: the page's own reads (the functions it passes to ``cached_read``), called directly,
  i.e. the work of a view with an empty cache.

The page's totals are compared with the floor's (the run stops if they differ). The growth
columns divide each time by the same page's time at the smallest size: flat is ≈1×, linear
would be 30× from 100k to 3M.

    .venv/bin/python -m bench.secretariat_pages                 # 100k, 1M, 3M on SQLite
    .venv/bin/python -m bench.secretariat_pages --sizes 100000 1000000 --repeat 3
    .venv/bin/python -m bench.secretariat_pages --postgres
"""

import argparse
import json
import statistics
import sys
import time

from bench import datasets
from bench.report import markdown_table, write_section

PAGES = ["national", "prefectures", "breakdowns", "flows"]


def view():
    from crm.analytics.filters import AnalyticsFilter
    from crm.timeutil import fiscal_year, fiscal_year_bounds, today_jst

    today = today_jst()
    since, until = fiscal_year_bounds(fiscal_year(today))
    return today, fiscal_year(today), AnalyticsFilter(since=since, until=min(until, today))


# --- the pages' own reads ---------------------------------------------------------------------


def page_reads(url: str, page: str) -> dict:
    """What the page passes to cached_read, in the page's order; returns its totals."""
    from sqlmodel import Session

    from crm.analytics.breakdowns import all_breakdowns
    from crm.analytics.comparison import hub_comparison
    from crm.analytics.flows import flow_tables
    from crm.analytics.forecast import fiscal_year_forecast
    from crm.analytics.national import headline_figures
    from crm.analytics.periods import target_year
    from crm.analytics.targets import target_progress
    from crm.analytics.trend import monthly_trend
    from crm.services.today import todays_counts_by_hub

    today, _fy, filters = view()
    engine, actor = _app_engine(url)
    with Session(engine) as session:
        if page == "flows":  # the page reads the flows once, at both origin levels
            tables = flow_tables(session, actor, filters)
            by_prefecture, areas = tables.prefecture, tables.area
            return {"prefecture_total": by_prefecture.total, "area_total": areas.total}
        figures = headline_figures(session, actor, filters=filters)
        out = {
            "consultations": figures.consultations,
            "companies": figures.companies_consulted,
            "placements": figures.placements,
            "repeat_firms": figures.companies_placed_repeatedly,
            "median_days": figures.median_days_to_placement,
        }
        if page == "national":
            rule = target_year(filters.until, today)
            progress = target_progress(session, actor, rule.fiscal_year, rule.as_of, filters)
            trend = monthly_trend(session, actor, filters=filters.with_period(None, filters.until))
            todays_counts_by_hub(session, actor, today=today)
            out["per_hub"] = sum(p.consultations for p in progress)
            out["cumulative"] = trend[-1].cumulative_consultations
        elif page == "prefectures":
            comparison = hub_comparison(session, actor, filters=filters, today=today)
            fiscal_year_forecast(session, actor, as_of=comparison.as_of)
            out["per_hub"] = comparison.total("consultations")
            out["cumulative"] = comparison.total("cumulative_consultations")
        else:
            results = all_breakdowns(session, actor, filters=filters)
            out["breakdown_total"] = sum(b.total for b in results)
    return out


_ENGINES: dict = {}


def _app_engine(url: str):
    """The engine and the secretariat's actor, made once per process as the app does (its
    engine lives as long as the process): each run is a new session with an empty page cache,
    not a new engine, its connections and its compiled statements."""
    from crm.db import make_engine

    if url not in _ENGINES:
        engine = make_engine(url)
        _ENGINES[url] = (engine, datasets.secretariat(engine))
    return _ENGINES[url]


# --- the floor --------------------------------------------------------------------------------


def _month(day) -> int:
    return day.year * 100 + day.month


_CONNECTIONS: dict = {}


def floor(url: str, page: str) -> dict:
    """The same totals by hand: summary tables for whole months, rows for the rest."""
    import sqlite3

    from sqlalchemy.engine import make_url

    from crm.analytics.counted import split_period

    _today, _fy, filters = view()
    since, until = filters.since, filters.until
    split = split_period(since, until)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        days = "CAST(julianday(f.placed_on) - julianday(f.first_on) AS INTEGER)"
        p = "?"
    else:
        days = "(f.placed_on - f.first_on)"
        p = "%s"
    if url not in _CONNECTIONS:  # one connection per process, like the page's engine
        if parsed.get_backend_name() == "sqlite":
            _CONNECTIONS[url] = sqlite3.connect(parsed.database)
        else:
            import psycopg

            _CONNECTIONS[url] = psycopg.connect(
                parsed.set(drivername="postgresql").render_as_string(hide_password=False),
                autocommit=True,
            )
    connection = _CONNECTIONS[url]
    cursor = connection.cursor()
    whole = (split.first, split.last)
    edge = split.partial[-1] if split.partial else None

    def one(sql, *args):
        cursor.execute(sql.replace("?", p), args)
        return cursor.fetchall()

    def summed(table, where="", group=""):
        select = f"{group + ', ' if group else ''}SUM(n)"
        rows = one(
            f"SELECT {select} FROM {table} WHERE month BETWEEN ? AND ? {where}"
            f"{' GROUP BY ' + group if group else ''}",
            *whole,
        )
        return rows

    def edge_rows(table, date, group=""):
        if edge is None:
            return []
        select = f"{group + ', ' if group else ''}COUNT(*)"
        return one(
            f"SELECT {select} FROM {table} WHERE {date} BETWEEN ? AND ?"
            f"{' GROUP BY ' + group if group else ''}",
            *edge,
        )

    def total(rows):
        return sum(int(r[-1] or 0) for r in rows)

    if page == "flows":
        # Both levels come from one read of the origin counts (whole months) and the rows of
        # the partial month, grouped by origin and hub.
        whole_rows = summed("placement_count", "AND dimension = 'origin'", "value, hub_code")
        edge_counts = edge_rows(
            "placement", "placed_on", "previous_prefecture, previous_residence, hub_code"
        )
        placed = total(whole_rows) + total(edge_counts)
        return {"prefecture_total": placed, "area_total": placed}
    period = (since, until)
    consultations = total(summed("consultation_count")) + total(
        edge_rows("consultation", "consulted_on")
    )
    total(summed("need_count")) + total(edge_rows("talent_need", "opened_on"))
    placements = total(summed("placement_count", "AND dimension = 'age_band'")) + total(
        edge_rows("placement", "placed_on")
    )
    [(companies,)] = one(
        "SELECT COUNT(DISTINCT company_id) FROM consultation WHERE consulted_on BETWEEN ? AND ?",
        *period,
    )
    [(_firms, repeat)] = one(
        "SELECT COUNT(*), SUM(CASE WHEN k > 1 THEN 1 ELSE 0 END) FROM (SELECT company_id,"
        " COUNT(*) AS k FROM placement WHERE placed_on BETWEEN ? AND ? GROUP BY company_id) x",
        *period,
    )
    histogram = one(
        f"SELECT d, COUNT(*) FROM (SELECT {days} AS d FROM (SELECT p.placed_on, (SELECT"
        " MIN(c.consulted_on) FROM consultation c WHERE c.company_id = p.company_id) AS first_on"
        " FROM placement p WHERE p.placed_on BETWEEN ? AND ?) f WHERE f.first_on IS NOT NULL) x"
        " GROUP BY d",
        *period,
    )
    from crm.analytics.national import median_from_histogram

    out = {
        "consultations": consultations,
        "companies": companies,
        "placements": placements,
        "repeat_firms": int(repeat or 0),
        "median_days": median_from_histogram([(int(d), int(n)) for d, n in histogram]),
    }
    if page in ("national", "prefectures"):
        per_hub = summed("consultation_count", group="hub_code")
        edge_hub = edge_rows("consultation", "consulted_on", "hub_code")
        out["per_hub"] = total(per_hub) + total(edge_hub)
        summed("placement_count", "AND dimension = 'residence'", "hub_code, engagement, value")
        edge_rows("placement", "placed_on", "hub_code, engagement, previous_residence")
        cumulative = one("SELECT month, SUM(n) FROM consultation_count GROUP BY month")
        one("SELECT month, SUM(n) FROM placement_count WHERE dimension = 'age_band' GROUP BY month")
        before = sum(int(n) for m, n in cumulative if split.last is None or m <= split.last)
        out["cumulative"] = before + total(edge_rows("consultation", "consulted_on"))
        if page == "prefectures":
            one("SELECT hub_code, month, SUM(n) FROM consultation_count GROUP BY hub_code, month")
            one(
                "SELECT hub_code, month, SUM(n) FROM placement_count WHERE dimension = 'age_band'"
                " GROUP BY hub_code, month"
            )
            one(
                "SELECT hub_code, SUM(n) FROM need_count WHERE month BETWEEN ? AND ? GROUP BY 1",
                *whole,
            )
    else:
        breakdown_total = total(summed("consultation_count", group="channel"))
        breakdown_total += total(edge_rows("consultation", "consulted_on", "channel"))
        for dimension in ("age_band", "residence", "partner", "industry"):
            rows = summed("placement_count", f"AND dimension = '{dimension}'", "value")
            breakdown_total += total(rows)
        summed("placement_count", "AND dimension = 'age_band'", "category_id, engagement")
        # engagement and category: the same placements again, grouped two other ways
        breakdown_total += 2 * total(summed("placement_count", "AND dimension = 'age_band'"))
        edge = edge_rows("placement", "placed_on")
        breakdown_total += 6 * total(edge)
        out["breakdown_total"] = breakdown_total
    return out


# --- driver -----------------------------------------------------------------------------------


def child(url: str, page: str, approach: str, repeat: int) -> None:
    run = floor if approach == "floor" else page_reads
    times, result = [], None
    for _ in range(repeat):
        began = time.perf_counter()
        result = run(url, page)
        times.append(time.perf_counter() - began)
    print(json.dumps({"times": times, "result": result}))


def measure(url: str, page: str, approach: str, repeat: int) -> dict:
    args = [sys.executable, "-m", "bench.secretariat_pages", "--child", url, page, approach]
    run = datasets.run_with_rss([*args, str(repeat)], label=f"{page} {approach}")
    return json.loads(run["stdout"].strip().splitlines()[-1]) | {"rss_mib": run["rss_mib"]}


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000, 3_000_000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--child", nargs=4, metavar=("URL", "PAGE", "APPROACH", "REPEAT"))
    args = parser.parse_args()
    if args.child:
        url, page, approach, repeat = args.child
        child(url, page, approach, int(repeat))
        return

    rows, smallest, notes = [], {}, []
    load = [datasets.os.getloadavg()[0]]
    for size in args.sizes:
        url = datasets.ensure(size, args.postgres)
        counts = datasets.row_counts(url)
        notes.append(
            f"- {size:,}: {counts['consultation']:,} consultations, {counts['placement']:,}"
            " placements"
        )
        for page in PAGES:
            floor_run = measure(url, page, "floor", args.repeat)
            page_run = measure(url, page, "page", args.repeat)
            if floor_run["result"] != page_run["result"]:
                raise SystemExit(
                    f"{page} at {size:,}: page {page_run['result']} != floor {floor_run['result']}"
                )
            f, a = statistics.median(floor_run["times"]), statistics.median(page_run["times"])
            smallest.setdefault(page, (f, a))
            f0, a0 = smallest[page]
            rows.append(
                [
                    f"{size:,}",
                    page,
                    ms(f),
                    ms(a),
                    ms(page_run["times"][0]),
                    f"{a / f:.2f}×",
                    f"{f / f0:.2f}×",
                    f"{a / a0:.2f}×",
                    f"{page_run['rss_mib']:.0f}",
                ]
            )
            print(rows[-1], file=sys.stderr, flush=True)
    load.append(datasets.os.getloadavg()[0])
    backend = "PostgreSQL" if args.postgres else "SQLite"
    body = (
        f"Database: {backend}, `crm demo --consultations N --seed 1`. View: this fiscal year up"
        " to today, all hubs, as the secretariat, with an empty page cache (the page's own"
        " reads called directly). *floor*: the summary tables read by hand for the whole"
        " months plus the row-based figures (distinct firms, repeat share, the median's"
        " histogram, the partial month) over the period's rows. Median of"
        f" {args.repeat} runs in one fresh process per cell, the runs sharing one engine (the"
        " floor: one connection) as the app's process does; *first run* also makes the"
        " engine, connects and compiles its statements. The page's numbers were checked"
        " equal to the floor's. *growth* divides by the same column at the first size.\n\n"
        + markdown_table(
            [
                "consultations",
                "page",
                "floor",
                "page reads",
                "first run",
                "÷ floor",
                "floor growth",
                "page growth",
                "peak RSS (MiB)",
            ],
            rows,
        )
        + "\n\n"
        + "\n".join(notes)
        + f"\n\nLoad average (1 min) at start {load[0]:.1f}, at end {load[1]:.1f} (2 cores)."
    )
    name = "secretariat_pages" + ("_postgres" if args.postgres else "")
    command = "python -m bench.secretariat_pages" + (" --postgres" if args.postgres else "")
    write_section(name, f"Secretariat pages, 100k → 1M → 3M ({backend})", command, body)


if __name__ == "__main__":
    main()
